/**
 * A real call through Parley's JanusEngine: Chromium publishes its fake camera and microphone,
 * Parley hands the SDP to Janus's VideoRoom, a second page subscribes, and getStats shows video
 * frames decoded and audio packets received. Needs Janus, Chromium and the private network
 * namespace (npm run test:media).
 */
import { after, before, test, type TestContext } from 'node:test'
import assert from 'node:assert/strict'
import { waitFor, waitForStill } from './harness.ts'
import { startJanusFixture, type JanusFixture } from './janus-fixture.ts'

let fixture: JanusFixture
before(async () => {
  // Chromium's fake microphone beeps briefly once a second: a lenient voice activity threshold lets
  // Janus call that talking.
  fixture = await startJanusFixture({
    rtpPortRange: '20000-20199',
    settings: { audioLevelAverage: 100, audioActivePackets: 25 },
  })
})
after(async () => {
  await fixture?.close()
})

const withLogs = (body: (t: TestContext) => Promise<void>) => (t: TestContext) => fixture.withLogs(body)(t)
const openPage = () => fixture.openPage()
const newRouter = (callId: string) => fixture.newRouter(callId)

test(
  'JanusEngine carries a fake camera from one Chromium page to another: frames decoded, audio received (needs Janus, Chromium, netns)',
  withLogs(async (t) => {
    const router = await newRouter('call-frames')
    const [alice, bob] = await Promise.all([openPage(), openPage()])

    const send = await router.createSendTransport({ participantId: 'alice' })
    assert.ok(send.ok)
    const offer = await alice.publish('camera')
    const publishedAt = performance.now()
    const produced = await send.value.produce({ source: 'camera', offerSdp: offer })
    assert.ok(produced.ok, JSON.stringify(!produced.ok && produced.error))
    assert.deepEqual([...produced.value.producer.kinds].sort(), ['audio', 'video'])
    assert.equal(router.producers.get(produced.value.producer.id), produced.value.producer)
    await alice.setAnswer('camera', produced.value.answerSdp)

    const recv = await router.createRecvTransport({ participantId: 'bob' })
    assert.ok(recv.ok)
    const consumed = await recv.value.consume({ producerIds: [produced.value.producer.id] })
    assert.ok(consumed.ok, JSON.stringify(!consumed.ok && consumed.error))
    assert.deepEqual(consumed.value.consumers.map((c) => c.kind).sort(), ['audio', 'video'])
    assert.ok(consumed.value.consumers.every((c) => c.producerId === produced.value.producer.id))
    const speaking = new Promise<boolean>((resolve) => produced.value.producer.observer.once('speaking', resolve))
    const answer = await bob.subscribe('feeds', consumed.value.offerSdp)
    const started = await recv.value.setRemoteAnswer(answer)
    assert.ok(started.ok, JSON.stringify(!started.ok && started.error))

    const first = await waitFor('the first decoded frame', async () => {
      const stats = await bob.stats('feeds')
      return stats.framesDecoded > 0 ? stats : undefined
    })
    const firstFrameMs = Math.round(performance.now() - publishedAt)
    // Progress is waited for, not a fixed time: on a loaded machine a second may hold few frames.
    const later = await waitFor('more frames and audio', async () => {
      const stats = await bob.stats('feeds')
      return stats.framesDecoded > first.framesDecoded + 10 &&
        stats.audioPacketsReceived > first.audioPacketsReceived + 20
        ? stats
        : undefined
    })
    assert.equal(later.connectionState, 'connected')
    assert.ok(
      later.framesDecoded > first.framesDecoded + 10,
      `frames keep being decoded (${first.framesDecoded} → ${later.framesDecoded})`,
    )
    assert.ok(
      later.audioPacketsReceived > first.audioPacketsReceived + 20,
      `audio keeps arriving (${first.audioPacketsReceived} → ${later.audioPacketsReceived} packets)`,
    )
    assert.ok(later.audioBytesReceived > 0)
    assert.equal(await speaking, true, 'Janus detected the fake microphone talking')
    const sent = await alice.stats('camera')
    assert.ok(sent.framesSent > 0 && sent.audioPacketsSent > 0)
    t.diagnostic(
      `janus start ${fixture.janusStartupMs} ms; produce() → first decoded frame in Chromium ${firstFrameMs} ms`,
    )
    console.log(
      `# measured: janus start ${fixture.janusStartupMs} ms; produce → first decoded frame ${firstFrameMs} ms`,
    )

    // Camera off is enforced by Janus: no new frame reaches the subscriber, audio keeps flowing.
    const producer = produced.value.producer
    assert.deepEqual(await producer.pause('video'), { ok: true, value: undefined })
    assert.deepEqual([...producer.paused], ['video'])
    // Decoding stops while audio goes on: no new frame across consecutive polls that see 20 more audio packets.
    const { from: paused, to: stillPaused } = await waitForStill(
      'no frames while the camera is off',
      async () => {
        const s = await bob.stats('feeds')
        return { still: s.framesDecoded, moving: s.audioPacketsReceived }
      },
      { advance: 20 },
    )
    assert.equal(stillPaused.still, paused.still, 'no frames while the camera is off')
    assert.ok(stillPaused.moving >= paused.moving + 20, 'audio keeps flowing while the camera is off')
    assert.deepEqual(await producer.resume('video'), { ok: true, value: undefined })
    await waitFor(
      'frames again after the camera is back on',
      async () => (await bob.stats('feeds')).framesDecoded > stillPaused.still + 5,
    )

    // Closing the producer ends the consumers that received it, and Janus renegotiates with the subscriber.
    const closedConsumers: string[] = []
    for (const consumer of consumed.value.consumers)
      consumer.observer.on('close', (reason) => closedConsumers.push(reason))
    const renegotiated = new Promise<string>((resolve) => recv.value.observer.once('offer', resolve))
    producer.close()
    assert.deepEqual(closedConsumers, ['producer closed', 'producer closed'])
    assert.match(await renegotiated, /^v=0/)
    assert.equal(router.producers.size, 0)
    router.close()
    assert.equal(send.value.closed, true)
    assert.equal(recv.value.closed, true)
    assert.equal(fixture.engine.routers.has(router.id), false)
  }),
)

