/**
 * Cascaded SFUs across instances, as production runs them: the room is hosted on A (Janus on
 * 127.0.0.2), B runs its own Janus (127.0.0.3). Alice's page talks to A; Bob's and Carol's pages to
 * B, with the SDK exactly as for a local call. B's call service runs the bridges by itself: its
 * sessions publish to and subscribe from B's Janus only, host feeds come in over one werift bridge
 * each (one copy however many of B's people watch) and B's feeds go out into A's call as theirs.
 * Every page decodes every other's video and receives their audio; the bridges are DTLS-SRTP; A
 * hears who speaks on B (the audio level survives the bridge); a mute decided on A holds on B's
 * Janus; a dead bridge is replaced in both directions (B's pages move to the new copy of Alice,
 * Alice decodes Bob's new copy on A); bridges stop when feeds are unpublished and people leave. An
 * e2ee room crosses the bridges too; A forwards B the simulcast layer B's viewers need; when B's
 * Janus dies, B's people leave A's call, which goes on, and join again once it is back. Needs
 * Janus, Chromium, netns.
 */
import { after, before, test } from 'node:test'
import assert from 'node:assert/strict'
import { waitFor } from './harness.ts'
import { startJanusFixture, type JanusFixture } from './janus-fixture.ts'
import { MEDIA_ADDRESS, MEDIA_INTERFACE } from './netns.ts'
import { B_ADDRESS, B_INTERFACE, startSecondJanus, type SecondJanus } from './second-janus.ts'
import { sdkPage, type Person } from './sdk-fixture.ts'
import { startInstance, type TestInstance } from '../harness/instance.ts'
import { inviteAndJoin } from '../harness/rooms.ts'
import { person } from './cascade-people.ts'

let fixture: JanusFixture
let janusB: SecondJanus
let a: TestInstance
let b: TestInstance
const noIce = () => ({ iceServers: [], expiresAt: null })

before(async () => {
  fixture = await startJanusFixture({
    rtpPortRange: '22000-22099',
    chromiumArgs: ['--ignore-certificate-errors'],
    // Chromium's fake microphone is quiet: A's Janus counts it as speaking at this level.
    settings: { audioLevelAverage: 100, audioActivePackets: 25 },
  })
  janusB = await startSecondJanus('22100-22199')
  ;[a, b] = await Promise.all([
    startInstance({
      env: { PARLEY_MEDIA_ENGINE: 'janus', PARLEY_JANUS_ICE_INTERFACES: MEDIA_INTERFACE },
      media: { engine: fixture.engine, iceServers: noIce },
    }),
    startInstance({
      env: {
        PARLEY_MEDIA_ENGINE: 'janus',
        PARLEY_JANUS_ICE_INTERFACES: B_INTERFACE,
        PARLEY_BRIDGE_ADDRESSES: B_ADDRESS,
      },
      media: { engine: janusB.engine, iceServers: noIce },
    }),
  ])
})
after(async () => {
  await Promise.all([a?.close(), b?.close()])
  await janusB?.close()
  await fixture?.close()
})

const AV = { audio: true, video: true, screen: false }

