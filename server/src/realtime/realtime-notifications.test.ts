import { describe, it, beforeEach, afterEach } from 'node:test'
import assert from 'node:assert/strict'
import { ParleyClient, RealtimeClient } from '@parley/client'
import type { ServerNotification } from '@parley/protocol'
import { startTestInstance, type TestInstance } from '../testing/test-instance.ts'

type Person = { rest: ParleyClient; id: string; token: string; session(): RealtimeClient }

describe('Knowing what is new over the realtime gateway', () => {
  let t: TestInstance
  let base: string
  let alice: Person
  let bob: Person
  let roomId: string
  const clients: RealtimeClient[] = []

  const person = async (name: string): Promise<Person> => {
    const u = await t.user(name)
    return {
      rest: new ParleyClient({ baseUrl: base, auth: { token: u.token } }),
      id: u.user.id,
      token: u.token,
      session() {
        const rt = new RealtimeClient({ baseUrl: base, auth: { token: u.token }, reconnect: false })
        clients.push(rt)
        return rt
      },
    }
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

  it('a mention reaches every session of the person mentioned as a notification frame, and nobody else', async () => {
    const laptop = alice.session()
    const phone = alice.session()
    const bobs = bob.session()
    await Promise.all([laptop.connect(), phone.connect(), bobs.connect()])
    const bobGot: ServerNotification[] = []
    bobs.on('notification', (n) => bobGot.push(n))
    const onLaptop = laptop.next('notification', () => true, 5000)
    const onPhone = phone.next('notification', () => true, 5000)
    const posted = await bob.rest.post(roomId, 'hey @alice, the build is green')
    for (const frame of [await onLaptop, await onPhone]) {
      assert.equal(frame.notification.kind, 'mention')
      assert.equal(frame.notification.roomId, roomId)
      assert.equal(frame.notification.seq, posted.seq)
      assert.equal(frame.notification.actorName, 'Bob')
      assert.equal(frame.notification.read, false)
    }
    // The same notification is listed over REST.
    const listed = (
      await t.call('GET', '/api/v1/notifications', { headers: { authorization: `Bearer ${alice.token}` } })
    )
      .json<{ notifications: { id: string }[] }>()
      .notifications.map((n) => n.id)
    assert.deepEqual(listed, [(await onLaptop).notification.id])
    // A later sentinel: Bob's own reply notification proves his frames flow, and no mention reached him.
    const bobReply = bobs.next('notification', () => true, 5000)
    await alice.rest.post(roomId, 'thanks!', posted.seq)
    const reply = await bobReply
    assert.equal(reply.notification.kind, 'reply')
    assert.equal(reply.notification.actorName, 'Alice')
    assert.deepEqual(
      bobGot.map((n) => n.notification.kind),
      ['reply'],
    )
  })

  it('a reply to your own message, or one that also mentions the author, notifies once', async () => {
    const laptop = alice.session()
    await laptop.connect()
    const got: ServerNotification[] = []
    laptop.on('notification', (n) => got.push(n))
    const mine = await alice.rest.post(roomId, 'release at five?')
    await alice.rest.post(roomId, 'or six', mine.seq)
    const sentinel = laptop.next('notification', (n) => n.notification.kind === 'mention', 5000)
    await bob.rest.post(roomId, '@alice five works', mine.seq)
    await sentinel
    assert.deepEqual(
      got.map((n) => n.notification.kind),
      ['mention'],
    )
  })

  it('welcome carries who is online in my rooms and which rooms have a call running', async () => {
    const quiet = (await alice.rest.createRoom({ kind: 'group', name: 'Quiet' })).id
    await alice.rest.addParticipant(quiet, bob.id)
    const bobs = bob.session()
    await bobs.connect()
    assert.equal(
      (await bobs.request({ type: 'call.join', roomId, media: { audio: true, video: false, screen: false } })).type,
      'call.joined',
    )
    const laptop = alice.session()
    const welcome = laptop.next('welcome', () => true, 5000)
    await laptop.connect()
    const w = await welcome
    assert.deepEqual(w.online[roomId], [{ type: 'user', id: bob.id, name: 'Bob' }])
    assert.deepEqual(w.online[quiet], [{ type: 'user', id: bob.id, name: 'Bob' }])
    assert.deepEqual(w.calls, [roomId])
    // A second session of Bob: Alice is online; his own first session is not "someone else".
    const again = bob.session()
    const second = again.next('welcome', () => true, 5000)
    await again.connect()
    const b = await second
    assert.deepEqual(
      b.online[roomId]?.map((a) => a.name),
      ['Alice'],
    )
    assert.deepEqual(b.calls, [roomId])
  })
})
