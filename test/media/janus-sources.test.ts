/**
 * Screen share and simulcast through Parley's JanusEngine, in real Chromium: a screen is its own
 * producer next to the camera, and a subscriber switches between the simulcast layers of a camera
 * (the decoded frame width follows). Needs Janus, Chromium and the private network namespace
 * (npm run test:media).
 */
import { after, before, test } from 'node:test'
import assert from 'node:assert/strict'
import { waitFor } from './harness.ts'
import { startJanusFixture, type JanusFixture } from './janus-fixture.ts'

let fixture: JanusFixture
before(async () => {
  fixture = await startJanusFixture({ rtpPortRange: '20400-20599', settings: { bitrate: 4_000_000 } })
})
after(async () => {
  await fixture?.close()
})

test('a screen share is its own producer next to the camera and is received at screen size (needs Janus, Chromium, netns)', async (t) =>
  fixture.withLogs(async () => {
    const router = await fixture.newRouter('call-screen')
    const alice = await fixture.openPage()
    const bob = await fixture.openPage()
    const producerIds: string[] = []
    for (const source of ['camera', 'screen'] as const) {
      const send = await router.createSendTransport({ participantId: 'alice' })
      assert.ok(send.ok)
      const produced = await send.value.produce({
        source,
        offerSdp: await alice.publish(source, { screen: source === 'screen' }),
      })
      assert.ok(produced.ok, JSON.stringify(!produced.ok && produced.error))
      await alice.setAnswer(source, produced.value.answerSdp)
      assert.deepEqual(produced.value.producer.kinds, source === 'screen' ? ['video'] : ['audio', 'video'])
      assert.equal(produced.value.producer.source, source)
      producerIds.push(produced.value.producer.id)
    }
    const recv = await router.createRecvTransport({ participantId: 'bob' })
    assert.ok(recv.ok)
    const consumed = await recv.value.consume({ producerIds })
    assert.ok(consumed.ok, JSON.stringify(!consumed.ok && consumed.error))
    assert.deepEqual(consumed.value.consumers.map((c) => c.kind).sort(), ['audio', 'video', 'video'])
    assert.ok((await recv.value.setRemoteAnswer(await bob.subscribe('feeds', consumed.value.offerSdp))).ok)
    const stats = await waitFor('camera and screen decoded', async () => {
      const s = await bob.stats('feeds')
      return s.videoStreamsDecoding === 2 && (s.frameWidths.at(-1) ?? 0) > 320 ? s : undefined
    })
    assert.equal(stats.frameWidths[0], 320, 'the camera arrives at camera size')
    assert.ok((stats.frameWidths[1] ?? 0) >= 640, `the screen arrives at screen size (${stats.frameWidths[1]} px wide)`)
    router.close()
  })(t))

test('Consumer.setPreferredLayers() switches a subscriber between the simulcast layers of a camera (needs Janus, Chromium, netns)', async (t) =>
  fixture.withLogs(async () => {
    const router = await fixture.newRouter('call-simulcast')
    const alice = await fixture.openPage()
    const bob = await fixture.openPage()
    const send = await router.createSendTransport({ participantId: 'alice' })
    assert.ok(send.ok)
    // Layers of a 1280×720 camera: 320, 640 and 1280 pixels wide.
    const offer = await alice.publish('camera', { simulcast: true })
    assert.match(offer, /a=simulcast:send h;m;l/)
    const produced = await send.value.produce({ source: 'camera', offerSdp: offer })
    assert.ok(produced.ok, JSON.stringify(!produced.ok && produced.error))
    await alice.setAnswer('camera', produced.value.answerSdp)
    const recv = await router.createRecvTransport({ participantId: 'bob' })
    assert.ok(recv.ok)
    const consumed = await recv.value.consume({ producerIds: [produced.value.producer.id] })
    assert.ok(consumed.ok, JSON.stringify(!consumed.ok && consumed.error))
    assert.ok((await recv.value.setRemoteAnswer(await bob.subscribe('feeds', consumed.value.offerSdp))).ok)
    const video = consumed.value.consumers.find((c) => c.kind === 'video')
    assert.ok(video)
    const audio = consumed.value.consumers.find((c) => c.kind === 'audio')
    await assert.rejects(audio!.setPreferredLayers({ spatialLayer: 0 }), TypeError)

    const widthIs = (width: number) =>
      waitFor(
        `frames ${width} px wide`,
        async () => ((await bob.stats('feeds')).frameWidths[0] === width ? true : undefined),
        15_000,
        100,
      )
    // Down to the smallest layer, up to the middle one, down again: each switch waits for a keyframe.
    for (const [spatialLayer, width] of [
      [0, 320],
      [1, 640],
      [0, 320],
    ] as const) {
      assert.deepEqual(await video.setPreferredLayers({ spatialLayer }), { ok: true, value: undefined })
      await widthIs(width)
      assert.deepEqual(video.preferredLayers, { spatialLayer })
      await waitFor('Janus confirming the layer', async () => video.currentSpatialLayer === spatialLayer, 3000)
    }
    router.close()
  })(t))
