/**
 * End-to-end encrypted calls on the mesh engine, in Chromium, through a real Parley: three people
 * in a room with `e2ee` each see the others' picture and hear their tone — decrypted by the SDK's
 * worker, one of them on Chromium's insertable-streams path, the others on RTCRtpScriptTransform;
 * after one leaves, what the others send cannot be opened with any key the one who left held; a
 * browser without encoded transforms is refused. Needs Chromium and the private network namespace
 * (npm run test:media).
 */
import { after, before, test, type TestContext } from 'node:test'
import assert from 'node:assert/strict'
import { launchChromium, type LaunchedChromium } from './chromium.ts'
import { fakeMedia, hearsTone, samePicture } from './fake-media.ts'
import { droppedBetween, kidOf, opens, type CapturedFrame, type HeldKey, type WorkerStats } from './e2ee-frames.ts'
import { tempDir, waitFor } from './harness.ts'
import { requireMediaNetns } from './netns.ts'
import { startPageServer, type PageServer } from './page-server.ts'
import { startCallInstance, type CallInstance, type SdkPage } from './sdk-fixture.ts'

let chromium: LaunchedChromium
let pages: PageServer
let parley: CallInstance
let media: Awaited<ReturnType<typeof tempDir>>

before(async () => {
  requireMediaNetns()
  media = await tempDir('parley-e2ee-media-')
  pages = await startPageServer()
  chromium = await launchChromium(await fakeMedia(media.path))
  parley = await startCallInstance(chromium, pages, { env: { PARLEY_MESH_MAX_PARTICIPANTS: '4' } })
})
after(async () => {
  await parley?.close()
  await chromium?.close()
  await pages?.close()
  await media?.remove()
})

const AV = { audio: true, video: true, screen: false }
const E2EE = { required: true }
const clean = (body: (t: TestContext) => Promise<void>) => async (t: TestContext) => {
  try {
    await body(t)
  } finally {
    await parley.closePages()
  }
}

type E2eeView = {
  enabled: boolean
  verificationCode?: string
  kid?: number
  participants?: { participantId: string; keyReceived: boolean; decrypting: boolean }[]
  unsupported?: string | null
}
const e2eeOf = (page: SdkPage) =>
  page.page.evaluate(() => (globalThis as never as { app: { e2ee(): E2eeView } }).app.e2ee())
const evaluate = <T>(page: SdkPage, method: string) =>
  page.page.evaluate((m) => (globalThis as never as { app: Record<string, () => T> }).app[m]?.(), method) as Promise<T>

/** Every page sees the others' picture as sent and hears their tone. */
async function seesAndHears(t: TestContext, everyone: SdkPage[], others: number) {
  const sent = await evaluate<Parameters<typeof samePicture>[1]>(everyone[0] as SdkPage, 'localPicture')
  assert.ok(sent, 'the sender has a picture')
  for (const [i, page] of everyone.entries()) {
    const pictures = await evaluate<{ participantId: string; picture: Parameters<typeof samePicture>[0] }[]>(
      page,
      'remotePictures',
    )
    assert.equal(pictures.length, others, `page ${i} has ${others} remote videos`)
    for (const p of pictures)
      assert.ok(
        samePicture(p.picture, sent),
        `page ${i} sees ${p.participantId}: ${JSON.stringify(p.picture)} vs ${JSON.stringify(sent)}`,
      )
    const tones = await evaluate<{ participantId: string; tone: Parameters<typeof hearsTone>[0] }[]>(
      page,
      'remoteTones',
    )
    assert.equal(tones.length, others)
    for (const h of tones) assert.ok(hearsTone(h.tone), `page ${i} hears ${h.participantId}: ${JSON.stringify(h.tone)}`)
  }
  t.diagnostic(`picture sent: ${JSON.stringify(sent?.quadrants)}`)
}