test(
  'JanusEngine: four participants each decode the three others, one of them subscribing in two steps (needs Janus, Chromium, netns)',
  withLogs(async (t) => {
    const router = await newRouter('call-four')
    const names = ['ann', 'ben', 'cas', 'dia']
    const people = await Promise.all(names.map(async (name) => ({ name, page: await openPage() })))
    const producers = new Map<string, string>()
    for (const person of people) {
      const send = await router.createSendTransport({ participantId: person.name })
      assert.ok(send.ok)
      const produced = await send.value.produce({ source: 'camera', offerSdp: await person.page.publish('camera') })
      assert.ok(produced.ok, JSON.stringify(!produced.ok && produced.error))
      await person.page.setAnswer('camera', produced.value.answerSdp)
      producers.set(person.name, produced.value.producer.id)
    }
    assert.equal(router.producers.size, 4)
    const startedAt = performance.now()
    for (const person of people) {
      const recv = await router.createRecvTransport({ participantId: person.name })
      assert.ok(recv.ok)
      const others = names.filter((n) => n !== person.name).map((n) => producers.get(n) ?? '')
      // ann subscribes to one feed first and adds the other two later: Janus renegotiates.
      const steps = person.name === 'ann' ? [others.slice(0, 1), others.slice(1)] : [others]
      for (const producerIds of steps) {
        const consumed = await recv.value.consume({ producerIds })
        assert.ok(consumed.ok, JSON.stringify(!consumed.ok && consumed.error))
        assert.equal(consumed.value.consumers.length, producerIds.length * 2)
        const started = await recv.value.setRemoteAnswer(await person.page.subscribe('feeds', consumed.value.offerSdp))
        assert.ok(started.ok, JSON.stringify(!started.ok && started.error))
      }
      assert.equal(recv.value.consumers.size, 6)
    }
    const everyone = await waitFor(
      'every participant decoding three videos',
      async () => {
        const all = await Promise.all(people.map((p) => p.page.stats('feeds')))
        return all.every((s) => s.videoStreamsDecoding === 3 && s.audioStreamsReceiving === 3) ? all : undefined
      },
      30_000,
    )
    t.diagnostic(
      `all 4 participants decoding 3 videos ${Math.round(performance.now() - startedAt)} ms after the first subscription`,
    )
    // Progress is waited for, not a fixed second: on a loaded machine a second may hold few frames.
    const later = await waitFor('every participant decoding further', async () => {
      const all = await Promise.all(people.map((p) => p.page.stats('feeds')))
      return all.every((s, i) => s.framesDecoded > (everyone[i]?.framesDecoded ?? 0)) ? all : undefined
    })
    for (const [i, stats] of later.entries()) {
      assert.ok(stats.framesDecoded > (everyone[i]?.framesDecoded ?? 0), `${names[i]} keeps decoding`)
    }
    router.close()
  }),
)

test(
  'JanusEngine takes a trickled offer: candidates one by one through addIceCandidate, then end-of-candidates (needs Janus, Chromium, netns)',
  withLogs(async () => {
    const router = await newRouter('call-trickle')
    const [alice, bob] = await Promise.all([openPage(), openPage()])
    const send = await router.createSendTransport({ participantId: 'alice' })
    assert.ok(send.ok)
    const offer = await alice.publish('camera', { trickle: true })
    assert.doesNotMatch(offer, /a=candidate/, 'the offer leaves before any candidate')
    const produced = await send.value.produce({ source: 'camera', offerSdp: offer, trickle: true })
    assert.ok(produced.ok, JSON.stringify(!produced.ok && produced.error))
    await alice.setAnswer('camera', produced.value.answerSdp)
    const gathered = await waitFor('ICE gathering', async () => {
      const state = await alice.candidates('camera')
      return state.complete ? state.candidates : undefined
    })
    assert.ok(gathered.length > 0)
    for (const candidate of gathered)
      assert.deepEqual(await send.value.addIceCandidate(candidate), { ok: true, value: undefined })
    assert.deepEqual(await send.value.addIceCandidate(null), { ok: true, value: undefined })

    const recv = await router.createRecvTransport({ participantId: 'bob' })
    assert.ok(recv.ok)
    const consumed = await recv.value.consume({ producerIds: [produced.value.producer.id] })
    assert.ok(consumed.ok, JSON.stringify(!consumed.ok && consumed.error))
    assert.ok((await recv.value.setRemoteAnswer(await bob.subscribe('feeds', consumed.value.offerSdp))).ok)
    await waitFor('a decoded frame', async () => (await bob.stats('feeds')).framesDecoded > 0)

    // Browsers going away: Janus hangs up both PeerConnections, the producer is gone from the room.
    const subscriberGone = new Promise<string>((resolve) => recv.value.observer.once('disconnected', resolve))
    await bob.close('feeds')
    assert.ok(await subscriberGone)
    const publisherGone = new Promise<string>((resolve) => send.value.observer.once('disconnected', resolve))
    const producerClosed = new Promise<string>((resolve) => produced.value.producer.observer.once('close', resolve))
    await alice.close('camera')
    assert.ok(await publisherGone)
    assert.match(await producerClosed, /^hangup/)
    assert.equal(router.producers.size, 0)
    router.close()
    await assert.rejects(send.value.addIceCandidate(null), { name: 'InvalidStateError' })
  }),
)