test('Cascaded SFUs: Alice on A, Bob and Carol on B each decode the others; B’s pages talk to B’s Janus only, the bridges are DTLS-SRTP, Carol adds no second copy of Alice from A, A hears Bob speak, a mute on A holds on B, a dead bridge is replaced, bridges stop with their feeds and people (needs Janus, Chromium, netns)', (t) =>
  fixture.withLogs(async () => {
    const [alice, bob, carol] = await Promise.all([person(a, 'alice'), person(b, 'bob'), person(b, 'carol')])
    const roomId = String(
      (await alice.api('/api/v1/rooms', { method: 'POST', body: { kind: 'group', name: 'Cascaded' } })).json.id,
    )
    const roomUri = `${a.origin}/rooms/${roomId}`
    await inviteAndJoin(a, alice.api, roomId, b, bob.api, 'bob')
    await inviteAndJoin(a, alice.api, roomId, b, carol.api, 'carol')
    const open = async (instance: TestInstance, p: Person) => {
      const page = await fixture.chromium.context.newPage()
      await page.goto(fixture.pages.page('sdk.html'))
      await page.waitForFunction(() => 'app' in globalThis)
      return sdkPage(page, instance.origin, p)
    }
    const [pa, pb, pc] = await Promise.all([open(a, alice), open(b, bob), open(b, carol)])
    const decoding = (pages: (typeof pa)[], others: number, what: string) =>
      waitFor(
        what,
        async () => {
          const s = await Promise.all(pages.map((p) => p.stats()))
          return s.every((x) => x.videoStreamsDecoding === others && x.audioStreamsReceiving === others) ? s : undefined
        },
        30_000,
      )
    // Subscriptions for B's bridges on A's Janus: one per feed carried from A to B.
    const bridgeSubscriptionsOnA = () =>
      [...fixture.engine.routers.values()].flatMap((r) =>
        [...r.transports.values()].filter((tr) => tr.participantId.startsWith(`bridge:${b.origin}:`)),
      ).length
    try {
      let aliceId = ''
      for (const [page, room] of [
        [pa, roomId],
        [pb, roomUri],
      ] as const) {
        const started = await page.start({ roomId: room, media: AV })
        assert.ok(started.ok, JSON.stringify(started))
        assert.equal(started.engine, 'sfu')
        if (page === pa) aliceId = started.participantId
      }
      await decoding([pa, pb], 1, 'alice and bob decoding each other')
      assert.equal(bridgeSubscriptionsOnA(), 1, 'one copy of alice’s feed crosses to B')

      const started = await pc.start({ roomId: roomUri, media: AV })
      assert.ok(started.ok, JSON.stringify(started))
      const stats = await decoding([pa, pb, pc], 2, 'every page decoding both others and receiving their audio')
      for (const s of stats) assert.deepEqual(s.errors, [])

      // Bob's and Carol's browsers talk to B's Janus only, publishing and subscribing.
      for (const page of [pb, pc]) {
        const addresses = await page.remoteAddresses()
        assert.ok(addresses.length >= 2, `publisher and subscriber connections: ${JSON.stringify(addresses)}`)
        assert.ok(!addresses.includes(MEDIA_ADDRESS), `${page.person.name} has no connection to A’s Janus`)
        assert.deepEqual(new Set(addresses), new Set([B_ADDRESS]), `${page.person.name} talks to B’s Janus`)
      }
      // Carol watching Alice added no second subscription on A: still one copy of her feed crosses.
      assert.equal(bridgeSubscriptionsOnA(), 1, 'one copy of alice’s feed for bob and carol')
      const bridged = b.instance.app.bridgedCalls()?.call(roomUri)
      assert.ok(bridged, 'B runs the call through its own Janus')
      const { inbound, outbound } = bridged.bridges()
      assert.equal(inbound.length, 1, 'alice’s feed, carried into B once')
      assert.equal(outbound.length, 2, 'bob’s and carol’s feeds, carried into A')
      for (const bridge of [...inbound, ...outbound]) {
        const legs = bridge.legs()
        for (const leg of [legs.subscriber, legs.publisher])
          assert.deepEqual(leg, { connection: 'connected', dtls: 'connected', srtp: true })
      }
      // A's call shows Bob's and Carol's feeds as theirs (the copies B published for their sessions).
      const participants = await pa.participants()
      const feeds = await pa.feeds()
      for (const name of ['bob', 'carol']) {
        const id = participants.find((p) => p.actor.id === `${b.origin}/users/${name}`)?.participantId
        assert.ok(id && feeds.some((f) => f.participantId === id && f.source === 'camera'), `${name}’s feed on A`)
      }
      // Who speaks on B is seen on A: Janus A reads the audio level the bridge carried over.
      const bobOnA = participants.find((p) => p.actor.id === `${b.origin}/users/bob`)?.participantId
      await waitFor(
        'A’s Janus hearing bob speak through the bridge',
        async () =>
          (await pa.frames<{ participant: { participantId: string; speaking: boolean } }>('call.participant')).some(
            (f) => f.participant.participantId === bobOnA && f.participant.speaking,
          ) || undefined,
        20_000,
      )
      assert.ok(outbound.some((bridge) => bridge.audioLevelsForwarded > 0))
      t.diagnostic(
        `B's addresses ${JSON.stringify(await pb.remoteAddresses())}; inbound bridges ${inbound.length}, outbound ${outbound.length}`,
      )

      // Alice (the room's owner, on A) mutes Bob: A holds his audio back, and B's Janus too, for Carol.
      assert.deepEqual(await pa.request('moderate', 'mute', bobOnA), { ok: true })
      const mutedOnB = () =>
        [...bridged.router.producers.values()].filter(
          (p) => !p.participantId.startsWith('from-host') && p.paused.has('audio'),
        )
      await waitFor('bob’s microphone held back on B’s Janus', async () => (mutedOnB().length === 1 ? true : undefined))
      assert.equal(mutedOnB()[0]?.kinds.includes('audio'), true)

      // A feed B never heard of is refused; nothing else changes.
      assert.deepEqual(await pb.request('subscribe', ['1234567']), { ok: false, code: 'media-not-found' })
      assert.equal(bridgeSubscriptionsOnA(), 1)

      // A bridge that dies is started again; Bob and Carol move to its new copy and decode Alice again.
      const aliceFeed = (await pa.feeds()).find((f) => f.participantId === aliceId && f.source === 'camera')?.feedId
      assert.ok(aliceFeed)
      inbound[0]?.close('test: the bridge died')
      await waitFor('alice’s feed carried again', async () =>
        bridged.inbound.starts(aliceFeed) === 2 && bridged.bridges().inbound.length === 1 ? true : undefined,
      )
      const before = await Promise.all([pb, pc].map((p) => p.framesByFeed()))
      await waitFor('bob and carol decoding the new copy of alice', async () => {
        const now = await Promise.all([pb, pc].map((p) => p.framesByFeed()))
        return now.every((frames, i) => (frames[aliceFeed] ?? 0) > (before[i]?.[aliceFeed] ?? 0) + 10) || undefined
      })
      assert.equal(bridgeSubscriptionsOnA(), 1, 'the old subscription on A is gone')

      // The other direction: the bridge republishing Bob's camera into A dies. It is started again,
      // publishes a new copy in A's call for Bob, and Alice decodes him from it.
      const bobFeedOnA = async () =>
        (await pa.feeds()).find((f) => f.participantId === bobOnA && f.source === 'camera')?.feedId
      const oldBobFeed = await bobFeedOnA()
      const bobBridge = bridged.bridges().outbound.find((bridge) => bridge.producer.id === oldBobFeed)
      assert.ok(oldBobFeed && bobBridge, 'the bridge carrying bob’s camera into A')
      bobBridge.close('test: the bridge died')
      const newBobFeed = await waitFor('bob’s camera carried into A again', async () => {
        const feed = await bobFeedOnA()
        return feed && feed !== oldBobFeed && bridged.bridges().outbound.length === 2 ? feed : undefined
      })
      const aliceSaw = (await pa.framesByFeed())[newBobFeed] ?? 0
      await waitFor('alice decoding bob’s new copy', async () =>
        ((await pa.framesByFeed())[newBobFeed] ?? 0) > aliceSaw + 10 ? true : undefined,
      )

      // Carol leaves: her feed's copy on A goes; Alice's copy stays for Bob.
      assert.deepEqual(await pc.request('leave'), { ok: true })
      await waitFor('carol’s bridge to A closed', async () =>
        bridged.bridges().outbound.length === 1 ? true : undefined,
      )
      assert.equal(bridged.bridges().inbound.length, 1)
      // Alice stops her camera: its bridge into B stops (no subscription for B left on A).
      assert.deepEqual(await pa.request('unpublish', 'camera'), { ok: true })
      await waitFor('alice’s bridge into B closed', async () =>
        bridged.bridges().inbound.length === 0 && bridgeSubscriptionsOnA() === 0 ? true : undefined,
      )
      // Bob leaves, the last of B's people: B lets the call go, and its router on B's Janus.
      assert.deepEqual(await pb.request('leave'), { ok: true })
      await waitFor('B’s bridged call gone', async () =>
        bridged.closed && b.instance.app.bridgedCalls()?.call(roomUri) === undefined ? true : undefined,
      )
      assert.equal(janusB.engine.routers.size, 0, 'no router left on B’s Janus')
    } finally {
      await Promise.all([pa.page.close(), pb.page.close(), pc.page.close()])
    }
  })(t))

