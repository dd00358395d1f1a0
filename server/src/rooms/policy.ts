/**
 * The one place that decides whether someone may do something in a room: role × permission × room
 * state (kind, read-only, lobby, deleted). Pure and synchronous, so it is tested as a table
 * (policy.test.ts) and every route and realtime handler asks it instead of deciding on its own.
 */
import type { Permission } from '@parley/protocol'
import type { ParticipantRecord, ParticipantRole, RoomRecord } from '../store/records.ts'

export const ROOM_ACTIONS = [
  'room.view',
  'room.join',
  'room.rename',
  'room.update',
  'room.delete',
  'room.leave',
  'room.settings',
  'room.transfer',
  'participant.add',
  'participant.remove',
  'participant.ban',
  'participant.unban',
  'participant.admit',
  'participant.update',
  'chat.read',
  'chat.post',
  'chat.mention-all',
  'chat.edit',
  'chat.delete',
  'chat.react',
  'chat.mark-read',
  'chat.typing',
  'poll.create',
  'poll.vote',
  'poll.close',
  'call.join',
  'call.start',
  'call.publish-audio',
  'call.publish-video',
  'call.publish-screen',
  'call.moderate',
  'call.record',
  'file.share',
  'file.read',
  'meeting.view',
  'meeting.schedule',
  'meeting.rsvp',
] as const
export type RoomAction = (typeof ROOM_ACTIONS)[number]

export type PolicyInput = {
  action: RoomAction
  room: Pick<RoomRecord, 'kind' | 'readOnly' | 'lobby' | 'listable' | 'deletedAt'> & { e2ee?: boolean }
  /** The caller's participant record in this room; null when they are not in it. */
  self: Pick<ParticipantRecord, 'actorType' | 'role' | 'state' | 'permissions'> | null
  /** Who is asking when `self` is null (joining). */
  caller?: 'user' | 'guest'
  /** For actions on another participant. */
  target?: { role: ParticipantRole; isSelf: boolean }
  /** For actions on a message or poll: whether the caller made it. */
  isAuthor?: boolean
  /** For joining a call: whether the client encrypts media end to end (it announced `e2ee` in call.join). */
  encrypts?: boolean
  /** For starting a call: whether one of the room's meetings is on now (its call is the meeting's). */
  meetingInProgress?: boolean
}

export type PolicyError =
  | 'room-not-found'
  | 'banned'
  | 'in-lobby'
  | 'guest-not-allowed'
  | 'room-kind-forbids'
  | 'role-too-low'
  | 'room-read-only'
  | 'permission-denied'
  | 'not-author'
  | 'mention-all-forbidden'
  | 'room-not-joinable'
  | 'already-participant'
  | 'e2ee-forbids'
  | 'e2ee-required'
  | 'meeting-awaits-moderator'
export type PolicyDecision = { ok: true } | { ok: false; error: PolicyError }

const rank: Record<ParticipantRole, number> = { guest: 0, member: 1, moderator: 2, owner: 3 }

const ALL: readonly Permission[] = ['chat', 'call', 'audio', 'video', 'screen', 'invite']
export const DEFAULT_PERMISSIONS: Record<ParticipantRole, readonly Permission[]> = {
  owner: ALL,
  moderator: ALL,
  member: ['chat', 'call', 'audio', 'video', 'screen'],
  guest: ['chat', 'audio', 'video'],
}

/** Moderators and owners always have every permission; others have their explicit set, else the role's. */
export function effectivePermissions(p: Pick<ParticipantRecord, 'role' | 'permissions'>): Permission[] {
  if (rank[p.role] >= rank.moderator) return [...ALL]
  return [...(p.permissions ?? DEFAULT_PERMISSIONS[p.role])]
}

/** Actions someone waiting in the lobby may take. */
const LOBBY_ALLOWED = new Set<RoomAction>(['room.view', 'room.leave', 'room.settings'])
/** Actions guests may never take. */
const USERS_ONLY = new Set<RoomAction>([
  'room.settings',
  'room.transfer',
  'participant.unban',
  'participant.add',
  'participant.remove',
  'participant.ban',
  'participant.admit',
  'participant.update',
  'room.delete',
  'room.rename',
  'room.update',
  'meeting.schedule',
  'meeting.rsvp',
])
/** Actions that write into the room and so stop at read-only for non-moderators. */
const WRITES = new Set<RoomAction>(['chat.post', 'chat.edit', 'chat.react', 'poll.create', 'poll.vote', 'file.share'])
const NEEDS: Partial<Record<RoomAction, Permission>> = {
  'chat.post': 'chat',
  'chat.react': 'chat',
  'chat.typing': 'chat',
  'file.share': 'chat',
  'poll.create': 'chat',
  'poll.vote': 'chat',
  'call.start': 'call',
  'call.publish-audio': 'audio',
  'call.publish-video': 'video',
  'call.publish-screen': 'screen',
}

