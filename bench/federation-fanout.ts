/**
 * Outbound fan-out: one profile Update from a user with N followers, each with its own inbox on a
 * local HTTPS sink (no shared inbox, so N signed deliveries), beside a raw RSA-2048 signing baseline
 * measured in the same run (every delivery is signed for its inbox). The sink runs in a process of
 * its own (federation-peer.ts), as remote servers do not share the instance's event loop. The
 * instance logs at `info`, the production default. The CPU the instance's process spends per
 * delivery is printed too: unlike rates, it barely moves when other work shares the machine.
 * Measured twice in one run: federation work on one thread (PARLEY_FEDERATION_WORKERS=1) and on
 * the default, one thread per core.
 * Each measurement makes two fan-outs of the same Update: the first after start-up, then a warm one.
 * Run: npm run bench:federation (or node bench/federation-fanout.ts [count] [threads…])
 */
import { createSign, generateKeyPairSync } from 'node:crypto'
import { availableParallelism } from 'node:os'
import { startInstance, eventually } from '@parley/test/harness/instance.ts'
import { startPeer } from './peer-client.ts'

const N = Number(process.argv[2] ?? 1000)

const { privateKey } = generateKeyPairSync('rsa', { modulusLength: 2048 })
const baselineStart = performance.now()
for (let i = 0; i < Math.min(N, 500); i++) createSign('sha256').update(`delivery ${i}`).sign(privateKey)
const signPerSecond = Math.min(N, 500) / ((performance.now() - baselineStart) / 1000)

console.log(`outbound fan-out (${N} inboxes on a local sink in another process, SQLite queue)`)
console.log(`  raw RSA-2048 sign baseline:  ${signPerSecond.toFixed(0)}/s`)

// Thread counts to measure (default: 1, then the default count); e.g. `… 1000 1` for one thread only.
const WORKERS = process.argv.length > 3 ? process.argv.slice(3).map(Number) : [1, 0]
for (const workers of WORKERS) await measure(workers)

/** One instance with `workers` federation threads (0: the default, one per core). */
async function measure(workers: number): Promise<void> {
  const parley = await startInstance({ env: { PARLEY_LOG_LEVEL: 'info', PARLEY_FEDERATION_WORKERS: String(workers) } })
  const sink = await startPeer('sink')
  const sinkOrigin = sink.ready.origin
  try {
    const star = await parley.addUser('star')
    for (let i = 0; i < N; i++) {
      await parley.store().followers.upsert({
        userId: star.id,
        actorId: `${sinkOrigin}/users/f${i}`,
        inbox: `${sinkOrigin}/users/f${i}/inbox`,
        sharedInbox: null,
        followId: `${sinkOrigin}/follows/${i}`,
        createdAt: i,
      })
    }
    // One fan-out: `target` is how many POSTs the sink will have had when it is done.
    const fanOut = async (target: number) => {
      const started = performance.now()
      const cpuBefore = process.cpuUsage()
      const sent = await parley.services.federation.federation.profileChanged('star')
      const enqueueMs = performance.now() - started
      if (!sent.ok || sent.value.recipients !== N) throw new Error(`fan-out not started: ${JSON.stringify(sent)}`)
      await eventually(
        async () => (await sink.ask<{ received: number }>({ type: 'received' }, 'received')).received >= target,
        300_000,
        'all deliveries',
      )
      // The whole process: every thread's CPU time is in it.
      const cpu = process.cpuUsage(cpuBefore)
      return { enqueueMs, seconds: (performance.now() - started) / 1000, cpuMs: (cpu.user + cpu.system) / 1000 }
    }
    // The first fan-out after start-up also pays for compiling the code (V8's JIT), the signing
    // keys' first use and the connections to the sink; the second shows a server that has been
    // running a while. Both are printed; the second is the one the targets are about.
    const first = await fanOut(N)
    const second = await fanOut(2 * N)
    const { connections } = await sink.ask<{ connections: number }>({ type: 'received' }, 'received')
    const threads = workers || availableParallelism()
    console.log(`  federation threads: ${threads}${workers === 0 ? ' (the default: one per core)' : ''}`)
    const line = (label: string, run: typeof first) => {
      console.log(`    ${label}`)
      console.log(`      enqueue (local action):      ${run.enqueueMs.toFixed(1)} ms`)
      console.log(
        `      deliveries:                  ${(N / run.seconds).toFixed(0)}/s  (${((N / run.seconds / signPerSecond) * 100).toFixed(1)} % of baseline), all ${N} in ${run.seconds.toFixed(1)} s`,
      )
      console.log(`      CPU of the instance per delivery (all threads): ${(run.cpuMs / N).toFixed(2)} ms`)
    }
    line('first fan-out after start-up:', first)
    line('second fan-out (warm):', second)
    // Deliveries are posted on the remote fetcher's guarded undici agent, which keeps connections per origin.
    console.log(`    TLS connections the sink accepted: ${connections} (for ${2 * N} deliveries)`)
    // Threads besides the main one start only on a lasting backlog (federation-worker-scaling.ts).
    console.log(`    worker threads running at the end: ${parley.instance.workers?.running ?? 0}`)
  } finally {
    await parley.close()
    await sink.stop()
  }
}
