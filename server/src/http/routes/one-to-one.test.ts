/**
 * A one-to-one room after one of the two left: it keeps the other person's name, writing in it
 * brings them back (so the message reaches them), and starting the chat with them again does too.
 */
import { describe, it, beforeEach, afterEach } from 'node:test'
import assert from 'node:assert/strict'
import type { MyRoom, ParticipantView, RoomView } from '@parley/protocol'
import { startTestInstance, type TestInstance, type TestUser } from '../../testing/test-instance.ts'

describe('One-to-one rooms after one person left', () => {
  let t: TestInstance
  let alice: TestUser
  let bob: TestUser
  let roomId = ''
  beforeEach(async () => {
    t = await startTestInstance()
    alice = await t.user('alice')
    bob = await t.user('bob')
    const started = await t.call('POST', '/api/v1/rooms/one-to-one', {
      headers: alice.auth,
      body: { userId: bob.user.id },
    })
    roomId = started.json<RoomView>().id
    assert.equal((await t.call('POST', `/api/v1/rooms/${roomId}/leave`, { headers: bob.auth })).statusCode, 204)
  })
  afterEach(async () => {
    await t.close()
  })

  const roomsOf = async (who: TestUser) =>
    (await t.call('GET', '/api/v1/rooms', { headers: who.auth })).json<{ rooms: MyRoom[] }>().rooms
  const participants = async () =>
    (await t.call('GET', `/api/v1/rooms/${roomId}/participants`, { headers: alice.auth })).json<{
      participants: ParticipantView[]
    }>().participants

  it('GET /rooms and GET /rooms/:id keep the name of the person who left', async () => {
    assert.deepEqual(
      (await participants()).map((p) => p.actorId),
      [alice.user.id],
    )
    assert.equal((await t.call('GET', `/api/v1/rooms/${roomId}`, { headers: alice.auth })).json<RoomView>().name, 'Bob')
    assert.equal((await roomsOf(alice)).find((r) => r.id === roomId)?.name, 'Bob')
  })

  it('POST /rooms/:id/messages brings the other person back: the message is in their room list', async () => {
    assert.equal((await roomsOf(bob)).length, 0)
    const posted = await t.call('POST', `/api/v1/rooms/${roomId}/messages`, {
      headers: alice.auth,
      body: { body: 'are you there?' },
    })
    assert.equal(posted.statusCode, 201, posted.body)
    const bobs = await roomsOf(bob)
    assert.deepEqual(
      bobs.map((r) => [r.id, r.name, r.lastMessage?.body, r.unreadCount]),
      [[roomId, 'Alice', 'are you there?', 1]],
    )
    assert.equal((await participants()).find((p) => p.actorId === bob.user.id)?.state, 'active')
  })

  it('POST /rooms/one-to-one with the person who left brings them back into the same room', async () => {
    const again = await t.call('POST', '/api/v1/rooms/one-to-one', {
      headers: alice.auth,
      body: { userId: bob.user.id },
    })
    assert.equal(again.statusCode, 200)
    assert.equal(again.json<RoomView>().id, roomId)
    assert.deepEqual(
      (await roomsOf(bob)).map((r) => r.id),
      [roomId],
    )
    // Either side: Bob starting it again finds the same room too (no second one).
    const fromBob = await t.call('POST', '/api/v1/rooms/one-to-one', {
      headers: bob.auth,
      body: { userId: alice.user.id },
    })
    assert.equal(fromBob.json<RoomView>().id, roomId)
  })

  it('a closed account is not brought back; the message stays with the writer and the name stays', async () => {
    await t.store.users.update(bob.user.id, { disabled: true })
    const posted = await t.call('POST', `/api/v1/rooms/${roomId}/messages`, {
      headers: alice.auth,
      body: { body: 'still here' },
    })
    assert.equal(posted.statusCode, 201, posted.body)
    assert.deepEqual(
      (await participants()).map((p) => p.actorId),
      [alice.user.id],
    )
    assert.equal((await roomsOf(alice)).find((r) => r.id === roomId)?.name, 'Bob')
  })
})
