/**
 * End-to-end encrypted calls on Janus, in Chromium, through a real Parley: three people in a room
 * with `e2ee` each see the others' picture and hear their tone through the SFU; a subscriber that
 * gets a feed straight from Janus, without keys (as anyone holding the media server could),
 * receives the frames but neither sees the picture nor hears the tone — while the same captured
 * frames open with the sender's key; after someone leaves, no key the one who left held opens what
 * is sent afterwards; simulcast layers still switch, since Janus reads the unencrypted VP8 header
 * to find keyframes. Needs Janus, Chromium and the private network namespace (npm run test:media).
 */
import { after, before, test, type TestContext } from 'node:test'
import assert from 'node:assert/strict'
import type { Page } from 'playwright-core'
import { fakeMedia, hearsTone, samePicture } from './fake-media.ts'
import { droppedBetween, opens, type CapturedFrame, type HeldKey, type WorkerStats } from './e2ee-frames.ts'
import { tempDir, waitFor } from './harness.ts'
import { startJanusFixture, type JanusFixture } from './janus-fixture.ts'
import { MEDIA_INTERFACE } from './netns.ts'
import { startCallInstance, type CallInstance, type SdkPage } from './sdk-fixture.ts'

let fixture: JanusFixture
let parley: CallInstance
let media: Awaited<ReturnType<typeof tempDir>>

before(async () => {
  media = await tempDir('parley-e2ee-janus-media-')
  fixture = await startJanusFixture({ rtpPortRange: '21400-21599', chromiumArgs: (await fakeMedia(media.path)).args })
  parley = await startCallInstance(fixture.chromium, fixture.pages, {
    env: { PARLEY_MEDIA_ENGINE: 'janus', PARLEY_JANUS_ICE_INTERFACES: MEDIA_INTERFACE },
    media: { engine: fixture.engine, iceServers: () => ({ iceServers: [], expiresAt: null }) },
  })
})
after(async () => {
  await parley?.close()
  await fixture?.close()
  await media?.remove()
})

const AV = { audio: true, video: true, screen: false }
const E2EE = { required: true }
const withLogs = (body: (t: TestContext) => Promise<void>) => (t: TestContext) =>
  fixture.withLogs(async (context) => {
    try {
      await body(context)
    } finally {
      await parley.closePages()
    }
  })(t)

type Picture = Parameters<typeof samePicture>[0]
type E2eeView = { enabled: boolean; verificationCode?: string; kid?: number; participants?: { decrypting: boolean }[] }
const app = <T>(page: SdkPage, method: string, ...args: unknown[]) =>
  page.page.evaluate(
    ([m, a]) =>
      (globalThis as never as { app: Record<string, (...x: unknown[]) => T> }).app[m as string]?.(...(a as unknown[])),
    [method, args] as const,
  ) as Promise<T>
const feedOf = async (page: SdkPage, actorId: string, source = 'camera') => {
  const participantId = (await page.participants()).find((p) => p.actor.id === actorId)?.participantId
  return (await page.feeds()).find((f) => f.participantId === participantId && f.source === source)?.feedId ?? ''
}

/** Frames each page's worker dropped since `before` must be none (a frozen picture, a click). */
async function droppedNothing(t: TestContext, pages: [string, SdkPage][], before: WorkerStats[], what: string) {
  for (const [i, [name, page]] of pages.entries()) {
    const [was, now] = [before[i] as WorkerStats, await app<WorkerStats>(page, 'e2eeStats')]
    t.diagnostic(`${name}: dropped ${JSON.stringify(now.dropped)}, ${now.fromDeparted} late from someone who left`)
    assert.deepEqual(droppedBetween(was, now), {}, `${name} dropped no frame ${what}`)
    assert.ok(now.decrypted.video.frames > was.decrypted.video.frames + 20, `${name} kept decrypting`)
  }
}