type E2eeView = { enabled: boolean; participants?: { decrypting: boolean }[] }

test('Cascaded SFUs with end-to-end encryption: Alice on A and Bob on B decrypt and decode each other through the bridges, which forward what they cannot read (needs Janus, Chromium, netns)', (t) =>
  fixture.withLogs(async () => {
    const [alice, bob] = await Promise.all([person(a, 'alice2'), person(b, 'bob2')])
    const roomId = String(
      (await alice.api('/api/v1/rooms', { method: 'POST', body: { kind: 'group', name: 'Secret', e2ee: true } })).json
        .id,
    )
    const roomUri = `${a.origin}/rooms/${roomId}`
    await inviteAndJoin(a, alice.api, roomId, b, bob.api, 'bob2')
    const open = async (instance: TestInstance, p: Person) => {
      const page = await fixture.chromium.context.newPage()
      await page.goto(fixture.pages.page('sdk.html'))
      await page.waitForFunction(() => 'app' in globalThis)
      return sdkPage(page, instance.origin, p)
    }
    const [pa, pb] = await Promise.all([open(a, alice), open(b, bob)])
    const e2ee = (page: typeof pa) =>
      page.page.evaluate(() => (globalThis as never as { app: { e2ee(): E2eeView } }).app.e2ee())
    try {
      for (const [page, room] of [
        [pa, roomId],
        [pb, roomUri],
      ] as const) {
        const started = await page.start({ roomId: room, media: AV, e2ee: { required: true } })
        assert.ok(started.ok, JSON.stringify(started))
        assert.equal(started.e2ee.enabled, true)
      }
      const stats = await waitFor(
        'both pages decrypting and decoding the other',
        async () => {
          const s = await Promise.all([pa.stats(), pb.stats()])
          const states = await Promise.all([pa, pb].map(e2ee))
          return s.every((x) => x.videoStreamsDecoding === 1 && x.audioStreamsReceiving === 1) &&
            states.every((x) => x.participants?.length === 1 && x.participants.every((p) => p.decrypting))
            ? s
            : undefined
        },
        30_000,
      )
      for (const s of stats) assert.deepEqual(s.errors, [])
      const bridged = b.instance.app.bridgedCalls()?.call(roomUri)
      assert.ok(bridged, 'B runs the encrypted call through its own Janus')
      const { inbound, outbound } = bridged.bridges()
      assert.deepEqual([inbound.length, outbound.length], [1, 1])
      assert.ok(!(await pb.remoteAddresses()).includes(MEDIA_ADDRESS), 'bob has no connection to A’s Janus')
      t.diagnostic(
        `bridged packets in: ${JSON.stringify(inbound[0]?.forwarded)}, out: ${JSON.stringify(outbound[0]?.forwarded)}`,
      )
    } finally {
      await Promise.all([pa.page.close(), pb.page.close()])
    }
  })(t))

