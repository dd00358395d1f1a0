/**
 * Startup benchmark: how long `parley serve` (embedded defaults: SQLite, mesh, local files, in-process
 * bus) takes from spawn to its first 200 on /readyz, and how much memory it holds once idle — beside,
 * in the same run, a bare Fastify server (one route and /readyz, bench/bare-fastify-server.ts) started
 * the same way. Each round gives both a fresh temp data folder and an empty module compile cache
 * (NODE_COMPILE_CACHE, which Node reads before Parley's entry would pick its own folder), then:
 *
 *   cold     the first start (empty cache, empty data folder: migrations, key pairs),
 *   restart  the same server started again on the same folder and the cache the first start wrote.
 *
 * Idle memory is the resident set (VmRSS) of the restarted process once it has settled: sampled
 * every 250 ms until it moves by less than 1 MB over 2 s (at most 20 s). Prints the medians (and
 * ranges) of both and the ratio Parley / bare. Targets from issue 11: restart < 1 s, idle < 150 MB.
 *
 * `parley` is the command as `npm start` runs it: from the server's bundle (server/scripts/bundle.ts,
 * built here first when stale); `sources` is the same command from the TypeScript sources (what runs
 * when no fresh bundle exists), with the same compile cache.
 *
 * Restart CPU time (user + system until ready) is printed too: on a shared machine wall time mostly
 * measures the wait for a core. BENCH_BEFORE=DIR adds the same command from another checkout (with
 * its own node_modules), e.g. the commit before a change, as a third row.
 *
 *   npm run bench:startup
 *   BENCH_ROUNDS=10 npm run bench:startup
 *   BENCH_BEFORE=/tmp/parley-before npm run bench:startup
 */
import { spawn, type ChildProcess } from 'node:child_process'
import { readFile } from 'node:fs/promises'
import { mkdtemp, rm } from 'node:fs/promises'
import { cpus, loadavg, tmpdir } from 'node:os'
import { join } from 'node:path'
import { performance } from 'node:perf_hooks'
import { createInterface } from 'node:readline'
import { fileURLToPath } from 'node:url'
import { buildServerBundle, bundleStaleness } from '@parley/server/bundle'

// eslint-disable-next-line no-restricted-properties -- the benchmark's own knob, not server configuration
const ROUNDS = Math.max(1, Number(process.env.BENCH_ROUNDS ?? 5))
const ROOT = fileURLToPath(new URL('..', import.meta.url))
const NODE_FLAGS = ['--disable-warning=ExperimentalWarning']
// eslint-disable-next-line no-restricted-properties -- the benchmark's own knob: another checkout to compare with
const BEFORE = process.env.BENCH_BEFORE
const TARGETS = {
  parley: { script: join(ROOT, 'server/bin/parley.js'), args: ['serve'] },
  // The same command without the bundle: what parley.js runs when the bundle is stale or missing.
  sources: { script: join(ROOT, 'server/src/main.ts'), args: ['serve'] },
  bare: { script: join(ROOT, 'bench/bare-fastify-server.ts'), args: [] },
  // Optional: the same command from another checkout (e.g. before a change), started the same way.
  before: { script: join(BEFORE ?? ROOT, 'server/src/main.ts'), args: ['serve'] },
} as const
type Target = keyof typeof TARGETS

type Started = { child: ChildProcess; readyMs: number; cpuMs: number; exited: Promise<number | null> }

/** The port a child reports: Parley's "listening" log line (its `port` field), or the baseline's `{port}`. */
function portOf(line: string): number | null {
  try {
    const record = JSON.parse(line) as { port?: unknown; msg?: unknown }
    if (typeof record.port === 'number' && record.port > 0) return record.port
  } catch {
    // not a JSON line
  }
  return null
}

