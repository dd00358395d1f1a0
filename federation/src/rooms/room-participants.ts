/**
 * Who is in a room, as its host knows them, for member instances: `GET /rooms/{roomId}/participants`
 * answers JSON `{ participants: ParticipantView[] }` (people named by their actor ids, guests by
 * their id on the host), signed by a member (HTTP Signatures) whose account is an active
 * participant. Member instances show it as the room's participants, remote ones included, with
 * their roles — the member's own mirror only knows its local members.
 *
 * Parley's own JSON, not ActivityPub: like forwarded writes (room-actions.ts) it is asked and
 * answered at once, between Parley instances only.
 */
import type { webcrypto } from 'node:crypto'
import { signRequest, type Context } from '@fedify/fedify'
import type { RemoteFetcher } from '../remote-fetcher.ts'
import type { SignatureVerifier } from '../inbound/signature-verifier.ts'
import { refusalResponse } from '../inbound/inbound-refusal.ts'
import type { FederationLogger } from '../log.ts'
import type { RoomChatPort } from '../ports.ts'
import { sameUrl } from '../inbox/inbox-deps.ts'
import { userIdentifier } from '../actor-identifiers.ts'

export const ROOM_PARTICIPANTS_PATH = /^\/rooms\/([^/]+)\/participants$/
/** A room with more participants than this is answered in part (a member instance shows what it got). */
const MAX_PARTICIPANTS = 5000

export type RosterOutcome =
  /** `participants` as sent (at most MAX_PARTICIPANTS): the server checks each against ParticipantView. */
  | { type: 'ok'; participants: unknown[] }
  | { type: 'refused'; code: string; message: string }
  | { type: 'unreachable'; reason: string }

/** Host side: `GET /rooms/{roomId}/participants` (the caller checked the room exists). */
export async function handleRoomParticipants(
  deps: { chat: RoomChatPort; log: FederationLogger; verifier: SignatureVerifier },
  request: Request,
  roomId: string,
): Promise<Response> {
  const read = deps.verifier.read(request, null)
  if (read === null) return refusal(401, 'unauthenticated', "A valid HTTP signature of a member's account is required")
  if (!read.ok) return refusalResponse(read.refusal)
  // Parley signs as the member with the key `{actor}#main-key`: the asker is the actor the key id
  // names, and the key must be one that actor lists on its own server (the inbox's checks).
  const asking = new URL(read.signature.keyId.href)
  asking.hash = ''
  const verified = await deps.verifier.verify(request, null, read.signature, asking)
  if (!verified.ok) return refusalResponse(verified.refusal)
  const participants = await deps.chat.participants(roomId)
  const asker = participants.find((p) => p.actorType === 'user' && sameUrl(safeUrl(p.actorId), asking))
  if (!asker || asker.state !== 'active') {
    deps.log.info({ roomId, asker: asking.href }, 'participants asked for by a non-participant refused')
    return refusal(403, 'not-a-participant', 'Only the participants of a room see who is in it')
  }
  return Response.json({ participants: participants.slice(0, MAX_PARTICIPANTS) })
}

/** Member side: the room's participants as its host knows them, asked for signed by `username`. */
export async function fetchRoomParticipants(
  deps: { ctx: Context<void>; fetcher: RemoteFetcher },
  username: string,
  room: URL,
): Promise<RosterOutcome> {
  const keys = (await deps.ctx.getActorKeyPairs(userIdentifier(username))) as unknown as {
    keyId: URL
    privateKey: webcrypto.CryptoKey
  }[]
  const rsa = keys.find((k) => k.privateKey.algorithm.name === 'RSASSA-PKCS1-v1_5')
  if (!rsa) return { type: 'refused', code: 'internal-error', message: 'the user has no RSA key to sign with' }
  let status: number
  let answer: unknown
  try {
    const { response } = await deps.fetcher.fetch(`${room.href}/participants`, (hop) =>
      signRequest(new Request(hop, { headers: { accept: 'application/json' } }), rsa.privateKey, rsa.keyId, {
        spec: 'draft-cavage-http-signatures-12',
      }),
    )
    status = response.status
    answer = await response.json().catch(() => null) // a reply that is not JSON is judged by its status below
  } catch (error) {
    return { type: 'unreachable', reason: error instanceof Error ? error.message : String(error) }
  }
  if (status >= 500 || status === 429 || status === 408)
    return { type: 'unreachable', reason: `the host answered ${status}` }
  const list = (answer as { participants?: unknown } | null)?.participants
  if (status === 200 && Array.isArray(list)) return { type: 'ok', participants: list.slice(0, MAX_PARTICIPANTS) }
  const error = (answer as { error?: { code?: unknown; message?: unknown } } | null)?.error
  return {
    type: 'refused',
    code: typeof error?.code === 'string' ? error.code.slice(0, 64) : 'remote-refused',
    message: typeof error?.message === 'string' ? error.message.slice(0, 500) : `the host answered ${status}`,
  }
}

function safeUrl(id: string): URL | null {
  try {
    return new URL(id)
  } catch {
    return null
  }
}

function refusal(status: number, code: string, message: string): Response {
  return Response.json({ error: { code, message } }, { status })
}