/** Three people in an e2ee room, each decrypting the two others. */
async function threeInACall(names: string[], options: { simulcast?: boolean } = {}) {
  const people = await Promise.all(names.map((n) => parley.person(n)))
  const [ann, ben, cas] = people
  assert.ok(ann && ben && cas)
  const room = await ann.rest.createRoom({ kind: 'group', name: `Secret ${names[0]}`, e2ee: true })
  for (const p of [ben, cas]) await ann.rest.addParticipant(room.id, p.id)
  // ben's browser takes the insertable-streams path; ann's and cas's RTCRtpScriptTransform.
  const pages = [await parley.open(ann), await parley.open(ben, 'sdk-streams.html'), await parley.open(cas)]
  const joined = []
  for (const page of pages) {
    const started = await page.start({ roomId: room.id, media: AV, e2ee: E2EE, ...options })
    assert.ok(started.ok, JSON.stringify(started))
    assert.equal(started.engine, 'sfu')
    joined.push(started)
  }
  await waitFor(
    'every page decoding two videos, receiving two audio streams, decrypting both others',
    async () => {
      const stats = await Promise.all(pages.map((p) => p.stats()))
      const states = await Promise.all(pages.map((p) => app<E2eeView>(p, 'e2ee')))
      return (
        stats.every((s) => s.videoStreamsDecoding === 2 && s.audioStreamsReceiving === 2) &&
        states.every((s) => s.participants?.length === 2 && s.participants.every((p) => p.decrypting))
      )
    },
    30_000,
  )
  return { room, people, pages, ids: joined.map((j) => (j.ok ? j.participantId : '')) }
}

/** A page that subscribes to a feed straight on Janus, with no keys and no SDK (page/tap-page.js). */
async function subscribeWithoutKeys(roomId: string, feedId: string) {
  const router = [...fixture.engine.routers.values()].find((r) => r.callId === roomId)
  assert.ok(router, 'the call’s Janus room')
  const recv = await router.createRecvTransport({ participantId: 'eavesdropper' })
  assert.ok(recv.ok)
  const consumed = await recv.value.consume({ producerIds: [feedId] })
  assert.ok(consumed.ok, JSON.stringify(!consumed.ok && consumed.error))
  const page: Page = await fixture.chromium.context.newPage()
  await page.goto(fixture.pages.page('tap.html'))
  await page.waitForFunction(() => 'tap' in globalThis)
  type Tap = Record<string, (...args: unknown[]) => unknown>
  const tap = <T>(method: string, ...args: unknown[]) =>
    page.evaluate(
      ([m, a]) =>
        ((globalThis as never as { tap: Tap }).tap[m as string] as (...x: unknown[]) => unknown)(...(a as unknown[])),
      [method, args] as const,
    ) as Promise<T>
  const answer = await tap<string>('subscribe', consumed.value.offerSdp)
  const set = await recv.value.setRemoteAnswer(answer)
  assert.ok(set.ok)
  return {
    tap,
    async close() {
      await page.close().catch(() => {})
      recv.value.close()
    },
  }
}

