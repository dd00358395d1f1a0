/**
 * Cascaded SFUs when the HOST instance runs two server nodes: the room is hosted on A, whose two
 * Parley nodes share one data folder, one Redis (started in the namespace) and one Janus
 * (127.0.0.2), each node with its own engine session on it. Alice's page talks to A's node 2, so
 * the room's call runs there; B (its own Janus, 127.0.0.3) reaches A at A's public origin, which is
 * node 1, so B's call channel lands on the node that does not run the call. Node 1 then carries
 * the call's snapshot and B's bridge subscriptions to node 2 over the bus (host-call-relay.ts):
 * Bob on B decodes Alice and Carol (on A's node 1), and they decode him, with one copy of each of
 * A's feeds crossing to B. Needs Janus, Chromium, redis-server and the namespace.
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
let channelEngine: JanusEngine
let redis: RedisFixture
let a1: TestInstance
let a2: TestInstance
let b: TestInstance
const noIce = () => ({ iceServers: [], expiresAt: null })
const prefix = 'parley-cascade-host-nodes:'

before(async () => {
  redis = await startRedis()
  fixture = await startJanusFixture({ rtpPortRange: '22400-22499', chromiumArgs: ['--ignore-certificate-errors'] })
  janusB = await startSecondJanus('22500-22599')
  const connected = await JanusEngine.connect({ endpoint: fixture.endpoint, logger: bufferedLogger().logger })
  assert.ok(connected.ok, JSON.stringify(!connected.ok && connected.error))
  channelEngine = connected.value
  const aEnv = {
    PARLEY_MEDIA_ENGINE: 'janus',
    PARLEY_JANUS_ICE_INTERFACES: MEDIA_INTERFACE,
    PARLEY_CALL_LEASE_SECONDS: '5',
  }
  a1 = await startInstance({
    env: { ...aEnv, PARLEY_NODE_ID: 'a1' },
    bus: new RedisBus({ url: redis.url, prefix }),
    media: { engine: channelEngine, iceServers: noIce },
  })
  a2 = await startInstance({
    env: aEnv,
    publicOrigin: a1.config.publicOrigin,
    dataDir: a1.dataDir,
    bus: new RedisBus({ url: redis.url, prefix }),
    media: { engine: fixture.engine, iceServers: noIce },
  })
  b = await startInstance({
    env: { PARLEY_MEDIA_ENGINE: 'janus', PARLEY_JANUS_ICE_INTERFACES: B_INTERFACE, PARLEY_BRIDGE_ADDRESSES: B_ADDRESS },
    media: { engine: janusB.engine, iceServers: noIce },
  })
})
after(async () => {
  await b?.close()
  await a2?.close({ keepData: true })
  await a1?.close()
  channelEngine?.close()
  await janusB?.close()
  await fixture?.close()
  await redis?.stop()
})

const AV = { audio: true, video: true, screen: false }

const open = (origin: string, p: Person) => openSdkPage(fixture, origin, p)

/** Bridges B's channel asked for, on either of A's engine sessions (one Janus underneath). */
const bridgeSubscriptions = (engine: JanusEngine) =>
  [...engine.routers.values()].flatMap((r) =>
    [...r.transports.values()].filter((tr) => tr.participantId.startsWith(`bridge:${b.config.publicOrigin}:`)),
  ).length