const allow: PolicyDecision = { ok: true }
const deny = (error: PolicyError): PolicyDecision => ({ ok: false, error })

export function decide(input: PolicyInput): PolicyDecision {
  const { action, room, self } = input
  if (room.deletedAt !== null) return deny('room-not-found')
  if (action === 'room.join') return decideJoin(input)
  // Not in the room: it does not exist for them (no leak of private rooms).
  if (!self) return deny('room-not-found')
  if (self.state === 'banned') return deny('banned')
  if (self.state === 'lobby' && !LOBBY_ALLOWED.has(action)) return deny('in-lobby')
  if (self.actorType === 'guest' && USERS_ONLY.has(action)) return deny('guest-not-allowed')
  const mine = rank[self.role]
  const moderator = mine >= rank.moderator
  if (WRITES.has(action) && room.readOnly && !moderator) return deny('room-read-only')
  const needed = NEEDS[action]
  if (needed && !effectivePermissions(self).includes(needed)) return deny('permission-denied')

  switch (action) {
    case 'room.view':
    case 'room.leave':
    case 'room.settings':
    case 'chat.read':
    case 'chat.mark-read':
    case 'chat.typing':
    case 'chat.post':
    case 'chat.react':
    case 'poll.create':
    case 'poll.vote':
    case 'call.publish-audio':
    case 'call.publish-video':
    case 'call.publish-screen':
    case 'file.share':
    case 'file.read':
    case 'meeting.view':
    case 'meeting.rsvp':
      return allow
    case 'room.rename':
      if (room.kind === 'one-to-one') return deny('room-kind-forbids')
      return moderator ? allow : deny('role-too-low')
    case 'room.update':
    case 'meeting.schedule':
      return moderator ? allow : deny('role-too-low')
    case 'room.delete':
      return self.role === 'owner' ? allow : deny('role-too-low')
    case 'room.transfer':
      // A one-to-one room has two owners and nothing to hand over.
      if (room.kind === 'one-to-one') return deny('room-kind-forbids')
      return self.role === 'owner' ? allow : deny('role-too-low')
    case 'participant.unban':
      if (room.kind === 'one-to-one') return deny('room-kind-forbids')
      return moderator ? allow : deny('role-too-low')
    case 'participant.add':
      if (room.kind === 'one-to-one') return deny('room-kind-forbids')
      return moderator || effectivePermissions(self).includes('invite') ? allow : deny('permission-denied')
    case 'participant.admit':
      return moderator ? allow : deny('role-too-low')
    case 'call.start':
      // A meeting's call is opened by the first moderator to arrive (issue 13): until then the
      // others wait for them instead of starting a call of their own.
      return input.meetingInProgress && !moderator ? deny('meeting-awaits-moderator') : allow
    case 'call.join':
      // An end-to-end encrypted room's call takes only clients that encrypt: nobody is let in
      // unencrypted, and nobody's media reaches the others unencrypted (spec/realtime.md).
      return room.e2ee && input.encrypts === false ? deny('e2ee-required') : allow
    case 'call.record':
      // The server cannot read end-to-end encrypted media, so it cannot record it.
      if (room.e2ee) return deny('e2ee-forbids')
      return moderator ? allow : deny('role-too-low')
    case 'call.moderate':
    case 'participant.remove':
    case 'participant.ban':
    case 'participant.update': {
      if (room.kind === 'one-to-one' && action !== 'call.moderate') return deny('room-kind-forbids')
      if (!moderator) return deny('role-too-low')
      const target = input.target
      if (!target || target.isSelf) return deny('role-too-low')
      // Nobody acts on an owner; moderators act only on those below them.
      if (target.role === 'owner' || (self.role !== 'owner' && rank[target.role] >= mine)) return deny('role-too-low')
      return allow
    }
    case 'chat.mention-all':
      return moderator || room.kind === 'one-to-one' ? allow : deny('mention-all-forbidden')
    case 'chat.edit':
      return input.isAuthor ? allow : deny('not-author')
    case 'chat.delete':
    case 'poll.close':
      return input.isAuthor || moderator ? allow : deny('not-author')
  }
}

function decideJoin({ room, self, caller }: PolicyInput): PolicyDecision {
  if (self?.state === 'banned') return deny('banned')
  if (self) return deny('already-participant')
  if (room.kind === 'public') return allow
  if (room.kind === 'group' && caller === 'user' && room.listable !== 'none') return allow
  return deny(room.listable === 'none' ? 'room-not-found' : 'room-not-joinable')
}