test(
  'E2EE on Janus: three people each see the others’ picture and hear their tone through the SFU; a subscriber without keys gets the frames but neither picture nor tone (needs Janus, Chromium, netns)',
  withLogs(async (t) => {
    const { room, people, pages, ids } = await threeInACall(['ann', 'ben', 'cas'])
    const sent = await app<Picture>(pages[0] as SdkPage, 'localPicture')
    for (const [i, page] of pages.entries()) {
      const pictures = await app<{ participantId: string; picture: Picture }[]>(page, 'remotePictures')
      assert.deepEqual(pictures.map((p) => p.participantId).sort(), ids.filter((_, j) => j !== i).sort())
      for (const p of pictures)
        assert.ok(samePicture(p.picture, sent), `page ${i} sees ${p.participantId}: ${JSON.stringify(p.picture)}`)
      const tones = await app<{ participantId: string; tone: Parameters<typeof hearsTone>[0] }[]>(page, 'remoteTones')
      assert.equal(tones.length, 2)
      for (const h of tones)
        assert.ok(hearsTone(h.tone), `page ${i} hears ${h.participantId}: ${JSON.stringify(h.tone)}`)
    }
    const codes = await Promise.all(pages.map((p) => app<E2eeView>(p, 'e2ee')))
    assert.equal(new Set(codes.map((c) => c.verificationCode)).size, 1)

    // Someone with the media server's help but without keys: ann's camera straight from Janus.
    const annFeed = await feedOf(pages[1] as SdkPage, people[0]?.id ?? '')
    const eavesdropper = await subscribeWithoutKeys(room.id, annFeed)
    try {
      await eavesdropper.tap('start')
      await waitFor(
        'frames reaching the subscriber without keys',
        async () => {
          const s = await eavesdropper.tap<{ videoPackets: number; audioPackets: number }>('stats')
          return s.videoPackets > 100 && s.audioPackets > 100
        },
        15_000,
      )
      const pictures = await eavesdropper.tap<Picture[]>('pictures')
      const tones = await eavesdropper.tap<Parameters<typeof hearsTone>[0][]>('tones')
      const stats = await eavesdropper.tap<{ framesDecoded: number; framesReceived: number }>('stats')
      t.diagnostic(
        `without keys: ${JSON.stringify(stats)}, picture ${JSON.stringify(pictures)}, tone ${JSON.stringify(tones)}`,
      )
      assert.equal(pictures.length, 1)
      assert.equal(samePicture(pictures[0] ?? null, sent), false, 'the picture does not come through')
      assert.equal(tones.length, 1)
      assert.equal(hearsTone(tones[0] as Parameters<typeof hearsTone>[0]), false, 'the tone does not come through')
      // The frames it got are ann's real ones: her key opens them. Without it, nothing does.
      const captured = await eavesdropper.tap<CapturedFrame[]>('take')
      const annKey = await app<{ sending: HeldKey }>(pages[0] as SdkPage, 'keyMaterial')
      assert.ok(captured.length > 50)
      const video = captured.filter((f) => f.kind === 'video')
      const audio = captured.filter((f) => f.kind === 'audio')
      assert.ok(video.length > 10 && audio.length > 10)
      for (const frame of [...video.slice(-10), ...audio.slice(-10)])
        assert.ok(await opens(frame, [annKey.sending], 2), 'ann’s key opens what the subscriber got')
    } finally {
      await eavesdropper.close()
    }
  }),
)