test('Cascaded SFUs: a publication the host refuses (Dan on B may not share his screen in A’s room) ends on B’s Janus too and Dan’s page hears why (needs Janus, Chromium, netns)', (t) =>
  fixture.withLogs(async () => {
    const [alice, dan] = await Promise.all([person(a, 'alice3'), person(b, 'dan')])
    const roomId = String(
      (await alice.api('/api/v1/rooms', { method: 'POST', body: { kind: 'group', name: 'No screens' } })).json.id,
    )
    const roomUri = `${a.origin}/rooms/${roomId}`
    await inviteAndJoin(a, alice.api, roomId, b, dan.api, 'dan')
    const limited = await alice.api(
      `/api/v1/rooms/${roomId}/participants/${encodeURIComponent(`${b.origin}/users/dan`)}`,
      { method: 'PATCH', body: { permissions: ['chat', 'call', 'audio', 'video'] } },
    )
    assert.equal(limited.status, 200, JSON.stringify(limited.json))
    const page = await fixture.chromium.context.newPage()
    await page.goto(fixture.pages.page('sdk.html'))
    await page.waitForFunction(() => 'app' in globalThis)
    const pd = sdkPage(page, b.origin, dan)
    type ErrorFrame = { error?: { code: string; details?: { source?: string } } }
    const screens = (router: { producers: ReadonlyMap<string, { source: string }> } | undefined) =>
      [...(router?.producers.values() ?? [])].filter((p) => p.source === 'screen').length
    try {
      const started = await pd.start({ roomId: roomUri, media: AV })
      assert.ok(started.ok, JSON.stringify(started))
      const bridged = b.instance.app.bridgedCalls()?.call(roomUri)
      assert.ok(bridged)
      await waitFor('dan’s camera carried into A', async () =>
        bridged.bridges().outbound.length === 1 ? true : undefined,
      )
      // B's Janus takes the screen (B does not decide permissions), A refuses its copy.
      await pd.shareScreen().catch(() => undefined)
      const refused = await waitFor('dan’s page told the host refused his screen', async () =>
        (await pd.frames<ErrorFrame>('error')).find(
          (f) => f.error?.code === 'permission-denied' && f.error.details?.source === 'screen',
        ),
      )
      await waitFor('the screen gone from B’s Janus (so no bridge carries it)', async () =>
        screens(bridged.router) === 0 && bridged.bridges().outbound.length === 1 ? true : undefined,
      )
      const onA = [...fixture.engine.routers.values()].find((r) => r.callId === roomId)
      assert.ok(onA)
      assert.equal(screens(onA), 0, 'no screen of dan on A')
      assert.equal(onA.producers.size, 1, 'his camera still is')
      t.diagnostic(`refused: ${JSON.stringify(refused.error)}`)
    } finally {
      await page.close()
    }
  })(t))

