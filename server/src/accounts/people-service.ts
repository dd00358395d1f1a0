/**
 * People as others find and see them: the user directory, naming a local person by username or
 * handle, avatars and statuses. Expected outcomes are values whose error `type` is a stable code.
 */
import { createHash } from 'node:crypto'
import { AVATAR_MAX_BYTES, AVATAR_SIZE, type UserStatusUpdate } from '@parley/protocol'
import type { Store } from '../store/ports.ts'
import type { ParticipantRecord, UserRecord, UserStatusRecord } from '../store/records.ts'
import { avatarImage } from '../files/image-processing.ts'
import { fail, ok, type Caller, type Result } from '../rooms/result.ts'
import { isRemoteActorId } from '../store/actor-ids.ts'
import { realTimers, type Timers } from '../rooms/message-expiry.ts'
import type { Bus, Unsubscribe } from '../bus/bus.ts'
import { LocalOnceClaims, type OnceClaims } from '../bus/once-claims.ts'

/** Bus topic on which every node hears of status changes (to arm its own expiry timer). */
const STATUS_TOPIC = 'statuses'

export type PeopleServiceDeps = {
  store: Store
  /** This instance's host as handles name it (`@bob@<host>`): such handles resolve without a fetch. */
  host: string
  /** Largest image (width × height) decoded for an avatar: a small file can claim gigapixels. */
  maxImagePixels: number
  now?: () => number
  /** Told when a user's avatar changed (the federation sends an Update with the actor's new icon). Failures do not fail the change. */
  onProfileChanged?: (user: UserRecord) => Promise<void>
  /** Told when a user's status changed (the realtime gateway tells their rooms). */
  onStatusChanged?: (status: UserStatusRecord) => void
  /**
   * Expiry across nodes: every node hears each status change on this bus and arms its own timer,
   * and `claims` makes one of them announce the expiry — so it is announced even when the node that
   * set the status has stopped. Without them: this node alone.
   */
  bus?: Bus
  claims?: OnceClaims
  timers?: Timers
  /** Where failures that do not fail the call go (the instance logs them), with what failed. */
  onError?: (error: unknown, failed: string) => void
}

export type DirectoryResult = { users: UserRecord[]; next: string | null }

/** A mention candidate: a participant (then `participant` is set), a local user (`user`), or both. */
export type MentionCandidateRecord = {
  participant: ParticipantRecord | null
  user: UserRecord | null
  handle: string | null
  displayName: string
  /** A remote account's avatar; a local user's comes from `user`. */
  avatarUrl: string | null
  inRoom: boolean
}

export class PeopleService {
  readonly #store: Store
  readonly #host: string
  readonly #maxPixels: number
  readonly #now: () => number
  readonly #onProfileChanged: (user: UserRecord) => Promise<void>
  readonly #onStatusChanged: (status: UserStatusRecord) => void
  /** Per user: the timer that announces their status expired (every node keeps one). */
  readonly #expiries = new Map<string, unknown>()
  readonly #bus: Bus | undefined
  readonly #claims: OnceClaims
  readonly #timers: Timers
  readonly #onError: (error: unknown, failed: string) => void
  #unsubscribe: Unsubscribe | null = null
  #closed = false

  constructor(deps: PeopleServiceDeps) {
    this.#store = deps.store
    this.#host = deps.host.toLowerCase()
    this.#maxPixels = deps.maxImagePixels
    this.#now = deps.now ?? Date.now
    this.#onProfileChanged = deps.onProfileChanged ?? (async () => {})
    this.#onStatusChanged = deps.onStatusChanged ?? (() => {})
    this.#bus = deps.bus
    this.#claims = deps.claims ?? new LocalOnceClaims()
    this.#timers = deps.timers ?? realTimers
    this.#onError = deps.onError ?? (() => {})
  }

  /** Hears other nodes' status changes and arms the timers of statuses set before this node started. */
  async start(): Promise<void> {
    if (this.#bus)
      this.#unsubscribe = await this.#bus.subscribe(STATUS_TOPIC, (raw) => {
        const { userId, expiresAt, updatedAt } = JSON.parse(raw) as Pick<
          UserStatusRecord,
          'userId' | 'expiresAt' | 'updatedAt'
        >
        this.#arm(userId, expiresAt, updatedAt)
      })
    for (const status of await this.#store.statuses.expiring(this.#now()))
      this.#arm(status.userId, status.expiresAt, status.updatedAt)
  }

  get host(): string {
    return this.#host
  }

