/**
 * Cascaded SFUs when the member instance runs two server nodes: the room is hosted on A (Janus on
 * 127.0.0.2); B is two Parley nodes on one data folder and one Redis (started in the namespace),
 * each with its own engine on B's one Janus (127.0.0.3). Bob's page talks to node 1, Carol's to
 * node 2. The node holding the room's call lease on B alone speaks for B: one channel to A, one
 * bridge carrying Alice's feed for both Bob and Carol, and the bridges of both their feeds into A,
 * so no second copy of Alice crosses to B although B's people sit on two nodes. Every page decodes
 * every other. Needs Janus, Chromium, redis-server and the namespace.
 */
import { after, before, test } from 'node:test'
import assert from 'node:assert/strict'
import { RedisBus } from '@parley/server'
import { JanusEngine } from '@parley/server/media'
import { bufferedLogger, waitFor } from './harness.ts'
import { startJanusFixture, type JanusFixture } from './janus-fixture.ts'
import { MEDIA_ADDRESS, MEDIA_INTERFACE } from './netns.ts'
import { B_ADDRESS, B_INTERFACE, startSecondJanus, type SecondJanus } from './second-janus.ts'
import { type Person } from './sdk-fixture.ts'
import { startRedis, type RedisFixture } from './redis-fixture.ts'
import { startInstance, type TestInstance } from '../harness/instance.ts'
import { inviteAndJoin } from '../harness/rooms.ts'
import { openSdkPage, person } from './cascade-people.ts'

let fixture: JanusFixture
let janusB: SecondJanus
let secondEngine: JanusEngine
let redis: RedisFixture
let a: TestInstance
let b1: TestInstance
let b2: TestInstance
const noIce = () => ({ iceServers: [], expiresAt: null })

before(async () => {
  redis = await startRedis()
  fixture = await startJanusFixture({ rtpPortRange: '22200-22299', chromiumArgs: ['--ignore-certificate-errors'] })
  janusB = await startSecondJanus('22300-22399')
  const connected = await JanusEngine.connect({ endpoint: janusB.endpoint, logger: bufferedLogger().logger })
  assert.ok(connected.ok, JSON.stringify(!connected.ok && connected.error))
  secondEngine = connected.value
  const bEnv = {
    PARLEY_MEDIA_ENGINE: 'janus',
    PARLEY_JANUS_ICE_INTERFACES: B_INTERFACE,
    PARLEY_BRIDGE_ADDRESSES: B_ADDRESS,
    PARLEY_CALL_LEASE_SECONDS: '5',
  }
  const prefix = 'parley-cascade-nodes:'
  a = await startInstance({
    env: { PARLEY_MEDIA_ENGINE: 'janus', PARLEY_JANUS_ICE_INTERFACES: MEDIA_INTERFACE },
    media: { engine: fixture.engine, iceServers: noIce },
  })
  b1 = await startInstance({
    env: bEnv,
    bus: new RedisBus({ url: redis.url, prefix }),
    media: { engine: janusB.engine, iceServers: noIce },
  })
  b2 = await startInstance({
    env: bEnv,
    publicOrigin: b1.config.publicOrigin,
    dataDir: b1.dataDir,
    bus: new RedisBus({ url: redis.url, prefix }),
    media: { engine: secondEngine, iceServers: noIce },
  })
})
after(async () => {
  await a?.close()
  await b2?.close({ keepData: true })
  await b1?.close()
  secondEngine?.close()
  await janusB?.close()
  await fixture?.close()
  await redis?.stop()
})

const AV = { audio: true, video: true, screen: false }

