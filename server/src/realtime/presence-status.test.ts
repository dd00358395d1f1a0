import { describe, it, beforeEach, afterEach } from 'node:test'
import assert from 'node:assert/strict'
import { ParleyClient, ParleyApiError, RealtimeClient } from '@parley/client'
import { startTestInstance, type TestInstance } from '../testing/test-instance.ts'

type Person = { rest: ParleyClient; rt: RealtimeClient; id: string; token: string }

describe('User status in presence events', () => {
  let t: TestInstance
  let base: string
  let alice: Person
  let bob: Person
  let roomId: string
  const clients: RealtimeClient[] = []

  const person = async (name: string): Promise<Person> => {
    const u = await t.user(name)
    const rt = new RealtimeClient({ baseUrl: base, auth: { token: u.token }, reconnect: false })
    clients.push(rt)
    return { rest: new ParleyClient({ baseUrl: base, auth: { token: u.token } }), rt, id: u.user.id, token: u.token }
  }

  beforeEach(async () => {
    t = await startTestInstance()
    base = await t.listen()
    alice = await person('alice')
    bob = await person('bob')
    roomId = (await alice.rest.createRoom({ kind: 'group', name: 'Team' })).id
    await alice.rest.addParticipant(roomId, bob.id)
  })
  afterEach(async () => {
    for (const c of clients.splice(0)) c.close()
    await t.close()
  })

  it('a status change reaches the rooms as presence with the status, and my other sessions as a status frame', async () => {
    await alice.rt.connect()
    const online = alice.rt.next('presence', (p) => p.actor.id === bob.id && p.online)
    await bob.rt.connect()
    assert.deepEqual((await online).status, { availability: 'online', message: null, expiresAt: null })

    const bobsPhone = new RealtimeClient({ baseUrl: base, auth: { token: bob.token }, reconnect: false })
    clients.push(bobsPhone)
    await bobsPhone.connect()
    const ownFrame = bobsPhone.next('status', () => true)
    const seen = alice.rt.next('presence', (p) => p.actor.id === bob.id && p.status?.availability === 'dnd')
    const set = await bob.rest.account.setStatus({
      availability: 'dnd',
      message: 'In a meeting',
      expiresInSeconds: 3600,
    })
    assert.equal(set.availability, 'dnd')
    assert.equal(set.message, 'In a meeting')
    assert.ok(set.expiresAt && Date.parse(set.expiresAt) > Date.now() + 3500_000)
    const presence = await seen
    assert.equal(presence.roomId, roomId)
    assert.equal(presence.online, true)
    assert.deepEqual(presence.status, set)
    assert.deepEqual((await ownFrame).status, set)
    assert.deepEqual(await bob.rest.account.status(), set)

    // Once Bob's last session closes he is offline; offline frames carry no status.
    const offline = alice.rt.next('presence', (p) => p.actor.id === bob.id && !p.online)
    bobsPhone.close()
    bob.rt.close()
    const gone = await offline
    assert.equal(gone.status, undefined, 'offline frames carry no status')
  })

  it('refuses unknown availabilities, long messages and short expiries (validation-failed); guests have no status', async () => {
    const before = await bob.rest.account.status()
    for (const input of [
      { availability: 'invisible' },
      { availability: 'away', message: 'x'.repeat(201) },
      { availability: 'away', expiresInSeconds: 5 },
      { availability: 'away', colour: 'red' },
    ]) {
      const refused = await bob.rest.account.setStatus(input as never).catch((error: unknown) => error)
      assert.ok(refused instanceof ParleyApiError, JSON.stringify(input))
      assert.equal(refused.code, 'validation-failed')
    }
    assert.deepEqual(await bob.rest.account.status(), before)
    const publicRoom = await alice.rest.createRoom({ kind: 'public', name: 'Open' })
    const guest = await alice.rest.as(null).joinAsGuest(publicRoom.id, { displayName: 'Vera' })
    const asGuest = await new ParleyClient({ baseUrl: base, auth: { guestSecret: guest.secret } }).account
      .setStatus({ availability: 'away' })
      .catch((error: unknown) => error)
    assert.ok(asGuest instanceof ParleyApiError)
    assert.equal(asGuest.code, 'unauthenticated')
  })
})
