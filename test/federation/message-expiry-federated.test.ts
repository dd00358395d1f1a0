import { after, afterEach, before, describe, it } from 'node:test'
import assert from 'node:assert/strict'
import { startInstance, eventually, printLogsOnFailure, type TestInstance } from '../harness/instance.ts'
import { apiAs, inviteAndJoin, mirrorOf, type Api, type Json } from '../harness/rooms.ts'

// Disappearing messages must disappear everywhere: the host says when (a Note's endTime), member
// instances remove their copy at that time on their own (the host may be unreachable then) and log
// the host's message.expired at the host's seq when it comes.
describe('Expiring messages in a room with members on another instance', () => {
  let a: TestInstance
  let b: TestInstance
  let alice: Api
  let bob: Api
  let roomId: string
  let mirrorId: string
  // Each instance's clock: real time plus an offset the test moves forward (a minute is the shortest expiry).
  const offset = { a: 0, b: 0 }

  before(async () => {
    ;[a, b] = await Promise.all([
      startInstance({ now: () => Date.now() + offset.a }),
      startInstance({ now: () => Date.now() + offset.b }),
    ])
    alice = (await apiAs(a, 'alice', 'Alice')).api
    bob = (await apiAs(b, 'bob', 'Bob')).api
    const created = await alice('/api/v1/rooms', {
      method: 'POST',
      body: { kind: 'group', name: 'Ephemeral', messageExpirySeconds: 60 },
    })
    assert.equal(created.status, 201, JSON.stringify(created.json))
    roomId = String(created.json.id)
    await inviteAndJoin(a, alice, roomId, b, bob, 'bob')
    mirrorId = (await mirrorOf(bob, `${a.origin}/rooms/${roomId}`)) as string
  })
  afterEach(printLogsOnFailure(() => [a, b]))
  after(async () => {
    await Promise.all([a?.close(), b?.close()])
  })

  const historyOnB = async () =>
    ((await bob(`/api/v1/rooms/${mirrorId}/messages`)).json.messages as Json[]).filter((m) => m.kind === 'text')
  const post = async (body: string) => {
    const posted = await alice(`/api/v1/rooms/${roomId}/messages`, { method: 'POST', body: { body } })
    assert.equal(posted.status, 201, JSON.stringify(posted.json))
    return posted.json as { seq: number; expiresAt: string }
  }
  const eventsOnB = async () => await b.services.store.events.since(mirrorId, 0, 1000)

  it("B shows the host's expiry and removes its copy at that time by itself, without a seq of its own; the host's expiry is logged at the host's seq", async () => {
    const message = await post('this will vanish')
    assert.ok(message.expiresAt, 'expires on A')
    const copy = await eventually(
      async () => (await historyOnB()).find((m) => m.seq === message.seq),
      15_000,
      'the message on B',
    )
    assert.equal(copy.expiresAt, message.expiresAt, "B shows A's expiry")

    // A is silent (its expiry has not run): B removes its copy when the time comes.
    offset.b = 61_000
    await b.instance.chat.expiry.run()
    assert.ok(!(await historyOnB()).some((m) => m.seq === message.seq), 'gone from B at its time')
    assert.equal(await b.services.store.messages.get(mirrorId, message.seq), null, 'not kept on disk either')
    const hostLast = (await a.services.store.rooms.byId(roomId))!.lastSeq
    assert.ok(
      (await eventsOnB()).every((e) => e.seq <= hostLast),
      'no event at a seq of its own (it would collide with the host’s next)',
    )

    offset.a = 61_000
    await a.instance.chat.expiry.run()
    const expiredOnA = (await a.services.store.events.since(roomId, hostLast, 10)).find(
      (e) => e.type === 'message.expired',
    )
    assert.ok(expiredOnA, 'A logged the expiry')
    const logged = await eventually(
      async () => (await eventsOnB()).find((e) => e.type === 'message.expired'),
      15_000,
      "the host's message.expired on B",
    )
    assert.equal(logged.seq, expiredOnA.seq, "at the host's seq")
    assert.deepEqual(logged.data, { type: 'message.expired', messageSeq: message.seq })
  })

  it('when the host expires a message first, B removes its copy at once', async () => {
    const message = await post('gone when A says so')
    await eventually(async () => (await historyOnB()).some((m) => m.seq === message.seq), 15_000, 'the message on B')
    // A's clock runs ahead of B's: A's expiry comes first.
    offset.a = 122_000
    await a.instance.chat.expiry.run()
    await eventually(
      async () => !(await historyOnB()).some((m) => m.seq === message.seq),
      15_000,
      'the copy gone from B',
    )
    assert.equal(await b.services.store.messages.get(mirrorId, message.seq), null)
  })
})
