/**
 * The server-to-server call channel (spec/cascade.md): one WebSocket from a member's instance (the
 * "peer") to a room's host, opened with an HTTP-signed upgrade. Call traffic is ephemeral and
 * latency-sensitive, so it does not ride the inbox queue; durable facts (membership, chat) stay
 * ActivityPub activities.
 *
 * The host is the authority for call state: a peer forwards its sessions' `call.*` frames unchanged
 * (`cascade.call`), the host runs them through its call service as it would its own sessions', and
 * answers with the same server frames, either to one session (`cascade.to-session`) or to every
 * member of the room on the peer (`cascade.room`). Participant ids in those frames are the host's.
 */
import Type, { type Static } from 'typebox'
import { ErrorCodeSchema } from './errors.ts'
import { CLIENT_CALL_MESSAGES, SERVER_CALL_MESSAGES } from './calls.ts'
import { ServerError } from './realtime.ts'
import { Id } from './common.ts'

/** Bumped when a frame changes incompatibly; sent in the upgrade's `parley-cascade-version` header. */
export const CASCADE_VERSION = 1
/** Where a host accepts call channels (a WebSocket upgrade, HTTP-signed). */
export const CASCADE_CHANNEL_PATH = '/api/v1/cascade/channel'
/** Frames larger than this close the channel (1009). */
export const MAX_CASCADE_FRAME_BYTES = 128 * 1024

const RoomUri = Type.String({
  minLength: 1,
  maxLength: 512,
  format: 'uri',
  description: "The room's actor id on its host (https://host/rooms/{id})",
})
const SessionId = Type.String({
  minLength: 1,
  maxLength: 64,
  pattern: '^[A-Za-z0-9_-]+$',
  description: "One realtime session on the peer (the peer's own id for it; never shown to clients)",
})
const ActorUri = Type.String({
  minLength: 1,
  maxLength: 512,
  format: 'uri',
  description: 'The person behind the session: an actor of the peer (its origin must be the peer)',
})

// Peer → host
export const CascadeSubscribe = Type.Object(
  { type: Type.Literal('cascade.subscribe'), room: RoomUri },
  {
    additionalProperties: false,
    title: 'CascadeSubscribe',
    description:
      "Peer → host: send me this room's call news (who is in the call, media, hands, reactions). Refused unless a member of the room lives on the peer",
  },
)
export type CascadeSubscribe = Static<typeof CascadeSubscribe>

export const CascadeUnsubscribe = Type.Object(
  { type: Type.Literal('cascade.unsubscribe'), room: RoomUri },
  {
    additionalProperties: false,
    title: 'CascadeUnsubscribe',
    description:
      "Peer → host: stop sending this room's call news and typing (no member of the room lives on the peer any more). Nothing is answered; unknown subscriptions are ignored",
  },
)
export type CascadeUnsubscribe = Static<typeof CascadeUnsubscribe>

export const CascadeCall = Type.Object(
  {
    type: Type.Literal('cascade.call'),
    room: RoomUri,
    session: SessionId,
    actor: Type.Object({ id: ActorUri, name: Type.String({ maxLength: 200 }) }, { additionalProperties: false }),
    message: Type.Union([...CLIENT_CALL_MESSAGES], {
      description: "A session's call frame as the client sent it (its roomId is replaced by the host's room id)",
    }),
  },
  { additionalProperties: false, title: 'CascadeCall', description: "Peer → host: one of its session's call frames" },
)
export type CascadeCall = Static<typeof CascadeCall>

export const CascadeReleased = Type.Object(
  { type: Type.Literal('cascade.released'), room: RoomUri, session: SessionId },
  {
    additionalProperties: false,
    title: 'CascadeReleased',
    description: "Peer → host: the session closed or no longer receives the room: it leaves the room's call",
  },
)
export type CascadeReleased = Static<typeof CascadeReleased>

// Media bridges (DESIGN.md §2.7): the peer's bridge subscribes to a feed on the host's SFU as an
// ordinary WebRTC subscriber (DTLS-SRTP), the SDP exchanged here, one subscription per feed per peer.
const BridgeId = Type.String({
  minLength: 1,
  maxLength: 64,
  pattern: '^[A-Za-z0-9_-]+$',
  description: "The peer's id for one bridge subscription",
})
const BridgeSdp = Type.String({ minLength: 1, maxLength: 60_000, description: 'An SDP session description' })

