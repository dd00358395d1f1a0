/**
 * Forwarded writes: what a local user does in a room hosted elsewhere is sent to the host as the
 * very activity the room's inbox takes (`Create` of a `Note`, `Update`, `Delete`, `EmojiReact`,
 * `Undo`), but POSTed to the room's `/actions` endpoint, signed by the user (HTTP Signatures), and
 * answered at once with the host's decision: `200 { seq }`, or the refusal's code and words. The
 * inbox cannot do that (it queues and answers 202 before deciding), and a member's client deserves
 * to know whether its message was accepted.
 *
 * The activity id carries an action id chosen by the member instance, so a write retried after a
 * lost answer (or after an outage, from the member's queue) is recognised: the host applies each
 * action id once and answers a second arrival with `action-replayed` and what the first one got.
 */
import { userIdentifier } from '../actor-identifiers.ts'
import { createHash, type webcrypto } from 'node:crypto'
import { Temporal } from '@js-temporal/polyfill'
import { signRequest, type Context, type KvStore } from '@fedify/fedify'
import {
  Activity,
  Create,
  Delete,
  EmojiReact,
  Note,
  Read,
  Source,
  Undo,
  Update,
  type Activity as ActivityType,
} from '@fedify/fedify/vocab'
import { ErrorCodes } from '@parley/protocol'
import type { RemoteFetcher } from '../remote-fetcher.ts'
import type { SignatureVerifier } from '../inbound/signature-verifier.ts'
import { refusalResponse } from '../inbound/inbound-refusal.ts'
import type { FederationLogger } from '../log.ts'
import { escapeHtml } from './room-documents.ts'
import { eventUri, messageUri } from './room-fanout.ts'
import { decideRoomChat, type RoomChatDeps } from './room-chat.ts'
import { attachmentObject, type FileAttachment } from '../attachments/attachment-objects.ts'
import { pollActionActivity, type PollAction } from './room-polls.ts'

export type RemoteRoomAction =
  /** `attachments`: a file uploaded on the member's instance, by a capability URL of it (the host fetches it and decides). */
  | { type: 'post'; body: string; replyTo?: number; attachments?: FileAttachment[] }
  | { type: 'edit'; seq: number; body: string }
  | { type: 'delete'; seq: number }
  | { type: 'react' | 'unreact'; seq: number; emoji: string }
  /** The member read up to event `seq` (an AS2 `Read` of `{room}/events/{seq}`). */
  | { type: 'read'; seq: number }
  /** Polls: a new one, a vote, a closing (room-polls.ts). */
  | PollAction

export type ForwardOutcome =
  | { type: 'accepted'; seq: number }
  | { type: 'refused'; code: string; message: string }
  | { type: 'unreachable'; reason: string }

/** How long a host remembers an applied action id (a member's queue retries well within it). */
const REPLAY_MEMORY = Temporal.Duration.from({ hours: 24 * 14 })
const ACTION_ID = /^[A-Za-z0-9_-]{8,64}$/

const html = (body: string) => `<p>${escapeHtml(body).replace(/\r?\n/g, '<br>')}</p>`

/** The activity for `action` by `actor` in `room`, with id `{actor}/room-activities/{actionId}`. */
export function roomActionActivity(
  actor: URL,
  room: URL,
  action: RemoteRoomAction,
  actionId: string,
  now: number,
): ActivityType {
  const id = new URL(`${actor.href}/room-activities/${actionId}`)
  const published = Temporal.Instant.fromEpochMilliseconds(now)
  switch (action.type) {
    case 'poll':
    case 'vote':
    case 'close-poll':
      return pollActionActivity(id, actor, room, action, now)
    case 'post':
      return new Create({
        id,
        actor,
        to: room,
        published,
        object: new Note({
          id: new URL(`${actor.href}/room-notes/${actionId}`),
          attribution: actor,
          contexts: [room],
          to: room,
          content: html(action.body),
          source: new Source({ content: action.body, mediaType: 'text/markdown' }),
          published,
          replyTarget: action.replyTo === undefined ? null : messageUri(room, action.replyTo),
          attachments: (action.attachments ?? []).map(attachmentObject),
        }),
      })
    case 'edit':
      return new Update({
        id,
        actor,
        to: room,
        published,
        object: new Note({
          id: messageUri(room, action.seq),
          attribution: actor,
          content: html(action.body),
          source: new Source({ content: action.body, mediaType: 'text/markdown' }),
          updated: published,
        }),
      })
    case 'delete':
      return new Delete({ id, actor, to: room, object: messageUri(room, action.seq), published })
    case 'read':
      return new Read({ id, actor, to: room, object: eventUri(room, action.seq), published })
    case 'react':
    case 'unreact': {
      // The same reaction always has the same id, so its Undo can name it.
      const key = createHash('sha256')
        .update(`${room.href}\n${action.seq}\n${action.emoji}`)
        .digest('base64url')
        .slice(0, 22)
      const react = new EmojiReact({
        id: action.type === 'react' ? id : new URL(`${actor.href}/reactions/${key}`),
        actor,
        object: messageUri(room, action.seq),
        content: action.emoji,
        to: room,
      })
      return action.type === 'react' ? react : new Undo({ id, actor, object: react, to: room })
    }
  }
}

