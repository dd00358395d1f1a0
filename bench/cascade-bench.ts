/**
 * `npm run bench:cascade` (root: runs in the media tests' private network namespace). Two Janus
 * servers (A on 127.0.0.2, B on 127.0.0.3), a Chromium publisher on A, and FeedBridges (werift)
 * carrying its camera+microphone feed from A into B. Measures, on this machine, in one run:
 *  - added latency of one cascade hop: the same RTP payloads received by a werift probe subscribed
 *    directly on A and one subscribed to the bridged copy on B (same process, same clock); the
 *    difference of arrival times per matched packet, p50/p95 — against the direct path as baseline;
 *  - bridge start → first decoded frame in Chromium on B (remote join time), against a direct
 *    subscriber's consume → first frame on A, p50/p95 over 5 each;
 *  - bridge CPU per bridged audio+video feed (this process, with 1 and 4 bridges running), as a
 *    ratio to Janus A's CPU per subscriber stream measured in the same run.
 * Timings are printed, never asserted.
 */
import { createHash } from 'node:crypto'
import { readFileSync } from 'node:fs'
import { RTCPeerConnection } from 'werift'
import { createLogger } from '@parley/server/logger'
import { FeedBridge, routerOrigin, routerTarget, type Router } from '@parley/server/media'
import { launchChromium } from '@parley/test/media/chromium.ts'
import { callPage, tempDir, waitFor } from '@parley/test/media/harness.ts'
import { MEDIA_INTERFACE, requireMediaNetns } from '@parley/test/media/netns.ts'
import { startPageServer } from '@parley/test/media/page-server.ts'
import { B_ADDRESS, startSecondJanus } from '@parley/test/media/second-janus.ts'
import { JanusEngine, JanusSupervisor } from '@parley/server/media'

requireMediaNetns()
const logger = createLogger('silent')
const percentile = (values: number[], p: number) => {
  const sorted = [...values].sort((a, b) => a - b)
  return sorted[Math.min(sorted.length - 1, Math.ceil((p / 100) * sorted.length) - 1)] ?? NaN
}
const summary = (values: number[], digits = 0) =>
  `p50 ${percentile(values, 50).toFixed(digits)} ms, p95 ${percentile(values, 95).toFixed(digits)} ms (n=${values.length})`
const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms))

const dirA = await tempDir('parley-bench-janus-a-')
const supervisorA = new JanusSupervisor({
  binary: '/usr/bin/janus',
  configDir: dirA.path,
  port: 0,
  rtpPortRange: '23000-23499',
  iceInterfaces: [MEDIA_INTERFACE],
  logger,
})
const startedA = await supervisorA.start()
if (!startedA.ok) throw new Error(JSON.stringify(startedA.error))
const connectedA = await JanusEngine.connect({ endpoint: startedA.value.endpoint, logger })
if (!connectedA.ok) throw new Error(JSON.stringify(connectedA.error))
const engineA = connectedA.value
const janusB = await startSecondJanus('23500-23999')
const pages = await startPageServer()
const chromium = await launchChromium()
const openPage = async () => {
  const page = await chromium.context.newPage()
  await page.goto(pages.url)
  return Object.assign(callPage(page), { closePage: () => page.close() })
}
const createdA = await engineA.createRouter({ callId: 'bench-a' })
if (!createdA.ok) throw new Error(JSON.stringify(createdA.error))
const a = createdA.value
const b = await janusB.newRouter('bench-b')

const publisher = await openPage()
const send = await a.createSendTransport({ participantId: 'publisher' })
if (!send.ok) throw new Error(JSON.stringify(send.error))
const produced = await send.value.produce({ source: 'camera', offerSdp: await publisher.publish('camera') })
if (!produced.ok) throw new Error(JSON.stringify(produced.error))
await publisher.setAnswer('camera', produced.value.answerSdp)
const feedId = produced.value.producer.id
await waitFor('publishing', async () => (a.producers.get(feedId)?.isLive ? true : undefined))

const bridge = (n: number) =>
  FeedBridge.start({
    origin: routerOrigin(a),
    target: routerTarget(b),
    producerId: feedId,
    participantId: `bridge-${n}`,
    hostAddresses: [B_ADDRESS],
    iceServers: [],
    logger,
  }).then((r) => {
    if (!r.ok) throw new Error(JSON.stringify(r.error))
    return r.value
  })

