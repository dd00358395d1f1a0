/**
 * Chat fan-out benchmark: N realtime clients in one room, M messages per second posted over REST,
 * against a real Parley instance (SQLite, in-process bus) and, in the same run, against a raw `ws`
 * broadcast server (no auth, no storage, no schema) as the baseline. Server and clients run in
 * separate processes. Prints persisted messages/s, deliveries/s and p50/p99 post-to-delivery
 * latency for each, with the ratio to the baseline, and the server's CPU and event-loop use.
 *
 *   npm run bench                       # the default scenarios
 *   npm run bench -- 500x100 1000x50    # clients x messages/s
 *   BENCH_SECONDS=10 npm run bench
 *   BENCH_PROFILE=1 npm run bench       # CPU profiles of the server processes in /tmp/parley-prof
 */
import { fork, type ChildProcess } from 'node:child_process'
import { performance } from 'node:perf_hooks'
import { fileURLToPath } from 'node:url'
import { cpus, loadavg } from 'node:os'
import { WebSocket } from 'ws'

type Ready = { type: 'ready'; port: number; posterToken?: string; readerToken?: string; roomId?: string }
type Stats = { type: 'stats'; cpuUserMs: number; cpuSystemMs: number; eventLoopUtilization: number }
type Result = {
  persistedPerSecond: number
  deliveriesPerSecond: number
  p50: number
  p99: number
  max: number
  delivered: number
  expected: number
  posted: number
  failed: number
  serverCpu: number
  serverElu: number
  cpuUsPerMessage: number
  cpuUsPerDelivery: number
}

// eslint-disable-next-line no-restricted-properties -- the benchmark's own knobs, not server configuration
const { BENCH_SECONDS, BENCH_PROFILE } = process.env
const SECONDS = Number(BENCH_SECONDS ?? 5)
const scenarios = (process.argv.slice(2).length > 0 ? process.argv.slice(2) : ['200x250', '1000x50', '50x1000']).map(
  (s) => {
    const [n, m] = s.split('x').map(Number)
    if (!n || !m) throw new TypeError(`scenario "${s}" is not CLIENTSxRATE`)
    return { clients: n, rate: m }
  },
)

function startServer(mode: 'parley' | 'raw'): Promise<{ child: ChildProcess; ready: Ready }> {
  const child = fork(fileURLToPath(new URL('./fanout-server.ts', import.meta.url)), [mode], {
    execArgv: [
      '--disable-warning=ExperimentalWarning',
      ...(BENCH_PROFILE ? ['--cpu-prof', '--cpu-prof-dir=/tmp/parley-prof'] : []),
    ],
    stdio: ['ignore', 'inherit', 'inherit', 'ipc'],
  })
  return new Promise((resolve, reject) => {
    child.once('message', (message) => resolve({ child, ready: message as Ready }))
    child.once('exit', (code) => reject(new Error(`bench server exited with ${code}`)))
  })
}

function ask(child: ChildProcess, type: string): Promise<Stats> {
  return new Promise((resolve) => {
    child.once('message', (m) => resolve(m as Stats))
    child.send({ type })
  })
}

/** Latencies in ms, recorded by every client as frames arrive. */
class Recorder {
  samples: Float64Array
  count = 0
  constructor(expected: number) {
    this.samples = new Float64Array(Math.max(16, Math.ceil(expected * 1.1)))
  }
  frame(text: string): void {
    const i = text.indexOf('bench:')
    if (i < 0) return
    const sentAt = Number.parseFloat(text.slice(i + 6, i + 26))
    if (this.count === this.samples.length) {
      const grown = new Float64Array(this.samples.length * 2)
      grown.set(this.samples)
      this.samples = grown
    }
    this.samples[this.count++] = performance.now() - sentAt
  }
  percentile(p: number): number {
    const sorted = this.samples.subarray(0, this.count).slice().sort()
    return sorted.length === 0
      ? NaN
      : (sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))] ?? NaN)
  }
}

async function openClients(
  url: string,
  count: number,
  onFrame: (text: string) => void,
  hello?: string,
): Promise<WebSocket[]> {
  const sockets: WebSocket[] = []
  for (let start = 0; start < count; start += 100) {
    const batch = Array.from(
      { length: Math.min(100, count - start) },
      () =>
        new Promise<WebSocket>((resolve, reject) => {
          const ws = new WebSocket(url, { perMessageDeflate: false })
          ws.once('error', reject)
          if (!hello) {
            ws.once('open', () => resolve(ws))
          } else {
            ws.once('open', () => ws.send(hello))
            ws.once('message', (data) =>
              String(data).includes('"welcome"') ? resolve(ws) : reject(new Error(String(data))),
            )
          }
          ws.on('message', (data) => onFrame(String(data)))
        }),
    )
    sockets.push(...(await Promise.all(batch)))
  }
  return sockets
}

const padding = 'x'.repeat(80)
const body = () => `bench:${performance.now().toFixed(3).padStart(19, ' ')} ${padding}`

/** Calls `send` M times per second for SECONDS (open loop, at most `maxInFlight` outstanding). */
async function drive(
  rate: number,
  send: () => Promise<boolean>,
): Promise<{ posted: number; failed: number; seconds: number }> {
  const total = Math.round(rate * SECONDS)
  let started = 0
  let posted = 0
  let failed = 0
  let inFlight = 0
  const maxInFlight = 256
  const begin = performance.now()
  await new Promise<void>((resolve) => {
    const tick = () => {
      const due = Math.min(total, Math.floor(((performance.now() - begin) / 1000) * rate))
      while (started < due && inFlight < maxInFlight) {
        started++
        inFlight++
        send()
          .then(
            (ok) => (ok ? posted++ : failed++),
            () => failed++,
          )
          .finally(() => {
            inFlight--
            if (posted + failed === total) resolve()
          })
      }
      if (started < total) setTimeout(tick, 1)
    }
    tick()
  })
  return { posted, failed, seconds: (performance.now() - begin) / 1000 }
}