test(
  'E2EE mesh call: three people each see the others’ picture and hear their tone, encrypted end to end (RTCRtpScriptTransform and insertable streams together); the SDK says so and shows one verification code (needs Chromium, netns)',
  clean(async (t) => {
    const [ann, ben, cas] = await Promise.all(['ann', 'ben', 'cas'].map((n) => parley.person(n)))
    assert.ok(ann && ben && cas)
    const room = await ann.rest.createRoom({ kind: 'group', name: 'Secret mesh', e2ee: true })
    for (const p of [ben, cas]) await ann.rest.addParticipant(room.id, p.id)
    const a = await parley.open(ann)
    const b = await parley.open(ben, 'sdk-streams.html')
    const c = await parley.open(cas)
    // cas's app does not say the room is encrypted: its client learns it from call.joined (its
    // worker starts while the join travels) and encrypts all the same.
    for (const [i, page] of [a, b, c].entries()) {
      const started = await page.start({ roomId: room.id, media: AV, ...(i < 2 ? { e2ee: E2EE } : {}) })
      assert.ok(started.ok, JSON.stringify(started))
      assert.equal(started.engine, 'mesh')
    }
    const everyone = [a, b, c]
    await waitFor(
      'every page decoding two videos, receiving two audio streams, and decrypting both others',
      async () => {
        const stats = await Promise.all(everyone.map((p) => p.stats()))
        const states = await Promise.all(everyone.map(e2eeOf))
        return (
          stats.every((s) => s.videoStreamsDecoding === 2 && s.audioStreamsReceiving === 2) &&
          states.every(
            (s) => s.participants?.length === 2 && s.participants.every((p) => p.keyReceived && p.decrypting),
          )
        )
      },
      25_000,
    )
    await seesAndHears(t, everyone, 2)

    const states = await Promise.all(everyone.map(e2eeOf))
    assert.ok(states.every((s) => s.enabled))
    assert.match(states[0]?.verificationCode ?? '', /^\d{5} \d{5} \d{5} \d{5} \d{5}$/)
    assert.equal(new Set(states.map((s) => s.verificationCode)).size, 1, 'one verification code for everyone')
    const modes = await Promise.all(
      everyone.map((p) =>
        p.page.evaluate(() => typeof (globalThis as { RTCRtpScriptTransform?: unknown }).RTCRtpScriptTransform),
      ),
    )
    assert.deepEqual(modes, ['function', 'undefined', 'function'], 'ben’s page took the insertable-streams path')
    const stats = await evaluate<{
      encrypted: { video: { frames: number } }
      decrypted: { video: { frames: number } }
    }>(b, 'e2eeStats')
    assert.ok(stats.encrypted.video.frames > 10 && stats.decrypted.video.frames > 10, JSON.stringify(stats))
    for (const s of await Promise.all(everyone.map((p) => p.stats()))) assert.deepEqual(s.errors, [])
  }),
)