test(
  'E2EE on Janus: after someone leaves, nothing sent afterwards opens with any key the one who left held (needs Janus, Chromium, netns)',
  withLogs(async (t) => {
    const { room, people, pages, ids } = await threeInACall(['ann2', 'ben2', 'cas2'])
    const [a, b, c] = pages as [SdkPage, SdkPage, SdkPage]
    const casKeys = await app<{ received: (HeldKey & { participantId: string })[] }>(c, 'keyMaterial')
    const casHeldOfAnn = casKeys.received.filter((k) => k.participantId === ids[0])
    assert.ok(casHeldOfAnn.length > 0)
    const eavesdropper = await subscribeWithoutKeys(room.id, await feedOf(b, people[0]?.id ?? ''))
    try {
      await eavesdropper.tap('start')
      await waitFor(
        'frames before the leave',
        async () => (await eavesdropper.tap<{ videoPackets: number }>('stats')).videoPackets > 50,
      )
      const before = await eavesdropper.tap<CapturedFrame[]>('take')
      assert.ok(
        await opens(before.at(-1) as CapturedFrame, casHeldOfAnn, 2),
        'before leaving, cas’s keys open ann’s frames',
      )

      const generation = Math.floor(((await app<E2eeView>(a, 'e2ee')).kid ?? 0) / 256)
      const statsBefore = await Promise.all([a, b].map((p) => app<WorkerStats>(p, 'e2eeStats')))
      assert.deepEqual(await c.request('leave'), { ok: true })
      await waitFor(
        'ann and ben on a new key generation',
        async () =>
          (await Promise.all([a, b].map((p) => app<E2eeView>(p, 'e2ee')))).every(
            (s) => Math.floor((s.kid ?? 0) / 256) > generation,
          ),
        10_000,
      )
      const annNow = await app<{ sending: HeldKey }>(a, 'keyMaterial')
      const packets = async () => (await eavesdropper.tap<{ videoPackets: number }>('stats')).videoPackets
      const atSwitch = await packets()
      await eavesdropper.tap('start')
      await waitFor('frames after the leave', async () => (await packets()) > atSwitch + 60, 10_000)
      const captured = await eavesdropper.tap<CapturedFrame[]>('take')
      let first = -1
      for (const [i, frame] of captured.entries())
        if (await opens(frame, [annNow.sending])) {
          first = i
          break
        }
      assert.ok(first >= 0, 'frames under ann’s new key were captured')
      const afterwards = captured.slice(first)
      t.diagnostic(`${afterwards.length} frames after the switch, ${first} in flight before it`)
      assert.ok(afterwards.length > 20)
      for (const frame of afterwards) {
        assert.ok(await opens(frame, [annNow.sending]), 'every later frame is under ann’s new key')
        assert.equal(await opens(frame, casHeldOfAnn, 20), false, 'no key cas held, ratcheted or not, opens it')
      }
      // The overlap: ann and ben lost no frame of each other's at the switch.
      await droppedNothing(
        t,
        [
          ['ann', a],
          ['ben', b],
        ],
        statsBefore,
        'across the leave',
      )
      // ben still sees and hears ann.
      const sent = await app<Picture>(a, 'localPicture')
      const pictures = await app<{ participantId: string; picture: Picture }[]>(b, 'remotePictures')
      assert.ok(pictures.some((p) => p.participantId === ids[0] && samePicture(p.picture, sent)))
    } finally {
      await eavesdropper.close()
    }
  }),
)

