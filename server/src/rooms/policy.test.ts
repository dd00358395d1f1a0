import { describe, it } from 'node:test'
import assert from 'node:assert/strict'
import { ROOM_ACTIONS, decide, effectivePermissions, type PolicyInput, type RoomAction } from './policy.ts'
import type { ParticipantRecord, RoomRecord } from '../store/records.ts'

type Room = PolicyInput['room']
type Self = NonNullable<PolicyInput['self']>

const group: Room = { kind: 'group', readOnly: false, lobby: false, listable: 'none', deletedAt: null }
const publicRoom: Room = { ...group, kind: 'public' }
const oneToOne: Room = { ...group, kind: 'one-to-one' }
const readOnly: Room = { ...group, readOnly: true }
const deleted: Room = { ...group, deletedAt: 1 }

const as = (role: ParticipantRecord['role'], more: Partial<Self> = {}): Self => ({
  actorType: role === 'guest' ? 'guest' : 'user',
  role,
  state: 'active',
  permissions: null,
  ...more,
})
const owner = as('owner')
const mod = as('moderator')
const member = as('member')
const guest = as('guest')
const mute = as('member', { permissions: ['call'] })
const inviter = as('member', { permissions: ['chat', 'invite'] })
const waiting = as('member', { state: 'lobby' })
const banned = as('member', { state: 'banned' })

const other = (role: ParticipantRecord['role']) => ({ role, isSelf: false })