test(
  'E2EE mesh call: after someone leaves, the others switch to new keys, and nothing they send afterwards opens with any key the one who left held (needs Chromium, netns)',
  clean(async (t) => {
    const [ann, ben, cas] = await Promise.all(['ann2', 'ben2', 'cas2'].map((n) => parley.person(n)))
    assert.ok(ann && ben && cas)
    const room = await ann.rest.createRoom({ kind: 'group', name: 'Leaving', e2ee: true })
    for (const p of [ben, cas]) await ann.rest.addParticipant(room.id, p.id)
    const a = await parley.open(ann)
    const b = await parley.open(ben, 'sdk-streams.html')
    const c = await parley.open(cas)
    const joined = []
    for (const page of [a, b, c]) {
      const started = await page.start({ roomId: room.id, media: AV, e2ee: E2EE })
      assert.ok(started.ok, JSON.stringify(started))
      joined.push(started)
    }
    const annId = joined[0]?.ok ? joined[0].participantId : ''
    await waitFor(
      'everyone decrypting everyone',
      async () =>
        (await Promise.all([a, b, c].map(e2eeOf))).every(
          (s) => s.participants?.length === 2 && s.participants.every((p) => p.decrypting),
        ),
      25_000,
    )
    // What cas holds when leaving: every key of ann and ben it received.
    const casKeys = await evaluate<{ received: (HeldKey & { participantId: string })[] }>(c, 'keyMaterial')
    const casHeldOfAnn = casKeys.received.filter((k) => k.participantId === annId)
    assert.ok(casHeldOfAnn.length > 0)
    // Before: what ben receives from ann opens with cas's keys (the check below can fail).
    const tapped = () =>
      b.page.evaluate(
        (id) => (globalThis as never as { app: { tapCount(id: string): number } }).app.tapCount(id),
        annId,
      )
    await evaluate(b, 'tapStart')
    await waitFor('ben tapping frames of ann', async () => (await tapped()) > 40)
    const before = (await evaluate<CapturedFrame[]>(b, 'tapTake')).filter((f) => f.participantId === annId)
    assert.ok(before.length > 20)
    assert.ok(
      await opens(before.at(-1) as CapturedFrame, casHeldOfAnn),
      'before cas leaves, its keys open ann’s frames',
    )

    const kidBefore = (await e2eeOf(a)).kid ?? -1
    const statsBefore = await Promise.all([a, b].map((p) => evaluate<WorkerStats>(p, 'e2eeStats')))
    assert.deepEqual(await c.request('leave'), { ok: true })
    await waitFor(
      'ann and ben on a new key generation',
      async () =>
        (await Promise.all([a, b].map(e2eeOf))).every(
          (s) => Math.floor((s.kid ?? 0) / 256) > Math.floor(kidBefore / 256),
        ),
      10_000,
    )
    const annNow = await evaluate<{ sending: HeldKey }>(a, 'keyMaterial')
    await evaluate(b, 'tapStart')
    // Frames keep coming after the switch: the sentinel is a frame that opens with ann's new key.
    await waitFor('frames of ann after the switch', async () => (await tapped()) > 80, 10_000)
    const captured = (await evaluate<CapturedFrame[]>(b, 'tapTake')).filter((f) => f.participantId === annId)
    let first = -1
    for (const [i, frame] of captured.entries())
      if (await opens(frame, [annNow.sending])) {
        first = i
        break
      }
    assert.ok(first >= 0, 'ann’s frames under her new key were captured')
    const afterwards = captured.slice(first)
    t.diagnostic(
      `${afterwards.length} frames of ann after the switch (kid ${kidOf(afterwards[0] as CapturedFrame)}), ${first} in flight before it`,
    )
    assert.ok(afterwards.length > 20)
    for (const frame of afterwards) {
      assert.ok(await opens(frame, [annNow.sending]), 'every later frame is under ann’s new key')
      assert.equal(await opens(frame, casHeldOfAnn, 20), false, 'no key cas held, ratcheted or not, opens it')
    }
    // The overlap: ann and ben lost no frame of each other's at the switch — none failed to decrypt.
    const statsAfter = await Promise.all([a, b].map((p) => evaluate<WorkerStats>(p, 'e2eeStats')))
    for (const [i, name] of ['ann', 'ben'].entries()) {
      const [before, after] = [statsBefore[i] as WorkerStats, statsAfter[i] as WorkerStats]
      t.diagnostic(`${name}: dropped ${JSON.stringify(after.dropped)}, ${after.fromDeparted} late from cas`)
      assert.deepEqual(droppedBetween(before, after), {}, `${name} dropped no frame across the leave`)
      assert.ok(after.decrypted.video.frames > before.decrypted.video.frames + 20, `${name} kept decrypting`)
    }
    // And ben still sees ann (the switch lost nothing that matters).
    const pictures = await evaluate<{ participantId: string; picture: Parameters<typeof samePicture>[0] }[]>(
      b,
      'remotePictures',
    )
    const sent = await evaluate<Parameters<typeof samePicture>[1]>(a, 'localPicture')
    assert.ok(pictures.some((p) => p.participantId === annId && samePicture(p.picture, sent)))
  }),
)

