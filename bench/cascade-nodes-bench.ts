/**
 * Joining a call hosted on another instance when the member instance runs several nodes: A hosts
 * the room; B is two nodes on one Redis (127.0.0.1:6379) and one data folder. Only the node holding
 * the room's lease on B speaks to A (spec/cascade.md), so a session on B's other node pays one more
 * hop over B's bus. Measured in one run, as call.join → call.joined round trips (then call.leave),
 * mesh engine so that only signalling is timed:
 *  - baseline: Alice's own join on A (a local call);
 *  - a session on B's lease node (B → A over the call channel);
 *  - a session on B's other node (forwarded over B's Redis to the lease node, then to A).
 * p50/p95 over N rounds each (interleaved), and ratios to the baseline. Timings are printed, never asserted.
 * Run: npm run bench:cascade-nodes (or node bench/cascade-nodes-bench.ts [rounds])
 */
import { randomUUID } from 'node:crypto'
import { rmSync } from 'node:fs'
import { RealtimeClient } from '@parley/client'
import type { ServerCallJoined } from '@parley/protocol'
import { RedisBus } from '@parley/server'
import { startInstance, eventually, type TestInstance } from '@parley/test/harness/instance.ts'
import { apiAs, inviteAndJoin } from '@parley/test/harness/rooms.ts'

const ROUNDS = Number(process.argv[2] ?? 100)
const redisUrl = 'redis://127.0.0.1:6379'
const media = { audio: true, video: false, screen: false }
const percentile = (values: number[], p: number) => {
  const sorted = [...values].sort((a, b) => a - b)
  return sorted[Math.min(sorted.length - 1, Math.ceil((p / 100) * sorted.length) - 1)] ?? NaN
}

const prefix = `parley-bench-${randomUUID()}:`
// Joins and leaves back to back: above a session's default frame rate (whose excess is refused).
const env = { PARLEY_LOG_LEVEL: 'info', PARLEY_REALTIME_MESSAGES_PER_SECOND: '1000' }
const a = await startInstance({ env })
const b1 = await startInstance({ env, bus: new RedisBus({ url: redisUrl, prefix }) })
const b2 = await startInstance({
  env,
  publicOrigin: b1.config.publicOrigin,
  dataDir: b1.dataDir,
  bus: new RedisBus({ url: redisUrl, prefix }),
})
const clients: RealtimeClient[] = []
try {
  const alice = await apiAs(a, 'alice')
  const bob = await apiAs(b1, 'bob')
  const carol = await apiAs(b1, 'carol')
  const roomId = String(
    (await alice.api('/api/v1/rooms', { method: 'POST', body: { kind: 'group', name: 'Bench' } })).json.id,
  )
  const roomUri = `${a.origin}/rooms/${roomId}`
  await inviteAndJoin(a, alice.api, roomId, b1, bob.api, 'bob')
  await inviteAndJoin(a, alice.api, roomId, b1, carol.api, 'carol')
  await eventually(async () => b1.services.store.remoteRooms.roomOf(roomUri), 10_000, 'the mirror')
  const connect = async (node: TestInstance, userId: string) => {
    const token = (await node.services.accounts.createToken(userId, 'bench')).secret
    const rt = new RealtimeClient({ baseUrl: node.origin, auth: { token }, reconnect: false })
    await rt.connect()
    clients.push(rt)
    return rt
  }
  const host = await connect(a, alice.id)
  await host.request({ type: 'call.join', roomId, media })
  // Whichever of B's nodes is asked first takes the room's lease; Bob's first join decides.
  const bobRt = await connect(b1, bob.id)
  const carolRt = await connect(b2, carol.id)
  await bobRt.request({ type: 'call.join', roomId: roomUri, media })
  await bobRt.request({ type: 'call.leave', roomId: roomUri })
  const leaseIsB1 = b1.instance.app.cascadeChannels().toHosts.includes(a.origin)
  const [onLease, onOther] = leaseIsB1 ? [bobRt, carolRt] : [carolRt, bobRt]

  const once = async (rt: RealtimeClient, room: string) => {
    const t0 = performance.now()
    const joined = (await rt.request({ type: 'call.join', roomId: room, media })) as ServerCallJoined
    const ms = performance.now() - t0
    if (joined.type !== 'call.joined') throw new Error(`not joined: ${JSON.stringify(joined)}`)
    await rt.request({ type: 'call.leave', roomId: room })
    return ms
  }
  // A local session on A leaves the host's own call running for the others: a second session of Alice's.
  const local = await connect(a, alice.id)
  const baseline: number[] = []
  const lease: number[] = []
  const other: number[] = []
  // Interleaved, so that whatever else the machine does weighs on the three alike.
  for (let i = 0; i < ROUNDS; i++) {
    baseline.push(await once(local, roomId))
    lease.push(await once(onLease, roomUri))
    other.push(await once(onOther, roomUri))
  }
  const row = (name: string, times: number[]) => {
    const p50 = percentile(times, 50)
    const p95 = percentile(times, 95)
    console.log(
      `  ${name.padEnd(34)} p50 ${p50.toFixed(1).padStart(6)} ms  p95 ${p95.toFixed(1).padStart(6)} ms  ×${(p50 / percentile(baseline, 50)).toFixed(1)} of local`,
    )
  }
  console.log(`call.join → call.joined, ${ROUNDS} rounds each (mesh; B = two nodes on Redis)`)
  row('local join on A (baseline)', baseline)
  row('B session on the lease node', lease)
  row('B session on the other node', other)
  console.log(
    `  the other node's extra hop (p50):   ${(percentile(other, 50) - percentile(lease, 50)).toFixed(1)} ms; channels from B on A: ${a.instance.app.cascadeChannels().fromPeers.length}`,
  )
} finally {
  for (const rt of clients) rt.close()
  await a.close()
  await b2.close({ keepData: true })
  await b1.close({ keepData: true })
  rmSync(b1.dataDir, { recursive: true, force: true })
}