/** A werift subscriber recording when each RTP payload arrives. */
async function probe(router: Router, producerId: string, name: string, address: string) {
  const arrivals = new Map<string, number>()
  const pc = new RTCPeerConnection({
    iceServers: [],
    iceAdditionalHostAddresses: [address],
    iceUseIpv6: false,
    bundlePolicy: 'max-bundle',
    headerExtensions: { audio: [], video: [] },
  })
  pc.onTrack.subscribe((track) =>
    track.onReceiveRtp.subscribe((rtp) =>
      arrivals.set(createHash('sha1').update(rtp.payload).digest('base64'), performance.now()),
    ),
  )
  const sub = await routerOrigin(router).subscribe(producerId, name)
  if (!sub.ok) throw new Error(JSON.stringify(sub.error))
  await pc.setRemoteDescription({ type: 'offer', sdp: sub.value.offerSdp })
  await pc.setLocalDescription(await pc.createAnswer())
  await waitFor('gathered', async () => (pc.iceGatheringState === 'complete' ? true : undefined))
  await sub.value.answer(pc.localDescription?.sdp ?? '')
  return { arrivals, close: async () => (sub.value.close(), await pc.close()) }
}

// Added latency of one hop.
const first = await bridge(0)
const direct = await probe(a, feedId, 'probe-direct', B_ADDRESS)
const hop = await probe(b, first.producer.id, 'probe-bridged', B_ADDRESS)
await sleep(8000)
const deltas: number[] = []
for (const [payload, at] of hop.arrivals) {
  const directAt = direct.arrivals.get(payload)
  if (directAt !== undefined) deltas.push(at - directAt)
}
console.log(
  `Added latency of one cascade hop (A's Janus → bridge → B's Janus vs. A's Janus directly, ${deltas.length} matched RTP packets): ${summary(deltas, 2)}`,
)
await direct.close()
await hop.close()
first.close()
await first.released

// Remote join time vs. a direct join.
const directJoins: number[] = []
const bridgedJoins: number[] = []
for (let i = 0; i < 5; i++) {
  const page = await openPage()
  const t0 = performance.now()
  const recv = await a.createRecvTransport({ participantId: `direct-${i}` })
  if (!recv.ok) throw new Error(JSON.stringify(recv.error))
  const consumed = await recv.value.consume({ producerIds: [feedId] })
  if (!consumed.ok) throw new Error(JSON.stringify(consumed.error))
  await recv.value.setRemoteAnswer(await page.subscribe('feeds', consumed.value.offerSdp))
  await waitFor('direct frame', async () => ((await page.stats('feeds')).framesDecoded > 0 ? true : undefined), 20_000)
  directJoins.push(performance.now() - t0)
  recv.value.close()
  await page.close('feeds')

  const t1 = performance.now()
  const bridged = await bridge(100 + i)
  const recvB = await b.createRecvTransport({ participantId: `bridged-${i}` })
  if (!recvB.ok) throw new Error(JSON.stringify(recvB.error))
  const consumedB = await recvB.value.consume({ producerIds: [bridged.producer.id] })
  if (!consumedB.ok) throw new Error(JSON.stringify(consumedB.error))
  await recvB.value.setRemoteAnswer(await page.subscribe('feeds', consumedB.value.offerSdp))
  await waitFor('bridged frame', async () => ((await page.stats('feeds')).framesDecoded > 0 ? true : undefined), 20_000)
  bridgedJoins.push(performance.now() - t1)
  recvB.value.close()
  bridged.close()
  await bridged.released
  await page.closePage()
}
console.log(`Join → first decoded frame, direct on A: ${summary(directJoins)}`)
console.log(
  `Join → first decoded frame on B through a new bridge: ${summary(bridgedJoins)} (×${(percentile(bridgedJoins, 50) / percentile(directJoins, 50)).toFixed(2)} of direct at p50)`,
)

// CPU: bridges in this process vs. Janus A per subscriber stream.
const janusCpuMs = () => {
  const fields = readFileSync(`/proc/${supervisorA.pid}/stat`, 'utf8').split(') ')[1]?.split(' ') ?? []
  return ((Number(fields[11]) + Number(fields[12])) * 1000) / 100
}
for (const n of [1, 4]) {
  const bridges = await Promise.all(Array.from({ length: n }, (_, i) => bridge(200 + n * 10 + i)))
  await sleep(2000)
  const cpu0 = process.cpuUsage()
  const janus0 = janusCpuMs()
  const wall0 = performance.now()
  await sleep(10_000)
  const used = process.cpuUsage(cpu0)
  const wall = performance.now() - wall0
  const bridgeMs = (used.user + used.system) / 1000
  const janusMs = janusCpuMs() - janus0
  const perBridge = (bridgeMs / wall / n) * 100
  const janusPerStream = (janusMs / wall / n) * 100
  console.log(
    `CPU with ${n} bridge(s) of one audio+video feed: ${perBridge.toFixed(2)} % of a core per bridged feed (this process); ` +
      `Janus A ${janusPerStream.toFixed(2)} % per subscriber stream it serves (the bridges' subscriptions); ratio bridge/Janus ${(perBridge / Math.max(janusPerStream, 0.001)).toFixed(1)}×`,
  )
  for (const br of bridges) br.close()
  await Promise.all(bridges.map((br) => br.released))
}

await chromium.close()
await pages.close()
engineA.close()
await supervisorA.close()
await dirA.remove()
await janusB.close()
process.exit(0)
