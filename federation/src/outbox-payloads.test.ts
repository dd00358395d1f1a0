/**
 * A fan-out's activity and signer are stored once and each per-inbox queue message references
 * them (the `@fedify/fedify` patch, "outbound payloads", patches/README.md), on both queue
 * backends Parley runs: a SQLite file and Redis. Deliveries go to a loopback HTTP sink.
 */
import { describe, it, after } from 'node:test'
import assert from 'node:assert/strict'
import { fork } from 'node:child_process'
import { randomUUID } from 'node:crypto'
import { mkdtempSync, rmSync } from 'node:fs'
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http'
import type { AddressInfo } from 'node:net'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { Redis } from 'ioredis'
import { fanoutSenderKeys, openFanoutSender, type FanoutSenderConfig } from './test-support/fanout-sender.ts'
import { testRedisUrl } from './kv/redis-test-server.ts'

const { url: redisUrl } = await testRedisUrl()
const dir = mkdtempSync(join(tmpdir(), 'parley-outbox-payloads-'))
const redisPrefixes: string[] = []
after(async () => {
  rmSync(dir, { recursive: true, force: true })
  const redis = new Redis(redisUrl)
  for (const prefix of redisPrefixes) {
    let cursor = '0'
    do {
      const [next, keys] = await redis.scan(cursor, 'MATCH', `${prefix}*`, 'COUNT', 500)
      if (keys.length > 0) await redis.del(...keys)
      cursor = next
    } while (cursor !== '0')
  }
  redis.disconnect()
})

type Sink = {
  origin: string
  inboxes(n: number): string[]
  /** POSTs received per inbox path (answered or not). */
  received: Map<string, number>
  /** Requests held open, not answered (once `holdAfter` were answered). */
  held: Set<string>
  signed: boolean
  /** What the sink answers a POST (default 202); 'hold' leaves it open. */
  answer: (path: string, nth: number) => number | 'hold'
  close(): Promise<void>
}

async function startSink(): Promise<Sink> {
  const open = new Set<ServerResponse>()
  const sink: Sink = {
    origin: '',
    inboxes: (n) => Array.from({ length: n }, (_, i) => `${sink.origin}/users/f${i}/inbox`),
    received: new Map(),
    held: new Set(),
    signed: true,
    answer: () => 202,
    close: async () => {
      for (const res of open) res.destroy()
      server.closeAllConnections()
      await new Promise((resolve) => server.close(resolve))
    },
  }
  const server = createServer((req: IncomingMessage, res: ServerResponse) => {
    req.resume()
    req.on('end', () => {
      const path = req.url ?? ''
      const nth = (sink.received.get(path) ?? 0) + 1
      sink.received.set(path, nth)
      if (!req.headers['signature'] && !req.headers['signature-input']) sink.signed = false
      const answer = sink.answer(path, nth)
      if (answer === 'hold') {
        sink.held.add(path)
        open.add(res)
        return
      }
      res.writeHead(answer).end()
    })
  })
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve))
  sink.origin = `http://127.0.0.1:${(server.address() as AddressInfo).port}`
  return sink
}