// [action, room, self, extra, expected] — expected is 'ok' or the refusal code.
const table: [RoomAction, Room, Self | null, Partial<PolicyInput>, string][] = [
  ['room.view', group, member, {}, 'ok'],
  ['room.view', group, null, {}, 'room-not-found'],
  ['room.view', deleted, owner, {}, 'room-not-found'],
  ['room.view', group, banned, {}, 'banned'],
  ['room.view', group, waiting, {}, 'ok'],
  ['chat.read', group, waiting, {}, 'in-lobby'],
  ['chat.post', group, waiting, {}, 'in-lobby'],
  ['room.leave', group, waiting, {}, 'ok'],
  ['room.join', publicRoom, null, { caller: 'guest' }, 'ok'],
  ['room.join', publicRoom, null, { caller: 'user' }, 'ok'],
  ['room.join', { ...group, listable: 'users' }, null, { caller: 'user' }, 'ok'],
  ['room.join', { ...group, listable: 'users' }, null, { caller: 'guest' }, 'room-not-joinable'],
  ['room.join', group, null, { caller: 'user' }, 'room-not-found'],
  ['room.join', oneToOne, null, { caller: 'user' }, 'room-not-found'],
  ['room.join', publicRoom, banned, { caller: 'user' }, 'banned'],
  ['room.join', publicRoom, member, { caller: 'user' }, 'already-participant'],
  ['room.join', { ...publicRoom, deletedAt: 5 }, null, { caller: 'user' }, 'room-not-found'],
  ['room.rename', group, mod, {}, 'ok'],
  ['room.rename', group, member, {}, 'role-too-low'],
  ['room.rename', oneToOne, owner, {}, 'room-kind-forbids'],
  ['room.rename', publicRoom, guest, {}, 'guest-not-allowed'],
  ['room.update', oneToOne, owner, {}, 'ok'],
  ['room.update', group, member, {}, 'role-too-low'],
  ['room.delete', group, owner, {}, 'ok'],
  ['room.delete', group, mod, {}, 'role-too-low'],
  ['room.transfer', group, owner, {}, 'ok'],
  ['room.transfer', group, mod, {}, 'role-too-low'],
  ['room.transfer', oneToOne, owner, {}, 'room-kind-forbids'],
  ['room.transfer', group, null, {}, 'room-not-found'],
  ['participant.unban', group, mod, {}, 'ok'],
  ['participant.unban', group, member, {}, 'role-too-low'],
  ['participant.unban', publicRoom, guest, {}, 'guest-not-allowed'],
  ['participant.unban', oneToOne, owner, {}, 'room-kind-forbids'],
  ['room.settings', group, member, {}, 'ok'],
  ['room.settings', publicRoom, guest, {}, 'guest-not-allowed'],
  ['participant.add', group, mod, {}, 'ok'],
  ['participant.add', group, member, {}, 'permission-denied'],
  ['participant.add', group, inviter, {}, 'ok'],
  ['participant.add', oneToOne, owner, {}, 'room-kind-forbids'],
  ['participant.add', publicRoom, guest, {}, 'guest-not-allowed'],
  ['participant.remove', group, mod, { target: other('member') }, 'ok'],
  ['participant.remove', group, mod, { target: other('guest') }, 'ok'],
  ['participant.remove', group, mod, { target: other('moderator') }, 'role-too-low'],
  ['participant.remove', group, owner, { target: other('moderator') }, 'ok'],
  ['participant.remove', group, owner, { target: other('owner') }, 'role-too-low'],
  ['participant.remove', group, mod, { target: { role: 'moderator', isSelf: true } }, 'role-too-low'],
  ['participant.remove', group, member, { target: other('member') }, 'role-too-low'],
  ['participant.remove', oneToOne, owner, { target: other('owner') }, 'room-kind-forbids'],
  ['participant.ban', group, mod, { target: other('member') }, 'ok'],
  ['participant.ban', publicRoom, guest, { target: other('member') }, 'guest-not-allowed'],
  ['participant.admit', group, mod, {}, 'ok'],
  ['participant.admit', group, member, {}, 'role-too-low'],
  ['participant.update', group, owner, { target: other('member') }, 'ok'],
  ['participant.update', group, mod, { target: other('moderator') }, 'role-too-low'],
  ['chat.post', group, member, {}, 'ok'],
  ['chat.post', publicRoom, guest, {}, 'ok'],
  ['chat.post', group, mute, {}, 'permission-denied'],
  ['chat.post', readOnly, member, {}, 'room-read-only'],
  ['chat.post', readOnly, mod, {}, 'ok'],
  ['chat.post', group, null, {}, 'room-not-found'],
  ['chat.mention-all', group, member, {}, 'mention-all-forbidden'],
  ['chat.mention-all', group, mod, {}, 'ok'],
  ['chat.mention-all', oneToOne, owner, {}, 'ok'],
  ['chat.edit', group, member, { isAuthor: true }, 'ok'],
  ['chat.edit', group, mod, { isAuthor: false }, 'not-author'],
  ['chat.edit', readOnly, member, { isAuthor: true }, 'room-read-only'],
  ['chat.delete', group, member, { isAuthor: false }, 'not-author'],
  ['chat.delete', group, member, { isAuthor: true }, 'ok'],
  ['chat.delete', group, mod, { isAuthor: false }, 'ok'],
  ['chat.delete', readOnly, member, { isAuthor: true }, 'ok'],
  ['chat.react', readOnly, member, {}, 'room-read-only'],
  ['chat.react', group, mute, {}, 'permission-denied'],
  ['chat.react', group, guest, {}, 'ok'],
  ['chat.mark-read', readOnly, guest, {}, 'ok'],
  ['file.share', group, member, {}, 'ok'],
  ['file.share', publicRoom, guest, {}, 'ok'],
  ['file.share', group, mute, {}, 'permission-denied'],
  ['file.share', readOnly, member, {}, 'room-read-only'],
  ['file.share', group, waiting, {}, 'in-lobby'],
  ['file.share', group, null, {}, 'room-not-found'],
  ['file.read', readOnly, guest, {}, 'ok'],
  ['file.read', group, mute, {}, 'ok'],
  ['file.read', group, waiting, {}, 'in-lobby'],
  ['file.read', group, null, {}, 'room-not-found'],
  ['meeting.view', readOnly, guest, {}, 'ok'],
  ['meeting.view', group, waiting, {}, 'in-lobby'],
  ['meeting.view', group, null, {}, 'room-not-found'],
  ['meeting.schedule', group, mod, {}, 'ok'],
  ['meeting.schedule', group, member, {}, 'role-too-low'],
  ['meeting.schedule', publicRoom, guest, {}, 'guest-not-allowed'],
  ['meeting.rsvp', readOnly, member, {}, 'ok'],
  ['meeting.rsvp', publicRoom, guest, {}, 'guest-not-allowed'],
  ['meeting.rsvp', group, null, {}, 'room-not-found'],
  ['chat.typing', group, mute, {}, 'permission-denied'],
  ['poll.create', group, member, {}, 'ok'],
  ['poll.create', readOnly, member, {}, 'room-read-only'],
  ['poll.vote', group, guest, {}, 'ok'],
  ['poll.close', group, member, { isAuthor: false }, 'not-author'],
  ['poll.close', group, mod, { isAuthor: false }, 'ok'],
  ['call.start', publicRoom, guest, {}, 'permission-denied'],
  ['call.start', group, member, {}, 'ok'],
  ['call.start', group, member, { meetingInProgress: true }, 'meeting-awaits-moderator'],
  ['call.start', group, mod, { meetingInProgress: true }, 'ok'],
  ['call.start', group, as('member', { permissions: [] }), { meetingInProgress: true }, 'permission-denied'],
  ['call.start', group, owner, { meetingInProgress: true }, 'ok'],
  ['call.join', group, member, { meetingInProgress: true }, 'ok'],
  ['call.publish-screen', publicRoom, guest, {}, 'permission-denied'],
  ['call.publish-screen', group, as('member', { permissions: ['screen'] }), {}, 'ok'],
  ['call.publish-audio', publicRoom, as('guest', { permissions: [] }), {}, 'permission-denied'],
  ['call.join', publicRoom, guest, {}, 'ok'],
  ['call.join', group, member, {}, 'ok'],
  ['call.join', group, waiting, {}, 'in-lobby'],
  ['call.join', group, banned, {}, 'banned'],
  ['call.join', group, null, {}, 'room-not-found'],
  ['call.join', { ...group, e2ee: true }, member, { encrypts: true }, 'ok'],
  ['call.join', { ...group, e2ee: true }, member, { encrypts: false }, 'e2ee-required'],
  ['call.join', { ...group, e2ee: true }, waiting, { encrypts: false }, 'in-lobby'],
  ['call.join', group, member, { encrypts: false }, 'ok'],
  ['call.start', group, waiting, {}, 'in-lobby'],
  ['call.publish-video', group, waiting, {}, 'in-lobby'],
  ['call.publish-video', group, as('member', { permissions: ['audio'] }), {}, 'permission-denied'],
  ['call.moderate', group, mod, { target: other('member') }, 'ok'],
  ['call.moderate', oneToOne, owner, { target: other('owner') }, 'role-too-low'],
  ['call.moderate', publicRoom, mod, { target: other('guest') }, 'ok'],
  ['call.moderate', group, member, { target: other('member') }, 'role-too-low'],
  ['call.moderate', group, mod, { target: other('moderator') }, 'role-too-low'],
  ['call.moderate', group, mod, { target: other('owner') }, 'role-too-low'],
  ['call.moderate', group, owner, { target: other('moderator') }, 'ok'],
  ['call.moderate', publicRoom, guest, { target: other('guest') }, 'role-too-low'],
  ['call.record', group, mod, {}, 'ok'],
  ['call.record', group, member, {}, 'role-too-low'],
  ['call.record', { ...group, e2ee: true }, owner, {}, 'e2ee-forbids'],
  ['call.record', group, waiting, {}, 'in-lobby'],
]