export const CascadeBridgeSubscribe = Type.Object(
  {
    type: Type.Literal('cascade.bridge-subscribe'),
    room: RoomUri,
    bridge: BridgeId,
    feed: Id,
    spatialLayer: Type.Optional(
      Type.Integer({ minimum: 0, maximum: 2, description: 'The simulcast layer the host forwards to this peer' }),
    ),
  },
  {
    additionalProperties: false,
    title: 'CascadeBridgeSubscribe',
    description:
      "Peer → host: subscribe the peer's bridge to one feed of the room's call (answered by `cascade.bridge-offer`). Refused unless the room's call runs on an SFU, the feed is published in it and a member of the room lives on the peer",
  },
)
export type CascadeBridgeSubscribe = Static<typeof CascadeBridgeSubscribe>

export const CascadeBridgeAnswer = Type.Object(
  { type: Type.Literal('cascade.bridge-answer'), room: RoomUri, bridge: BridgeId, sdp: BridgeSdp },
  {
    additionalProperties: false,
    title: 'CascadeBridgeAnswer',
    description: "Peer → host: the bridge's answer to the host's offer",
  },
)
export type CascadeBridgeAnswer = Static<typeof CascadeBridgeAnswer>

export const CascadeBridgeClose = Type.Object(
  { type: Type.Literal('cascade.bridge-close'), room: RoomUri, bridge: BridgeId },
  { additionalProperties: false, title: 'CascadeBridgeClose', description: 'Peer → host: the bridge lets the feed go' },
)
export type CascadeBridgeClose = Static<typeof CascadeBridgeClose>

export const CascadeBridgeLayer = Type.Object(
  {
    type: Type.Literal('cascade.bridge-layer'),
    room: RoomUri,
    bridge: BridgeId,
    spatialLayer: Type.Integer({
      minimum: 0,
      maximum: 2,
      description: 'The simulcast layer the host forwards to this peer',
    }),
  },
  {
    additionalProperties: false,
    title: 'CascadeBridgeLayer',
    description:
      "Peer → host: forward another simulcast layer of the bridged feed (the highest one the peer's subscribers of it need now); the host switches its subscription on its SFU. Refused (media-not-found) for a bridge the peer does not hold",
  },
)
export type CascadeBridgeLayer = Static<typeof CascadeBridgeLayer>

export const CascadeTyping = Type.Object(
  {
    type: Type.Literal('cascade.typing'),
    room: RoomUri,
    actor: Type.Object({ id: ActorUri, name: Type.String({ maxLength: 200 }) }, { additionalProperties: false }),
    typing: Type.Boolean(),
  },
  {
    additionalProperties: false,
    title: 'CascadeTyping',
    description:
      "Peer → host: a member on the peer started or stopped typing in the room (ephemeral, not kept). Refused (not-a-participant) unless the actor is an active participant; an actor of another origin closes the channel. The host's sessions and every subscribed peer then get it as `cascade.room-typing`",
  },
)
export type CascadeTyping = Static<typeof CascadeTyping>

export const PEER_CASCADE_FRAMES = [
  CascadeSubscribe,
  CascadeUnsubscribe,
  CascadeCall,
  CascadeReleased,
  CascadeBridgeSubscribe,
  CascadeBridgeAnswer,
  CascadeBridgeClose,
  CascadeBridgeLayer,
  CascadeTyping,
] as const

export const PeerCascadeFrame = Type.Union([...PEER_CASCADE_FRAMES], { title: 'PeerCascadeFrame' })
export type PeerCascadeFrame = Static<typeof PeerCascadeFrame>

// Host → peer
const CallOrError = Type.Union([...SERVER_CALL_MESSAGES, ServerError])

export const CascadeSubscribed = Type.Object(
  {
    type: Type.Literal('cascade.subscribed'),
    room: RoomUri,
    call: Type.Union([SERVER_CALL_MESSAGES[0], Type.Null()], {
      description: 'null: no call runs; otherwise the call as a `call.joined` would show it (participantId empty)',
    }),
  },
  {
    additionalProperties: false,
    title: 'CascadeSubscribed',
    description: 'Host → peer: the subscription holds; the room-wide call frames follow as `cascade.room`',
  },
)
export type CascadeSubscribed = Static<typeof CascadeSubscribed>

