/**
 * A Janus (SFU) call whose two people are connected to different server nodes: two Parley nodes on
 * one SQLite file and one Redis (started inside the test's network namespace), each with its own
 * JanusEngine on one shared Janus (as nodes share a pool). The node where the call starts runs it:
 * its engine holds the VideoRoom, and the other node forwards publish/subscribe and carries the
 * SDP answers and offers back. Each page decodes the other's video; camera off from the other node
 * and a moderator's mute of someone on it are enforced on Janus. Needs Janus, Chromium,
 * redis-server and the private network namespace (npm run test:media).
 */
import { after, before, test, type TestContext } from 'node:test'
import assert from 'node:assert/strict'
import { mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { JanusEngine } from '@parley/server/media'
import { bufferedLogger, waitFor, waitForStill } from './harness.ts'
import { startJanusFixture, type JanusFixture } from './janus-fixture.ts'
import { MEDIA_INTERFACE } from './netns.ts'
import { startCallInstance, type CallInstance, type SdkPage } from './sdk-fixture.ts'
import { startRedis, type RedisFixture } from './redis-fixture.ts'

let fixture: JanusFixture
let second: JanusEngine
let redis: RedisFixture
let dir: string
let node1: CallInstance
let node2: CallInstance

before(async () => {
  redis = await startRedis()
  dir = mkdtempSync(join(tmpdir(), 'parley-janus-nodes-'))
  fixture = await startJanusFixture({ rtpPortRange: '21400-21599' })
  const endpoint = fixture.supervisor.endpoint
  assert.ok(endpoint)
  const connected = await JanusEngine.connect({ endpoint, logger: bufferedLogger().logger })
  assert.ok(connected.ok, JSON.stringify(!connected.ok && connected.error))
  second = connected.value
  const iceServers = () => ({ iceServers: [], expiresAt: null })
  const env = {
    PARLEY_MEDIA_ENGINE: 'janus',
    PARLEY_JANUS_ICE_INTERFACES: MEDIA_INTERFACE,
    PARLEY_REDIS_URL: redis.url,
    PARLEY_CALL_LEASE_SECONDS: '5',
  }
  node1 = await startCallInstance(fixture.chromium, fixture.pages, {
    dir,
    env,
    media: { engine: fixture.engine, iceServers },
  })
  node2 = await startCallInstance(fixture.chromium, fixture.pages, { dir, env, media: { engine: second, iceServers } })
})
after(async () => {
  await node1?.close()
  await node2?.close()
  second?.close()
  await fixture?.close()
  await redis?.stop()
  if (dir) rmSync(dir, { recursive: true, force: true })
})

const AV = { audio: true, video: true, screen: false }
const feedOf = async (page: SdkPage, actorId: string) => {
  const people = await page.participants()
  const participantId = people.find((p) => p.actor.id === actorId)?.participantId
  return (await page.feeds()).find((f) => f.participantId === participantId && f.source === 'camera')?.feedId ?? ''
}

test(
  'CallClient on Janus: ann on node 1 and ben on node 2 are in one SFU call, decode each other, and camera off and a mute across nodes hold on Janus (needs Janus, Chromium, Redis, netns)',
  withPagesClosed(async (t) => {
    const ann = await node1.person('ann')
    const ben = await node1.person('ben')
    const room = await ann.rest.createRoom({ kind: 'group', name: 'SFU across nodes' })
    await ann.rest.addParticipant(room.id, ben.id, 'moderator')
    const a = await node1.open(ann)
    const b = await node2.open(ben)
    const joinedA = await a.start({ roomId: room.id, media: AV })
    assert.ok(joinedA.ok, JSON.stringify(joinedA))
    const joinedB = await b.start({ roomId: room.id, media: AV })
    assert.ok(joinedB.ok, JSON.stringify(joinedB))
    assert.equal(joinedB.engine, 'sfu')
    const both = await waitFor(
      "each page decoding the other's video and receiving its audio",
      async () => {
        const stats = await Promise.all([a.stats(), b.stats()])
        return stats.every((s) => s.videoStreamsDecoding === 1 && s.audioStreamsReceiving === 1) ? stats : undefined
      },
      25_000,
    )
    // Progress is waited for, not a fixed second: on a loaded machine a second may hold few frames.
    const later = await waitFor(
      'both pages decoding further',
      async () => {
        const stats = await Promise.all([a.stats(), b.stats()])
        return stats.every((s, i) => s.framesDecoded > (both[i]?.framesDecoded ?? 0) + 10) ? stats : undefined
      },
      20_000,
    )
    for (const [i, s] of later.entries()) {
      assert.ok(s.framesDecoded > (both[i]?.framesDecoded ?? 0) + 10, `page ${i} keeps decoding`)
      assert.deepEqual(s.errors, [])
    }
    t.diagnostic(`joins: ${[joinedA, joinedB].map((j) => (j.ok ? `${Math.round(j.joinedMs)} ms` : '-')).join(', ')}`)

    // Ben (node 2) turns his camera off: Janus, driven by node 1, stops forwarding it to ann.
    const benFeed = await feedOf(a, ben.id)
    assert.ok(benFeed)
    await b.update({ media: { video: false } })
    // Ben's frames stop while his audio goes on: no frame across consecutive polls that see 20 more audio packets.
    const { from: off, to: stillOff } = await waitForStill(
      'no frames of ben while his camera is off',
      async () => {
        const [frames, stats] = await Promise.all([a.framesByFeed(), a.stats()])
        return { still: frames[benFeed] ?? 0, moving: stats.audioPacketsReceived }
      },
      { advance: 20 },
    )
    assert.equal(stillOff.still, off.still, 'no frames of ben while his camera is off')
    await b.update({ media: { video: true } })
    await waitFor("ben's frames again", async () => ((await a.framesByFeed())[benFeed] ?? 0) > stillOff.still + 5)

    // Ann (node 1) mutes ben (node 2): his microphone is paused on Janus and his page sees it. Ben,
    // a moderator, cannot act on ann, the room's owner: the refusal comes back across nodes.
    assert.deepEqual(await a.request('moderate', 'mute', joinedB.ok ? joinedB.participantId : ''), { ok: true })
    await waitFor(
      'ben sees himself muted',
      async () => (await b.participants()).find((p) => p.actor.id === ben.id)?.media.audio === false,
    )
    assert.deepEqual(await b.request('moderate', 'mute', joinedA.ok ? joinedA.participantId : ''), {
      ok: false,
      code: 'role-too-low',
    })
  }),
)

function withPagesClosed(body: (t: TestContext) => Promise<void>): (t: TestContext) => Promise<void> {
  return (t) =>
    fixture.withLogs(async (context) => {
      try {
        await body(context)
      } finally {
        await node1.closePages()
        await node2.closePages()
      }
    })(t)
}
