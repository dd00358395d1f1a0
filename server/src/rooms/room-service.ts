/**
 * Rooms and their participants: create, list, change, join (by link, lobby, password), add,
 * remove, ban, admit, leave, guests. Every decision goes through `decide()` (policy.ts); every
 * change is a room event (event-log.ts) so clients see it live and can resume.
 */
import { randomUUID } from 'node:crypto'
import type { ParticipantUpdate, RoomCreate, RoomSettingsUpdate, RoomUpdate, SystemEvent } from '@parley/protocol'
import type { RoomActivity, Store } from '../store/ports.ts'
import type { GuestSessionRecord, ParticipantRecord, RoomPatch, RoomRecord } from '../store/records.ts'
import { hashPassword, verifyPassword } from '../accounts/passwords.ts'
import { hashSecret, newSecret } from '../accounts/secrets.ts'
import { decide, type PolicyInput, type RoomAction } from './policy.ts'
import { fail, ok, type Caller, type Result } from './result.ts'
import type { RoomEventLog } from './event-log.ts'
import type { PasswordAttemptLimiter } from './guest-limiter.ts'
import { participantView, publicRoomView } from './views.ts'
import { isRemoteActorId } from '../store/actor-ids.ts'

export type RoomServiceDeps = {
  store: Store
  events: RoomEventLog
  attempts: PasswordAttemptLimiter
  guestSessionTtlMs: number
  now?: () => number
  /** Told when a room is created (the federation makes its actor's key pairs then); failures are only logged by the caller's hook. */
  onRoomCreated?: (room: RoomRecord) => void
}
export type Access = { room: RoomRecord; self: ParticipantRecord }
export const GUEST_SECRET_PREFIX = 'parley-guest_'

export class RoomService {
  readonly #store: Store
  readonly #events: RoomEventLog
  readonly #attempts: PasswordAttemptLimiter
  readonly #guestTtl: number
  readonly #now: () => number
  readonly #onRoomCreated: (room: RoomRecord) => void

  constructor(deps: RoomServiceDeps) {
    this.#store = deps.store
    this.#events = deps.events
    this.#attempts = deps.attempts
    this.#guestTtl = deps.guestSessionTtlMs
    this.#now = deps.now ?? Date.now
    this.#onRoomCreated = deps.onRoomCreated ?? (() => {})
  }

  /** Loads the room and the caller's place in it, and asks the policy about `action`. */
  async access(
    caller: Caller,
    roomId: string,
    action: RoomAction,
    extra: Partial<PolicyInput> = {},
  ): Promise<Result<Access>> {
    const room = await this.#store.rooms.byId(roomId)
    if (!room || (caller.type === 'guest' && caller.roomId !== roomId)) return fail('room-not-found')
    const self = await this.#store.participants.get(roomId, caller.id)
    const decision = decide({ action, room, self, caller: caller.type, ...extra })
    if (!decision.ok) return fail(decision.error)
    return ok({ room, self: self as ParticipantRecord })
  }

