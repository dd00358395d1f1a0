import { after, afterEach, before, describe, it } from 'node:test'
import assert from 'node:assert/strict'
import { ParleyClient, RealtimeClient } from '@parley/client'
import type { PushPayload } from '@parley/protocol'
import { PushReceiver } from '@parley/server/testing/push-receiver'
import { startInstance, eventually, printLogsOnFailure, type TestInstance } from '../harness/instance.ts'
import { apiAs, inviteAndJoin, mirrorOf, type Api } from '../harness/rooms.ts'

// A call starting in a room hosted on A rings its members on B as a local call would: B hears of it
// through the call news it follows for the room (spec/cascade.md) and sends them a Web Push.
describe('Web Push for a call starting in a room hosted on another instance', () => {
  let a: TestInstance
  let b: TestInstance
  let receiver: PushReceiver
  let alice: { id: string; api: Api }
  let roomId: string
  let mirrorId: string
  const clients: RealtimeClient[] = []

  const realtime = async (instance: TestInstance, userId: string) => {
    const token = (await instance.services.accounts.createToken(userId, 'realtime')).secret
    const rt = new RealtimeClient({ baseUrl: instance.origin, auth: { token }, reconnect: false })
    clients.push(rt)
    await rt.connect()
    return rt
  }

  before(async () => {
    ;[a, b, receiver] = await Promise.all([
      startInstance(),
      startInstance({ env: { PARLEY_PUSH_ALLOW_PRIVATE_ENDPOINTS: 'true' } }),
      new PushReceiver().listen(),
    ])
    alice = await apiAs(a, 'alice', 'Alice')
    const bob = await apiAs(b, 'bob', 'Bob')
    const created = await alice.api('/api/v1/rooms', { method: 'POST', body: { kind: 'group', name: 'Launch' } })
    roomId = String(created.json.id)
    await inviteAndJoin(a, alice.api, roomId, b, bob.api, 'bob')
    mirrorId = (await mirrorOf(bob.api, `${a.origin}/rooms/${roomId}`)) as string
    const token = (await b.services.accounts.createToken(bob.id, 'push')).secret
    await new ParleyClient({ baseUrl: b.origin, auth: { token } }).account.addPushSubscription(
      receiver.subscription('bob'),
    )
    // Bob's app was open once since B started: B follows the room's call news (welcome asked A
    // whether a call runs there, and A said none).
    const welcome = await realtime(b, bob.id)
    welcome.close()
  })
  afterEach(printLogsOnFailure(() => [a, b]))
  after(async () => {
    for (const c of clients.splice(0)) c.close()
    await Promise.all([a?.close(), b?.close(), receiver?.close()])
  })

  it("Alice starting a call on A rings Bob's subscription on B, named for the room as B shows it", async () => {
    const rt = await realtime(a, alice.id)
    const joined = await rt.request({ type: 'call.join', roomId, media: { audio: true, video: false, screen: false } })
    assert.equal(joined.type, 'call.joined')
    await eventually(async () => receiver.received.length + receiver.problems.length >= 1, 15_000, 'the push to Bob')
    assert.deepEqual(receiver.problems, [])
    const push = receiver.received[0]!
    assert.equal(push.path, '/push/bob')
    const payload = JSON.parse(push.text) as PushPayload
    assert.equal(payload.kind, 'call')
    assert.equal(payload.tag, `call:${mirrorId}`, "B's own id of the room: the notification opens it there")
    assert.equal(payload.title, 'Alice started a call in Launch')
    assert.equal(push.headers.urgency, 'high')
  })
})
