/**
 * Member side: the participants of rooms hosted elsewhere as their hosts know them (hosted-
 * participants.ts), kept for a short while so a client that lists them again (every participants
 * panel, every reconnect) does not cost a signed request to the host each time.
 *
 * A room's roster is forgotten when it changes — a local user joined or left, the room was
 * deleted, or the host announced that a user joined, left or changed role (room-mirror.ts): all
 * through MIRRORS_TOPIC, on every node — and after `ttlMs` at most, for what hosts do not announce
 * (guests). A fetch that was under way when the roster was forgotten is answered but not kept.
 */
import type { ParticipantView } from '@parley/protocol'
import type { Caller } from '../rooms/result.ts'
import { hostedParticipants, type HostedParticipantsDeps } from './hosted-participants.ts'

/** How long a host's roster is kept when nothing here says it changed. */
export const ROSTER_TTL_MS = 10_000

export class HostedRosters {
  readonly #deps: HostedParticipantsDeps
  readonly #ttlMs: number
  readonly #now: () => number
  readonly #kept = new Map<string, { at: number; views: ParticipantView[] }>()
  /** Bumped when a room's roster is forgotten: a fetch started before that is not kept. */
  readonly #generation = new Map<string, number>()

  constructor(deps: HostedParticipantsDeps & { ttlMs?: number; now?: () => number }) {
    this.#deps = deps
    this.#ttlMs = deps.ttlMs ?? ROSTER_TTL_MS
    this.#now = deps.now ?? Date.now
  }

  /** The room's participants as its host knows them (kept or asked for now), or null when the host did not answer. */
  async get(caller: Caller, roomUri: string): Promise<ParticipantView[] | null> {
    return caller.type === 'user' ? this.#roster(caller.id, roomUri) : null
  }

  /** One participant of the room as its host knows them, asked for as local member `userId`; null when not there or unanswered. */
  async participant(roomUri: string, actorId: string, userId: string): Promise<ParticipantView | null> {
    const views = await this.#roster(userId, roomUri)
    return views?.find((v) => v.actorId === actorId) ?? null
  }

  async #roster(userId: string, roomUri: string): Promise<ParticipantView[] | null> {
    const kept = this.#kept.get(roomUri)
    if (kept && this.#now() - kept.at < this.#ttlMs) return kept.views.map((v) => ({ ...v }))
    const generation = this.#generation.get(roomUri) ?? 0
    const views = await hostedParticipants(this.#deps, userId, roomUri)
    if (views && (this.#generation.get(roomUri) ?? 0) === generation) {
      this.#kept.set(roomUri, { at: this.#now(), views })
      this.#prune()
    }
    return views
  }

  /** The room's roster changed: it is asked for again next time. */
  forget(roomUri: string): void {
    this.#kept.delete(roomUri)
    this.#generation.set(roomUri, (this.#generation.get(roomUri) ?? 0) + 1)
  }

  /** Drops what ran out, so rooms nobody looks at any more do not stay in memory. */
  #prune(): void {
    const now = this.#now()
    for (const [uri, kept] of this.#kept) if (now - kept.at >= this.#ttlMs) this.#kept.delete(uri)
    if (this.#generation.size > 10_000) this.#generation.clear()
  }
}
