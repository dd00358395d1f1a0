import { describe, it, beforeEach, afterEach } from 'node:test'
import assert from 'node:assert/strict'
import type { GuestSession, HistoryPage, MessageView, RoomView } from '@parley/protocol'
import { ManualClock } from '../../testing/manual-clock.ts'
import { startTestInstance, type TestInstance, type TestUser } from '../../testing/test-instance.ts'

describe('Guests REST API', () => {
  let t: TestInstance
  let alice: TestUser
  let room: RoomView
  beforeEach(async () => {
    // Time stands still: the password backoff (1 s after the third wrong guess) must not run out
    // while a slow machine is still answering the guesses it counts.
    t = await startTestInstance({ clock: new ManualClock() })
    alice = await t.user('alice')
    room = (
      await t.call('POST', '/api/v1/rooms', {
        headers: alice.auth,
        body: { kind: 'public', name: 'Town hall', password: 'open sesame', lobby: true },
      })
    ).json<RoomView>()
  })
  afterEach(async () => {
    await t.close()
  })

  const joinAsGuest = (body: unknown, remoteAddress = '10.0.0.1') =>
    t.app.inject({ method: 'POST', url: `/api/v1/rooms/${room.id}/guests`, payload: body as object, remoteAddress })

  it('POST /rooms/:id/guests: password required, wrong passwords back off per address and room, then the lobby until admitted', async () => {
    assert.equal((await joinAsGuest({ displayName: 'Visitor' })).json().error.code, 'room-password-required')
    for (let i = 0; i < 3; i++)
      assert.equal(
        (await joinAsGuest({ displayName: 'Visitor', password: 'guess' })).json().error.code,
        'room-password-wrong',
      )
    const limited = await joinAsGuest({ displayName: 'Visitor', password: 'open sesame' })
    assert.equal(limited.statusCode, 429)
    assert.equal(limited.json().error.code, 'rate-limited')
    assert.equal(limited.headers['retry-after'], '1')
    assert.deepEqual(
      (await t.store.participants.list(room.id)).map((p) => p.role),
      ['owner'],
      'no guest was let in',
    )

    const joined = await joinAsGuest({ displayName: '<i>Visitor</i>', password: 'open sesame' }, '10.0.0.2')
    assert.equal(joined.statusCode, 201, joined.body)
    const guest = joined.json<GuestSession>()
    assert.equal(guest.displayName, '<i>Visitor</i>')
    assert.equal(guest.room.me?.role, 'guest')
    assert.equal(guest.room.me?.state, 'lobby')
    const auth = { authorization: `Guest ${guest.secret}` }
    assert.equal(
      (await t.call('GET', `/api/v1/rooms/${room.id}/messages`, { headers: auth })).json().error.code,
      'in-lobby',
    )
    assert.equal(
      (await t.call('GET', `/api/v1/rooms/${room.id}`, { headers: auth })).json<RoomView>().me?.state,
      'lobby',
    )

    const admitted = await t.call('POST', `/api/v1/rooms/${room.id}/participants/${guest.guestId}/admit`, {
      headers: alice.auth,
    })
    assert.equal(admitted.json().state, 'active')
    const posted = await t.call('POST', `/api/v1/rooms/${room.id}/messages`, {
      headers: auth,
      body: { body: 'hello from a guest' },
    })
    assert.equal(posted.statusCode, 201)
    assert.deepEqual(posted.json<MessageView>().actor, { type: 'guest', id: guest.guestId, name: '<i>Visitor</i>' })
    const history = (
      await t.call('GET', `/api/v1/rooms/${room.id}/messages`, { headers: alice.auth })
    ).json<HistoryPage>()
    assert.equal(history.messages.at(-1)?.body, 'hello from a guest')
  })

  it('POST /rooms/:id/guests: 40 concurrent wrong passwords from one address get 3 checks, and the room as a whole backs off', async () => {
    const answers = await Promise.all(
      Array.from({ length: 40 }, () => joinAsGuest({ displayName: 'Guesser', password: 'guess' })),
    )
    const codes = answers.map((a) => a.json().error.code as string)
    assert.equal(codes.filter((c) => c === 'room-password-wrong').length, 3, codes.join(','))
    assert.equal(codes.filter((c) => c === 'rate-limited').length, 37)
    // Other addresses, one guess each: the room stops checking after 20 attempts in all.
    const spread = await Promise.all(
      Array.from({ length: 30 }, (_, i) =>
        joinAsGuest({ displayName: 'Guesser', password: 'guess' }, `10.1.0.${i + 1}`),
      ),
    )
    const spreadCodes = spread.map((a) => a.json().error.code as string)
    assert.equal(spreadCodes.filter((c) => c === 'room-password-wrong').length, 17, spreadCodes.join(','))
    assert.equal(spreadCodes.filter((c) => c === 'rate-limited').length, 13)
    assert.deepEqual(
      (await t.store.participants.list(room.id)).map((p) => p.role),
      ['owner'],
      'no guest was let in',
    )
  })

  it('guests cannot take member actions, reach other rooms, or stay after a moderator removes them', async () => {
    await t.call('PATCH', `/api/v1/rooms/${room.id}`, { headers: alice.auth, body: { lobby: false, password: null } })
    const guest = (await joinAsGuest({ displayName: 'Visitor' })).json<GuestSession>()
    assert.equal(guest.room.me?.state, 'active')
    const auth = { authorization: `Guest ${guest.secret}` }
    const bob = await t.user('bob')
    const before = await t.store.participants.list(room.id)
    const refusals: [string, string, unknown, string][] = [
      ['POST', `/api/v1/rooms/${room.id}/participants`, { userId: bob.user.id }, 'guest-not-allowed'],
      ['PATCH', `/api/v1/rooms/${room.id}`, { name: 'Mine' }, 'guest-not-allowed'],
      ['PATCH', `/api/v1/rooms/${room.id}/settings`, { favourite: true }, 'guest-not-allowed'],
      ['POST', '/api/v1/rooms', { kind: 'group', name: 'x' }, 'guest-not-allowed'],
      ['GET', '/api/v1/notifications', undefined, 'guest-not-allowed'],
      ['POST', `/api/v1/rooms/${room.id}/messages`, { body: '@all hi' }, 'mention-all-forbidden'],
    ]
    for (const [method, url, body, code] of refusals) {
      assert.equal((await t.call(method, url, { headers: auth, body })).json().error.code, code, `${method} ${url}`)
    }
    const other = (
      await t.call('POST', '/api/v1/rooms', { headers: alice.auth, body: { kind: 'public', name: 'Other' } })
    ).json<RoomView>()
    assert.equal(
      (await t.call('GET', `/api/v1/rooms/${other.id}/messages`, { headers: auth })).json().error.code,
      'room-not-found',
    )
    assert.deepEqual(await t.store.participants.list(room.id), before)
    assert.equal((await t.call('GET', '/api/v1/me', { headers: auth })).json().error.code, 'unauthenticated')

    const removed = await t.call('DELETE', `/api/v1/rooms/${room.id}/participants/${guest.guestId}`, {
      headers: alice.auth,
    })
    assert.equal(removed.statusCode, 204)
    const after = await t.call('GET', `/api/v1/rooms/${room.id}/messages`, { headers: auth })
    assert.equal(after.statusCode, 401)
    assert.equal(after.json().error.code, 'session-ended')
    assert.equal(
      (await t.call('GET', '/api/v1/rooms', { headers: { authorization: 'Guest parley-guest_forged' } })).json().error
        .code,
      'session-ended',
    )
  })

  it('POST /rooms/:id/guests refuses group rooms and unknown rooms', async () => {
    const group = (
      await t.call('POST', '/api/v1/rooms', {
        headers: alice.auth,
        body: { kind: 'group', name: 'Closed', listable: 'everyone' },
      })
    ).json<RoomView>()
    const res = await t.app.inject({
      method: 'POST',
      url: `/api/v1/rooms/${group.id}/guests`,
      payload: { displayName: 'V' },
    })
    assert.equal(res.json().error.code, 'room-not-joinable')
    const none = await t.app.inject({
      method: 'POST',
      url: '/api/v1/rooms/unknown/guests',
      payload: { displayName: 'V' },
    })
    assert.equal(none.json().error.code, 'room-not-found')
    assert.equal((await t.store.participants.list(group.id)).length, 1)
  })
})
