/**
 * `npm run bench:media` (root: runs in the media tests' private network namespace). Measures, on
 * this machine:
 *  - Janus start: spawn → WebSocket API answers, over 5 starts;
 *  - join: a fresh subscriber to one live publisher — consume() → signalling done (Janus has the
 *    browser's answer) → first decoded frame in Chromium — p50/p95 over 10 joins, plus the very
 *    first publish → first frame;
 *  - CPU with one publisher and N subscribers: Janus's (from /proc) and this Parley process's,
 *    and Parley's as a fraction of Janus's (the target is < 5 %).
 * Timings are printed, never asserted.
 */
import { readFileSync } from 'node:fs'
import { createLogger } from '@parley/server/logger'
import { JanusEngine, JanusSupervisor } from '@parley/server/media'
import { launchChromium } from '@parley/test/media/chromium.ts'
import { callPage, tempDir, waitFor } from '@parley/test/media/harness.ts'
import { MEDIA_INTERFACE, requireMediaNetns } from '@parley/test/media/netns.ts'
import { startPageServer } from '@parley/test/media/page-server.ts'

requireMediaNetns()
const logger = createLogger('silent')
const percentile = (values: number[], p: number) => {
  const sorted = [...values].sort((a, b) => a - b)
  return sorted[Math.min(sorted.length - 1, Math.ceil((p / 100) * sorted.length) - 1)] ?? NaN
}
const summary = (values: number[]) =>
  `p50 ${Math.round(percentile(values, 50))} ms, p95 ${Math.round(percentile(values, 95))} ms (n=${values.length})`
const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms))

// Janus start.
const starts: number[] = []
for (let i = 0; i < 5; i++) {
  const dir = await tempDir('parley-bench-janus-')
  const supervisor = new JanusSupervisor({
    binary: '/usr/bin/janus',
    configDir: dir.path,
    port: 0,
    rtpPortRange: '22000-22099',
    iceInterfaces: [MEDIA_INTERFACE],
    logger,
  })
  const started = await supervisor.start()
  if (!started.ok) throw new Error(JSON.stringify(started.error))
  starts.push(started.value.startupMs)
  await supervisor.close()
  await dir.remove()
}
console.log(`Janus start (spawn → API answers): ${summary(starts)}`)

const dir = await tempDir('parley-bench-janus-')
const supervisor = new JanusSupervisor({
  binary: '/usr/bin/janus',
  configDir: dir.path,
  port: 0,
  rtpPortRange: '22000-22999',
  iceInterfaces: [MEDIA_INTERFACE],
  logger,
})
const started = await supervisor.start()
if (!started.ok) throw new Error(JSON.stringify(started.error))
const connected = await JanusEngine.connect({ endpoint: started.value.endpoint, logger })
if (!connected.ok) throw new Error(JSON.stringify(connected.error))
const engine = connected.value
const pages = await startPageServer()
const chromium = await launchChromium()
const openPage = async () => {
  const page = await chromium.context.newPage()
  await page.goto(pages.url)
  return callPage(page)
}
const created = await engine.createRouter({ callId: 'bench' })
if (!created.ok) throw new Error(JSON.stringify(created.error))
const router = created.value

const publisher = await openPage()
const send = await router.createSendTransport({ participantId: 'publisher' })
if (!send.ok) throw new Error(JSON.stringify(send.error))
const offer = await publisher.publish('camera')
const publishedAt = performance.now()
const produced = await send.value.produce({ source: 'camera', offerSdp: offer })
if (!produced.ok) throw new Error(JSON.stringify(produced.error))
await publisher.setAnswer('camera', produced.value.answerSdp)
const producerId = produced.value.producer.id

const signalling: number[] = []
const firstFrames: number[] = []
const subscriberPage = await openPage()
for (let i = 0; i < 10; i++) {
  const name = `join-${i}`
  const t0 = performance.now()
  const recv = await router.createRecvTransport({ participantId: name })
  if (!recv.ok) throw new Error(JSON.stringify(recv.error))
  const consumed = await recv.value.consume({ producerIds: [producerId] })
  if (!consumed.ok) throw new Error(JSON.stringify(consumed.error))
  const answered = await recv.value.setRemoteAnswer(await subscriberPage.subscribe(name, consumed.value.offerSdp))
  if (!answered.ok) throw new Error(JSON.stringify(answered.error))
  signalling.push(performance.now() - t0)
  await waitFor('a decoded frame', async () => (await subscriberPage.stats(name)).framesDecoded > 0, 10_000, 10)
  const ms = performance.now() - t0
  firstFrames.push(ms)
  if (i === 0)
    console.log(`publish → first decoded frame (first subscriber): ${Math.round(performance.now() - publishedAt)} ms`)
  await subscriberPage.close(name)
  recv.value.close()
}
console.log(`join: consume → signalling done: ${summary(signalling)}`)
console.log(`join: consume → first decoded frame: ${summary(firstFrames)}`)

// CPU with one publisher and N subscribers.
const ticks = () => {
  const fields = readFileSync(`/proc/${supervisor.pid}/stat`, 'utf8').split(') ')[1]?.split(' ') ?? []
  return (Number(fields[11]) + Number(fields[12])) * 10 // utime + stime, in ms at 100 Hz
}
for (const n of [1, 4]) {
  const subscribers = []
  for (let i = 0; i < n; i++) {
    const recv = await router.createRecvTransport({ participantId: `cpu-${n}-${i}` })
    if (!recv.ok) throw new Error(JSON.stringify(recv.error))
    const consumed = await recv.value.consume({ producerIds: [producerId] })
    if (!consumed.ok) throw new Error(JSON.stringify(consumed.error))
    await recv.value.setRemoteAnswer(await subscriberPage.subscribe(`cpu-${n}-${i}`, consumed.value.offerSdp))
    subscribers.push(recv.value)
  }
  await sleep(2000)
  const janus0 = ticks()
  const parley0 = process.cpuUsage()
  const wall0 = performance.now()
  await sleep(5000)
  const wall = performance.now() - wall0
  const janusMs = ticks() - janus0
  const parleyUsage = process.cpuUsage(parley0)
  const parleyMs = (parleyUsage.user + parleyUsage.system) / 1000
  console.log(
    `CPU, 1 publisher → ${n} subscriber${n === 1 ? '' : 's'} over ${Math.round(wall / 1000)} s: Janus ${((janusMs / wall) * 100).toFixed(2)} % of a core, ` +
      `Parley ${((parleyMs / wall) * 100).toFixed(2)} % (Parley/Janus ${janusMs > 0 ? ((parleyMs / janusMs) * 100).toFixed(1) : '∞'} %; this process also drives Chromium)`,
  )
  for (const [i, recv] of subscribers.entries()) {
    await subscriberPage.close(`cpu-${n}-${i}`)
    recv.close()
  }
}

engine.close()
await chromium.close()
await pages.close()
await supervisor.close()
await dir.remove()