async function until(what: string, check: () => boolean | Promise<boolean>, ms = 30_000): Promise<void> {
  const deadline = Date.now() + ms
  while (!(await check())) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`)
    await new Promise((resolve) => setTimeout(resolve, 20))
  }
}

const backends = {
  sqlite: (): FanoutSenderConfig['storage'] => ({ backend: 'sqlite', path: join(dir, `${randomUUID()}.sqlite`) }),
  redis: (): FanoutSenderConfig['storage'] => {
    const prefix = `parley:test:${randomUUID()}:`
    redisPrefixes.push(prefix)
    return { backend: 'redis', url: redisUrl, prefix }
  },
}

for (const [name, storage] of Object.entries(backends)) {
  describe(`outbound payloads on ${name}${name === 'redis' ? ' (needs a Redis server)' : ''}`, () => {
    it('a fan-out stores its activity and signer once; each per-inbox queue message only references it', async (t) => {
      const sink = await startSink()
      t.after(() => sink.close())
      const keys = await fanoutSenderKeys()
      const sender = await openFanoutSender({ storage: storage(), keys, concurrency: 8 })
      t.after(() => sender.close())
      // By message id: a queue's enqueue() may go through its own enqueueMany().
      const byId = new Map<unknown, Record<string, unknown>>()
      const record = (m: unknown) => byId.set((m as { id: unknown }).id, m as Record<string, unknown>)
      const queue = sender.queue as { enqueue: (m: unknown, o?: unknown) => Promise<void> } & {
        enqueueMany?: (m: readonly unknown[], o?: unknown) => Promise<void>
      }
      const enqueue = queue.enqueue.bind(queue)
      queue.enqueue = (m, o) => (record(m), enqueue(m, o))
      if (queue.enqueueMany) {
        const many = queue.enqueueMany.bind(queue)
        queue.enqueueMany = (ms, o) => (ms.forEach(record), many(ms, o))
      }
      const activityId = 'https://parley.example/users/star#update-once'
      await sender.fanOut(sink.inboxes(20), activityId)
      sender.start()
      await until('20 deliveries', () => sink.received.size === 20)

      const enqueued = [...byId.values()]
      const fanout = enqueued.filter((m) => m.type === 'fanout')
      const outbox = enqueued.filter((m) => m.type === 'outbox')
      assert.equal(fanout.length, 1)
      assert.equal(fanout[0]?.signer, 'star')
      assert.equal(fanout[0]?.keys, undefined, 'the fan-out message carries no private keys')
      assert.equal(outbox.length, 20)
      const refs = new Set(outbox.map((m) => m.payload))
      assert.equal(refs.size, 1, 'every per-inbox message references the one stored payload')
      for (const message of outbox) {
        assert.equal(message.activity, undefined)
        assert.equal(message.keys, undefined)
        // Unpatched, each carries the activity JSON and the private JWK (several KB).
        assert.ok(JSON.stringify(message).length < 1024, `queue item of ${JSON.stringify(message).length} bytes`)
      }
      const stored = (await sender.kv.get(['_fedify', 'outboxPayload', String([...refs][0])])) as {
        activity: { id: string }
        signer?: string
        keys?: unknown
      }
      assert.equal(stored.activity.id, activityId)
      assert.equal(stored.signer, 'star')
      assert.equal(stored.keys, undefined, 'the stored payload names the signer, not its keys')
      const secret = String(keys.privateKey.d)
      assert.ok(!JSON.stringify(enqueued).includes(secret) && !JSON.stringify(stored).includes(secret))
      assert.deepEqual([...sink.received.values()], Array(20).fill(1), 'each inbox got the activity once')
      assert.ok(sink.signed, 'every delivery is signed')
    })

    it('a failed delivery is retried with the stored activity and arrives', async (t) => {
      const sink = await startSink()
      t.after(() => sink.close())
      // f3 fails twice (a server error), then takes the activity.
      sink.answer = (path, nth) => (path.endsWith('/f3/inbox') && nth <= 2 ? 500 : 202)
      const sender = await openFanoutSender({ storage: storage(), keys: await fanoutSenderKeys(), concurrency: 8 })
      t.after(() => sender.close())
      await sender.fanOut(sink.inboxes(10), 'https://parley.example/users/star#update-retry')
      sender.start()
      await until('the third try to f3', () => sink.received.get('/users/f3/inbox') === 3)
      assert.equal(sink.received.size, 10)
      for (const [path, count] of sink.received) assert.equal(count, path.endsWith('/f3/inbox') ? 3 : 1, path)
    })

    it('a sender killed mid-fan-out: another process delivers the rest from the stored payload, each inbox at least once', async (t) => {
      const sink = await startSink()
      t.after(() => sink.close())
      const N = 40
      const concurrency = 4
      // Five deliveries are answered, then the sink holds every request open: the sender is killed
      // with those in flight (the at-least-once case: they may arrive twice).
      let answered = 0
      sink.answer = () => (answered++ < 5 ? 202 : 'hold')
      const config: FanoutSenderConfig = { storage: storage(), keys: await fanoutSenderKeys(), concurrency }
      const child = fork(new URL('./test-support/fanout-sender.ts', import.meta.url), [
        JSON.stringify({
          config,
          inboxes: sink.inboxes(N),
          activityId: 'https://parley.example/users/star#update-kill',
        }),
      ])
      const exited = new Promise((resolve) => child.once('exit', resolve))
      t.after(() => child.kill('SIGKILL'))
      await until('the first sender to hold requests in flight', () => answered >= 5 && sink.held.size > 0)
      child.kill('SIGKILL')
      await exited
      // Reached before the kill: held open, or answered but perhaps not yet removed from the queue.
      const reached = new Set(sink.received.keys())
      assert.ok(reached.size < N, 'the sender was killed mid-fan-out')

      sink.answer = () => 202
      const second = await openFanoutSender(config)
      t.after(() => second.close())
      second.start()
      await until('every inbox', () => sink.received.size === N)
      // Nothing lost; only messages the killed sender had leased (at most `concurrency`) may have
      // arrived twice.
      const twice = [...sink.received].filter(([, count]) => count > 1).map(([path]) => path)
      for (const path of twice) assert.ok(reached.has(path), `${path} delivered twice but not reached before the kill`)
      assert.ok(twice.length <= concurrency, `${twice.length} delivered twice`)
      for (const count of sink.received.values()) assert.ok(count <= 2)
      assert.ok(sink.signed)
    })
  })
}
