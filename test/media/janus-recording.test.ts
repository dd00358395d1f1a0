/**
 * Recording through Parley's JanusEngine: Janus records a producer's streams, janus-pp-rec turns
 * them into .webm (video) and .opus (audio), and Chromium plays both back. Needs Janus, janus-tools,
 * Chromium and the private network namespace (npm run test:media).
 */
import { after, before, test } from 'node:test'
import assert from 'node:assert/strict'
import { readFile } from 'node:fs/promises'
import { convertRecordings } from '@parley/server/media'
import { tempDir, waitFor } from './harness.ts'
import { startJanusFixture, type JanusFixture } from './janus-fixture.ts'

let fixture: JanusFixture
let recordings: Awaited<ReturnType<typeof tempDir>>
before(async () => {
  recordings = await tempDir('parley-recordings-')
  fixture = await startJanusFixture({ rtpPortRange: '20600-20799', settings: { recordingsDir: recordings.path } })
})
after(async () => {
  await fixture?.close()
  await recordings?.remove()
})

test('a producer recorded by Janus and converted by janus-pp-rec plays back in Chromium as webm and opus (needs Janus, janus-tools, Chromium, netns)', async (t) =>
  fixture.withLogs(async () => {
    const router = await fixture.newRouter('call-recording')
    const alice = await fixture.openPage()
    const send = await router.createSendTransport({ participantId: 'alice' })
    assert.ok(send.ok)
    const produced = await send.value.produce({ source: 'camera', offerSdp: await alice.publish('camera') })
    assert.ok(produced.ok, JSON.stringify(!produced.ok && produced.error))
    await alice.setAnswer('camera', produced.value.answerSdp)
    const producer = produced.value.producer
    await waitFor('the publisher connected', async () => producer.isLive)

    assert.deepEqual(await producer.startRecording(), { ok: true, value: undefined })
    assert.equal(producer.recording, true)
    // Media recorded for a while: the page sent 45 more frames (1.5 s of the 30 fps camera) and 100
    // more audio packets (2 s at 20 ms a packet).
    const started = await alice.stats('camera')
    await waitFor(
      'media sent into the recording',
      async () => {
        const sent = await alice.stats('camera')
        return sent.framesSent >= started.framesSent + 45 && sent.audioPacketsSent >= started.audioPacketsSent + 100
      },
      20_000,
    )
    const stopped = await producer.stopRecording()
    assert.ok(stopped.ok, JSON.stringify(!stopped.ok && stopped.error))
    assert.equal(producer.recording, false)
    assert.equal(stopped.value.files.length, 2, `one file per stream: ${stopped.value.files.join(', ')}`)
    assert.ok(stopped.value.files.every((file) => file.startsWith(recordings.path)))

    const converted = await convertRecordings(stopped.value.files)
    assert.ok(converted.ok, JSON.stringify(!converted.ok && converted.error))
    assert.deepEqual(converted.value.map((c) => c.kind).sort(), ['audio', 'video'])
    const video = converted.value.find((c) => c.kind === 'video')
    const audio = converted.value.find((c) => c.kind === 'audio')
    assert.ok(video && audio)
    assert.ok(video.output.endsWith('.webm') && audio.output.endsWith('.opus'))

    const viewer = await fixture.openPage()
    const playedVideo = await viewer.playRecording((await readFile(video.output)).toString('base64'), 'video/webm')
    assert.equal(playedVideo.videoWidth, 320)
    assert.ok(playedVideo.framesDecoded > 5, `the webm decodes (${playedVideo.framesDecoded} frames)`)
    assert.ok(playedVideo.currentTime > 0.5)
    const playedAudio = await viewer.playRecording((await readFile(audio.output)).toString('base64'), 'audio/ogg')
    assert.ok(playedAudio.currentTime > 0.5, `the opus file plays (${playedAudio.currentTime} s)`)
    router.close()
  })(t))

test('Producer.startRecording() is refused with recording-unavailable when no recordings folder is configured (needs Janus, Chromium, netns)', async (t) =>
  fixture.withLogs(async () => {
    const plain = await startJanusFixture({ rtpPortRange: '20800-20899' })
    try {
      const router = await plain.newRouter('call-no-recording')
      const page = await plain.openPage()
      const send = await router.createSendTransport({ participantId: 'alice' })
      assert.ok(send.ok)
      const produced = await send.value.produce({ source: 'camera', offerSdp: await page.publish('camera') })
      assert.ok(produced.ok)
      const refused = await produced.value.producer.startRecording()
      assert.equal(!refused.ok && refused.error.type, 'recording-unavailable')
      assert.equal(produced.value.producer.recording, false)
    } finally {
      await plain.close()
    }
  })(t))
