import { after, afterEach, before, describe, it } from 'node:test'
import assert from 'node:assert/strict'
import { randomUUID } from 'node:crypto'
import { rmSync } from 'node:fs'
import { RealtimeClient } from '@parley/client'
import type { ServerCallJoined } from '@parley/protocol'
import { RedisBus } from '@parley/server'
import { startInstance, eventually, printLogsOnFailure, type TestInstance } from '../harness/instance.ts'
import { apiAs, inviteAndJoin, type Api } from '../harness/rooms.ts'

// The HOST instance A runs as two server nodes on one Redis (and one data folder); B reaches A at
// its public origin, which is node 1, while Alice's session is on node 2, so the room's call runs
// there. B's call channel thus lands on the node that does not run the call: node 1 asks node 2
// for the call as it is (host-call-relay.ts), so B learns a call runs without waiting for news,
// and Bob joins it through node 1. Needs Redis at 127.0.0.1:6379.

const redisUrl = 'redis://127.0.0.1:6379'
const media = { audio: true, video: false, screen: false }

describe('Federated calls with two nodes of the host instance (needs Redis)', () => {
  const prefix = `parley-test-${randomUUID()}:`
  let a1: TestInstance
  let a2: TestInstance
  let b: TestInstance
  let alice: { id: string; api: Api }
  let bob: { id: string; api: Api }
  const clients: RealtimeClient[] = []

  before(async () => {
    const nodeEnv = { PARLEY_CALL_LEASE_SECONDS: '3' }
    a1 = await startInstance({ bus: new RedisBus({ url: redisUrl, prefix }), env: nodeEnv })
    a2 = await startInstance({
      publicOrigin: a1.config.publicOrigin,
      dataDir: a1.dataDir,
      bus: new RedisBus({ url: redisUrl, prefix }),
      env: nodeEnv,
    })
    b = await startInstance()
    alice = await apiAs(a1, 'alice', 'Alice')
    bob = await apiAs(b, 'bob', 'Bob')
  })
  afterEach(printLogsOnFailure(() => [a1, a2, b]))
  after(async () => {
    for (const rt of clients) rt.close()
    await b?.close()
    await a2?.close({ keepData: true })
    await a1?.close({ keepData: true })
    if (a1) rmSync(a1.dataDir, { recursive: true, force: true })
  })

  async function session(origin: string, instance: TestInstance, userId: string) {
    const token = (await instance.services.accounts.createToken(userId, 'realtime')).secret
    const rt = new RealtimeClient({ baseUrl: origin, auth: { token }, reconnect: false })
    clients.push(rt)
    return { rt, welcome: await rt.connect() }
  }

  it('B’s channel on node 1 is told of the call node 2 runs, and Bob joins it', async () => {
    const roomId = String(
      (await alice.api('/api/v1/rooms', { method: 'POST', body: { kind: 'group', name: 'Host nodes' } })).json.id,
    )
    const roomUri = `${a1.config.publicOrigin}/rooms/${roomId}`
    await inviteAndJoin(a1, alice.api, roomId, b, bob.api, 'bob')
    const mirrorId =
      (await eventually(async () => b.services.store.remoteRooms.roomOf(roomUri), 10_000, 'the mirror')) ?? ''

    const aliceRt = await session(a2.origin, a2, alice.id)
    const started = (await aliceRt.rt.request({ type: 'call.join', roomId, media })) as ServerCallJoined

    // Bob's session makes B follow the room on A (at node 1); the snapshot it gets names the call,
    // so a later session of Bob's is told the call runs although nothing happened in it since.
    await session(b.origin, b, bob.id)
    await eventually(
      async () => a1.instance.app.cascadeChannels().fromPeers.includes(b.config.publicOrigin),
      10_000,
      'B’s channel on node 1',
    )
    assert.deepEqual(a2.instance.app.cascadeChannels().fromPeers, [], 'no channel from B on node 2')
    await eventually(
      async () => (await session(b.origin, b, bob.id)).welcome.calls?.includes(mirrorId),
      10_000,
      'a welcome on B lists the call running on A’s node 2',
    )
    const bobRt = await session(b.origin, b, bob.id)
    const joined = (await bobRt.rt.request({ type: 'call.join', roomId: roomUri, media })) as ServerCallJoined
    assert.equal(joined.callId, started.callId, 'bob is in the call node 2 runs')
    assert.deepEqual(
      joined.participants.map((p) => p.actor.id).sort(),
      [alice.id, `${b.config.publicOrigin}/users/bob`].sort(),
    )
  })
})
