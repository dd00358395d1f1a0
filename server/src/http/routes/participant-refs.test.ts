import { after, before, describe, it } from 'node:test'
import assert from 'node:assert/strict'
import type { ParticipantView, RoomView } from '@parley/protocol'
import { startTestInstance, type TestInstance, type TestUser } from '../../testing/test-instance.ts'

/** What a refused request must leave alone: the room, its participants and its messages. */
async function snapshot(t: TestInstance, roomId: string) {
  return {
    room: await t.store.rooms.byId(roomId),
    participants: await t.store.participants.list(roomId),
    messages: await t.store.messages.history({ roomId, after: 0, limit: 1000 }),
  }
}

describe('routes that take a participant accept an id, a username or a handle', () => {
  let t: TestInstance
  let alice: TestUser
  let bob: TestUser
  let carol: TestUser
  let host: string
  before(async () => {
    t = await startTestInstance()
    alice = await t.user('alice')
    bob = await t.user('bob')
    carol = await t.user('carol')
    host = new URL(t.config.publicOrigin).host
  })
  after(() => t.close())

  /** A room of alice's with bob in it (or, with a lobby, bob waiting in it). */
  const roomWithBob = async (lobby = false): Promise<string> => {
    const roomId = (
      await t.call('POST', '/api/v1/rooms', { headers: alice.auth, body: { kind: 'public', name: 'Team', lobby } })
    ).json<RoomView>().id
    const joined = await t.call('POST', `/api/v1/rooms/${roomId}/join`, { headers: bob.auth, body: {} })
    assert.equal(joined.statusCode, 200, joined.body)
    return roomId
  }
  const bobIn = async (roomId: string) => t.store.participants.get(roomId, bob.user.id)
  const path = (roomId: string, ref: string, action = '') =>
    `/api/v1/rooms/${roomId}/participants/${encodeURIComponent(ref)}${action}`

  it('PATCH /participants/:actorId changes bob named as bob, @bob or @bob@this-host', async () => {
    const roomId = await roomWithBob()
    for (const [ref, role] of [
      ['bob', 'moderator'],
      ['@bob', 'member'],
      ['Bob', 'moderator'],
      ['@BOB', 'member'],
      [`@bob@${host.toUpperCase()}`, 'moderator'],
      [bob.user.id, 'member'],
    ] as const) {
      const changed = await t.call('PATCH', path(roomId, ref), { headers: alice.auth, body: { role } })
      assert.equal(changed.statusCode, 200, `${ref}: ${changed.body}`)
      assert.equal(changed.json<ParticipantView>().actorId, bob.user.id)
      assert.equal((await bobIn(roomId))?.role, role)
    }
  })

  it('DELETE /participants/:actorId, /ban and /unban take names; the ban is then lifted by handle', async () => {
    const removedRoom = await roomWithBob()
    const removed = await t.call('DELETE', path(removedRoom, 'bob'), { headers: alice.auth })
    assert.equal(removed.statusCode, 204, removed.body)
    assert.equal(await bobIn(removedRoom), null)

    const bannedRoom = await roomWithBob()
    const banned = await t.call('POST', path(bannedRoom, `@bob@${host}`, '/ban'), { headers: alice.auth })
    assert.equal(banned.statusCode, 204, banned.body)
    assert.equal((await bobIn(bannedRoom))?.state, 'banned')
    const unbanned = await t.call('POST', path(bannedRoom, '@bob', '/unban'), { headers: alice.auth })
    assert.equal(unbanned.statusCode, 204, unbanned.body)
    assert.equal(await bobIn(bannedRoom), null)
  })

  it('POST /participants/:actorId/admit lets bob in from the lobby by username', async () => {
    const roomId = await roomWithBob(true)
    assert.equal((await bobIn(roomId))?.state, 'lobby')
    const admitted = await t.call('POST', path(roomId, 'bob', '/admit'), { headers: alice.auth })
    assert.equal(admitted.statusCode, 200, admitted.body)
    assert.equal((await bobIn(roomId))?.state, 'active')
  })

  it('POST /owner takes the new owner by handle', async () => {
    const roomId = await roomWithBob()
    const moved = await t.call('POST', `/api/v1/rooms/${roomId}/owner`, {
      headers: alice.auth,
      body: { actorId: `@bob@${host}` },
    })
    assert.equal(moved.statusCode, 200, moved.body)
    assert.equal((await bobIn(roomId))?.role, 'owner')
    assert.equal((await t.store.participants.get(roomId, alice.user.id))?.role, 'moderator')
  })

  it('refuses names that name nobody in the room with stable codes, and changes nothing', async () => {
    const roomId = await roomWithBob()
    const guest = await t.call('POST', `/api/v1/rooms/${roomId}/guests`, { body: { displayName: 'Vera' } })
    const guestAuth = { authorization: `Guest ${guest.json<{ secret: string }>().secret}` }
    const before = await snapshot(t, roomId)
    // An unreachable "other instance" on loopback: the lookup is refused before any connection.
    const remote = '@bob@127.0.0.1:1'
    const refusals: [TestUser | { auth: Record<string, string> }, string, string, unknown, string][] = [
      [alice, 'DELETE', path(roomId, '@nobody'), undefined, 'user-not-found'],
      [alice, 'POST', path(roomId, '@nobody', '/ban'), undefined, 'user-not-found'],
      [alice, 'PATCH', path(roomId, '@@bob'), { role: 'moderator' }, 'user-not-found'],
      [alice, 'POST', path(roomId, 'nobody', '/unban'), undefined, 'participant-not-found'],
      [alice, 'POST', path(roomId, 'carol', '/ban'), undefined, 'participant-not-found'],
      [alice, 'POST', path(roomId, '@carol', '/admit'), undefined, 'participant-not-found'],
      [alice, 'POST', path(roomId, 'bob', '/unban'), undefined, 'participant-not-found'],
      [alice, 'DELETE', path(roomId, remote), undefined, 'remote-not-found'],
      [alice, 'POST', `/api/v1/rooms/${roomId}/owner`, { actorId: remote }, 'person-not-local'],
      [alice, 'POST', `/api/v1/rooms/${roomId}/owner`, { actorId: '@nobody' }, 'user-not-found'],
      [alice, 'POST', `/api/v1/rooms/${roomId}/owner`, { actorId: 'x'.repeat(301) }, 'validation-failed'],
      // Who is not in the room learns nothing about which names exist.
      [carol, 'DELETE', path(roomId, '@nobody'), undefined, 'room-not-found'],
      [carol, 'POST', `/api/v1/rooms/${roomId}/owner`, { actorId: '@nobody' }, 'room-not-found'],
      // Guests name participants by id only: a name is no id of anyone.
      [{ auth: guestAuth }, 'POST', path(roomId, 'bob', '/ban'), undefined, 'participant-not-found'],
    ]
    for (const [who, method, url, body, code] of refusals) {
      const reply = await t.call(method, url, { headers: who.auth, ...(body === undefined ? {} : { body }) })
      assert.equal(reply.json().error?.code, code, `${method} ${url}: ${reply.body}`)
    }
    assert.deepEqual(await snapshot(t, roomId), before)
  })
})
