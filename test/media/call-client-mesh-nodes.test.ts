/**
 * A mesh call whose two people are connected to different server nodes: two Parley nodes on one
 * SQLite file and one Redis (a redis-server started inside the test's network namespace, which
 * cannot reach the machine's own Redis), two Chromium pages running @parley/client's CallClient,
 * one on each node. Node 1 runs the call; node 2 forwards ben's offers, answers and candidates to
 * it and carries ann's back. Each page must decode the other's video and receive its audio. Needs
 * Chromium, redis-server and the private network namespace (npm run test:media).
 */
import { after, before, test } from 'node:test'
import assert from 'node:assert/strict'
import { mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { launchChromium, type LaunchedChromium } from './chromium.ts'
import { waitFor } from './harness.ts'
import { requireMediaNetns } from './netns.ts'
import { startPageServer, type PageServer } from './page-server.ts'
import { startCallInstance, type CallInstance } from './sdk-fixture.ts'
import { startRedis, type RedisFixture } from './redis-fixture.ts'

let chromium: LaunchedChromium
let pages: PageServer
let redis: RedisFixture
let dir: string
let node1: CallInstance
let node2: CallInstance

before(async () => {
  requireMediaNetns()
  redis = await startRedis()
  dir = mkdtempSync(join(tmpdir(), 'parley-mesh-nodes-'))
  pages = await startPageServer()
  chromium = await launchChromium()
  const env = { PARLEY_REDIS_URL: redis.url, PARLEY_CALL_LEASE_SECONDS: '5' }
  node1 = await startCallInstance(chromium, pages, { dir, env })
  node2 = await startCallInstance(chromium, pages, { dir, env })
})
after(async () => {
  await node1?.close()
  await node2?.close()
  await chromium?.close()
  await pages?.close()
  await redis?.stop()
  if (dir) rmSync(dir, { recursive: true, force: true })
})

const AV = { audio: true, video: true, screen: false }

test("CallClient: ann on node 1 and ben on node 2 are in one mesh call and each decodes the other's video and receives their audio (needs Chromium, Redis, netns)", async (t) => {
  const ann = await node1.person('ann')
  const ben = await node1.person('ben')
  const room = await ann.rest.createRoom({ kind: 'group', name: 'Mesh across nodes' })
  await ann.rest.addParticipant(room.id, ben.id)
  const a = await node1.open(ann)
  const b = await node2.open(ben)
  const joinedA = await a.start({ roomId: room.id, media: AV })
  assert.ok(joinedA.ok, JSON.stringify(joinedA))
  const joinedB = await b.start({ roomId: room.id, media: AV })
  assert.ok(joinedB.ok, JSON.stringify(joinedB))
  assert.equal(joinedB.engine, 'mesh')
  await waitFor('both pages see both participants', async () =>
    (await Promise.all([a.participants(), b.participants()])).every((list) => list.length === 2),
  )
  const both = await waitFor(
    "each page decoding the other's video and receiving its audio",
    async () => {
      const stats = await Promise.all([a.stats(), b.stats()])
      return stats.every((s) => s.videoStreamsDecoding === 1 && s.audioStreamsReceiving === 1) ? stats : undefined
    },
    20_000,
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
    assert.ok(
      s.framesDecoded > (both[i]?.framesDecoded ?? 0) + 10,
      `page ${i} keeps decoding (${both[i]?.framesDecoded} → ${s.framesDecoded})`,
    )
    assert.deepEqual(s.errors, [])
  }
  t.diagnostic(`joins: ${[joinedA, joinedB].map((j) => (j.ok ? `${Math.round(j.joinedMs)} ms` : '-')).join(', ')}`)

  // Ben's hand, raised on node 2, is seen on node 1.
  await b.update({ handRaised: true })
  await waitFor(
    "ann sees ben's hand",
    async () => (await a.participants()).find((p) => p.actor.id === ben.id)?.handRaised === true,
  )
})