test('Cascaded SFUs with simulcast: A forwards B the layer B’s viewers need — the highest any of them asks for — switched on A’s Janus per instance (needs Janus, Chromium, netns)', (t) =>
  fixture.withLogs(async () => {
    const [alice, bob, carol] = await Promise.all([person(a, 'alice4'), person(b, 'bob4'), person(b, 'carol4')])
    const roomId = String(
      (await alice.api('/api/v1/rooms', { method: 'POST', body: { kind: 'group', name: 'Layers' } })).json.id,
    )
    const roomUri = `${a.origin}/rooms/${roomId}`
    await inviteAndJoin(a, alice.api, roomId, b, bob.api, 'bob4')
    await inviteAndJoin(a, alice.api, roomId, b, carol.api, 'carol4')
    const open = async (instance: TestInstance, p: Person) => {
      const page = await fixture.chromium.context.newPage()
      await page.goto(fixture.pages.page('sdk.html'))
      await page.waitForFunction(() => 'app' in globalThis)
      return sdkPage(page, instance.origin, p)
    }
    const [pa, pb, pc] = await Promise.all([open(a, alice), open(b, bob), open(b, carol)])
    const viewer = { audio: false, video: false, screen: false }
    try {
      const started = await pa.start({ roomId, media: AV, simulcast: true })
      assert.ok(started.ok, JSON.stringify(started))
      for (const page of [pb, pc]) assert.ok((await page.start({ roomId: roomUri, media: viewer })).ok)
      const aliceFeed = await waitFor('alice’s camera announced on B', async () => {
        const feeds = await pb.feeds()
        return feeds.find((f) => f.participantId === started.participantId && f.source === 'camera')?.feedId
      })
      await waitFor('bob and carol decoding alice', async () => {
        const s = await Promise.all([pb.stats(), pc.stats()])
        return s.every((x) => x.videoStreamsDecoding === 1) || undefined
      })
      const bridged = b.instance.app.bridgedCalls()?.call(roomUri)
      assert.ok(bridged)
      const widths = (pages: (typeof pb)[], width: number, what: string) =>
        waitFor(
          what,
          async () => {
            const s = await Promise.all(pages.map((p) => p.stats()))
            return s.every((x) => x.frameWidths[0] === width) || undefined
          },
          20_000,
          100,
        )
      // Both want the smallest layer: A forwards B only that one (320 px of a 1280×720 camera).
      for (const page of [pb, pc]) assert.deepEqual(await page.request('setLayers', aliceFeed, 0), { ok: true })
      await widths([pb, pc], 320, 'bob and carol receiving the 320 px layer')
      assert.equal(bridged.inbound.layerOf(aliceFeed), 0)
      // Carol wants more: B asks A for layer 1, and the one copy on B carries it for both.
      assert.deepEqual(await pc.request('setLayers', aliceFeed, 1), { ok: true })
      await widths([pb, pc], 640, 'the 640 px layer crossing for carol')
      assert.equal(bridged.inbound.layerOf(aliceFeed), 1)
      assert.equal(bridged.bridges().inbound.length, 1, 'still one copy of alice on B')
      // Carol leaves: Bob alone needs the smallest layer again.
      assert.deepEqual(await pc.request('leave'), { ok: true })
      await widths([pb], 320, 'back to 320 px for bob alone')
      t.diagnostic(`layer asked of A: ${bridged.inbound.layerOf(aliceFeed)}`)
    } finally {
      await Promise.all([pa.page.close(), pb.page.close(), pc.page.close()])
    }
  })(t))