test(
  'E2EE on Janus: when someone joins, the others ratchet forward without losing a frame, and the newcomer cannot open what was sent before it joined (needs Janus, Chromium, netns)',
  withLogs(async (t) => {
    const [ann, ben, cas] = await Promise.all(['ann3', 'ben3', 'cas3'].map((n) => parley.person(n)))
    assert.ok(ann && ben && cas)
    const room = await ann.rest.createRoom({ kind: 'group', name: 'Secret joining', e2ee: true })
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
        (await Promise.all([a, b].map((p) => app<E2eeView>(p, 'e2ee')))).every(
          (s) => s.participants?.length === 1 && s.participants.every((p) => p.decrypting),
        ),
      30_000,
    )
    // ann's camera as it leaves Janus, before cas joins.
    const eavesdropper = await subscribeWithoutKeys(room.id, await feedOf(b, ann.id))
    try {
      await eavesdropper.tap('start')
      const packets = async () => (await eavesdropper.tap<{ videoPackets: number }>('stats')).videoPackets
      await waitFor('frames before the join', async () => (await packets()) > 50)
      const before = await eavesdropper.tap<CapturedFrame[]>('take')
      const annBefore = await app<{ sending: HeldKey }>(a, 'keyMaterial')
      assert.ok(before.length > 20)
      assert.ok(await opens(before.at(-1) as CapturedFrame, [annBefore.sending]), 'ann’s key opens her frames')
      const statsBefore = await Promise.all([a, b].map((p) => app<WorkerStats>(p, 'e2eeStats')))
      const kids = await Promise.all([a, b].map(async (p) => (await app<E2eeView>(p, 'e2ee')).kid ?? -1))

      const c = await parley.open(cas)
      assert.ok((await c.start({ roomId: room.id, media: AV, e2ee: E2EE })).ok)
      await waitFor(
        'everyone decrypting everyone, ann and ben one ratchet step further',
        async () => {
          const states = await Promise.all([a, b, c].map((p) => app<E2eeView>(p, 'e2ee')))
          return (
            states.every((s) => s.participants?.length === 2 && s.participants.every((p) => p.decrypting)) &&
            states[0]?.kid === (kids[0] ?? 0) + 1 &&
            states[1]?.kid === (kids[1] ?? 0) + 1
          )
        },
        30_000,
      )
      const annNow = await app<{ sending: HeldKey }>(a, 'keyMaterial')
      const atSwitch = await packets()
      await eavesdropper.tap('start')
      await waitFor('frames after the join', async () => (await packets()) > atSwitch + 60, 10_000)
      const captured = await eavesdropper.tap<CapturedFrame[]>('take')
      let first = -1
      for (const [i, frame] of captured.entries())
        if (await opens(frame, [annNow.sending])) {
          first = i
          break
        }
      assert.ok(first >= 0, 'frames under ann’s ratcheted key were captured')
      const afterwards = captured.slice(first)
      assert.ok(afterwards.length > 20)

      // cas holds ann's ratcheted key (it opens what she sends now) and nothing that opens her earlier frames.
      const casKeys = await app<{ received: (HeldKey & { participantId: string })[] }>(c, 'keyMaterial')
      const casHeldOfAnn = casKeys.received.filter((k) => k.participantId === annId)
      t.diagnostic(
        `ann's kid ${annBefore.sending.kid} → ${annNow.sending.kid}; cas holds ann's kids ${casHeldOfAnn.map((k) => k.kid).join(', ')}`,
      )
      assert.ok(await opens(afterwards.at(-1) as CapturedFrame, casHeldOfAnn), 'cas’s keys open ann’s frames now')
      for (const frame of before)
        assert.equal(
          await opens(frame, casHeldOfAnn, 20),
          false,
          'no key cas holds opens a frame from before it joined',
        )

      // The overlap: ann and ben lost no frame of each other's at the ratchet.
      await droppedNothing(
        t,
        [
          ['ann', a],
          ['ben', b],
        ],
        statsBefore,
        'across the join',
      )
      const sent = await app<Picture>(a, 'localPicture')
      for (const page of [b, c]) {
        const pictures = await app<{ participantId: string; picture: Picture }[]>(page, 'remotePictures')
        assert.ok(pictures.some((p) => p.participantId === annId && samePicture(p.picture, sent)))
      }
    } finally {
      await eavesdropper.close()
    }
  }),
)