  /** The directory, for signed-in users only: guests see the people of their room and no one else. */
  async search(
    caller: Caller,
    query: { q?: string | undefined; limit?: number | undefined; after?: string | undefined },
  ): Promise<Result<DirectoryResult, 'guest-not-allowed'>> {
    if (caller.type !== 'user') return fail('guest-not-allowed')
    const limit = query.limit ?? 20
    // One more than asked tells whether there is a next page.
    const found = await this.#store.users.search((query.q ?? '').trim(), query.after ?? null, limit + 1)
    const users = found.slice(0, limit)
    return ok({ users, next: found.length > limit ? (users.at(-1)?.username ?? null) : null })
  }

  /**
   * Whom `@…` may complete to in a room: its participants (remote ones included, guests too) whose
   * name, username or handle starts with the prefix, then — for signed-in users — people from the
   * directory who are not in the room.
   */
  async mentionCandidates(
    caller: Caller,
    roomId: string,
    participants: ParticipantRecord[],
    query: { q?: string | undefined; limit?: number | undefined },
  ): Promise<MentionCandidateRecord[]> {
    const prefix = (query.q ?? '').trim().replace(/^@/, '').toLowerCase()
    const limit = query.limit ?? 10
    const matches = (...names: (string | null)[]) =>
      prefix === '' ||
      names.some(
        (n) => n !== null && (` ${n.toLowerCase()}`.includes(` ${prefix}`) || n.toLowerCase().startsWith(prefix)),
      )
    const direct = await this.#store.direct.conversations.byRoom(roomId)
    const out: MentionCandidateRecord[] = []
    for (const p of participants) {
      if (p.state !== 'active' || out.length >= limit) continue
      const user =
        p.actorType === 'user' && !isRemoteActorId(p.actorId) ? await this.#store.users.byId(p.actorId) : null
      if (user && (user.deletedAt !== null || user.disabled)) continue
      const remote = direct?.account.id === p.actorId ? direct.account : null
      const handle = user ? `@${user.username}@${this.#host}` : (remote?.handle ?? null)
      const displayName = user?.displayName ?? p.displayName
      if (!matches(displayName, user?.username ?? null, handle?.replace(/^@/, '') ?? null)) continue
      out.push({ participant: p, user, handle, displayName, avatarUrl: remote?.avatarUrl ?? null, inRoom: true })
    }
    if (caller.type === 'user' && out.length < limit) {
      const inRoom = new Set(participants.filter((p) => p.state === 'active').map((p) => p.actorId))
      for (const user of await this.#store.users.search(prefix, null, limit + inRoom.size)) {
        if (out.length >= limit) break
        if (inRoom.has(user.id)) continue
        out.push({
          participant: null,
          user,
          handle: `@${user.username}@${this.#host}`,
          displayName: user.displayName,
          avatarUrl: null,
          inRoom: false,
        })
      }
    }
    return out
  }