async function start(target: Target, dataDir: string, cacheDir: string): Promise<Started> {
  const { script, args } = TARGETS[target]
  const began = performance.now()
  const child = spawn(process.execPath, [...NODE_FLAGS, script, ...args], {
    cwd: ROOT,
    env: {
      // eslint-disable-next-line no-restricted-properties -- the children get this environment plus their settings
      ...process.env,
      NODE_COMPILE_CACHE: cacheDir,
      // The other checkout runs as it did: without a compile cache, unless its own command turns one on.
      ...(target === 'before' ? { NODE_DISABLE_COMPILE_CACHE: '1' } : {}),
      PARLEY_DATA_DIR: dataDir,
      PARLEY_HOST: '127.0.0.1',
      PARLEY_PORT: '0',
      PARLEY_LOG_LEVEL: 'info',
    },
    stdio: ['ignore', 'pipe', 'pipe'],
  })
  const exited = new Promise<number | null>((resolve) => child.once('exit', (code) => resolve(code)))
  let stderr = ''
  child.stderr?.on('data', (chunk: Buffer) => (stderr += chunk.toString()))
  const port = await new Promise<number>((resolve, reject) => {
    const lines = createInterface({ input: child.stdout! })
    lines.on('line', (line) => {
      const found = portOf(line)
      if (found) resolve(found)
    })
    void exited.then((code) => reject(new Error(`${target} exited with ${code} before listening:\n${stderr}`)))
  })
  // The port is known once it listens; ready is the first 200 on /readyz.
  for (;;) {
    const ok = await fetch(`http://127.0.0.1:${port}/readyz`).then(
      (response) => response.ok,
      () => false,
    )
    if (ok) break
    await new Promise((resolve) => setTimeout(resolve, 5))
  }
  return { child, readyMs: performance.now() - began, cpuMs: await cpuMs(child.pid!), exited }
}

/**
 * CPU time (user + system) the process has used: on a machine shared with other work, wall time to
 * ready mostly measures the queue for the cores; this is what the start itself costs.
 */
async function cpuMs(pid: number): Promise<number> {
  const stat = await readFile(`/proc/${pid}/stat`, 'utf8')
  const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ')
  // utime and stime are fields 14 and 15 of /proc/PID/stat, in clock ticks (100 per second on Linux).
  return (Number(fields[11]) + Number(fields[12])) * 10
}

async function rssMb(pid: number): Promise<number> {
  const status = await readFile(`/proc/${pid}/status`, 'utf8')
  const kb = Number(/^VmRSS:\s+(\d+)/m.exec(status)?.[1] ?? NaN)
  return kb / 1024
}

/** The resident set once it stops moving (< 1 MB over 2 s), or after 20 s. */
async function settledRss(pid: number): Promise<number> {
  const samples: number[] = []
  const deadline = performance.now() + 20_000
  for (;;) {
    samples.push(await rssMb(pid))
    const window = samples.slice(-9)
    if (window.length === 9 && Math.max(...window) - Math.min(...window) < 1) break
    if (performance.now() > deadline) break
    await new Promise((resolve) => setTimeout(resolve, 250))
  }
  return samples[samples.length - 1]!
}

async function stop(started: Started): Promise<void> {
  started.child.kill('SIGTERM')
  await started.exited
}

type Round = { coldMs: number; restartMs: number; restartCpuMs: number; idleMb: number }

async function round(target: Target): Promise<Round> {
  const dir = await mkdtemp(join(tmpdir(), `parley-startup-${target}-`))
  const dataDir = join(dir, 'data')
  const cacheDir = join(dir, 'compile-cache')
  try {
    const cold = await start(target, dataDir, cacheDir)
    await stop(cold)
    const warm = await start(target, dataDir, cacheDir)
    const idleMb = await settledRss(warm.child.pid!)
    await stop(warm)
    return { coldMs: cold.readyMs, restartMs: warm.readyMs, restartCpuMs: warm.cpuMs, idleMb }
  } finally {
    await rm(dir, { recursive: true, force: true })
  }
}

