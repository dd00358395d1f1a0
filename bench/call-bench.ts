/**
 * `npm run bench:calls` (root: runs in the media tests' private network namespace). Calls through
 * the real server, as browsers make them: Parley in its own process (bench/call-server.ts) on a
 * Janus this script supervises, Chromium pages running @parley/client's CallClient.
 *  - join latency, over 12 joins of a subscriber to a call with one publisher: WebSocket open →
 *    welcome; → signalling done (call.joined, subscription offered and answered); → first decoded
 *    frame. p50 and p95.
 *  - CPU with one publisher and N subscribers over 10 s: Janus's and Parley's (both from their own
 *    processes) and Parley's as a fraction of Janus's (target < 5 %), with Parley's idle floor.
 *  - the CPU cost of end-to-end encryption per stream, beside the same call unencrypted
 *    (call-e2ee-cost.ts).
 * Timings are printed, never asserted.
 */
import { fork } from 'node:child_process'
import { readFileSync } from 'node:fs'
import { fileURLToPath } from 'node:url'
import { ParleyClient } from '@parley/client'
import { createLogger } from '@parley/server/logger'
import { JanusSupervisor } from '@parley/server/media'
import { launchChromium } from '@parley/test/media/chromium.ts'
import { tempDir } from '@parley/test/media/harness.ts'
import { MEDIA_INTERFACE, requireMediaNetns } from '@parley/test/media/netns.ts'
import { startPageServer } from '@parley/test/media/page-server.ts'
import { sdkPage } from '@parley/test/media/sdk-fixture.ts'
import { measureE2eeCost } from './call-e2ee-cost.ts'

requireMediaNetns()
const JOINS = 12
const percentile = (values: number[], p: number) => {
  const sorted = [...values].sort((a, b) => a - b)
  return sorted[Math.min(sorted.length - 1, Math.ceil((p / 100) * sorted.length) - 1)] ?? NaN
}
const summary = (values: number[]) =>
  `p50 ${Math.round(percentile(values, 50))} ms, p95 ${Math.round(percentile(values, 95))} ms (n=${values.length})`
const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms))

const dir = await tempDir('parley-bench-calls-')
const supervisor = new JanusSupervisor({
  binary: '/usr/bin/janus',
  configDir: dir.path,
  port: 0,
  rtpPortRange: '23000-23999',
  iceInterfaces: [MEDIA_INTERFACE],
  logger: createLogger('silent'),
})
const started = await supervisor.start()
if (!started.ok) throw new Error(JSON.stringify(started.error))
const server = fork(
  fileURLToPath(new URL('./call-server.ts', import.meta.url)),
  [JSON.stringify(started.value.endpoint), '12'],
  { execArgv: ['--disable-warning=ExperimentalWarning'] },
)
type Ready = { type: 'ready'; port: number; tokens: string[]; roomId: string; e2eeRoomId: string }
const ready = await new Promise<Ready>((resolve, reject) => {
  server.once('message', (m) => resolve(m as Ready))
  server.once('exit', (code) => reject(new Error(`call server exited (${code})`)))
})
const serverStats = () =>
  new Promise<number>((resolve) => {
    server.once('message', (m) => resolve((m as { cpuMs: number }).cpuMs))
    server.send({ type: 'stats' })
  })
const base = `http://127.0.0.1:${ready.port}`
const pages = await startPageServer()
const chromium = await launchChromium()
const open = async (i: number) => {
  const token = ready.tokens[i] ?? ''
  const page = await chromium.context.newPage()
  await page.goto(pages.sdkUrl)
  await page.waitForFunction(() => 'app' in globalThis)
  return sdkPage(page, base, {
    name: `person${i}`,
    id: '',
    token,
    rest: new ParleyClient({ baseUrl: base, auth: { token } }),
  })
}
const AV = { audio: true, video: true, screen: false }
const NONE = { audio: false, video: false, screen: false }

// Parley's own floor: the same process with no call (timers, GC), for scale.
server.send({ type: 'reset' })
await sleep(5000)
console.log(`Parley idle, no call: ${(((await serverStats()) / 5000) * 100).toFixed(2)} % of a core`)

const publisher = await open(0)
const published = await publisher.start({ roomId: ready.roomId, media: AV })
if (!published.ok) throw new Error(JSON.stringify(published))

const welcome: number[] = []
const signalling: number[] = []
const firstFrame: number[] = []
const subscriber = await open(1)
for (let i = 0; i < JOINS; i++) {
  const joined = await subscriber.start({ roomId: ready.roomId, media: NONE })
  if (!joined.ok) throw new Error(JSON.stringify(joined))
  welcome.push(joined.welcomedMs)
  signalling.push(joined.joinedMs)
  firstFrame.push(await subscriber.firstFrame(joined.startedAt))
  await subscriber.close()
  await sleep(200)
}
console.log(`call join through the gateway, ${JOINS} joins of a subscriber to one publisher (Janus):`)
console.log(`  WebSocket open → welcome:             ${summary(welcome)}`)
console.log(`  WebSocket open → signalling done:     ${summary(signalling)}   (target p95 < 300 ms)`)
console.log(`  WebSocket open → first decoded frame: ${summary(firstFrame)}   (target p95 < 1000 ms)`)

const ticks = () => {
  const fields = readFileSync(`/proc/${supervisor.pid}/stat`, 'utf8').split(') ')[1]?.split(' ') ?? []
  return (Number(fields[11]) + Number(fields[12])) * 10 // utime + stime, in ms at 100 Hz
}
const subscribers = []
let next = 2
for (const n of [1, 4]) {
  while (subscribers.length < n) {
    const page = await open(next++)
    const joined = await page.start({ roomId: ready.roomId, media: NONE })
    if (!joined.ok) throw new Error(JSON.stringify(joined))
    subscribers.push(page)
  }
  await sleep(2000)
  const janus0 = ticks()
  server.send({ type: 'reset' })
  const wall0 = performance.now()
  await sleep(10_000)
  const parleyMs = await serverStats()
  const wall = performance.now() - wall0
  const janusMs = ticks() - janus0
  console.log(
    `CPU, 1 publisher → ${n} subscriber${n === 1 ? '' : 's'} through the gateway over ${Math.round(wall / 1000)} s: Janus ${((janusMs / wall) * 100).toFixed(2)} % of a core, ` +
      `Parley ${((parleyMs / wall) * 100).toFixed(2)} % (Parley/Janus ${janusMs > 0 ? ((parleyMs / janusMs) * 100).toFixed(1) : '∞'} %, target < 5 %)`,
  )
}

for (const page of [publisher, subscriber, ...subscribers]) await page.page.close()
await measureE2eeCost({
  open,
  roomId: ready.roomId,
  e2eeRoomId: ready.e2eeRoomId,
  profile: chromium.profile,
  people: { plain: [6, 7, 8], e2ee: [9, 10, 11] },
})

server.send({ type: 'stop' })
await new Promise((resolve) => server.once('exit', resolve))
await chromium.close()
await pages.close()
await supervisor.close()
await dir.remove()