test(
  'E2EE mesh call: when someone joins, the others ratchet their keys forward without losing a frame, and the newcomer cannot open what was sent before it joined (needs Chromium, netns)',
  clean(async (t) => {
    const [ann, ben, cas] = await Promise.all(['ann3', 'ben3', 'cas3'].map((n) => parley.person(n)))
    assert.ok(ann && ben && cas)
    const room = await ann.rest.createRoom({ kind: 'group', name: 'Joining', e2ee: true })
    for (const p of [ben, cas]) await ann.rest.addParticipant(room.id, p.id)
    const a = await parley.open(ann)
    const b = await parley.open(ben, 'sdk-streams.html')
    const joined = []
    for (const page of [a, b]) {
      const started = await page.start({ roomId: room.id, media: AV, e2ee: E2EE })
      assert.ok(started.ok, JSON.stringify(started))
      joined.push(started)
    }
    const annId = joined[0]?.ok ? joined[0].participantId : ''
    await waitFor(
      'ann and ben decrypting each other',
      async () =>
        (await Promise.all([a, b].map(e2eeOf))).every(
          (s) => s.participants?.length === 1 && s.participants.every((p) => p.decrypting),
        ),
      25_000,
    )
    // What went over the wire from ann to ben before cas joined.
    const tapped = () =>
      b.page.evaluate(
        (id) => (globalThis as never as { app: { tapCount(id: string): number } }).app.tapCount(id),
        annId,
      )
    await evaluate(b, 'tapStart')
    await waitFor('ben tapping frames of ann', async () => (await tapped()) > 40)
    const before = (await evaluate<CapturedFrame[]>(b, 'tapTake')).filter((f) => f.participantId === annId)
    const annBefore = await evaluate<{ sending: HeldKey }>(a, 'keyMaterial')
    assert.ok(before.length > 20)
    assert.ok(await opens(before.at(-1) as CapturedFrame, [annBefore.sending]), 'ann’s key opens her frames')
    const statsBefore = await Promise.all([a, b].map((p) => evaluate<WorkerStats>(p, 'e2eeStats')))
    const kids = await Promise.all([a, b].map(async (p) => (await e2eeOf(p)).kid ?? -1))

    const c = await parley.open(cas)
    assert.ok((await c.start({ roomId: room.id, media: AV, e2ee: E2EE })).ok)
    await waitFor(
      'everyone decrypting everyone, ann and ben one ratchet step further',
      async () => {
        const states = await Promise.all([a, b, c].map(e2eeOf))
        return (
          states.every((s) => s.participants?.length === 2 && s.participants.every((p) => p.decrypting)) &&
          states[0]?.kid === (kids[0] ?? 0) + 1 &&
          states[1]?.kid === (kids[1] ?? 0) + 1
        )
      },
      25_000,
    )
    // Frames of ann after the switch, the sentinel being the first under her ratcheted key.
    const annNow = await evaluate<{ sending: HeldKey }>(a, 'keyMaterial')
    await evaluate(b, 'tapStart')
    await waitFor('frames of ann after cas joined', async () => (await tapped()) > 80, 10_000)
    const captured = (await evaluate<CapturedFrame[]>(b, 'tapTake')).filter((f) => f.participantId === annId)
    let first = -1
    for (const [i, frame] of captured.entries())
      if (await opens(frame, [annNow.sending])) {
        first = i
        break
      }
    assert.ok(first >= 0, 'ann’s frames under her ratcheted key were captured')
    const afterwards = captured.slice(first)
    assert.ok(afterwards.length > 20)

    // cas holds ann's ratcheted key (it opens what she sends now) and nothing that opens her earlier frames.
    const casKeys = await evaluate<{ received: (HeldKey & { participantId: string })[] }>(c, 'keyMaterial')
    const casHeldOfAnn = casKeys.received.filter((k) => k.participantId === annId)
    t.diagnostic(
      `ann's kid ${annBefore.sending.kid} → ${annNow.sending.kid}; cas holds ann's kids ${casHeldOfAnn.map((k) => k.kid).join(', ')}`,
    )
    assert.ok(await opens(afterwards.at(-1) as CapturedFrame, casHeldOfAnn), 'cas’s keys open ann’s frames now')
    assert.ok(casHeldOfAnn.every((k) => k.kid > annBefore.sending.kid))
    for (const frame of before)
      assert.equal(await opens(frame, casHeldOfAnn, 20), false, 'no key cas holds opens a frame from before it joined')

    // The overlap: ann and ben lost no frame of each other's at the ratchet.
    const statsAfter = await Promise.all([a, b].map((p) => evaluate<WorkerStats>(p, 'e2eeStats')))
    for (const [i, name] of ['ann', 'ben'].entries()) {
      const [was, now] = [statsBefore[i] as WorkerStats, statsAfter[i] as WorkerStats]
      t.diagnostic(`${name}: dropped ${JSON.stringify(now.dropped)}`)
      assert.deepEqual(droppedBetween(was, now), {}, `${name} dropped no frame across the join`)
      assert.ok(now.decrypted.video.frames > was.decrypted.video.frames + 20, `${name} kept decrypting`)
    }
    await seesAndHears(t, [a, b, c], 2)
  }),
)

