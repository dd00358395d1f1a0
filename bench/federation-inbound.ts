/**
 * Inbound federation throughput: signed direct messages (Mastodon's draft-cavage rsa-sha256), posted
 * to one instance's inbox by 16 concurrent senders, beside a raw RSA-2048 verify baseline measured in
 * the same run. The senders are a fake Mastodon in a process of its own (federation-peer.ts), as
 * remote servers do not share the instance's event loop; requests are signed before the clock
 * starts. The instance logs at `info`, the production default (the test harness's `debug` keeps
 * every line in memory). The CPU the instance's process spends per activity is printed too: unlike
 * rates, it barely moves when other work shares the machine.
 * Each direct message ends as a chat message in Bob's one-to-one room with the sender: "processed"
 * waits for all of them there. Measured twice in one run: federation work on one thread
 * (PARLEY_FEDERATION_WORKERS=1) and on the default, one thread per core.
 * A warm-up round of 500 activities comes first, not measured (see below).
 * Run: npm run bench:federation (or node bench/federation-inbound.ts [count] [threads…])
 */
import { createSign, createVerify, generateKeyPairSync } from 'node:crypto'
import { availableParallelism } from 'node:os'
import { startInstance, eventually } from '@parley/test/harness/instance.ts'
import { startPeer } from './peer-client.ts'

const N = Number(process.argv[2] ?? 1000)
const CONCURRENCY = 16
/** Activities received before the measured ones (see the warm-up round below). */
const WARM_UP = 500

function percentile(sorted: number[], p: number): number {
  return sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))] ?? NaN
}

// Baseline: what one RSA-2048 signature check costs here, the floor of any signed inbox.
const { publicKey, privateKey } = generateKeyPairSync('rsa', { modulusLength: 2048 })
const payload = 'x'.repeat(1024)
const signature = createSign('sha256').update(payload).sign(privateKey)
const baselineStart = performance.now()
for (let i = 0; i < N; i++) createVerify('sha256').update(payload).verify(publicKey, signature)
const verifyPerSecond = N / ((performance.now() - baselineStart) / 1000)

console.log(`inbound signed activities (${N}, ${CONCURRENCY} concurrent senders in another process, SQLite queue)`)
console.log(`  raw RSA-2048 verify baseline:   ${verifyPerSecond.toFixed(0)}/s`)

// Thread counts to measure (default: 1, then the default count); e.g. `… 1000 1` for one thread only.
const WORKERS = process.argv.length > 3 ? process.argv.slice(3).map(Number) : [1, 0]
for (const workers of WORKERS) await measure(workers)

/** One instance with `workers` federation threads (0: the default, one per core). */
async function measure(workers: number): Promise<void> {
  // All messages come from one account: lift the per-person post rate, or the chat's limiter (not the
  // inbox) would be what is measured — over the limit, deliveries are retried later.
  const parley = await startInstance({
    env: {
      PARLEY_LOG_LEVEL: 'info',
      PARLEY_CHAT_POSTS_PER_SECOND: '100000',
      PARLEY_FEDERATION_WORKERS: String(workers),
    },
  })
  const mastodon = await startPeer('senders')
  try {
    const bob = await parley.addUser('bob')
    const inbox = `${parley.origin}/users/bob/inbox`
    const vars = { PARLEY: parley.origin, PARLEY_HOST: parley.host }
    // Processed = posted as a chat message in Bob's one-to-one room with the sender.
    const received = async () => {
      const [room] = await parley.services.store.participants.roomsOf(bob.id)
      return room
        ? (
            await parley.services.store.messages.history({ roomId: room, after: 0, limit: 1 + WARM_UP + N + 10 })
          ).filter((m) => m.kind === 'text').length
        : 0
    }
    // First contact: the sender's key is fetched and cached.
    await mastodon.ask({ type: 'deliver', inbox, vars }, 'delivered')
    await eventually(async () => (await received()) === 1, 10_000)
    // Warm-up round, not measured: a server that has been running a while has its code compiled
    // (V8's JIT) and its caches full; the first few hundred activities after start-up mostly measure
    // the compiler. Every thread that may take work is then warm too.
    // Signed before the clock starts: only the receiving side is measured.
    const prepare = (count: number) => mastodon.ask({ type: 'prepare', inbox, vars, count }, 'prepared')
    const run = () =>
      mastodon.ask<{ latencies: number[]; failures: number; cpuMs: number }>(
        { type: 'run', concurrency: CONCURRENCY },
        'ran',
      )
    await prepare(WARM_UP)
    await run()
    await eventually(async () => (await received()) === 1 + WARM_UP, 120_000, 'warm-up')

    await prepare(N)
    const started = performance.now()
    const cpuBefore = process.cpuUsage()
    const mainThreadBefore = process.threadCpuUsage()
    const { latencies, failures, cpuMs: sendersCpuMs } = await run()
    const acceptSeconds = (performance.now() - started) / 1000
    await eventually(async () => (await received()) === 1 + WARM_UP + N, 120_000, 'processing')
    const processedSeconds = (performance.now() - started) / 1000
    // The whole process: every thread's CPU time is in it.
    const cpu = process.cpuUsage(cpuBefore)
    const mainThread = process.threadCpuUsage(mainThreadBefore)
    latencies.sort((a, b) => a - b)
    const accepted = N / acceptSeconds
    const threads = workers || availableParallelism()
    console.log(`  federation threads: ${threads}${workers === 0 ? ' (the default: one per core)' : ''}`)
    console.log(
      `    accepted (202) by the inbox:    ${accepted.toFixed(0)}/s  (${((accepted / verifyPerSecond) * 100).toFixed(1)} % of baseline), failures ${failures}`,
    )
    console.log(
      `    latency to 202: p50 ${percentile(latencies, 50).toFixed(1)} ms, p95 ${percentile(latencies, 95).toFixed(1)} ms`,
    )
    console.log(`    received and posted in the room (queue drained): ${(N / processedSeconds).toFixed(0)}/s`)
    console.log(
      `    CPU of the instance per activity (all threads): ${((cpu.user + cpu.system) / 1000 / N).toFixed(2)} ms`,
    )
    // The main thread answers every inbox POST (Fastify, the signature check, the parse): its time
    // per activity bounds the rate whatever the other threads do.
    console.log(
      `      of which the main thread:                   ${((mainThread.user + mainThread.system) / 1000 / N).toFixed(2)} ms`,
    )
    // The senders share this machine's cores: what they use is not there for the instance.
    console.log(`    CPU of the senders per activity (their process): ${(sendersCpuMs / N).toFixed(2)} ms`)
    // Threads besides the main one start only on a lasting backlog (federation-worker-scaling.ts).
    console.log(`    worker threads running at the end: ${parley.instance.workers?.running ?? 0}`)
  } finally {
    await parley.close()
    await mastodon.stop()
  }
}