function median(values: number[]): number {
  const sorted = [...values].sort((a, b) => a - b)
  const middle = Math.floor(sorted.length / 2)
  return sorted.length % 2 ? sorted[middle]! : (sorted[middle - 1]! + sorted[middle]!) / 2
}

function summary(values: number[], unit: string, digits = 0): string {
  const m = median(values).toFixed(digits)
  return `${m} ${unit} (${Math.min(...values).toFixed(digits)}–${Math.max(...values).toFixed(digits)})`
}

const targets: Target[] = BEFORE ? ['bare', 'before', 'sources', 'parley'] : ['bare', 'sources', 'parley']
const results: Record<Target, Round[]> = { parley: [], sources: [], bare: [], before: [] }
await buildServerBundle({ ifStale: true })
if (bundleStaleness() !== null) throw new Error(`the server bundle is not fresh: ${bundleStaleness()}`)
console.log(
  `startup bench: ${ROUNDS} rounds, Node ${process.version}, ${cpus().length} cores, load ${loadavg()[0]!.toFixed(1)}`,
)
// Interleaved, so that a change in the machine's load hits both alike.
for (let i = 0; i < ROUNDS; i++) {
  for (const target of targets) {
    const result = await round(target)
    results[target].push(result)
    console.log(
      `  round ${i + 1} ${target.padEnd(6)} cold ${result.coldMs.toFixed(0).padStart(5)} ms  restart ${result.restartMs.toFixed(0).padStart(5)} ms (CPU ${result.restartCpuMs.toFixed(0).padStart(5)} ms)  idle ${result.idleMb.toFixed(0).padStart(4)} MB`,
    )
  }
}

const rows = targets.map((target) => {
  const r = results[target]
  return {
    target,
    cold: r.map((x) => x.coldMs),
    restart: r.map((x) => x.restartMs),
    cpu: r.map((x) => x.restartCpuMs),
    idle: r.map((x) => x.idleMb),
  }
})
console.log('\nmedians (range):')
for (const row of rows)
  console.log(
    `  ${row.target.padEnd(6)} first start ${summary(row.cold, 'ms')}   restart ${summary(row.restart, 'ms')}, CPU ${summary(row.cpu, 'ms')}   idle ${summary(row.idle, 'MB')}`,
  )
const row = (target: Target) => rows.find((r) => r.target === target)!
const [bare, parley, sources] = [row('bare'), row('parley'), row('sources')]
const ratio = (a: number[], b: number[]) => (median(a) / median(b)).toFixed(1)
console.log(
  `\nParley / bare Fastify: first start ×${ratio(parley.cold, bare.cold)}, restart ×${ratio(parley.restart, bare.restart)} (CPU ×${ratio(parley.cpu, bare.cpu)}), idle memory ×${ratio(parley.idle, bare.idle)}`,
)
console.log(
  `sources / bare Fastify: first start ×${ratio(sources.cold, bare.cold)}, restart ×${ratio(sources.restart, bare.restart)} (CPU ×${ratio(sources.cpu, bare.cpu)}), idle memory ×${ratio(sources.idle, bare.idle)}`,
)
if (BEFORE) {
  const before = row('before')
  console.log(
    `before / bare Fastify: first start ×${ratio(before.cold, bare.cold)}, restart ×${ratio(before.restart, bare.restart)} (CPU ×${ratio(before.cpu, bare.cpu)}), idle memory ×${ratio(before.idle, bare.idle)}`,
  )
}
const restartOk = median(parley.restart) < 1000
const idleOk = median(parley.idle) < 150
console.log(
  `targets: restart < 1 s ${restartOk ? 'met' : 'NOT met'} (${median(parley.restart).toFixed(0)} ms); idle < 150 MB ${idleOk ? 'met' : 'NOT met'} (${median(parley.idle).toFixed(0)} MB)`,
)
