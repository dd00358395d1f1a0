/**
 * A mesh call across two instances: the room is hosted on A; Alice's page talks to A, Bob's and
 * Carol's pages to B (HTTPS instances of the multi-instance harness, real ActivityPub membership,
 * the signed call channel between them). Every page runs @parley/client's CallClient with the same
 * calls as for a local room, the room named by its actor id on B; every offer, answer and candidate
 * crosses both servers. Each page decodes the two others' video and receives their audio. Needs
 * Chromium and the private network namespace (npm run test:media).
 */
import { after, before, test } from 'node:test'
import assert from 'node:assert/strict'
import { launchChromium, type LaunchedChromium } from './chromium.ts'
import { waitFor } from './harness.ts'
import { requireMediaNetns } from './netns.ts'
import { startPageServer, type PageServer } from './page-server.ts'
import { sdkPage, type Person } from './sdk-fixture.ts'
import { startInstance, type TestInstance } from '../harness/instance.ts'
import { inviteAndJoin } from '../harness/rooms.ts'
import { person } from './cascade-people.ts'

let chromium: LaunchedChromium
let pages: PageServer
let a: TestInstance
let b: TestInstance

before(async () => {
  requireMediaNetns()
  pages = await startPageServer()
  // The instances serve HTTPS with the harness's throwaway CA.
  chromium = await launchChromium({ args: ['--ignore-certificate-errors'] })
  ;[a, b] = await Promise.all([startInstance(), startInstance()])
})
after(async () => {
  await chromium?.close()
  await pages?.close()
  await Promise.all([a?.close(), b?.close()])
})

const AV = { audio: true, video: true, screen: false }

test('A mesh call of a room on A with two members on B: every page decodes the others and receives their audio, signalling through both servers (needs Chromium, netns)', async (t) => {
  const [alice, bob, carol] = await Promise.all([person(a, 'alice'), person(b, 'bob'), person(b, 'carol')])
  const roomId = String(
    (await alice.api('/api/v1/rooms', { method: 'POST', body: { kind: 'group', name: 'Across' } })).json.id,
  )
  const roomUri = `${a.origin}/rooms/${roomId}`
  await inviteAndJoin(a, alice.api, roomId, b, bob.api, 'bob')
  await inviteAndJoin(a, alice.api, roomId, b, carol.api, 'carol')
  const open = async (instance: TestInstance, p: Person) => {
    const page = await chromium.context.newPage()
    await page.goto(pages.page('sdk.html'))
    await page.waitForFunction(() => 'app' in globalThis)
    return sdkPage(page, instance.origin, p)
  }
  const [pa, pb, pc] = [await open(a, alice), await open(b, bob), await open(b, carol)]
  const joins = []
  for (const [page, room] of [
    [pa, roomId],
    [pb, roomUri],
    [pc, roomUri],
  ] as const) {
    const started = await page.start({ roomId: room, media: AV })
    assert.ok(started.ok, JSON.stringify(started))
    assert.equal(started.engine, 'mesh')
    joins.push(started)
  }
  const all = await waitFor(
    'every page decoding two videos and receiving two audio streams',
    async () => {
      const stats = await Promise.all([pa, pb, pc].map((p) => p.stats()))
      return stats.every((s) => s.videoStreamsDecoding === 2 && s.audioStreamsReceiving === 2) ? stats : undefined
    },
    30_000,
  )
  for (const s of all) assert.deepEqual(s.errors, [])
  t.diagnostic(
    `joins (page start → joined): ${joins.map((j) => (j.ok ? `${Math.round(j.joinedMs)} ms` : '-')).join(', ')}`,
  )

  // Hands and mute cross too: Alice sees Bob's hand; Carol sees Alice muted.
  await pb.update({ handRaised: true })
  await pa.update({ media: { audio: false } })
  await waitFor("alice sees bob's hand, carol sees alice muted", async () => {
    const [seenByAlice, seenByCarol] = await Promise.all([pa.participants(), pc.participants()])
    return (
      seenByAlice.find((p) => p.actor.id === `${b.origin}/users/bob`)?.handRaised === true &&
      seenByCarol.find((p) => p.actor.id === alice.id)?.media.audio === false
    )
  })
})
