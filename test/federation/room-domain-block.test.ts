import { after, afterEach, before, describe, it } from 'node:test'
import assert from 'node:assert/strict'
import { startInstance, eventually, printLogsOnFailure, type TestInstance } from '../harness/instance.ts'
import { apiAs, inviteAndJoin, memberAct, replicaView, type Api } from '../harness/rooms.ts'

describe('Federated rooms: a domain block stops room traffic both ways', () => {
  let a: TestInstance
  let b: TestInstance
  let alice: Api
  let bob: Api
  let roomId: string
  let roomUri: string
  const bodiesOnA = async () =>
    (await a.services.store.messages.history({ roomId, after: 0, limit: 100 }))
      .filter((m) => m.kind === 'text')
      .map((m) => m.body)
  const bodiesOnB = async () => (await replicaView(bob, roomUri)).map((m) => (m as { body: string }).body)

  before(async () => {
    ;[a, b] = await Promise.all([startInstance(), startInstance()])
    const aliceUser = await apiAs(a, 'alice', 'Alice')
    alice = aliceUser.api
    bob = (await apiAs(b, 'bob', 'Bob')).api
    roomId = (
      (await alice('/api/v1/rooms', { method: 'POST', body: { kind: 'group', name: 'Room' } })).json as { id: string }
    ).id
    roomUri = `${a.origin}/rooms/${roomId}`
    await inviteAndJoin(a, alice, roomId, b, bob, 'bob')
  })
  afterEach(printLogsOnFailure(() => [a, b]))
  after(async () => {
    await Promise.all([a?.close(), b?.close()])
  })

  it("the host blocks the member's domain: its messages no longer reach the member, and the member's no longer reach the room", async () => {
    assert.equal(
      (await alice(`/api/v1/rooms/${roomId}/messages`, { method: 'POST', body: { body: 'before the block' } })).status,
      201,
    )
    await eventually(async () => (await bodiesOnB()).includes('before the block'), 15_000, 'the message on B')
    const admin = (await a.services.store.users.byUsername('alice'))!.id
    assert.equal(await a.services.federation.federation.blockDomain(b.host, admin), true)

    assert.equal(
      (await alice(`/api/v1/rooms/${roomId}/messages`, { method: 'POST', body: { body: 'while blocked (A)' } })).status,
      201,
      'the local action succeeds',
    )
    const refusedByA = await memberAct(bob, roomUri, { type: 'post', body: 'while blocked (B)' })
    assert.equal(refusedByA.status, 403, "the host's refusal")
    assert.equal((refusedByA.json.error as { code: string }).code, 'domain-blocked')
    // B's write reaches A and is refused there before it is read.
    await eventually(
      async () => a.logs().some((line) => line.includes('request from a blocked domain refused')),
      15_000,
      'A refusing B',
    )
    assert.deepEqual(await bodiesOnA(), ['before the block', 'while blocked (A)'])
    assert.deepEqual(await bodiesOnB(), ['before the block'])
    await a.services.federation.federation.unblockDomain(b.host)
  })

  it("the member instance blocks the host: the room's announcements are refused there", async () => {
    const admin = (await b.services.store.users.byUsername('bob'))!.id
    assert.equal(await b.services.federation.federation.blockDomain(a.host, admin), true)
    const before = await bodiesOnB()
    assert.equal(
      (await alice(`/api/v1/rooms/${roomId}/messages`, { method: 'POST', body: { body: 'to a blocking instance' } }))
        .status,
      201,
    )
    await eventually(
      async () => b.logs().some((line) => line.includes('request from a blocked domain refused')),
      15_000,
      'B refusing A',
    )
    assert.deepEqual(await bodiesOnB(), before)
    const refused = await memberAct(bob, roomUri, { type: 'post', body: 'no' })
    assert.equal(refused.status, 403, 'nor does B send anything to the blocked host')
    assert.equal((refused.json.error as { code: string }).code, 'domain-blocked')
  })
})
