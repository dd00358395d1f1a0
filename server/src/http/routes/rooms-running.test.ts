import { describe, it, beforeEach, afterEach } from 'node:test'
import assert from 'node:assert/strict'
import type { MyRoom, ParticipantView, RoomView } from '@parley/protocol'
import { startTestInstance, type TestInstance, type TestUser } from '../../testing/test-instance.ts'

/** What a refused request must leave alone: the room, its participants and its messages. */
async function snapshot(t: TestInstance, roomId: string) {
  return {
    room: await t.store.rooms.byId(roomId),
    participants: await t.store.participants.list(roomId),
    messages: await t.store.messages.history({ roomId, after: 0, limit: 1000 }),
  }
}

describe('Rooms people can run: ownership, unban, one-to-one names, the room list', () => {
  let t: TestInstance
  let alice: TestUser
  let bob: TestUser
  let carol: TestUser
  let roomId: string
  beforeEach(async () => {
    t = await startTestInstance()
    alice = await t.user('alice')
    bob = await t.user('bob')
    carol = await t.user('carol')
    const created = await t.call('POST', '/api/v1/rooms', {
      headers: alice.auth,
      body: { kind: 'public', name: 'Team' },
    })
    roomId = created.json<RoomView>().id
    const added = await t.call('POST', `/api/v1/rooms/${roomId}/participants`, {
      headers: alice.auth,
      body: { userId: bob.user.id },
    })
    assert.equal(added.statusCode, 201)
  })
  afterEach(() => t.close())

  const participants = async () =>
    (await t.call('GET', `/api/v1/rooms/${roomId}/participants`, { headers: alice.auth })).json<{
      participants: ParticipantView[]
    }>().participants
  const roleOf = async (id: string) => (await participants()).find((p) => p.actorId === id)?.role
  const myRooms = async (who: TestUser) =>
    (await t.call('GET', '/api/v1/rooms', { headers: who.auth })).json<{ rooms: MyRoom[] }>().rooms

  it('POST /owner hands the room to a participant; the former owner becomes a moderator and may then leave', async () => {
    const moved = await t.call('POST', `/api/v1/rooms/${roomId}/owner`, {
      headers: alice.auth,
      body: { actorId: bob.user.id },
    })
    assert.equal(moved.statusCode, 200, moved.body)
    assert.equal(moved.json<ParticipantView>().role, 'owner')
    assert.equal(await roleOf(bob.user.id), 'owner')
    assert.equal(await roleOf(alice.user.id), 'moderator')
    const history = await t.store.messages.history({ roomId, before: Number.MAX_SAFE_INTEGER, limit: 1 })
    assert.equal(history[0]?.body, 'owner-changed')
    assert.deepEqual(history[0]?.data, { actorId: bob.user.id, name: 'Bob' })
    // Alice is no longer the last owner: she may leave; Bob may delete the room.
    assert.equal((await t.call('POST', `/api/v1/rooms/${roomId}/leave`, { headers: alice.auth })).statusCode, 204)
    assert.equal((await t.call('DELETE', `/api/v1/rooms/${roomId}`, { headers: bob.auth })).statusCode, 204)
  })

  it('POST /owner refuses a non-member, a guest, a non-owner, one-to-one rooms and bad bodies, changing nothing', async () => {
    const guest = await t.call('POST', `/api/v1/rooms/${roomId}/guests`, { body: { displayName: 'Vera' } })
    const guestId = guest.json<{ guestId: string }>().guestId
    const before = await snapshot(t, roomId)
    const transfer = (who: TestUser, body: unknown) =>
      t.call('POST', `/api/v1/rooms/${roomId}/owner`, { headers: who.auth, body })
    const refusals: [TestUser, unknown, number, string][] = [
      [alice, { actorId: carol.user.id }, 404, 'participant-not-found'],
      [alice, { actorId: 'no-such-actor' }, 404, 'participant-not-found'],
      [alice, { actorId: guestId }, 403, 'guest-not-allowed'],
      [alice, { actorId: alice.user.id }, 409, 'already-participant'],
      [bob, { actorId: bob.user.id }, 403, 'role-too-low'],
      [carol, { actorId: carol.user.id }, 404, 'room-not-found'],
      [alice, {}, 400, 'validation-failed'],
      [alice, { actorId: bob.user.id, role: 'owner' }, 400, 'validation-failed'],
    ]
    for (const [who, body, status, code] of refusals) {
      const reply = await transfer(who, body)
      assert.equal(reply.statusCode, status, `${JSON.stringify(body)}: ${reply.body}`)
      assert.equal(reply.json().error.code, code)
    }
    assert.deepEqual(await snapshot(t, roomId), before)
    // A banned participant is not someone to hand the room to.
    await t.call('POST', `/api/v1/rooms/${roomId}/participants/${bob.user.id}/ban`, { headers: alice.auth })
    const afterBan = await snapshot(t, roomId)
    assert.equal((await transfer(alice, { actorId: bob.user.id })).json().error.code, 'participant-not-found')
    assert.deepEqual(await snapshot(t, roomId), afterBan)
    assert.notDeepEqual(afterBan, before)

    const dm = await t.call('POST', '/api/v1/rooms/one-to-one', {
      headers: alice.auth,
      body: { userId: carol.user.id },
    })
    const dmId = dm.json<RoomView>().id
    const inDm = await t.call('POST', `/api/v1/rooms/${dmId}/owner`, {
      headers: alice.auth,
      body: { actorId: carol.user.id },
    })
    assert.equal(inDm.json().error.code, 'room-kind-forbids')
  })

  it('POST /unban lifts a ban: the person can be added again; refuses what is not a ban, changing nothing', async () => {
    await t.call('POST', `/api/v1/rooms/${roomId}/participants/${bob.user.id}/ban`, { headers: alice.auth })
    const rejoin = await t.call('POST', `/api/v1/rooms/${roomId}/join`, { headers: bob.auth, body: {} })
    assert.equal(rejoin.json().error.code, 'banned')

    const before = await snapshot(t, roomId)
    for (const [who, actorId, code] of [
      [alice, carol.user.id, 'participant-not-found'],
      [alice, alice.user.id, 'participant-not-found'],
      [carol, bob.user.id, 'room-not-found'],
    ] as const) {
      const reply = await t.call('POST', `/api/v1/rooms/${roomId}/participants/${actorId}/unban`, {
        headers: who.auth,
      })
      assert.equal(reply.json().error.code, code)
    }
    assert.deepEqual(await snapshot(t, roomId), before)

    const unbanned = await t.call('POST', `/api/v1/rooms/${roomId}/participants/${bob.user.id}/unban`, {
      headers: alice.auth,
    })
    assert.equal(unbanned.statusCode, 204)
    assert.equal(
      (await participants()).find((p) => p.actorId === bob.user.id),
      undefined,
    )
    const joined = await t.call('POST', `/api/v1/rooms/${roomId}/join`, { headers: bob.auth, body: {} })
    assert.equal(joined.statusCode, 200, joined.body)
    assert.equal(joined.json<RoomView>().me?.state, 'active')
  })

  it('one-to-one rooms are named after the other person, for each side, following renames', async () => {
    const dm = await t.call('POST', '/api/v1/rooms/one-to-one', {
      headers: alice.auth,
      body: { userId: carol.user.id },
    })
    const dmId = dm.json<RoomView>().id
    assert.equal(dm.json<RoomView>().name, 'Carol')
    const carolsView = await t.call('GET', `/api/v1/rooms/${dmId}`, { headers: carol.auth })
    assert.equal(carolsView.json<RoomView>().name, 'Alice')
    await t.call('PATCH', '/api/v1/me', { headers: carol.auth, body: { displayName: 'Carol C.' } })
    const listed = (await myRooms(alice)).find((r) => r.id === dmId)
    assert.equal(listed?.name, 'Carol C.')
  })

  it('GET /rooms gives unreadCount, unreadMentions and lastMessage; reactions and read markers are not messages', async () => {
    const post = async (who: TestUser, body: string) =>
      (await t.call('POST', `/api/v1/rooms/${roomId}/messages`, { headers: who.auth, body: { body } })).json<{
        seq: number
      }>().seq
    await post(alice, 'hello')
    await post(alice, 'hi @bob, look')
    const last = await post(alice, 'and this')
    await post(bob, 'my own message')
    let mine = (await myRooms(bob)).find((r) => r.id === roomId) as MyRoom
    assert.equal(mine.unreadCount, 3, 'three messages by others; system messages and my own do not count')
    assert.equal(mine.unreadMentions, 1)
    assert.equal(mine.lastMessage?.body, 'my own message')

    // A reaction and Alice's read marker move the room's lastSeq, not what is unread or last.
    await t.call('PUT', `/api/v1/rooms/${roomId}/messages/${last}/reactions/${encodeURIComponent('👍')}`, {
      headers: alice.auth,
    })
    await t.call('POST', `/api/v1/rooms/${roomId}/read`, { headers: alice.auth, body: { seq: last } })
    const after = (await myRooms(bob)).find((r) => r.id === roomId) as MyRoom
    assert.ok(after.lastSeq > mine.lastSeq)
    assert.equal(after.unreadCount, 3)
    assert.equal(after.lastMessage?.seq, mine.lastMessage?.seq)

    // A deleted message is not unread; reading up to the last one clears everything.
    const mention = (await t.store.messages.history({ roomId, after: 0, limit: 100 })).find((m) =>
      m.body.includes('@bob'),
    )
    await t.call('DELETE', `/api/v1/rooms/${roomId}/messages/${mention?.seq}`, { headers: alice.auth })
    mine = (await myRooms(bob)).find((r) => r.id === roomId) as MyRoom
    assert.equal(mine.unreadCount, 2)
    assert.equal(mine.unreadMentions, 0)
    await t.call('POST', `/api/v1/rooms/${roomId}/read`, { headers: bob.auth, body: { seq: after.lastSeq } })
    mine = (await myRooms(bob)).find((r) => r.id === roomId) as MyRoom
    assert.deepEqual([mine.unreadCount, mine.unreadMentions], [0, 0])

    // The reactions of the last message are its real ones.
    const withReaction = (await myRooms(alice)).find((r) => r.id === roomId) as MyRoom
    assert.equal(withReaction.lastMessage?.body, 'my own message')
    await t.call(
      'PUT',
      `/api/v1/rooms/${roomId}/messages/${withReaction.lastMessage?.seq}/reactions/${encodeURIComponent('🎉')}`,
      { headers: alice.auth },
    )
    const reacted = (await myRooms(bob)).find((r) => r.id === roomId) as MyRoom
    assert.deepEqual(reacted.lastMessage?.reactions, [{ emoji: '🎉', count: 1 }])
  })

  it('GET /mention-candidates lists matching participants (remote ones and guests too), then the directory', async () => {
    await t.chat.rooms.addRemoteMember(roomId, 'https://remote.example/users/carla', 'Carla Remote')
    const dave = await t.user('dave')
    await t.call('PATCH', '/api/v1/me', { headers: dave.auth, body: { displayName: 'Dave Carver' } })
    const guest = await t.call('POST', `/api/v1/rooms/${roomId}/guests`, { body: { displayName: 'Cary Guest' } })
    const guestSecret = guest.json<{ secret: string }>().secret
    type Candidates = { candidates: { actorId: string; displayName: string; inRoom: boolean; handle: string | null }[] }
    const ask = async (q: string, auth: Record<string, string> = bob.auth) => {
      const reply = await t.call('GET', `/api/v1/rooms/${roomId}/mention-candidates?q=${encodeURIComponent(q)}`, {
        headers: auth,
      })
      assert.equal(reply.statusCode, 200, reply.body)
      return reply.json<Candidates>().candidates
    }
    const found = await ask('@car')
    assert.deepEqual(
      found.map((c) => [c.displayName, c.inRoom]),
      [
        ['Carla Remote', true],
        ['Cary Guest', true],
        ['Carol', false],
        ['Dave Carver', false],
      ],
    )
    assert.equal(found[0]?.actorId, 'https://remote.example/users/carla')
    assert.equal(found[2]?.handle, `@carol@${new URL(t.config.publicOrigin).host}`)
    // A guest gets the room's participants only, never the directory.
    const asGuest = await ask('car', { authorization: `Guest ${guestSecret}` })
    assert.deepEqual(
      asGuest.map((c) => c.displayName),
      ['Carla Remote', 'Cary Guest'],
    )
    // Someone not in the room learns nothing about it.
    const outsider = await t.call('GET', `/api/v1/rooms/${roomId}/mention-candidates?q=a`, { headers: carol.auth })
    assert.equal(outsider.json().error.code, 'room-not-found')
    const bad = await t.call('GET', `/api/v1/rooms/${roomId}/mention-candidates?limit=500`, { headers: bob.auth })
    assert.equal(bad.json().error.code, 'validation-failed')
  })
})