  async create(caller: Caller, input: RoomCreate): Promise<Result<Access>> {
    if (caller.type !== 'user') return fail('guest-not-allowed')
    const now = this.#now()
    const room: RoomRecord = {
      id: randomUUID(),
      kind: input.kind,
      name: input.name,
      description: input.description ?? '',
      listable: input.listable ?? 'none',
      readOnly: input.readOnly ?? false,
      lobby: input.lobby ?? false,
      e2ee: input.e2ee ?? false,
      passwordHash: input.password !== undefined && input.kind === 'public' ? await hashPassword(input.password) : null,
      messageExpirySeconds: input.messageExpirySeconds ?? null,
      lastSeq: 0,
      pairKey: null,
      createdBy: caller.id,
      createdAt: now,
      deletedAt: null,
    }
    await this.#store.rooms.create(room)
    this.#onRoomCreated(room)
    const self = this.#participant(room.id, caller, 'owner', 'active')
    await this.#store.participants.put(self)
    await this.#events.emit(room.id, { type: 'participant.joined', participant: participantView(self) })
    this.#events.membership(caller.id, { roomId: room.id, kind: 'changed' })
    return ok({ room: (await this.#store.rooms.byId(room.id)) as RoomRecord, self })
  }

  /** The one-to-one room of the caller and `userId`, created on first use. */
  async oneToOne(caller: Caller, userId: string): Promise<Result<Access & { created: boolean }>> {
    if (caller.type !== 'user') return fail('guest-not-allowed')
    const other = await this.#store.users.byId(userId)
    if (!other || other.deletedAt !== null || other.disabled || other.id === caller.id) return fail('user-not-found')
    return this.#pair(caller, { type: 'user', id: other.id, name: other.displayName }, 'owner')
  }

  /**
   * Federation: the one-to-one room of local user `userId` and a remote account, created on first
   * use (a direct message arrived, or the user opened it). The account's participant id is its
   * actor URL; it is a member (not an owner), so the policy lets it act only on its own messages.
   */
  async oneToOneRemote(
    userId: string,
    remote: { actorId: string; displayName: string },
  ): Promise<Result<Access & { created: boolean }>> {
    if (!isRemoteActorId(remote.actorId)) throw new TypeError('a remote account is named by its actor URL')
    const user = await this.#store.users.byId(userId)
    if (!user || user.deletedAt !== null || user.disabled) return fail('user-not-found')
    return this.#pair(
      { type: 'user', id: user.id, name: user.displayName },
      { type: 'user', id: remote.actorId, name: remote.displayName },
      'member',
    )
  }

  /**
   * The pair's room (pairKey: both ids sorted), created on first use. Whoever of the two had left it
   * is back in: starting the chat again reaches the other person, as writing in it does (bringBackPeer).
   */
  async #pair(
    self: Caller,
    other: Caller,
    otherRole: ParticipantRecord['role'],
  ): Promise<Result<Access & { created: boolean }>> {
    const pairKey = [self.id, other.id].sort().join(' ')
    const existing = await this.#store.rooms.byPairKey(pairKey)
    const room: RoomRecord = {
      id: randomUUID(),
      kind: 'one-to-one',
      name: '',
      description: '',
      listable: 'none',
      readOnly: false,
      lobby: false,
      e2ee: false,
      passwordHash: null,
      messageExpirySeconds: null,
      lastSeq: 0,
      pairKey,
      createdBy: self.id,
      createdAt: this.#now(),
      deletedAt: null,
    }
    const created = existing ? ok(existing) : await this.#store.rooms.create(room)
    if (!created.ok) return this.#pair(self, other, otherRole) // lost a race: the other room exists now
    const target = created.value
    const mine =
      (await this.#store.participants.get(target.id, self.id)) ?? this.#participant(target.id, self, 'owner', 'active')
    for (const p of [mine, this.#participant(target.id, other, otherRole, 'active')]) {
      if (await this.#store.participants.get(target.id, p.actorId)) continue
      await this.#store.participants.put(p)
      await this.#events.emit(target.id, { type: 'participant.joined', participant: participantView(p) })
      this.#events.membership(p.actorId, { roomId: target.id, kind: 'changed' })
    }
    return ok({ room: (await this.#store.rooms.byId(target.id)) as RoomRecord, self: mine, created: !existing })
  }

  /**
   * Before someone writes in a one-to-one room the other person left: the other person is back in,
   * so the message reaches them (their room list shows it again) instead of going nowhere. Only a
   * person of this instance whose account is still open comes back; one-to-one rooms know no bans,
   * and this instance has no blocks between its own people. A remote peer is not a participant
   * that leaves here (their server speaks for them), so nothing is done for one.
   */
  async bringBackPeer(room: RoomRecord, selfId: string): Promise<void> {
    const otherId = pairPeer(room, selfId)
    if (otherId === null || isRemoteActorId(otherId)) return
    if (await this.#store.participants.get(room.id, otherId)) return
    const user = await this.#store.users.byId(otherId)
    if (!user || user.deletedAt !== null || user.disabled) return
    const p = this.#participant(room.id, { type: 'user', id: user.id, name: user.displayName }, 'owner', 'active')
    await this.#store.participants.put(p)
    await this.#events.emit(room.id, { type: 'participant.joined', participant: participantView(p) })
    this.#events.membership(p.actorId, { roomId: room.id, kind: 'changed' })
  }

  async listMine(caller: Caller): Promise<Access[]> {
    const ids = await this.#store.participants.roomsOf(caller.id)
    const out: Access[] = []
    for (const id of ids) {
      const room = await this.#store.rooms.byId(id)
      const self = await this.#store.participants.get(id, caller.id)
      if (room && self && room.deletedAt === null) out.push({ room, self })
    }
    return out
  }

  /** The directory: 'users' rooms for signed-in users, 'everyone' rooms for anyone (guests, visitors). */
  async listable(caller: Caller | null): Promise<RoomRecord[]> {
    const rooms = await this.#store.rooms.listable()
    return rooms.filter((r) => caller?.type === 'user' || r.listable === 'everyone')
  }

  async update(caller: Caller, roomId: string, input: RoomUpdate): Promise<Result<Access>> {
    const renames = input.name !== undefined || input.description !== undefined
    const allowed = await this.access(caller, roomId, renames ? 'room.rename' : 'room.update')
    if (!allowed.ok) return allowed
    const { room } = allowed.value
    if (input.password !== undefined && input.password !== null && room.kind !== 'public')
      return fail('room-kind-forbids', { field: 'password' })
    const patch: RoomPatch = {
      name: input.name,
      description: input.description,
      listable: input.listable,
      readOnly: input.readOnly,
      lobby: input.lobby,
      messageExpirySeconds: input.messageExpirySeconds,
      passwordHash:
        input.password === undefined ? undefined : input.password === null ? null : await hashPassword(input.password),
    }
    const updated = (await this.#store.rooms.update(roomId, patch)) as RoomRecord
    if (room.lobby && input.lobby === false) await this.#admitEveryone(roomId)
    await this.#events.emit(roomId, (seq) => ({
      type: 'room.updated',
      room: publicRoomView({ ...updated, lastSeq: seq }),
    }))
    if (input.name !== undefined && input.name !== room.name)
      await this.#systemMessage(roomId, caller, 'renamed', { from: room.name, to: input.name })
    return ok({ room: (await this.#store.rooms.byId(roomId)) as RoomRecord, self: allowed.value.self })
  }

  async delete(caller: Caller, roomId: string): Promise<Result<true>> {
    const allowed = await this.access(caller, roomId, 'room.delete')
    if (!allowed.ok) return allowed
    await this.#store.rooms.update(roomId, { deletedAt: this.#now() })
    await this.#events.emit(roomId, { type: 'room.deleted' })
    for (const p of await this.#store.participants.list(roomId))
      this.#events.membership(p.actorId, { roomId, kind: 'changed', reason: 'deleted' })
    return ok(true)
  }

  async settings(caller: Caller, roomId: string, input: RoomSettingsUpdate): Promise<Result<Access>> {
    const allowed = await this.access(caller, roomId, 'room.settings')
    if (!allowed.ok) return allowed
    const self = (await this.#store.participants.update(roomId, caller.id, input)) as ParticipantRecord
    return ok({ room: allowed.value.room, self })
  }

  async participants(caller: Caller, roomId: string): Promise<Result<ParticipantRecord[]>> {
    // Someone waiting in the lobby does not get to see who is inside.
    const allowed = await this.access(caller, roomId, 'chat.read')
    if (!allowed.ok) return allowed
    return ok(await this.#store.participants.list(roomId))
  }

  async add(
    caller: Caller,
    roomId: string,
    userId: string,
    role: 'moderator' | 'member' = 'member',
  ): Promise<Result<ParticipantRecord>> {
    const allowed = await this.access(caller, roomId, 'participant.add')
    if (!allowed.ok) return allowed
    if (role === 'moderator' && allowed.value.self.role !== 'owner' && allowed.value.self.role !== 'moderator')
      return fail('role-too-low')
    const user = await this.#store.users.byId(userId)
    if (!user || user.deletedAt !== null) return fail('user-not-found')
    const existing = await this.#store.participants.get(roomId, userId)
    if (existing?.state === 'active') return fail('already-participant')
    // Adding someone waiting in the lobby admits them; adding someone banned lifts the ban.
    const p = this.#participant(roomId, { type: 'user', id: user.id, name: user.displayName }, role, 'active')
    await this.#store.participants.put(p)
    await this.#events.emit(roomId, { type: 'participant.joined', participant: participantView(p) })
    this.#events.membership(p.actorId, { roomId, kind: 'changed' })
    await this.#systemMessage(roomId, caller, 'added', { actorId: p.actorId, name: p.displayName })
    return ok(p)
  }

  /**
   * Federation: a remote account whose instance accepted an invite becomes a member; its participant
   * id is its actor id (an https URL, never a local id). No-op when already active.
   */
  async addRemoteMember(roomId: string, actorId: string, displayName: string): Promise<void> {
    const room = await this.#store.rooms.byId(roomId)
    if (!room || room.deletedAt !== null) return
    if ((await this.#store.participants.get(roomId, actorId))?.state === 'active') return
    const member: Caller = { type: 'user', id: actorId, name: displayName }
    await this.#enter(room, this.#participant(roomId, member, 'member', 'active'), member)
  }

  async updateParticipant(
    caller: Caller,
    roomId: string,
    actorId: string,
    input: ParticipantUpdate,
  ): Promise<Result<ParticipantRecord>> {
    const target = await this.#target(caller, roomId, actorId)
    if (!target.ok) return target
    const allowed = await this.access(caller, roomId, 'participant.update', {
      target: { role: target.value.role, isSelf: actorId === caller.id },
    })
    if (!allowed.ok) return allowed
    if (input.role !== undefined && target.value.actorType === 'guest')
      return fail('guest-not-allowed', { field: 'role' })
    if (input.role === 'moderator' && allowed.value.self.role !== 'owner') return fail('role-too-low')
    const updated = (await this.#store.participants.update(roomId, actorId, {
      role: input.role,
      permissions: input.permissions,
    })) as ParticipantRecord
    await this.#events.emit(roomId, { type: 'participant.updated', participant: participantView(updated) })
    return ok(updated)
  }

  /** Removes (or bans) someone; guests also lose their session. */
  async remove(caller: Caller, roomId: string, actorId: string, ban: boolean): Promise<Result<true>> {
    const found = await this.#target(caller, roomId, actorId)
    if (!found.ok) return found
    const target = found.value
    const allowed = await this.access(caller, roomId, ban ? 'participant.ban' : 'participant.remove', {
      target: { role: target.role, isSelf: actorId === caller.id },
    })
    if (!allowed.ok) return allowed
    if (ban) await this.#store.participants.update(roomId, actorId, { state: 'banned' })
    else await this.#store.participants.remove(roomId, actorId)
    if (target.actorType === 'guest') await this.#store.guests.deleteForGuest(actorId)
    await this.#events.emit(roomId, { type: 'participant.left', actorId, reason: ban ? 'banned' : 'removed' })
    this.#events.membership(actorId, {
      roomId,
      kind: target.actorType === 'guest' ? 'ended' : 'changed',
      reason: ban ? 'banned' : 'removed',
    })
    await this.#systemMessage(roomId, caller, ban ? 'banned' : 'removed', { actorId, name: target.displayName })
    return ok(true)
  }

  /**
   * The owner hands the room to another participant: a signed-in user of this instance, active in
   * the room. The new owner gets the owner role, the caller becomes a moderator.
   */
  async transferOwnership(caller: Caller, roomId: string, actorId: string): Promise<Result<ParticipantRecord>> {
    const allowed = await this.access(caller, roomId, 'room.transfer')
    if (!allowed.ok) return allowed
    if (actorId === caller.id) return fail('already-participant', { reason: 'you own the room already' })
    const target = await this.#store.participants.get(roomId, actorId)
    if (!target || target.state !== 'active') return fail('participant-not-found')
    if (target.actorType === 'guest') return fail('guest-not-allowed', { reason: 'guests cannot own rooms' })
    // A member on another instance acts through its own server, which cannot moderate here.
    if (isRemoteActorId(actorId)) return fail('person-not-local')
    const owner = (await this.#store.participants.update(roomId, actorId, { role: 'owner' })) as ParticipantRecord
    await this.#events.emit(roomId, { type: 'participant.updated', participant: participantView(owner) })
    const former = (await this.#store.participants.update(roomId, caller.id, {
      role: 'moderator',
    })) as ParticipantRecord
    await this.#events.emit(roomId, { type: 'participant.updated', participant: participantView(former) })
    await this.#systemMessage(roomId, caller, 'owner-changed', { actorId, name: owner.displayName })
    return ok(owner)
  }

  /** Lifts a ban: the person is no longer in the room and may be added or join again. */
  async unban(caller: Caller, roomId: string, actorId: string): Promise<Result<true>> {
    const allowed = await this.access(caller, roomId, 'participant.unban')
    if (!allowed.ok) return allowed
    const target = await this.#store.participants.get(roomId, actorId)
    if (!target || target.state !== 'banned') return fail('participant-not-found', { reason: 'not banned' })
    await this.#store.participants.remove(roomId, actorId)
    await this.#systemMessage(roomId, caller, 'unbanned', { actorId, name: target.displayName })
    return ok(true)
  }

  /**
   * What a one-to-one room is called for `self`: the other person's current display name (their
   * participant name if they are no longer a local user). The room keeps that name after the other
   * person left it: the pair's key still names them.
   */
  async peerName(room: RoomRecord, selfId: string): Promise<string> {
    const other = (await this.#store.participants.list(room.id)).find((p) => p.actorId !== selfId)
    const otherId = other?.actorId ?? pairPeer(room, selfId)
    if (otherId === null) return room.name
    const user = other?.actorType === 'guest' || isRemoteActorId(otherId) ? null : await this.#store.users.byId(otherId)
    if (user && user.deletedAt === null) return user.displayName
    return other?.displayName ?? user?.displayName ?? room.name
  }

  /** What is new in the room for the participant: unread messages, unread mentions, the last message. */
  activity(self: ParticipantRecord): Promise<RoomActivity> {
    // Someone waiting in the lobby (or banned) reads nothing of the room, not even in the room list.
    if (self.state !== 'active') return Promise.resolve({ unreadCount: 0, unreadMentions: 0, lastMessage: null })
    return this.#store.activity.of(self.roomId, self, this.#now())
  }

  reactionsOf(message: { roomId: string; seq: number }) {
    return this.#store.messages.reactions(message.roomId, [message.seq])
  }

  async admit(caller: Caller, roomId: string, actorId: string): Promise<Result<ParticipantRecord>> {
    const allowed = await this.access(caller, roomId, 'participant.admit')
    if (!allowed.ok) return allowed
    const target = await this.#store.participants.get(roomId, actorId)
    if (!target || target.state !== 'lobby')
      return fail('participant-not-found', { reason: 'not waiting in the lobby' })
    return ok(await this.#activate(roomId, target))
  }

  /** A signed-in user joins a public or listable room by link. */
  async join(caller: Caller, roomId: string, password: string | undefined, address: string): Promise<Result<Access>> {
    if (caller.type !== 'user') return fail('guest-not-allowed')
    const room = await this.#store.rooms.byId(roomId)
    if (!room) return fail('room-not-found')
    const self = await this.#store.participants.get(roomId, caller.id)
    const decision = decide({ action: 'room.join', room, self, caller: 'user' })
    if (!decision.ok) return fail(decision.error)
    const checked = await this.#checkPassword(room, password, address)
    if (!checked.ok) return checked
    const p = this.#participant(roomId, caller, 'member', room.lobby ? 'lobby' : 'active')
    await this.#enter(room, p, caller)
    return ok({ room: (await this.#store.rooms.byId(roomId)) as RoomRecord, self: p })
  }

  /** Someone opens a public room's link as a guest: a guest session bound to that room alone. */
  async guestJoin(
    roomId: string,
    displayName: string,
    password: string | undefined,
    address: string,
  ): Promise<Result<Access & { session: GuestSessionRecord; secret: string }>> {
    const room = await this.#store.rooms.byId(roomId)
    if (!room) return fail('room-not-found')
    const decision = decide({ action: 'room.join', room, self: null, caller: 'guest' })
    if (!decision.ok) return fail(decision.error)
    const checked = await this.#checkPassword(room, password, address)
    if (!checked.ok) return checked
    const guest: Caller = { type: 'guest', id: `guest-${randomUUID()}`, name: displayName, roomId }
    const secret = newSecret(GUEST_SECRET_PREFIX)
    const now = this.#now()
    const session: GuestSessionRecord = {
      idHash: hashSecret(secret),
      guestId: guest.id,
      roomId,
      displayName,
      createdAt: now,
      expiresAt: now + this.#guestTtl,
    }
    await this.#store.guests.create(session)
    const p = this.#participant(roomId, guest, 'guest', room.lobby ? 'lobby' : 'active')
    await this.#enter(room, p, guest)
    return ok({ room: (await this.#store.rooms.byId(roomId)) as RoomRecord, self: p, session, secret })
  }

  async authenticateGuest(secret: string): Promise<Result<Caller & { type: 'guest' }, 'session-ended'>> {
    if (!secret.startsWith(GUEST_SECRET_PREFIX)) return fail('session-ended')
    const session = await this.#store.guests.byIdHash(hashSecret(secret))
    if (!session || session.expiresAt <= this.#now()) return fail('session-ended')
    const p = await this.#store.participants.get(session.roomId, session.guestId)
    if (!p || p.state === 'banned') return fail('session-ended')
    return ok({ type: 'guest', id: session.guestId, name: session.displayName, roomId: session.roomId })
  }

  async leave(caller: Caller, roomId: string): Promise<Result<true>> {
    const allowed = await this.access(caller, roomId, 'room.leave')
    if (!allowed.ok) return allowed
    const { self } = allowed.value
    if (self.role === 'owner') {
      const owners = (await this.#store.participants.list(roomId)).filter(
        (p) => p.role === 'owner' && p.state === 'active',
      )
      if (owners.length <= 1 && allowed.value.room.kind !== 'one-to-one') return fail('last-owner')
    }
    await this.#store.participants.remove(roomId, caller.id)
    if (caller.type === 'guest') await this.#store.guests.deleteForGuest(caller.id)
    await this.#events.emit(roomId, { type: 'participant.left', actorId: caller.id, reason: 'left' })
    this.#events.membership(caller.id, { roomId, kind: caller.type === 'guest' ? 'ended' : 'changed', reason: 'left' })
    await this.#systemMessage(roomId, caller, 'left', {})
    return ok(true)
  }

  /** The participant acted on: the caller must see the room first, then the target must be in it (not banned). */
  async #target(caller: Caller, roomId: string, actorId: string): Promise<Result<ParticipantRecord>> {
    const seen = await this.access(caller, roomId, 'room.view')
    if (!seen.ok) return seen
    const target = await this.#store.participants.get(roomId, actorId)
    return target && target.state !== 'banned' ? ok(target) : fail('participant-not-found')
  }

  async #checkPassword(room: RoomRecord, password: string | undefined, address: string): Promise<Result<true>> {
    if (room.passwordHash === null) return ok(true)
    if (password === undefined) return fail('room-password-required')
    // Charged before the (slow, asynchronous) check: concurrent guesses buy no extra attempts.
    const limit = this.#attempts.begin(address, room.id)
    if (!limit.ok) return fail('rate-limited', { retryAfterSeconds: limit.retryAfterSeconds })
    if (!(await verifyPassword(password, room.passwordHash))) return fail('room-password-wrong')
    this.#attempts.succeeded(address, room.id)
    return ok(true)
  }

  async #enter(room: RoomRecord, p: ParticipantRecord, caller: Caller): Promise<void> {
    await this.#store.participants.put(p)
    await this.#events.emit(room.id, { type: 'participant.joined', participant: participantView(p) })
    this.#events.membership(p.actorId, { roomId: room.id, kind: 'changed' })
    if (p.state === 'active') await this.#systemMessage(room.id, caller, 'joined', {})
  }

  async #activate(roomId: string, target: ParticipantRecord): Promise<ParticipantRecord> {
    const updated = (await this.#store.participants.update(roomId, target.actorId, {
      state: 'active',
    })) as ParticipantRecord
    await this.#events.emit(roomId, { type: 'participant.updated', participant: participantView(updated) })
    this.#events.membership(target.actorId, { roomId, kind: 'changed' })
    await this.#systemMessage(
      roomId,
      { type: target.actorType, id: target.actorId, name: target.displayName, roomId } as Caller,
      'joined',
      {},
    )
    return updated
  }

  async #admitEveryone(roomId: string): Promise<void> {
    for (const p of await this.#store.participants.list(roomId))
      if (p.state === 'lobby') await this.#activate(roomId, p)
  }

  async #systemMessage(
    roomId: string,
    caller: Caller,
    body: SystemEvent,
    data: Record<string, unknown>,
  ): Promise<void> {
    await this.#events.postMessage({
      roomId,
      kind: 'system',
      actorType: caller.type,
      actorId: caller.id,
      actorName: caller.name,
      body,
      data,
      replyTo: null,
      createdAt: this.#now(),
      editedAt: null,
      deletedAt: null,
      expiresAt: null,
    })
  }

  #participant(
    roomId: string,
    caller: Caller,
    role: ParticipantRecord['role'],
    state: ParticipantRecord['state'],
  ): ParticipantRecord {
    return {
      roomId,
      actorType: caller.type,
      actorId: caller.id,
      displayName: caller.name,
      role,
      state,
      permissions: null,
      lastReadSeq: 0,
      favourite: false,
      archived: false,
      notificationLevel: 'all',
      joinedAt: this.#now(),
    }
  }
}

/** The other person of a one-to-one room, named by its pair key (both ids sorted); null for other rooms. */
function pairPeer(room: RoomRecord, selfId: string): string | null {
  if (room.kind !== 'one-to-one' || room.pairKey === null) return null
  const ids = room.pairKey.split(' ')
  if (!ids.includes(selfId)) return null
  return ids.find((id) => id !== selfId) ?? null
}