test('Cascaded SFUs with two nodes of B: Bob on node 1 and Carol on node 2 decode Alice and each other; only the lease node holds B’s channel and bridges, and one copy of Alice crosses to B (needs Janus, Chromium, Redis, netns)', (t) =>
  fixture.withLogs(async () => {
    const [alice, bob, carol] = await Promise.all([person(a, 'alice'), person(b1, 'bob'), person(b1, 'carol')])
    const roomId = String(
      (await alice.api('/api/v1/rooms', { method: 'POST', body: { kind: 'group', name: 'Two nodes' } })).json.id,
    )
    const roomUri = `${a.origin}/rooms/${roomId}`
    await inviteAndJoin(a, alice.api, roomId, b1, bob.api, 'bob')
    await inviteAndJoin(a, alice.api, roomId, b1, carol.api, 'carol')
    const open = (origin: string, p: Person) => openSdkPage(fixture, origin, p)
    const [pa, pb, pc] = await Promise.all([open(a.origin, alice), open(b1.origin, bob), open(b2.origin, carol)])
    const bridgeSubscriptionsOnA = () =>
      [...fixture.engine.routers.values()].flatMap((r) =>
        [...r.transports.values()].filter((tr) => tr.participantId.startsWith(`bridge:${b1.config.publicOrigin}:`)),
      ).length
    try {
      for (const [page, room] of [
        [pa, roomId],
        [pb, roomUri],
        [pc, roomUri],
      ] as const) {
        const started = await page.start({ roomId: room, media: AV })
        assert.ok(started.ok, JSON.stringify(started))
        assert.equal(started.engine, 'sfu')
      }
      const stats = await waitFor(
        'every page decoding both others and receiving their audio',
        async () => {
          const s = await Promise.all([pa, pb, pc].map((p) => p.stats()))
          return s.every((x) => x.videoStreamsDecoding === 2 && x.audioStreamsReceiving === 2) ? s : undefined
        },
        45_000,
      )
      for (const s of stats) assert.deepEqual(s.errors, [])
      for (const page of [pb, pc]) {
        const addresses = await page.remoteAddresses()
        assert.ok(!addresses.includes(MEDIA_ADDRESS), `${page.person.name} has no connection to A’s Janus`)
        assert.deepEqual(new Set(addresses), new Set([B_ADDRESS]), `${page.person.name} talks to B’s Janus`)
      }
      // One of B's nodes speaks for B: the channel to A and the bridged call are there, not on the other.
      const channels = [b1, b2].map((node) => node.instance.app.cascadeChannels().toHosts.includes(a.origin))
      assert.deepEqual(channels.filter(Boolean).length, 1, `one of B’s nodes holds the channel to A: ${channels}`)
      assert.deepEqual(a.instance.app.cascadeChannels().fromPeers, [b1.config.publicOrigin], 'one channel from B on A')
      const [lease, other] = channels[0] ? [b1, b2] : [b2, b1]
      assert.equal(other.instance.app.bridgedCalls()?.call(roomUri), undefined, 'no bridges on the other node')
      const bridged = lease.instance.app.bridgedCalls()?.call(roomUri)
      assert.ok(bridged, 'the lease node runs the call through B’s Janus')
      const { inbound, outbound } = bridged.bridges()
      assert.equal(inbound.length, 1, 'alice’s feed, carried into B once for bob and carol')
      assert.equal(outbound.length, 2, 'bob’s and carol’s feeds, carried into A')
      assert.equal(bridgeSubscriptionsOnA(), 1, 'one copy of alice’s feed crosses from A to B')
      for (const bridge of [...inbound, ...outbound]) {
        const legs = bridge.legs()
        for (const leg of [legs.subscriber, legs.publisher])
          assert.deepEqual(leg, { connection: 'connected', dtls: 'connected', srtp: true })
      }
      t.diagnostic(
        `lease node: ${lease === b1 ? 'node 1' : 'node 2'}; inbound ${inbound.length}, outbound ${outbound.length}`,
      )
      // Both leave: the lease node lets the bridged call go, and its router on B's Janus.
      for (const page of [pb, pc]) assert.deepEqual(await page.request('leave'), { ok: true })
      await waitFor('B’s bridged call gone', async () =>
        bridged.closed && lease.instance.app.bridgedCalls()?.call(roomUri) === undefined ? true : undefined,
      )
      assert.equal(bridgeSubscriptionsOnA(), 0)
    } finally {
      await Promise.all([pa.page.close(), pb.page.close(), pc.page.close()])
    }
  })(t))
