/**
 * A mesh call end to end: three Chromium pages run @parley/client's CallClient against a real
 * Parley (realtime gateway, call service, mesh engine); every offer and answer goes through the
 * server's relay. Each page decodes the two others' video and receives their audio; hand raise and
 * mute are seen; a moderator removes someone; someone in the lobby gets nothing. Needs Chromium and
 * the private network namespace (npm run test:media).
 */
import { after, before, test, type TestContext } from 'node:test'
import assert from 'node:assert/strict'
import { launchChromium, type LaunchedChromium } from './chromium.ts'
import { waitFor } from './harness.ts'
import { requireMediaNetns } from './netns.ts'
import { startPageServer, type PageServer } from './page-server.ts'
import { startCallInstance, type CallInstance } from './sdk-fixture.ts'

let chromium: LaunchedChromium
let pages: PageServer
let parley: CallInstance

before(async () => {
  requireMediaNetns()
  pages = await startPageServer()
  chromium = await launchChromium()
  parley = await startCallInstance(chromium, pages, { env: { PARLEY_MESH_MAX_PARTICIPANTS: '3' } })
})
after(async () => {
  await parley?.close()
  await chromium?.close()
  await pages?.close()
})

const AV = { audio: true, video: true, screen: false }
const clean = (body: (t: TestContext) => Promise<void>) => async (t: TestContext) => {
  try {
    await body(t)
  } finally {
    await parley.closePages()
  }
}

test(
  'CallClient: three people in a mesh call through the gateway each decode the two others and receive their audio; screen shares renegotiate, two at once too (needs Chromium, netns)',
  clean(async (t) => {
    const [ann, ben, cas, dia] = await Promise.all(['ann', 'ben', 'cas', 'dia'].map((n) => parley.person(n)))
    assert.ok(ann && ben && cas && dia)
    const room = await ann.rest.createRoom({ kind: 'group', name: 'Mesh' })
    for (const p of [ben, cas, dia]) await ann.rest.addParticipant(room.id, p.id)
    const [a, b, c, d] = await Promise.all([ann, ben, cas, dia].map((p) => parley.open(p)))
    assert.ok(a && b && c && d)
    // One after the other: each later joiner offers to those already in.
    const joined = []
    for (const page of [a, b, c]) {
      const started = await page.start({ roomId: room.id, media: AV })
      assert.ok(started.ok, JSON.stringify(started))
      assert.equal(started.engine, 'mesh')
      joined.push(started)
    }
    const all = await waitFor(
      'every page decoding two videos and receiving two audio streams',
      async () => {
        const stats = await Promise.all([a, b, c].map((p) => p.stats()))
        return stats.every((s) => s.videoStreamsDecoding === 2 && s.audioStreamsReceiving === 2) ? stats : undefined
      },
      20_000,
    )
    // Progress is waited for, not a fixed second: on a loaded machine a second may hold few frames.
    const later = await waitFor(
      'every page decoding and receiving audio further',
      async () => {
        const stats = await Promise.all([a, b, c].map((p) => p.stats()))
        return stats.every(
          (s, i) =>
            s.framesDecoded > (all[i]?.framesDecoded ?? 0) + 10 &&
            s.audioPacketsReceived > (all[i]?.audioPacketsReceived ?? 0) + 20,
        )
          ? stats
          : undefined
      },
      20_000,
    )
    for (const [i, s] of later.entries()) {
      assert.ok(
        s.framesDecoded > (all[i]?.framesDecoded ?? 0) + 10,
        `page ${i} keeps decoding (${all[i]?.framesDecoded} → ${s.framesDecoded})`,
      )
      assert.ok(s.audioPacketsReceived > (all[i]?.audioPacketsReceived ?? 0) + 20, `page ${i} keeps receiving audio`)
      assert.deepEqual(s.errors, [])
    }
    t.diagnostic(`joins: ${joined.map((j) => (j.ok ? `${Math.round(j.joinedMs)} ms` : '-')).join(', ')}`)

    // ann shares her screen: her connections renegotiate and both others decode a third video.
    await a.shareScreen()
    await waitFor(
      "ben and cas decoding ann's screen too",
      async () => (await Promise.all([b.stats(), c.stats()])).every((s) => s.videoStreamsDecoding === 3),
      15_000,
    )

    // ben and cas share their screens at the same moment: both offer on the ben–cas connection at
    // once (glare). The polite side rolls back and answers, then offers again; nobody waits forever.
    await Promise.all([b.shareScreen(), c.shareScreen()])
    await waitFor(
      'everyone decoding the two cameras and two screens of the others',
      async () => (await Promise.all([a.stats(), b.stats(), c.stats()])).every((s) => s.videoStreamsDecoding === 4),
      20_000,
    )
    assert.deepEqual(
      (await Promise.all([a.stats(), b.stats(), c.stats()])).flatMap((s) => s.errors),
      [],
    )

    // A fourth is refused: the cap is 3. The others are unaffected.
    const refused = await d.start({ roomId: room.id, media: AV })
    assert.deepEqual(refused, { ok: false, code: 'call-full' })

    // Hand raise and mute, seen by the others.
    await b.update({ handRaised: true })
    await c.update({ media: { audio: false } })
    await waitFor("ann sees ben's hand and cas muted", async () => {
      const people = await a.participants()
      return (
        people.find((p) => p.actor.id === ben.id)?.handRaised === true &&
        people.find((p) => p.actor.id === cas.id)?.media.audio === false
      )
    })

    // The moderator removes ben: he is out, the others see it, and his connections are gone.
    const benId = joined[1]?.ok ? joined[1].participantId : ''
    assert.deepEqual(await a.request('moderate', 'remove', benId), { ok: true })
    await waitFor('cas sees ben removed', async () =>
      (await c.frames<{ participantId: string; reason: string }>('call.left')).some(
        (f) => f.participantId === benId && f.reason === 'removed',
      ),
    )
    await waitFor('ann no longer receives ben', async () => (await a.stats()).states.length === 1)
    const afterRemoval = await b.request('update', { handRaised: false })
    assert.deepEqual(afterRemoval, { ok: false, code: 'not-in-call' })
  }),
)

test(
  'CallClient: someone waiting in the lobby gets no call, no media and no call frames (needs Chromium, netns)',
  clean(async () => {
    const [host, guest] = await Promise.all(['hal', 'lou'].map((n) => parley.person(n)))
    assert.ok(host && guest)
    const room = await host.rest.createRoom({ kind: 'public', name: 'Lobby', lobby: true })
    await guest.rest.join(room.id)
    const [h, l] = await Promise.all([parley.open(host), parley.open(guest)])
    assert.ok(h && l)
    assert.ok((await h.start({ roomId: room.id, media: AV })).ok)
    assert.deepEqual(await l.start({ roomId: room.id, media: AV }), { ok: false, code: 'in-lobby' })
    // The hand is raised once the host's update is answered, and the room's frames go out before that
    // answer; a round trip on the guest's own connection then brings anything sent to it before.
    await h.update({ handRaised: true })
    assert.equal(await l.ping(), true)
    const stats = await l.stats()
    assert.equal(stats.tracks, 0)
    assert.deepEqual(
      (await l.frames()).map((f) => f.type),
      ['error'],
      'only the refusal',
    )
  }),
)