test('Cascaded SFUs: B’s Janus dies mid-call — Bob’s page hears the call ended, A’s call goes on without him and its bridge subscriptions for B end; once Janus is back Bob joins again and he and Alice decode each other (needs Janus, Chromium, netns)', (t) =>
  fixture.withLogs(async () => {
    const [alice, bob] = await Promise.all([person(a, 'alice5'), person(b, 'bob5')])
    const roomId = String(
      (await alice.api('/api/v1/rooms', { method: 'POST', body: { kind: 'group', name: 'Janus B dies' } })).json.id,
    )
    const roomUri = `${a.origin}/rooms/${roomId}`
    await inviteAndJoin(a, alice.api, roomId, b, bob.api, 'bob5')
    const open = async (instance: TestInstance, p: Person) => {
      const page = await fixture.chromium.context.newPage()
      await page.goto(fixture.pages.page('sdk.html'))
      await page.waitForFunction(() => 'app' in globalThis)
      return sdkPage(page, instance.origin, p)
    }
    const bridgesOnA = () =>
      [...fixture.engine.routers.values()].flatMap((r) =>
        [...r.transports.values()].filter((tr) => tr.participantId.startsWith(`bridge:${b.origin}:`)),
      ).length
    const decodingEachOther = (pages: Awaited<ReturnType<typeof open>>[], what: string) =>
      waitFor(
        what,
        async () => {
          const s = await Promise.all(pages.map((p) => p.stats()))
          return s.every((x) => x.videoStreamsDecoding === 1) || undefined
        },
        30_000,
      )
    const pa = await open(a, alice)
    let pb = await open(b, bob)
    try {
      const started = await pa.start({ roomId, media: AV })
      assert.ok(started.ok, JSON.stringify(started))
      assert.ok((await pb.start({ roomId: roomUri, media: AV })).ok)
      await decodingEachOther([pa, pb], 'alice and bob decoding each other')
      assert.ok(bridgesOnA() > 0)
      const back = new Promise<void>((resolve) => janusB.engine.observer.once('available', () => resolve()))

      janusB.kill()
      await waitFor('bob’s page told the call ended', async () =>
        (await pb.frames<{ reason?: string }>('call.ended')).find((f) => f.reason === 'media-unavailable'),
      )
      await waitFor(
        'A’s call without bob, and no bridge of B left on A',
        async () => {
          const people = await pa.participants()
          return people.length === 1 && people[0]?.participantId === started.participantId && bridgesOnA() === 0
            ? true
            : undefined
        },
        10_000,
      )
      assert.deepEqual(await pa.frames('call.ended'), [], 'A’s call goes on')
      assert.equal(b.instance.app.bridgedCalls()?.call(roomUri), undefined, 'B let its bridged call go')

      // Janus B is back (its supervisor restarted it): Bob joins again through it.
      await back
      await pb.page.close()
      pb = await open(b, bob)
      assert.ok((await pb.start({ roomId: roomUri, media: AV })).ok)
      await decodingEachOther([pa, pb], 'alice and bob decoding each other again')
      assert.ok(b.instance.app.bridgedCalls()?.call(roomUri), 'bridged through B’s new Janus')
      t.diagnostic(`bridges on A after the rejoin: ${bridgesOnA()}`)
    } finally {
      await Promise.all([pa.page.close(), pb.page.close()])
    }
  })(t))