test(
  'E2EE mesh call: a shared screen is encrypted like the camera — every screen frame on the wire is ciphertext under the sharer’s key, and the others see the screen (needs Chromium, netns)',
  clean(async (t) => {
    const [ann, ben] = await Promise.all(['ann4', 'ben4'].map((n) => parley.person(n)))
    assert.ok(ann && ben)
    const room = await ann.rest.createRoom({ kind: 'group', name: 'Screens', e2ee: true })
    await ann.rest.addParticipant(room.id, ben.id)
    const a = await parley.open(ann)
    const b = await parley.open(ben, 'sdk-streams.html')
    const joined = []
    for (const page of [a, b]) {
      const started = await page.start({ roomId: room.id, media: AV, e2ee: E2EE })
      assert.ok(started.ok, JSON.stringify(started))
      joined.push(started)
    }
    const annId = joined[0]?.ok ? joined[0].participantId : ''
    await waitFor('ben decrypting ann', async () => (await e2eeOf(b)).participants?.[0]?.decrypting === true, 25_000)
    const statsBefore = await evaluate<WorkerStats>(b, 'e2eeStats')
    await a.shareScreen()
    const screenStream = await evaluate<string>(a, 'localScreenStreamId')
    assert.ok(screenStream)
    await waitFor(
      "ben decoding ann's camera and screen",
      async () => (await b.stats()).videoStreamsDecoding === 2,
      15_000,
    )

    // ben sees the screen ann shares.
    const shared = await evaluate<Parameters<typeof samePicture>[1]>(a, 'localScreenPicture')
    assert.ok(shared, 'ann’s screen has a picture')
    const pictures = await evaluate<{ streamId: string | null; picture: Parameters<typeof samePicture>[0] }[]>(
      b,
      'remotePictures',
    )
    const screen = pictures.find((p) => p.streamId === screenStream)
    t.diagnostic(`screen sent ${JSON.stringify(shared)}, seen ${JSON.stringify(screen?.picture)}`)
    assert.ok(screen && samePicture(screen.picture, shared), 'ben sees ann’s screen')

    // What reaches ben's connection for the screen, before his worker: each frame opens with ann's key only.
    await evaluate(b, 'tapStart')
    const tapped = () =>
      b.page.evaluate(() => (globalThis as never as { tap: { frames: unknown[] } }).tap.frames.length)
    await waitFor('frames tapped on ben’s connection', async () => (await tapped()) > 150, 10_000)
    const captured = (await evaluate<(CapturedFrame & { streamId: string | null })[]>(b, 'tapTake')).filter(
      (f) => f.participantId === annId && f.streamId === screenStream,
    )
    const annKey = await evaluate<{ sending: HeldKey }>(a, 'keyMaterial')
    t.diagnostic(`${captured.length} screen frames tapped (${captured.filter((f) => f.keyframe).length} keyframes)`)
    assert.ok(captured.length > 10, 'screen frames were tapped')
    for (const frame of captured) {
      assert.equal(frame.kind, 'video')
      assert.ok(await opens(frame, [annKey.sending]), 'a screen frame is ciphertext under ann’s key')
    }
    // And ben's worker decrypted them all: a frame that was not encrypted would have been dropped.
    const statsAfter = await evaluate<WorkerStats>(b, 'e2eeStats')
    assert.deepEqual(droppedBetween(statsBefore, statsAfter), {}, 'ben dropped no frame')
  }),
)

