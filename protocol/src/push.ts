/**
 * Web Push (RFC 8030, with VAPID RFC 8292 and message encryption RFC 8291): a signed-in browser
 * hands the instance its push subscription, and the instance sends it encrypted notifications for
 * mentions, replies and incoming calls, so a person who closed the tab still hears about them.
 * `PushPayload` is what the service worker receives once the browser decrypted the message.
 */
import Type, { type Static } from 'typebox'
import { Id, Timestamp } from './common.ts'

/** Base64url without padding: how browsers write subscription keys and VAPID keys. */
const Base64Url = (description: string, minLength: number, maxLength: number) =>
  Type.String({ pattern: '^[A-Za-z0-9_-]+={0,2}$', minLength, maxLength, description })

export const PushPublicKey = Type.Object(
  {
    publicKey: Base64Url(
      "The instance's VAPID public key (uncompressed P-256 point, base64url): the applicationServerKey of PushManager.subscribe()",
      80,
      100,
    ),
  },
  { additionalProperties: false, title: 'PushPublicKey' },
)
export type PushPublicKey = Static<typeof PushPublicKey>

/** The browser's PushSubscription.toJSON(), as it comes. */
export const PushSubscriptionCreate = Type.Object(
  {
    endpoint: Type.String({
      minLength: 1,
      maxLength: 2048,
      description:
        "The push service's URL for this browser. Must be https on a public address (push-endpoint-invalid otherwise).",
    }),
    expirationTime: Type.Optional(Type.Union([Type.Number(), Type.Null()])),
    keys: Type.Object(
      {
        p256dh: Base64Url("The browser's P-256 public key (65-byte uncompressed point)", 80, 100),
        auth: Base64Url('The 16-byte authentication secret', 16, 32),
      },
      { additionalProperties: false },
    ),
  },
  { additionalProperties: false, title: 'PushSubscriptionCreate' },
)
export type PushSubscriptionCreate = Static<typeof PushSubscriptionCreate>

export const PushSubscriptionView = Type.Object(
  {
    id: Id,
    endpoint: Type.String({ maxLength: 2048 }),
    createdAt: Timestamp,
    current: Type.Boolean({ description: 'Made by the session or token making this request' }),
  },
  { additionalProperties: false, title: 'PushSubscriptionView' },
)
export type PushSubscriptionView = Static<typeof PushSubscriptionView>

export const PushSubscriptionList = Type.Object(
  { subscriptions: Type.Array(PushSubscriptionView) },
  { additionalProperties: false, title: 'PushSubscriptionList' },
)
export type PushSubscriptionList = Static<typeof PushSubscriptionList>

export const PushKind = Type.Union([Type.Literal('mention'), Type.Literal('reply'), Type.Literal('call')], {
  description:
    'mention: you (or @all) were mentioned; reply: someone replied to you; call: a call started in a room of yours',
})
export type PushKind = Static<typeof PushKind>

/** Largest push payload Parley sends, in bytes of JSON (push services take about 4 KiB encrypted). */
export const PUSH_PAYLOAD_MAX_BYTES = 3072

export const PushPayload = Type.Object(
  {
    kind: PushKind,
    roomId: Id,
    seq: Type.Optional(Type.Integer({ minimum: 1, description: 'The message (mention, reply)' })),
    title: Type.String({ maxLength: 200 }),
    body: Type.String({ maxLength: 400, description: 'The start of the message; empty for calls' }),
    tag: Type.String({
      maxLength: 128,
      description:
        'Notification tag: `<roomId>:<seq>` for messages (the same tag the open web client uses, so one replaces the other) and `call:<roomId>` for calls',
    }),
    url: Type.String({ maxLength: 200, description: 'Path of the web client to open on click, e.g. /r/<roomId>' }),
    sentAt: Timestamp,
  },
  { additionalProperties: false, title: 'PushPayload' },
)
export type PushPayload = Static<typeof PushPayload>

export const PushSubscriptionParams = Type.Object({ id: Id }, { additionalProperties: false })
export type PushSubscriptionParams = Static<typeof PushSubscriptionParams>
