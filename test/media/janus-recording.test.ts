/**
 * Recording through Parley's JanusEngine: Janus records a producer's streams, janus-pp-rec turns
 * them into .webm (video) and .opus (audio), and Chromium plays both back. Needs Janus, janus-tools,
 * Chromium and the private network namespace (npm run test:media).
 */
import { after, before, test } from 'node:test'
import assert from 'node:assert/strict'
import { open, readFile, writeFile } from 'node:fs/promises'
import { convertRecordings, mjrPackets, readMjrHeader, startsVp8Keyframe } from '@parley/server/media'
import { tempDir, waitFor } from './harness.ts'
import { startJanusFixture, type JanusFixture } from './janus-fixture.ts'
import { webmKeyframes } from './webm-blocks.ts'

let fixture: JanusFixture
/** The first test's raw video recording, for the second. */
let recordedVideo: string | undefined
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

    recordedVideo = stopped.value.files.find((file) => file.includes('-video-'))
    const converted = await convertRecordings(stopped.value.files)
    assert.ok(converted.ok, JSON.stringify(!converted.ok && converted.error))
    assert.deepEqual(converted.value.map((c) => c.kind).sort(), ['audio', 'video'])
    const video = converted.value.find((c) => c.kind === 'video')
    const audio = converted.value.find((c) => c.kind === 'audio')
    assert.ok(video && audio)
    assert.ok(video.output.endsWith('.webm') && audio.output.endsWith('.opus'))

    const webm = await readFile(video.output)
    assert.equal(webmKeyframes(webm)[0], true, 'the video starts with a keyframe')
    const viewer = await fixture.openPage()
    const playedVideo = await viewer.playRecording(webm.toString('base64'), 'video/webm')
    assert.equal(playedVideo.videoWidth, 320)
    assert.ok(playedVideo.framesDecoded > 5, `the webm decodes (${playedVideo.framesDecoded} frames)`)
    assert.ok(playedVideo.currentTime > 0.5)
    const playedAudio = await viewer.playRecording((await readFile(audio.output)).toString('base64'), 'audio/ogg')
    assert.ok(playedAudio.currentTime > 0.5, `the opus file plays (${playedAudio.currentTime} s)`)
    router.close()
  })(t))

test('a recording that began in the middle of a picture group plays from its first keyframe (needs janus-tools, Chromium)', async (t) =>
  fixture.withLogs(async () => {
    assert.ok(recordedVideo, 'the first test recorded a video')
    const started = `${recordings.path}/mid-group-video-1.mjr`
    const moved = await withDeltasFirst(recordedVideo, started, 5)
    assert.ok(moved >= 5, `delta packets in front of the keyframe: ${moved}`)

    const converted = await convertRecordings([started])
    assert.ok(converted.ok, JSON.stringify(!converted.ok && converted.error))
    const webm = await readFile(converted.value[0]!.output)
    // Players begin decoding at a keyframe: the deltas in front would be pictures of nothing.
    const pictures = webmKeyframes(webm)
    assert.equal(pictures[0], true, `the first picture is a keyframe: ${pictures.map((k) => (k ? 'K' : '.')).join('')}`)
    const played = await (await fixture.openPage()).playRecording(webm.toString('base64'), 'video/webm')
    assert.equal(played.videoWidth, 320)
    assert.ok(played.framesDecoded > 5, `the webm decodes (${played.framesDecoded} frames)`)

    // A video with no keyframe at all has no picture to show: refused, not listed as a broken file.
    const deltasOnly = `${recordings.path}/deltas-only-video-1.mjr`
    await writeMjr(deltasOnly, started, (packet) => !startsVp8Keyframe(packet.rtp))
    const refused = await convertRecordings([deltasOnly])
    assert.equal(!refused.ok && refused.error.type, 'recording-unavailable')
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

const rtpSequence = (rtp: Buffer) => rtp.readUInt16BE(2)
const rtpTimestamp = (rtp: Buffer) => rtp.readUInt32BE(4)

/**
 * Writes `source` as Janus does when recording starts before the publisher's keyframe arrives:
 * the packets of `count` delta pictures (taken from after the first keyframe) come first, with RTP
 * timestamps and sequence numbers just before the keyframe's. Returns how many packets moved.
 */
async function withDeltasFirst(source: string, output: string, count: number): Promise<number> {
  const { header, packets } = await readMjr(source)
  const key = packets.findIndex((p) => startsVp8Keyframe(p.rtp))
  assert.ok(key >= 0, 'the recording has a keyframe')
  const keyTimestamp = rtpTimestamp(packets[key]!.rtp)
  const later = packets.slice(key).filter((p) => rtpTimestamp(p.rtp) !== keyTimestamp)
  const pictures = [...new Set(later.map((p) => rtpTimestamp(p.rtp)))].slice(0, count)
  const deltas = later.filter((p) => pictures.includes(rtpTimestamp(p.rtp)))
  const shift = pictures.at(-1)! - keyTimestamp + 3000
  const keySequence = rtpSequence(packets[key]!.rtp)
  const moved = deltas.map((p, i) => {
    const rtp = Buffer.from(p.rtp)
    rtp.writeUInt16BE((keySequence - deltas.length + i + 65_536) % 65_536, 2)
    rtp.writeUInt32BE((rtpTimestamp(p.rtp) - shift + 2 ** 32) % 2 ** 32, 4)
    return rtp
  })
  await writeFile(output, Buffer.concat([header, ...[...moved, ...packets.map((p) => p.rtp)].map(frame)]))
  return moved.length
}

async function writeMjr(output: string, source: string, keep: (packet: { rtp: Buffer }) => boolean): Promise<void> {
  const { header, packets } = await readMjr(source)
  await writeFile(output, Buffer.concat([header, ...packets.filter(keep).map((p) => frame(p.rtp))]))
}

async function readMjr(source: string): Promise<{ header: Buffer; packets: { rtp: Buffer }[] }> {
  const file = await open(source)
  try {
    const head = await readMjrHeader(file)
    assert.ok(head, `${source} is an MJR00002 file`)
    const packets: { rtp: Buffer }[] = []
    for await (const packet of mjrPackets(file, head.end)) packets.push(packet)
    return { header: (await readFile(source)).subarray(0, head.end), packets }
  } finally {
    await file.close()
  }
}

/** One .mjr frame: "MEET", an arrival time (0: unused by janus-pp-rec here), the length, the packet. */
function frame(rtp: Buffer): Buffer {
  const head = Buffer.alloc(10)
  head.write('MEET', 0, 'latin1')
  head.writeUInt16BE(rtp.length, 8)
  return Buffer.concat([head, rtp])
}
