/**
 * Inbound federation throughput: signed direct messages (Mastodon's draft-cavage rsa-sha256), posted
 * to one instance's inbox by 16 concurrent senders, beside a raw RSA-2048 verify baseline measured in
 * the same run. Requests are signed before the clock starts, so sender CPU is not counted. Each
 * direct message ends as a chat message in Bob's one-to-one room with the sender: "processed" waits
 * for all of them there.
 * Run: npm run bench
 */
import { createSign, createVerify, generateKeyPairSync } from 'node:crypto'
import { startInstance, eventually } from '@parley/test/harness/instance.ts'
import { startFakeMastodon } from '@parley/test/harness/fake-mastodon.ts'

const N = Number(process.argv[2] ?? 1000)
const CONCURRENCY = 16

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

// All messages come from one account: lift the per-person post rate, or the chat's limiter (not the
// inbox) would be what is measured — over the limit, deliveries are retried later.
const [parley, mastodon] = await Promise.all([startInstance({ env: { PARLEY_CHAT_POSTS_PER_SECOND: '100000' } }), startFakeMastodon()])
try {
  const bob = await parley.addUser('bob')
  const inbox = `${parley.origin}/users/bob/inbox`
  const vars = { PARLEY: parley.origin, PARLEY_HOST: parley.host }
  // Warm-up: key fetch and caches.
  await mastodon.deliver(inbox, mastodon.fixture('create-direct-note.json', vars))
  const posted = async () => {
    const [room] = await parley.services.store.participants.roomsOf(bob.id)
    return room ? (await parley.services.store.messages.history({ roomId: room, after: 0, limit: N + 10 })).filter((m) => m.kind === 'text').length : 0
  }
  await eventually(async () => (await posted()) === 1, 10_000)

  // Signed before the clock starts: only the receiving side is measured.
  const prepared = Array.from({ length: N }, () => mastodon.prepare(inbox, mastodon.fixture('create-direct-note.json', vars)))
  const latencies: number[] = []
  let next = 0
  let failures = 0
  const started = performance.now()
  await Promise.all(
    Array.from({ length: CONCURRENCY }, async () => {
      while (next < prepared.length) {
        const request = prepared[next++]
        if (!request) break
        const t0 = performance.now()
        const status = await request()
        latencies.push(performance.now() - t0)
        if (status !== 202) failures++
      }
    }),
  )
  const acceptSeconds = (performance.now() - started) / 1000
  await eventually(async () => (await posted()) === N + 1, 120_000, 'processing')
  const processedSeconds = (performance.now() - started) / 1000
  latencies.sort((a, b) => a - b)
  const accepted = N / acceptSeconds
  console.log(`inbound signed activities (${N}, ${CONCURRENCY} concurrent senders, SQLite queue)`)
  console.log(`  raw RSA-2048 verify baseline:   ${verifyPerSecond.toFixed(0)}/s`)
  console.log(`  accepted (202) by the inbox:    ${accepted.toFixed(0)}/s  (${(accepted / verifyPerSecond * 100).toFixed(1)} % of baseline), failures ${failures}`)
  console.log(`  latency to 202: p50 ${percentile(latencies, 50).toFixed(1)} ms, p95 ${percentile(latencies, 95).toFixed(1)} ms`)
  console.log(`  received and posted in the room (queue drained): ${(N / processedSeconds).toFixed(0)}/s`)
} finally {
  await Promise.all([parley.close(), mastodon.close()])
}