test('Cascaded SFUs with two nodes of the host A: B’s channel lands on node 1, the call runs on node 2, and every page still decodes every other through one bridge per feed (needs Janus, Chromium, Redis, netns)', (t) =>
  fixture.withLogs(async () => {
    const [alice, carol, bob] = await Promise.all([person(a1, 'alice'), person(a1, 'carol'), person(b, 'bob')])
    const roomId = String(
      (await alice.api('/api/v1/rooms', { method: 'POST', body: { kind: 'group', name: 'Host nodes' } })).json.id,
    )
    const roomUri = `${a1.config.publicOrigin}/rooms/${roomId}`
    const added = await alice.api(`/api/v1/rooms/${roomId}/participants`, {
      method: 'POST',
      body: { userId: carol.id, role: 'member' },
    })
    assert.equal(added.status, 201, JSON.stringify(added.json))
    await inviteAndJoin(a1, alice.api, roomId, b, bob.api, 'bob')
    const [pa, pc, pb] = await Promise.all([open(a2.origin, alice), open(a1.origin, carol), open(b.origin, bob)])
    try {
      // Alice first, on node 2: the call runs there. Then Carol through node 1 (forwarded), then Bob.
      for (const [page, room] of [
        [pa, roomId],
        [pc, roomId],
        [pb, roomUri],
      ] as const) {
        const started = await page.start({ roomId: room, media: AV })
        assert.ok(started.ok, JSON.stringify(started))
        assert.equal(started.engine, 'sfu')
      }
      assert.ok(fixture.engine.routers.size > 0 && channelEngine.routers.size === 0, 'the call runs on A’s node 2')
      const stats = await waitFor(
        'every page decoding both others and receiving their audio',
        async () => {
          const s = await Promise.all([pa, pc, pb].map((p) => p.stats()))
          return s.every((x) => x.videoStreamsDecoding === 2 && x.audioStreamsReceiving === 2) ? s : undefined
        },
        45_000,
      )
      for (const s of stats) assert.deepEqual(s.errors, [])
      const addresses = await pb.remoteAddresses()
      assert.ok(!addresses.includes(MEDIA_ADDRESS), 'Bob has no connection to A’s Janus')
      assert.deepEqual(a1.instance.app.cascadeChannels().fromPeers, [b.config.publicOrigin], 'B’s channel is on node 1')
      assert.deepEqual(a2.instance.app.cascadeChannels().fromPeers, [], 'no channel from B on node 2')
      assert.equal(bridgeSubscriptions(fixture.engine), 2, 'one copy each of Alice’s and Carol’s feeds crosses to B')
      assert.equal(bridgeSubscriptions(channelEngine), 0)
      const bridged = b.instance.app.bridgedCalls()?.call(roomUri)
      assert.ok(bridged, 'B runs the call through its Janus')
      const { inbound, outbound } = bridged.bridges()
      assert.equal(inbound.length, 2, 'alice’s and carol’s feeds, carried into B')
      assert.equal(outbound.length, 1, 'bob’s feed, carried into A')
      for (const bridge of [...inbound, ...outbound]) {
        const legs = bridge.legs()
        for (const leg of [legs.subscriber, legs.publisher])
          assert.deepEqual(leg, { connection: 'connected', dtls: 'connected', srtp: true })
      }
      // Bob leaves: B lets its bridges go, and node 2 ends the subscriptions node 1 asked for.
      assert.deepEqual(await pb.request('leave'), { ok: true })
      await waitFor('B’s bridges on A gone', async () => (bridgeSubscriptions(fixture.engine) === 0 ? true : undefined))
      assert.ok(bridged.closed)
    } finally {
      await Promise.all([pa.page.close(), pb.page.close(), pc.page.close()])
    }
  })(t))

// Last: it stops node 2.
// Erin's page is on node 2, which runs the call, Gina's on node 1 (her feed is still on node 2's
// SFU), Frank's on B. When node 2 stops, B's channel on node 1 stays open: each bridge node 2 ran
// for it must be told ended, or B would keep bridges that carry nothing. Today the node's calls
// end before its relay does ('feed unpublished'); a bridge still open then ends with the relay
// ('node stopping', BridgeHost.endAll).
test('A’s node 2, running the call, stops cleanly: each bridge it ran for B’s channel on node 1 ends, and node 1 is told so for B (needs Janus, Chromium, Redis, netns)', (t) =>
  fixture.withLogs(async () => {
    const [erin, gina, frank] = await Promise.all([person(a1, 'erin'), person(a1, 'gina'), person(b, 'frank')])
    const roomId = String(
      (await erin.api('/api/v1/rooms', { method: 'POST', body: { kind: 'group', name: 'Node stops' } })).json.id,
    )
    const roomUri = `${a1.config.publicOrigin}/rooms/${roomId}`
    const added = await erin.api(`/api/v1/rooms/${roomId}/participants`, {
      method: 'POST',
      body: { userId: gina.id, role: 'member' },
    })
    assert.equal(added.status, 201, JSON.stringify(added.json))
    await inviteAndJoin(a1, erin.api, roomId, b, frank.api, 'frank')
    // What node 2 sends node 1 for B's channel (host-call-relay.ts), read off the nodes' own bus.
    const watcher = new RedisBus({ url: redis.url, prefix })
    const closed = new Map<string, string>()
    const unsubscribe = await watcher.subscribe('cascade-host:a1', (raw) => {
      const message = JSON.parse(raw) as { type: string; frame?: { type: string; bridge: string; reason: string } }
      if (message.type === 'to-link' && message.frame?.type === 'cascade.bridge-closed')
        closed.set(message.frame.bridge, message.frame.reason)
    })
    const [pe, pg, pf] = await Promise.all([open(a2.origin, erin), open(a1.origin, gina), open(b.origin, frank)])
    try {
      for (const [page, room] of [
        [pe, roomId],
        [pg, roomId],
        [pf, roomUri],
      ] as const) {
        const started = await page.start({ roomId: room, media: AV })
        assert.ok(started.ok, JSON.stringify(started))
      }
      await waitFor(
        'erin’s and gina’s feeds bridged to B through node 2',
        async () => (bridgeSubscriptions(fixture.engine) === 2 ? true : undefined),
        45_000,
      )
      assert.equal(closed.size, 0)
      await a2.close({ keepData: true })
      await waitFor('node 1 told that both of B’s bridges ended', async () => (closed.size === 2 ? true : undefined))
      for (const reason of closed.values()) assert.ok(['feed unpublished', 'node stopping'].includes(reason), reason)
      assert.equal(bridgeSubscriptions(fixture.engine), 0)
    } finally {
      await Promise.all([pe.page.close(), pg.page.close(), pf.page.close()])
      await unsubscribe()
      await watcher.close()
    }
  })(t))