/** Member side: sends the action to the host, signed by `username`, and returns the host's answer. */
export async function forwardRoomAction(
  deps: { ctx: Context<void>; fetcher: RemoteFetcher; now: () => number; log: FederationLogger },
  username: string,
  room: URL,
  action: RemoteRoomAction,
  actionId: string,
): Promise<ForwardOutcome> {
  const actor = deps.ctx.getActorUri(userIdentifier(username))
  const activity = roomActionActivity(actor, room, action, actionId, deps.now())
  const body = JSON.stringify(await activity.toJsonLd({ format: 'compact', contextLoader: deps.ctx.contextLoader }))
  // Fedify's ActorKeyPair is a CryptoKeyPair with the key id (the DOM's CryptoKeyPair type is not in scope here).
  const keys = (await deps.ctx.getActorKeyPairs(userIdentifier(username))) as unknown as {
    keyId: URL
    privateKey: webcrypto.CryptoKey
  }[]
  const rsa = keys.find((k) => k.privateKey.algorithm.name === 'RSASSA-PKCS1-v1_5')
  if (!rsa) return { type: 'refused', code: 'internal-error', message: 'the user has no RSA key to sign with' }
  const url = `${room.href}/actions`
  let status: number
  let answer: unknown
  try {
    const { response } = await deps.fetcher.fetch(url, (hop) =>
      signRequest(
        new Request(hop, {
          method: 'POST',
          headers: { 'content-type': 'application/activity+json', accept: 'application/json' },
          body,
        }),
        rsa.privateKey,
        rsa.keyId,
        { spec: 'draft-cavage-http-signatures-12' },
      ),
    )
    status = response.status
    answer = await response.json().catch(() => null) // a reply that is not JSON is judged by its status below
  } catch (error) {
    return { type: 'unreachable', reason: error instanceof Error ? error.message : String(error) }
  }
  if (status >= 500 || status === 429 || status === 408)
    return { type: 'unreachable', reason: `the host answered ${status}` }
  const seq = (answer as { seq?: unknown } | null)?.seq
  if (status === 200 && typeof seq === 'number') return { type: 'accepted', seq }
  const error = (answer as { error?: { code?: unknown; message?: unknown } } | null)?.error
  const code = typeof error?.code === 'string' ? error.code : 'remote-refused'
  const message = typeof error?.message === 'string' ? error.message.slice(0, 500) : `the host answered ${status}`
  // A retry of an action the host applied before: what the first one got.
  const first = (error as { details?: { seq?: unknown } } | undefined)?.details?.seq
  if (code === 'action-replayed' && typeof first === 'number') return { type: 'accepted', seq: first }
  deps.log.info({ room: room.href, actionId, status, code }, 'forwarded room action refused by the host')
  return { type: 'refused', code, message }
}

export type RoomActionHostDeps = RoomChatDeps & {
  kv: KvStore
  /** The inbox's own signature checks: the key must be one the acting member's actor lists, on its own server. */
  verifier: SignatureVerifier
}

/** Actions being decided on this node: a second copy arriving meanwhile is a replay too. */
const inFlight = new Set<string>()

