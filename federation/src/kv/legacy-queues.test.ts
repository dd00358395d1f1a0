import { after, describe, it } from 'node:test'
import assert from 'node:assert/strict'
import { randomUUID } from 'node:crypto'
import { DatabaseSync } from 'node:sqlite'
import { Redis } from 'ioredis'
import { Temporal } from '@js-temporal/polyfill'
import type { MessageQueue } from '@fedify/fedify'
import { SqliteMessageQueue } from './sqlite-message-queue.ts'
import { RedisMessageQueue } from './redis-message-queue.ts'
import { adoptRedisQueue, adoptSqliteQueue, upgradeRoomQueueMessage } from './legacy-queues.ts'
import { testRedisUrl } from './redis-test-server.ts'

type Msg = { n: number; type?: string; identifier?: string | null }

/** What the old rooms' queue held: an inbox message naming its room by its bare id, and deliveries of one room in order. */
async function fillOld(old: MessageQueue): Promise<void> {
  await old.enqueue({ n: 1, type: 'inbox', identifier: 'room-1' })
  await old.enqueue({ n: 2, type: 'outbox' }, { orderingKey: 'https://a.example/rooms/room-1' })
  await old.enqueue({ n: 3, type: 'outbox' }, { orderingKey: 'https://a.example/rooms/room-1' })
}

/** Listens on `queue` until `count` messages arrived; returns them in arrival order. */
async function drain(queue: MessageQueue, count: number): Promise<Msg[]> {
  const got: Msg[] = []
  const controller = new AbortController()
  const done = new Promise<void>((resolve) => {
    void queue.listen(
      (message) => {
        got.push(message as Msg)
        if (got.length >= count) resolve()
      },
      { signal: controller.signal },
    )
  })
  await done
  controller.abort()
  return got
}

describe('upgradeRoomQueueMessage()', () => {
  it('names rooms of old inbox messages as the one federation does, and leaves everything else', () => {
    assert.deepEqual(upgradeRoomQueueMessage({ type: 'inbox', identifier: 'r1', x: 1 }), {
      type: 'inbox',
      identifier: 'rooms/r1',
      x: 1,
    })
    const shared = { type: 'inbox', identifier: null }
    assert.equal(upgradeRoomQueueMessage(shared), shared)
    const current = { type: 'inbox', identifier: 'rooms/r1' }
    assert.equal(upgradeRoomQueueMessage(current), current)
    const outbox = { type: 'outbox', identifier: 'r1' }
    assert.equal(upgradeRoomQueueMessage(outbox), outbox)
  })
})

describe('adoptSqliteQueue()', () => {
  it("moves the old rooms' queue into the one queue, old messages of a key ahead of newer ones, and drops it", async () => {
    const db = new DatabaseSync(':memory:')
    await fillOld(new SqliteMessageQueue(db, { table: 'fedify_room_queue' }))
    const queue = new SqliteMessageQueue(db, { pollIntervalMs: 20 })
    // Queued by this version under the same room before the move: it must go after the old ones.
    await queue.enqueue({ n: 4, type: 'outbox' }, { orderingKey: 'https://a.example/rooms/room-1' })
    assert.equal(adoptSqliteQueue(db, 'fedify_room_queue', 'fedify_queue'), 3)
    assert.equal(db.prepare("SELECT name FROM sqlite_master WHERE name = 'fedify_room_queue'").get(), undefined)
    assert.equal(adoptSqliteQueue(db, 'fedify_room_queue', 'fedify_queue'), 0, 'nothing left to move')
    const got = await drain(queue, 4)
    assert.deepEqual(
      got.filter((m) => m.type === 'outbox').map((m) => m.n),
      [2, 3, 4],
    )
    assert.equal(got.find((m) => m.n === 1)?.identifier, 'rooms/room-1')
    db.close()
  })
})

const { url } = await testRedisUrl()
const connections: Redis[] = []
after(() => {
  for (const redis of connections) redis.disconnect()
})

describe('adoptRedisQueue() (needs a Redis server)', () => {
  it("moves the old rooms' queue into the one queue, delayed and in-flight messages included, once", async () => {
    const redis = new Redis(url, { maxRetriesPerRequest: 2 })
    connections.push(redis)
    const base = `parley:test:${randomUUID()}:`
    const old = new RedisMessageQueue(redis, { prefix: `${base}rmq:`, pollIntervalMs: 20 })
    await fillOld(old)
    await old.enqueue({ n: 5, type: 'outbox' }, { delay: Temporal.Duration.from({ milliseconds: 200 }) })
    // Messages were being handled when the old version stopped: their leases stay until after the move.
    const inFlight = new AbortController()
    let finish = () => {}
    const stopped = new Promise<void>((resolve) => (finish = resolve))
    const taken = new Promise<void>((resolve) => {
      void old.listen(
        async () => {
          resolve()
          inFlight.abort()
          await stopped
        },
        { signal: inFlight.signal },
      )
    })
    await taken
    const queue = new RedisMessageQueue(redis, { prefix: `${base}mq:`, pollIntervalMs: 20 })
    await queue.enqueue({ n: 4, type: 'outbox' }, { orderingKey: 'https://a.example/rooms/room-1' })
    const [first, second] = await Promise.all([
      adoptRedisQueue(redis, `${base}rmq:`, `${base}mq:`),
      adoptRedisQueue(redis, `${base}rmq:`, `${base}mq:`),
    ])
    assert.equal(first + second, 4, 'each message moved once (the delayed one included)')
    assert.deepEqual(await redis.keys(`${base}rmq:*`), [], 'the old queue is gone')
    const got = await drain(queue, 5)
    assert.deepEqual(got.map((m) => m.n).sort(), [1, 2, 3, 4, 5])
    assert.deepEqual(
      got.filter((m) => m.type === 'outbox' && m.n !== 5).map((m) => m.n),
      [2, 3, 4],
      "the room's deliveries in order, the old ones first",
    )
    assert.equal(got.find((m) => m.n === 1)?.identifier, 'rooms/room-1')
    finish()
    const left = await redis.keys(`${base}*`)
    if (left.length > 0) await redis.del(...left)
  })
})
