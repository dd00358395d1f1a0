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

describe('Rooms REST API', () => {
  let t: TestInstance
  let alice: TestUser
  let bob: TestUser
  let carol: TestUser
  beforeEach(async () => {
    t = await startTestInstance()
    alice = await t.user('alice')
    bob = await t.user('bob')
    carol = await t.user('carol')
  })
  afterEach(async () => {
    await t.close()
  })

  const createRoom = async (owner: TestUser, body: Record<string, unknown> = {}) => {
    const res = await t.call('POST', '/api/v1/rooms', {
      headers: owner.auth,
      body: { kind: 'group', name: 'Team', ...body },
    })
    assert.equal(res.statusCode, 201, res.body)
    return res.json<RoomView>()
  }

  it('POST /rooms creates a group room whose creator is its owner, listed in GET /rooms', async () => {
    const room = await createRoom(alice, { name: '<b>Team</b> & co', description: 'Plans' })
    assert.equal(room.kind, 'group')
    assert.equal(room.name, '<b>Team</b> & co', 'markup is stored as text, verbatim')
    assert.equal(room.me?.role, 'owner')
    assert.equal(room.me?.state, 'active')
    assert.deepEqual(room.me?.permissions, ['chat', 'call', 'audio', 'video', 'screen', 'invite'])
    const list = (await t.call('GET', '/api/v1/rooms', { headers: alice.auth })).json<{ rooms: RoomView[] }>()
    assert.deepEqual(
      list.rooms.map((r) => r.id),
      [room.id],
    )
    assert.deepEqual(
      (await t.call('GET', '/api/v1/rooms', { headers: bob.auth })).json<{ rooms: RoomView[] }>().rooms,
      [],
    )
  })

  it('POST /rooms refuses bad input with validation-failed and creates nothing', async () => {
    for (const body of [
      { kind: 'one-to-one', name: 'x' },
      { kind: 'group', name: '' },
      { kind: 'group', name: 'x', extra: 1 },
      { kind: 'group' },
    ]) {
      const res = await t.call('POST', '/api/v1/rooms', { headers: alice.auth, body })
      assert.equal(res.statusCode, 400)
      assert.equal(res.json().error.code, 'validation-failed')
    }
    assert.equal(
      (await t.call('POST', '/api/v1/rooms', { body: { kind: 'group', name: 'x' } })).json().error.code,
      'unauthenticated',
    )
    assert.deepEqual(await t.store.participants.roomsOf(alice.user.id), [])
  })

  it('GET /rooms/:id answers room-not-found to someone not in a private room', async () => {
    const room = await createRoom(alice)
    const res = await t.call('GET', `/api/v1/rooms/${room.id}`, { headers: bob.auth })
    assert.equal(res.statusCode, 404)
    assert.equal(res.json().error.code, 'room-not-found')
  })

  it('POST /rooms/one-to-one gives one room per pair, the same from either side, and it cannot be renamed or joined', async () => {
    const first = await t.call('POST', '/api/v1/rooms/one-to-one', {
      headers: alice.auth,
      body: { userId: bob.user.id },
    })
    assert.equal(first.statusCode, 201)
    const again = await t.call('POST', '/api/v1/rooms/one-to-one', {
      headers: bob.auth,
      body: { userId: alice.user.id },
    })
    assert.equal(again.statusCode, 200)
    const room = first.json<RoomView>()
    assert.equal(again.json<RoomView>().id, room.id)
    assert.equal(room.kind, 'one-to-one')
    const before = await snapshot(t, room.id)
    const rename = await t.call('PATCH', `/api/v1/rooms/${room.id}`, { headers: alice.auth, body: { name: 'Ours' } })
    assert.equal(rename.json().error.code, 'room-kind-forbids')
    const add = await t.call('POST', `/api/v1/rooms/${room.id}/participants`, {
      headers: alice.auth,
      body: { userId: carol.user.id },
    })
    assert.equal(add.json().error.code, 'room-kind-forbids')
    assert.equal(
      (await t.call('POST', `/api/v1/rooms/${room.id}/join`, { headers: carol.auth, body: {} })).json().error.code,
      'room-not-found',
    )
    assert.deepEqual(await snapshot(t, room.id), before)
    const self = await t.call('POST', '/api/v1/rooms/one-to-one', {
      headers: alice.auth,
      body: { userId: alice.user.id },
    })
    assert.equal(self.json().error.code, 'user-not-found')
  })

  it('PATCH /rooms/:id lets moderators change the room, refuses members with role-too-low, and says "renamed"', async () => {
    const room = await createRoom(alice)
    await t.call('POST', `/api/v1/rooms/${room.id}/participants`, {
      headers: alice.auth,
      body: { userId: bob.user.id },
    })
    const before = await snapshot(t, room.id)
    const refused = await t.call('PATCH', `/api/v1/rooms/${room.id}`, { headers: bob.auth, body: { name: 'Mine now' } })
    assert.equal(refused.statusCode, 403)
    assert.equal(refused.json().error.code, 'role-too-low')
    assert.deepEqual(await snapshot(t, room.id), before)
    const empty = await t.call('PATCH', `/api/v1/rooms/${room.id}`, { headers: alice.auth, body: {} })
    assert.equal(empty.json().error.code, 'validation-failed')
    const res = await t.call('PATCH', `/api/v1/rooms/${room.id}`, {
      headers: alice.auth,
      body: { name: 'Renamed', readOnly: true },
    })
    assert.equal(res.statusCode, 200)
    assert.equal(res.json<RoomView>().name, 'Renamed')
    assert.equal(res.json<RoomView>().readOnly, true)
    const last = (await t.store.messages.history({ roomId: room.id, before: Number.MAX_SAFE_INTEGER, limit: 1 }))[0]
    assert.equal(last?.kind, 'system')
    assert.equal(last?.body, 'renamed')
    assert.deepEqual(last?.data, { from: 'Team', to: 'Renamed' })
  })

  it('POST /rooms/:id/participants adds users (moderators or inviters), refuses members and unknown users', async () => {
    const room = await createRoom(alice)
    const added = await t.call('POST', `/api/v1/rooms/${room.id}/participants`, {
      headers: alice.auth,
      body: { userId: bob.user.id },
    })
    assert.equal(added.statusCode, 201)
    assert.equal(added.json<ParticipantView>().role, 'member')
    const before = await snapshot(t, room.id)
    const byMember = await t.call('POST', `/api/v1/rooms/${room.id}/participants`, {
      headers: bob.auth,
      body: { userId: carol.user.id },
    })
    assert.equal(byMember.json().error.code, 'permission-denied')
    const twice = await t.call('POST', `/api/v1/rooms/${room.id}/participants`, {
      headers: alice.auth,
      body: { userId: bob.user.id },
    })
    assert.equal(twice.json().error.code, 'already-participant')
    const ghost = await t.call('POST', `/api/v1/rooms/${room.id}/participants`, {
      headers: alice.auth,
      body: { userId: 'nobody' },
    })
    assert.equal(ghost.json().error.code, 'user-not-found')
    assert.deepEqual(await snapshot(t, room.id), before)
    const grant = await t.call('PATCH', `/api/v1/rooms/${room.id}/participants/${bob.user.id}`, {
      headers: alice.auth,
      body: { permissions: ['chat', 'invite'] },
    })
    assert.deepEqual(grant.json<ParticipantView>().permissions, ['chat', 'invite'])
    const byInviter = await t.call('POST', `/api/v1/rooms/${room.id}/participants`, {
      headers: bob.auth,
      body: { userId: carol.user.id },
    })
    assert.equal(byInviter.statusCode, 201)
    const list = (await t.call('GET', `/api/v1/rooms/${room.id}/participants`, { headers: carol.auth })).json<{
      participants: ParticipantView[]
    }>()
    assert.deepEqual(
      list.participants.map((p) => [p.displayName, p.role]),
      [
        ['Alice', 'owner'],
        ['Bob', 'member'],
        ['Carol', 'member'],
      ],
    )
  })

  it('DELETE and ban of participants: moderators only, bans keep people out, owners cannot be removed', async () => {
    const room = await createRoom(alice, { kind: 'public' })
    await t.call('POST', `/api/v1/rooms/${room.id}/participants`, {
      headers: alice.auth,
      body: { userId: bob.user.id, role: 'moderator' },
    })
    await t.call('POST', `/api/v1/rooms/${room.id}/participants`, {
      headers: alice.auth,
      body: { userId: carol.user.id },
    })
    const before = await snapshot(t, room.id)
    assert.equal(
      (await t.call('DELETE', `/api/v1/rooms/${room.id}/participants/${alice.user.id}`, { headers: bob.auth })).json()
        .error.code,
      'role-too-low',
    )
    assert.equal(
      (await t.call('DELETE', `/api/v1/rooms/${room.id}/participants/${bob.user.id}`, { headers: carol.auth })).json()
        .error.code,
      'role-too-low',
    )
    assert.equal(
      (await t.call('DELETE', `/api/v1/rooms/${room.id}/participants/nobody`, { headers: bob.auth })).json().error.code,
      'participant-not-found',
    )
    assert.deepEqual(await snapshot(t, room.id), before)
    const ban = await t.call('POST', `/api/v1/rooms/${room.id}/participants/${carol.user.id}/ban`, {
      headers: bob.auth,
    })
    assert.equal(ban.statusCode, 204)
    assert.equal((await t.store.participants.get(room.id, carol.user.id))?.state, 'banned')
    const back = await t.call('POST', `/api/v1/rooms/${room.id}/join`, { headers: carol.auth, body: {} })
    assert.equal(back.json().error.code, 'banned')
    assert.equal(
      (await t.call('GET', `/api/v1/rooms/${room.id}/messages`, { headers: carol.auth })).json().error.code,
      'banned',
    )
    const removeBob = await t.call('DELETE', `/api/v1/rooms/${room.id}/participants/${bob.user.id}`, {
      headers: alice.auth,
    })
    assert.equal(removeBob.statusCode, 204)
    assert.equal(await t.store.participants.get(room.id, bob.user.id), null)
  })

  it('POST /rooms/:id/leave refuses the last owner (last-owner) and lets members go', async () => {
    const room = await createRoom(alice)
    await t.call('POST', `/api/v1/rooms/${room.id}/participants`, {
      headers: alice.auth,
      body: { userId: bob.user.id },
    })
    const before = await snapshot(t, room.id)
    assert.equal(
      (await t.call('POST', `/api/v1/rooms/${room.id}/leave`, { headers: alice.auth })).json().error.code,
      'last-owner',
    )
    assert.deepEqual(await snapshot(t, room.id), before)
    assert.equal((await t.call('POST', `/api/v1/rooms/${room.id}/leave`, { headers: bob.auth })).statusCode, 204)
    assert.equal(
      (await t.call('GET', `/api/v1/rooms/${room.id}`, { headers: bob.auth })).json().error.code,
      'room-not-found',
    )
  })

  it('PATCH /rooms/:id/settings keeps favourite, archive and notification level per user', async () => {
    const room = await createRoom(alice)
    const res = await t.call('PATCH', `/api/v1/rooms/${room.id}/settings`, {
      headers: alice.auth,
      body: { favourite: true, notificationLevel: 'mentions' },
    })
    assert.equal(res.json<RoomView>().me?.favourite, true)
    assert.equal(res.json<RoomView>().me?.notificationLevel, 'mentions')
    assert.equal(res.json<RoomView>().me?.archived, false)
    const bad = await t.call('PATCH', `/api/v1/rooms/${room.id}/settings`, {
      headers: alice.auth,
      body: { notificationLevel: 'loud' },
    })
    assert.equal(bad.json().error.code, 'validation-failed')
  })

  it('GET /rooms/listable lists rooms by scope and POST /rooms/:id/join lets users in (lobby when on)', async () => {
    const open = await createRoom(alice, { name: 'Open', listable: 'users' })
    await createRoom(alice, { name: 'Hidden' })
    const lobbied = await createRoom(alice, { kind: 'public', name: 'Lobby', listable: 'everyone', lobby: true })
    await t.call('POST', `/api/v1/rooms/${lobbied.id}/messages`, { headers: alice.auth, body: { body: 'inside only' } })
    const listed = (await t.call('GET', '/api/v1/rooms/listable', { headers: bob.auth })).json<{ rooms: RoomView[] }>()
    assert.deepEqual(
      listed.rooms.map((r) => r.name),
      ['Open', 'Lobby'],
    )
    const anonymous = (await t.call('GET', '/api/v1/rooms/listable')).json<{ rooms: RoomView[] }>()
    assert.deepEqual(
      anonymous.rooms.map((r) => r.name),
      ['Lobby'],
      'visitors see only rooms listed to everyone',
    )
    const joined = await t.call('POST', `/api/v1/rooms/${open.id}/join`, { headers: bob.auth, body: {} })
    assert.equal(joined.json<RoomView>().me?.state, 'active')
    assert.equal(joined.json<RoomView>().me?.role, 'member')
    assert.equal(
      (await t.call('POST', `/api/v1/rooms/${open.id}/join`, { headers: bob.auth, body: {} })).json().error.code,
      'already-participant',
    )
    const waiting = await t.call('POST', `/api/v1/rooms/${lobbied.id}/join`, { headers: bob.auth, body: {} })
    assert.equal(waiting.json<RoomView>().me?.state, 'lobby')
    const history = await t.call('GET', `/api/v1/rooms/${lobbied.id}/messages`, { headers: bob.auth })
    assert.equal(history.json().error.code, 'in-lobby')
    const post = await t.call('POST', `/api/v1/rooms/${lobbied.id}/messages`, {
      headers: bob.auth,
      body: { body: 'let me in' },
    })
    assert.equal(post.json().error.code, 'in-lobby')
    const mine = (await t.call('GET', '/api/v1/rooms', { headers: bob.auth })).json<{ rooms: MyRoom[] }>()
    const inLobby = mine.rooms.find((r) => r.id === lobbied.id)
    assert.deepEqual(
      [inLobby?.lastMessage, inLobby?.unreadCount, inLobby?.unreadMentions],
      [null, 0, 0],
      'the room list tells someone in the lobby nothing of what is said inside',
    )
    assert.equal(
      (
        await t.call('POST', `/api/v1/rooms/${lobbied.id}/participants/${bob.user.id}/admit`, { headers: carol.auth })
      ).json().error.code,
      'room-not-found',
    )
    const admitted = await t.call('POST', `/api/v1/rooms/${lobbied.id}/participants/${bob.user.id}/admit`, {
      headers: alice.auth,
    })
    assert.equal(admitted.json<ParticipantView>().state, 'active')
    assert.equal((await t.call('GET', `/api/v1/rooms/${lobbied.id}/messages`, { headers: bob.auth })).statusCode, 200)
  })

  it('DELETE /rooms/:id: owners only; the room is gone for everyone', async () => {
    const room = await createRoom(alice)
    await t.call('POST', `/api/v1/rooms/${room.id}/participants`, {
      headers: alice.auth,
      body: { userId: bob.user.id, role: 'moderator' },
    })
    assert.equal(
      (await t.call('DELETE', `/api/v1/rooms/${room.id}`, { headers: bob.auth })).json().error.code,
      'role-too-low',
    )
    assert.equal((await t.store.rooms.byId(room.id))?.deletedAt, null)
    assert.equal((await t.call('DELETE', `/api/v1/rooms/${room.id}`, { headers: alice.auth })).statusCode, 204)
    assert.equal(
      (await t.call('GET', `/api/v1/rooms/${room.id}`, { headers: alice.auth })).json().error.code,
      'room-not-found',
    )
    assert.deepEqual(
      (await t.call('GET', '/api/v1/rooms', { headers: bob.auth })).json<{ rooms: RoomView[] }>().rooms,
      [],
    )
  })

  it('GET /api/openapi.json documents the rooms, chat, guest and notification routes with their schemas', async () => {
    const doc = (await t.call('GET', '/api/openapi.json')).json<{ paths: Record<string, Record<string, unknown>> }>()
    for (const path of [
      '/api/v1/rooms',
      '/api/v1/rooms/{roomId}/messages',
      '/api/v1/rooms/{roomId}/guests',
      '/api/v1/rooms/search',
      '/api/v1/notifications',
      '/api/v1/rooms/{roomId}/polls/{pollId}/votes',
    ]) {
      assert.ok(doc.paths[path], `${path} is documented`)
    }
    assert.deepEqual(Object.keys(doc.paths['/api/v1/rooms/{roomId}/messages/{seq}/reactions/{emoji}'] ?? {}).sort(), [
      'delete',
      'put',
    ])
    assert.equal(
      doc.paths['/api/v1/realtime'],
      undefined,
      'the WebSocket route is described in spec/realtime.md instead',
    )
  })
})