async function settle(recorder: Recorder, expected: number): Promise<void> {
  const end = performance.now() + 10_000
  let last = -1
  while (recorder.count < expected && performance.now() < end) {
    await new Promise((r) => setTimeout(r, 100))
    if (recorder.count === last && performance.now() > end - 8000) break
    last = recorder.count
  }
}

async function runParley(clients: number, rate: number): Promise<Result> {
  const { child, ready } = await startServer('parley')
  const base = `http://127.0.0.1:${ready.port}`
  const expected = clients * Math.round(rate * SECONDS)
  const recorder = new Recorder(expected)
  const hello = JSON.stringify({ type: 'hello', version: 1, auth: { type: 'token', token: ready.readerToken } })
  const sockets = await openClients(
    `ws://127.0.0.1:${ready.port}/api/v1/realtime`,
    clients,
    (t) => recorder.frame(t),
    hello,
  )
  const url = `${base}/api/v1/rooms/${ready.roomId}/messages`
  const headers = { authorization: `Bearer ${ready.posterToken}`, 'content-type': 'application/json' }
  await fetch(url, { method: 'POST', headers, body: JSON.stringify({ body: 'warm-up' }) })
  recorder.count = 0
  child.send({ type: 'reset' })
  const run = await drive(
    rate,
    async () => (await fetch(url, { method: 'POST', headers, body: JSON.stringify({ body: body() }) })).status === 201,
  )
  await settle(recorder, clients * run.posted)
  const stats = await ask(child, 'stats')
  for (const ws of sockets) ws.terminate()
  child.send({ type: 'stop' })
  return summarise(recorder, run, expected, stats)
}

async function runRaw(clients: number, rate: number): Promise<Result> {
  const { child, ready } = await startServer('raw')
  const url = `ws://127.0.0.1:${ready.port}`
  const expected = clients * Math.round(rate * SECONDS)
  const recorder = new Recorder(expected)
  const sockets = await openClients(url, clients, (t) => recorder.frame(t))
  const [poster] = await openClients(url, 1, () => {})
  child.send({ type: 'reset' })
  let seq = 0
  const frame = () =>
    JSON.stringify({
      type: 'event',
      roomId: '00000000-0000-0000-0000-000000000000',
      seq: ++seq,
      event: { type: 'message.new', message: { body: body(), seq } },
    })
  const run = await drive(rate, async () => {
    poster?.send(frame())
    return true
  })
  await settle(recorder, clients * run.posted)
  const stats = await ask(child, 'stats')
  for (const ws of [...sockets, poster]) ws?.terminate()
  child.send({ type: 'stop' })
  return summarise(recorder, run, expected, stats)
}

function summarise(
  recorder: Recorder,
  run: { posted: number; failed: number; seconds: number },
  expected: number,
  stats: Stats,
): Result {
  return {
    persistedPerSecond: run.posted / run.seconds,
    deliveriesPerSecond: recorder.count / run.seconds,
    p50: recorder.percentile(50),
    p99: recorder.percentile(99),
    max: recorder.percentile(100),
    delivered: recorder.count,
    expected,
    posted: run.posted,
    failed: run.failed,
    serverCpu: (stats.cpuUserMs + stats.cpuSystemMs) / (run.seconds * 1000),
    serverElu: stats.eventLoopUtilization,
    cpuUsPerMessage: ((stats.cpuUserMs + stats.cpuSystemMs) * 1000) / Math.max(1, run.posted),
    cpuUsPerDelivery: ((stats.cpuUserMs + stats.cpuSystemMs) * 1000) / Math.max(1, recorder.count),
  }
}

const f = (n: number, digits = 0) => (Number.isFinite(n) ? n.toFixed(digits) : '—').padStart(9)
console.log(
  `Machine load before the run: ${loadavg()
    .map((l) => l.toFixed(2))
    .join(' ')} on ${cpus().length} cores (other processes compete for the same cores).`,
)
console.log(
  `Chat fan-out: ${SECONDS} s per run, server in its own process, clients and poster in this one (${process.version}).`,
)
console.log(
  '                         persisted/s deliveries/s   p50 ms   p99 ms   max ms  delivered/expected  server CPU  server ELU  CPU µs/msg  CPU µs/delivery',
)
for (const { clients, rate } of scenarios) {
  const parley = await runParley(clients, rate)
  const raw = await runRaw(clients, rate)
  for (const [name, r] of [
    ['parley', parley],
    ['raw ws', raw],
  ] as const) {
    console.log(
      `${`${clients} clients × ${rate}/s`.padEnd(18)} ${name.padEnd(6)}${f(r.persistedPerSecond)}${f(r.deliveriesPerSecond, 0).padStart(14)}${f(r.p50, 1)}${f(r.p99, 1)}${f(r.max, 1)}` +
        `${`${r.delivered}/${r.expected}`.padStart(20)}${f(r.serverCpu * 100, 0)}%${f(r.serverElu * 100, 0)}%${f(r.cpuUsPerMessage, 0).padStart(12)}${f(r.cpuUsPerDelivery, 1).padStart(17)}${r.failed ? `  (${r.failed} posts failed)` : ''}`,
    )
  }
  console.log(
    `${''.padEnd(25)}ratio parley/raw: deliveries ${(parley.deliveriesPerSecond / raw.deliveriesPerSecond).toFixed(2)}, p99 ${(parley.p99 / raw.p99).toFixed(1)}×`,
  )
}