export const CascadeToSession = Type.Object(
  { type: Type.Literal('cascade.to-session'), room: RoomUri, session: SessionId, frame: CallOrError },
  {
    additionalProperties: false,
    title: 'CascadeToSession',
    description:
      "Host → peer: a frame for one of the peer's sessions (call.joined, relayed signals, SDP, acks, errors)",
  },
)
export type CascadeToSession = Static<typeof CascadeToSession>

export const CascadeRoom = Type.Object(
  { type: Type.Literal('cascade.room'), room: RoomUri, frame: Type.Union([...SERVER_CALL_MESSAGES]) },
  {
    additionalProperties: false,
    title: 'CascadeRoom',
    description:
      "Host → peer: a room-wide call frame (participant joined/updated/left, reaction, call ended…) for every member's sessions on the peer",
  },
)
export type CascadeRoom = Static<typeof CascadeRoom>

export const CascadeRoomTyping = Type.Object(
  {
    type: Type.Literal('cascade.room-typing'),
    room: RoomUri,
    actor: Type.Object(
      {
        type: Type.Union([Type.Literal('user'), Type.Literal('guest')]),
        id: Type.String({
          minLength: 1,
          maxLength: 512,
          description: "A person's actor id (users); a guest's id on the host (guests)",
        }),
        name: Type.String({ maxLength: 200 }),
      },
      { additionalProperties: false },
    ),
    typing: Type.Boolean(),
  },
  {
    additionalProperties: false,
    title: 'CascadeRoomTyping',
    description:
      "Host → peer: someone in a room the peer subscribed to started or stopped typing (the host's own people and other instances' members alike)",
  },
)
export type CascadeRoomTyping = Static<typeof CascadeRoomTyping>

export const CascadeLeft = Type.Object(
  { type: Type.Literal('cascade.left'), room: RoomUri, session: SessionId },
  {
    additionalProperties: false,
    title: 'CascadeLeft',
    description: 'Host → peer: the session is no longer in the call (left, removed by a moderator, call ended)',
  },
)
export type CascadeLeft = Static<typeof CascadeLeft>

export const CascadeError = Type.Object(
  {
    type: Type.Literal('cascade.error'),
    room: Type.Optional(RoomUri),
    error: Type.Object(
      {
        code: ErrorCodeSchema,
        message: Type.String(),
        details: Type.Optional(Type.Record(Type.String(), Type.Unknown())),
      },
      { additionalProperties: false },
    ),
  },
  {
    additionalProperties: false,
    title: 'CascadeError',
    description: 'Host → peer: a frame was refused (nothing changed); protocol violations also close the channel',
  },
)
export type CascadeError = Static<typeof CascadeError>

export const CascadeBridgeOffer = Type.Object(
  { type: Type.Literal('cascade.bridge-offer'), room: RoomUri, bridge: BridgeId, feed: Id, sdp: BridgeSdp },
  {
    additionalProperties: false,
    title: 'CascadeBridgeOffer',
    description: "Host → peer: the SFU's offer for the bridge's subscription (no trickle: candidates included)",
  },
)
export type CascadeBridgeOffer = Static<typeof CascadeBridgeOffer>

export const CascadeBridgeClosed = Type.Object(
  {
    type: Type.Literal('cascade.bridge-closed'),
    room: RoomUri,
    bridge: BridgeId,
    reason: Type.String({ maxLength: 200 }),
  },
  {
    additionalProperties: false,
    title: 'CascadeBridgeClosed',
    description: "Host → peer: the bridge's subscription ended (the feed was unpublished, the call ended)",
  },
)
export type CascadeBridgeClosed = Static<typeof CascadeBridgeClosed>

export const HOST_CASCADE_FRAMES = [
  CascadeSubscribed,
  CascadeToSession,
  CascadeRoom,
  CascadeRoomTyping,
  CascadeLeft,
  CascadeError,
  CascadeBridgeOffer,
  CascadeBridgeClosed,
] as const
export const HostCascadeFrame = Type.Union([...HOST_CASCADE_FRAMES], { title: 'HostCascadeFrame' })
export type HostCascadeFrame = Static<typeof HostCascadeFrame>

/** WebSocket close codes of the call channel. */
export const CascadeCloseCodes = {
  /** The peer sent a frame that is not JSON or matches no schema. */
  'invalid-frame': 4400,
  /** The peer spoke for a participant it does not own (an actor of another origin). */
  'not-owner': 4403,
  /** The host is shutting down. */
  'going-away': 1001,
} as const