/** Host side: `POST /rooms/{roomId}/actions` (the caller checked the path and method). */
export async function handleRoomAction(
  deps: RoomActionHostDeps,
  ctx: Context<void>,
  request: Request,
  roomId: string,
): Promise<Response> {
  // Signature first (what it covers, the digest, the date), then the body, then the key: one the
  // activity's actor lists on its own server (a key document elsewhere naming a member as its
  // owner speaks for no one) — the inbox's checks, inbound/signature-verifier.ts.
  const body = new Uint8Array(await request.arrayBuffer())
  const read = deps.verifier.read(request, body)
  if (read === null) return answer(401, 'unauthenticated', 'A valid HTTP signature of the acting member is required')
  if (!read.ok) return refusalResponse(read.refusal)
  let activity: ActivityType
  try {
    activity = await Activity.fromJsonLd(JSON.parse(new TextDecoder().decode(body)), {
      documentLoader: ctx.documentLoader,
      contextLoader: ctx.contextLoader,
    })
  } catch {
    return answer(400, 'validation-failed', 'The body is not an activity')
  }
  const actor = activity.actorId
  const id = activity.id
  if (actor === null || id === null) return answer(400, 'validation-failed', 'The activity names no actor or id')
  const verified = await deps.verifier.verify(request, body, read.signature, actor)
  if (!verified.ok) return refusalResponse(verified.refusal)
  const actionId = id.href.startsWith(`${actor.href}/room-activities/`)
    ? id.href.slice(`${actor.href}/room-activities/`.length)
    : ''
  if (!ACTION_ID.test(actionId))
    return answer(400, 'validation-failed', "The activity's id must be {actor}/room-activities/{action id}")
  const memory = ['parley', 'room-actions', roomId, id.href] as const
  // The KV memory answers fast; the event log is the truth (the action id is stored with the event
  // it made, in the same write), so a crash before the KV write still leaves the action known.
  let known = await deps.kv.get<{ seq: number }>(memory)
  if (known === undefined && !inFlight.has(id.href)) {
    const seq = await deps.chat.appliedAction(roomId, id.href)
    if (seq !== null) known = { seq }
  }
  if (known !== undefined || inFlight.has(id.href)) {
    deps.log.warn({ roomId, activity: id.href }, 'replayed forwarded room action refused')
    return answer(409, 'action-replayed', undefined, known ? { seq: known.seq } : undefined)
  }
  inFlight.add(id.href)
  try {
    let outcome: Awaited<ReturnType<typeof decideRoomChat>>
    try {
      outcome = await deps.chat.applying(id.href, () => decideRoomChat(deps, ctx, activity, roomId))
    } catch (error) {
      // Another node of this instance took the same action between the look-up above and this
      // write (the member retried on another connection): the event log's unique action id refused
      // the second copy's event (a post's message is rolled back with it; an edit wrote the same
      // text again). The member gets the replay answer, not a 500.
      const seq = await deps.chat.appliedAction(roomId, id.href)
      if (seq === null) throw error
      deps.log.warn({ roomId, activity: id.href }, 'forwarded room action taken meanwhile by another node')
      return answer(409, 'action-replayed', undefined, { seq })
    }
    if (outcome === null) return answer(400, 'validation-failed', 'Not a chat action')
    if (!outcome.ok) {
      deps.log.info({ roomId, activity: id.href, reason: outcome.reason }, 'forwarded room action refused')
      const code = outcome.reason in ErrorCodes ? (outcome.reason as keyof typeof ErrorCodes) : 'forbidden'
      return answer(ErrorCodes[code].status, code)
    }
    await deps.kv.set(memory, { seq: outcome.seq }, { ttl: REPLAY_MEMORY })
    deps.log.info({ roomId, activity: id.href, seq: outcome.seq }, 'forwarded room action taken')
    return Response.json({ seq: outcome.seq })
  } finally {
    inFlight.delete(id.href)
  }
}

function answer(
  status: number,
  code: keyof typeof ErrorCodes,
  message?: string,
  details?: Record<string, unknown>,
): Response {
  return Response.json(
    { error: { code, message: message ?? ErrorCodes[code].message, ...(details ? { details } : {}) } },
    { status },
  )
}