test(
  'E2EE on Janus: a shared screen is encrypted like the camera — the others see it, a subscriber without keys gets its frames but not the picture, and they open with the sharer’s key (needs Janus, Chromium, netns)',
  withLogs(async (t) => {
    const [ann, ben] = await Promise.all(['ann4', 'ben4'].map((n) => parley.person(n)))
    assert.ok(ann && ben)
    const room = await ann.rest.createRoom({ kind: 'group', name: 'Secret screens', e2ee: true })
    await ann.rest.addParticipant(room.id, ben.id)
    const a = await parley.open(ann)
    const b = await parley.open(ben)
    for (const page of [a, b]) assert.ok((await page.start({ roomId: room.id, media: AV, e2ee: E2EE })).ok)
    await waitFor(
      'ben decrypting ann',
      async () => (await app<E2eeView>(b, 'e2ee')).participants?.[0]?.decrypting === true,
      30_000,
    )
    const statsBefore = await app<WorkerStats>(b, 'e2eeStats')
    await a.shareScreen()
    await waitFor(
      "ben decoding ann's camera and screen",
      async () => (await b.stats()).videoStreamsDecoding === 2,
      15_000,
    )
    const screenFeed = await feedOf(b, ann.id, 'screen')
    assert.ok(screenFeed)

    // ben sees the screen ann shares.
    const shared = await app<Picture>(a, 'localScreenPicture')
    assert.ok(shared, 'ann’s screen has a picture')
    const pictures = await app<{ feedId: string | null; picture: Picture }[]>(b, 'remotePictures')
    const seen = pictures.find((p) => p.feedId === screenFeed)
    t.diagnostic(`screen sent ${JSON.stringify(shared)}, seen ${JSON.stringify(seen?.picture)}`)
    assert.ok(seen && samePicture(seen.picture, shared), 'ben sees ann’s screen')

    // The screen straight from Janus, without keys: frames arrive, the picture does not.
    const eavesdropper = await subscribeWithoutKeys(room.id, screenFeed)
    try {
      await eavesdropper.tap('start')
      await waitFor(
        'screen frames reaching the subscriber without keys',
        async () => (await eavesdropper.tap<{ videoPackets: number }>('stats')).videoPackets > 30,
        15_000,
      )
      const stolen = await eavesdropper.tap<Picture[]>('pictures')
      const stats = await eavesdropper.tap<{ framesDecoded: number; framesReceived: number }>('stats')
      t.diagnostic(`without keys: ${JSON.stringify(stats)}, picture ${JSON.stringify(stolen)}`)
      assert.equal(stolen.length, 1)
      assert.equal(samePicture(stolen[0] ?? null, shared), false, 'the screen does not come through')
      const captured = await eavesdropper.tap<CapturedFrame[]>('take')
      const annKey = await app<{ sending: HeldKey }>(a, 'keyMaterial')
      t.diagnostic(`${captured.length} screen frames captured (${captured.filter((f) => f.keyframe).length} keyframes)`)
      assert.ok(captured.length > 10)
      for (const frame of captured) {
        assert.equal(frame.kind, 'video')
        assert.ok(await opens(frame, [annKey.sending]), 'each screen frame is ciphertext under ann’s key')
      }
    } finally {
      await eavesdropper.close()
    }
    // ben's worker decrypted every screen frame: one that was not encrypted would have been dropped.
    assert.deepEqual(droppedBetween(statsBefore, await app<WorkerStats>(b, 'e2eeStats')), {}, 'ben dropped no frame')
  }),
)

test(
  'E2EE on Janus: simulcast layers still switch — Janus finds keyframes in encrypted frames by their unencrypted VP8 header — and each layer decrypts to the picture sent (needs Janus, Chromium, netns)',
  withLogs(async () => {
    const [pub, viewer] = await Promise.all(['pub', 'viewer'].map((n) => parley.person(n)))
    assert.ok(pub && viewer)
    const room = await pub.rest.createRoom({ kind: 'group', name: 'Secret simulcast', e2ee: true })
    await pub.rest.addParticipant(room.id, viewer.id)
    const p = await parley.open(pub)
    assert.ok((await p.start({ roomId: room.id, media: AV, simulcast: true, e2ee: E2EE })).ok)
    const v = await parley.open(viewer)
    assert.ok((await v.start({ roomId: room.id, media: { audio: false, video: false, screen: false }, e2ee: E2EE })).ok)
    const feedId = await feedOf(v, pub.id)
    assert.ok(feedId)
    const sent = await app<Picture>(p, 'localPicture')
    for (const [layer, width] of [
      [0, 320],
      [1, 640],
      [0, 320],
    ] as const) {
      assert.deepEqual(await v.request('setLayers', feedId, layer), { ok: true })
      await waitFor(
        `frames ${width} px wide`,
        async () => ((await v.stats()).frameWidths[0] === width ? true : undefined),
        15_000,
        100,
      )
      const [seen] = await app<{ picture: Picture }[]>(v, 'remotePictures')
      assert.ok(samePicture(seen?.picture ?? null, sent), `layer ${layer}: ${JSON.stringify(seen?.picture)}`)
    }
  }),
)