  /**
   * A local person by username (`bob`) or handle (`@bob`, `@bob@this-host`), without any network
   * fetch; a handle of another host is `person-not-local`.
   */
  async resolve(ref: string): Promise<Result<UserRecord, 'user-not-found' | 'person-not-local'>> {
    const match = /^@?([^@\s]+)(?:@([^@\s]+))?$/.exec(ref.trim())
    if (!match) return fail('user-not-found', { user: ref.slice(0, 300) })
    const [, name, host] = match
    if (host !== undefined && host.toLowerCase() !== this.#host) return fail('person-not-local', { user: ref })
    const user = await this.#store.users.byUsername((name as string).toLowerCase())
    if (!user || user.deletedAt !== null || user.disabled) return fail('user-not-found', { user: ref.slice(0, 300) })
    return ok(user)
  }

  /** Whether `ref` is a handle of another instance (then the federation finds the person). */
  isRemoteHandle(ref: string): boolean {
    const host = /^@?[^@\s]+@([^@\s]+)$/.exec(ref.trim())?.[1]
    return host !== undefined && host.toLowerCase() !== this.#host
  }

  /** Stores the image, resized to a square WebP: its bytes are never served as uploaded. */
  async setAvatar(
    userId: string,
    input: Buffer,
  ): Promise<Result<UserRecord, 'avatar-too-large' | 'image-invalid' | 'image-too-large' | 'user-not-found'>> {
    if (input.length > AVATAR_MAX_BYTES)
      return fail('avatar-too-large', { limit: AVATAR_MAX_BYTES, size: input.length })
    const image = await avatarImage(input, AVATAR_SIZE, this.#maxPixels)
    if (!image.ok) return fail(image.error)
    const etag = createHash('sha256').update(image.value).digest('base64url').slice(0, 16)
    if (!(await this.#store.users.byId(userId))) return fail('user-not-found')
    await this.#store.avatars.put({
      userId,
      mediaType: 'image/webp',
      bytes: image.value,
      etag,
      updatedAt: this.#now(),
    })
    const updated = (await this.#store.users.update(userId, { avatarEtag: etag })) as UserRecord
    await this.#onProfileChanged(updated).catch((error: unknown) => this.#avatarNotSent(error, updated))
    return ok(updated)
  }

  #avatarNotSent(error: unknown, user: UserRecord): void {
    this.#onError(error, `telling the Fediverse of ${user.username}'s new avatar failed`)
  }

  async removeAvatar(userId: string): Promise<UserRecord | null> {
    await this.#store.avatars.delete(userId)
    const updated = await this.#store.users.update(userId, { avatarEtag: null })
    if (updated) await this.#onProfileChanged(updated).catch((error: unknown) => this.#avatarNotSent(error, updated))
    return updated
  }

  avatar(userId: string) {
    return this.#store.avatars.get(userId)
  }

  /** The user's status as it stands now: an expired one is back to online with no message. */
  async status(userId: string): Promise<UserStatusRecord> {
    const stored = await this.#store.statuses.get(userId)
    if (stored && (stored.expiresAt === null || stored.expiresAt > this.#now())) return stored
    return { userId, availability: 'online', message: null, expiresAt: null, updatedAt: stored?.updatedAt ?? 0 }
  }

  async setStatus(userId: string, update: UserStatusUpdate): Promise<UserStatusRecord> {
    const now = this.#now()
    const status: UserStatusRecord = {
      userId,
      availability: update.availability,
      message: update.message ?? null,
      expiresAt: update.expiresInSeconds ? now + update.expiresInSeconds * 1000 : null,
      updatedAt: now,
    }
    if (status.availability === 'online' && status.message === null) await this.#store.statuses.clear(userId)
    else await this.#store.statuses.put(status)
    // Every node (this one too, again: arming replaces) arms its timer; one announces. Published
    // before the status frame, so a node that relays the frame has armed its timer already.
    this.#bus
      ?.publish(STATUS_TOPIC, JSON.stringify({ userId, expiresAt: status.expiresAt, updatedAt: status.updatedAt }))
      .catch((error: unknown) => this.#onError(error, 'status change not published to the other nodes'))
    this.#arm(userId, status.expiresAt, status.updatedAt)
    this.#onStatusChanged(status)
    return status
  }

  /** Expiry is applied on every read; the timer tells the rooms when it happens, not only at the next presence. */
  #arm(userId: string, expiresAt: number | null, setAt: number): void {
    const previous = this.#expiries.get(userId)
    if (previous !== undefined) this.#timers.clear(previous)
    this.#expiries.delete(userId)
    if (expiresAt === null || this.#closed) return
    const timer = this.#timers.set(
      () => {
        if (this.#expiries.get(userId) === timer) this.#expiries.delete(userId)
        if (!this.#closed)
          this.#announceExpiry(userId, setAt).catch((error: unknown) =>
            this.#onError(error, 'status expiry not announced'),
          )
      },
      Math.max(0, Math.min(expiresAt - this.#now(), 2 ** 31 - 1)),
    )
    ;(timer as { unref?: () => void }).unref?.()
    this.#expiries.set(userId, timer)
  }

  async #announceExpiry(userId: string, setAt: number): Promise<void> {
    const stored = await this.#store.statuses.get(userId)
    if (stored && stored.updatedAt !== setAt) return // changed since: that change was announced
    // Every node's timer fires; the first to claim this expiry announces it.
    if (!(await this.#claims.claim(`status-expiry:${userId}:${setAt}`, 10 * 60_000))) return
    this.#onStatusChanged(await this.status(userId))
  }

  /** Stops the expiry timers and stops hearing other nodes. Idempotent. */
  async close(): Promise<void> {
    if (this.#closed) return
    this.#closed = true
    for (const timer of this.#expiries.values()) this.#timers.clear(timer)
    this.#expiries.clear()
    await this.#unsubscribe?.().catch((error: unknown) => this.#onError(error, 'leaving the status bus failed'))
    await this.#claims.close().catch((error: unknown) => this.#onError(error, 'closing the expiry claims failed'))
  }
}