describe('policy.decide()', () => {
  for (const [action, room, self, extra, expected] of table) {
    const who = self
      ? `${self.role}${self.state === 'active' ? '' : ` (${self.state})`}${self.permissions ? ` [${self.permissions.join(',')}]` : ''}`
      : 'a stranger'
    const where =
      room.deletedAt !== null
        ? 'deleted'
        : `${room.kind}${room.readOnly ? ' read-only' : ''}${room.e2ee ? ' e2ee' : ''}${room.listable !== 'none' ? ` listable:${room.listable}` : ''}`
    it(`decide(${action}) for ${who} in a ${where} room${extra.target ? ` on a ${extra.target.isSelf ? 'themself' : extra.target.role}` : ''}${extra.isAuthor !== undefined ? (extra.isAuthor ? ' as author' : ' not author') : ''}${extra.encrypts !== undefined ? (extra.encrypts ? ', encrypting' : ', not encrypting') : ''} → ${expected}`, () => {
      const decision = decide({ action, room, self, ...extra })
      assert.deepEqual(decision, expected === 'ok' ? { ok: true } : { ok: false, error: expected })
    })
  }

  it('decide() answers every action for every role (no action falls through)', () => {
    const room: Pick<RoomRecord, 'kind' | 'readOnly' | 'lobby' | 'listable' | 'deletedAt'> = group
    for (const action of ROOM_ACTIONS) {
      for (const self of [owner, mod, member, guest]) {
        const decision = decide({ action, room, self, target: other('member'), isAuthor: true })
        assert.equal(typeof decision.ok, 'boolean', `${action} for ${self.role}`)
      }
    }
  })

  it('effectivePermissions() gives moderators everything and others their explicit set, else the role defaults', () => {
    assert.deepEqual(effectivePermissions({ role: 'moderator', permissions: [] }), [
      'chat',
      'call',
      'audio',
      'video',
      'screen',
      'invite',
    ])
    assert.deepEqual(effectivePermissions({ role: 'member', permissions: null }), [
      'chat',
      'call',
      'audio',
      'video',
      'screen',
    ])
    assert.deepEqual(effectivePermissions({ role: 'guest', permissions: null }), ['chat', 'audio', 'video'])
    assert.deepEqual(effectivePermissions({ role: 'member', permissions: ['invite'] }), ['invite'])
  })
})