test(
  'E2EE: a browser without encoded transforms is refused with e2ee-required and told why; nobody in the call hears of it (needs Chromium, netns)',
  clean(async () => {
    const [host, old] = await Promise.all(['host', 'old'].map((n) => parley.person(n)))
    assert.ok(host && old)
    const room = await host.rest.createRoom({ kind: 'group', name: 'Refusal', e2ee: true })
    await host.rest.addParticipant(room.id, old.id)
    const h = await parley.open(host)
    assert.ok((await h.start({ roomId: room.id, media: AV, e2ee: E2EE })).ok)
    const o = await parley.open(old, 'sdk-no-transform.html')
    assert.deepEqual(await o.start({ roomId: room.id, media: AV }), { ok: false, code: 'e2ee-required' })
    assert.match(
      (await evaluate<string>(o, 'lastError')) ?? '',
      /end-to-end encrypted and this browser cannot encrypt media: no WebRTC encoded transforms/,
    )
    assert.deepEqual(await e2eeOf(o), {
      enabled: false,
      unsupported: 'no WebRTC encoded transforms (neither RTCRtpScriptTransform nor RTCRtpSender.createEncodedStreams)',
    })
    // The host's call goes on alone: the refused browser never appeared in it.
    const sentinel = await h.request('update', { handRaised: true })
    assert.deepEqual(sentinel, { ok: true })
    assert.deepEqual(
      (await h.participants()).map((p) => p.actor.id),
      [host.id],
    )
    assert.equal(
      (await h.frames<{ participant: { actor: { id: string } } }>('call.participant')).some(
        (f) => f.participant.actor.id === old.id,
      ),
      false,
    )
  }),
)

test(
  'E2EE: a client told the room is end-to-end encrypted (e2ee.required) leaves a call the server says is not, and says so (needs Chromium, netns)',
  clean(async () => {
    const [host, careful] = await Promise.all(['host2', 'careful'].map((n) => parley.person(n)))
    assert.ok(host && careful)
    // Stands in for a server that answers "not encrypted" for an encrypted room: a room without e2ee.
    const room = await host.rest.createRoom({ kind: 'group', name: 'Downgraded' })
    await host.rest.addParticipant(room.id, careful.id)
    const h = await parley.open(host)
    assert.ok((await h.start({ roomId: room.id, media: AV })).ok)
    assert.equal((await e2eeOf(h)).enabled, false, 'the SDK says this call is not end-to-end encrypted')
    const c = await parley.open(careful)
    const refused = await c.start({ roomId: room.id, media: AV, e2ee: E2EE })
    assert.equal(refused.ok, false)
    assert.match(await evaluate<string>(c, 'lastError'), /required to be end-to-end encrypted.*left the call/)
    await waitFor('the careful client out of the call again', async () =>
      (await h.frames<{ participant?: { actor: { id: string } }; type: string }>()).some((f) => f.type === 'call.left'),
    )
    assert.deepEqual(
      (await h.participants()).map((p) => p.actor.id),
      [host.id],
    )
  }),
)
