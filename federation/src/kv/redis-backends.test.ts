import { describe, it, after } from 'node:test'
import assert from 'node:assert/strict'
import { randomUUID } from 'node:crypto'
import { Redis } from 'ioredis'
import { testMessageQueue } from '@fedify/testing'
import { RedisKvStore } from './redis-kv-store.ts'
import { Temporal } from '@js-temporal/polyfill'
import { RedisMessageQueue, redisQueuesPending } from './redis-message-queue.ts'
import { kvStoreContract } from './kv-store-contract.ts'
import { testRedisUrl } from './redis-test-server.ts'

const { url, skip } = await testRedisUrl()
const connections: Redis[] = []
const connect = () => {
  const redis = new Redis(url, { maxRetriesPerRequest: 2 })
  connections.push(redis)
  return redis
}

async function dropPrefix(redis: Redis, prefix: string): Promise<void> {
  let cursor = '0'
  do {
    const [next, keys] = await redis.scan(cursor, 'MATCH', `${prefix}*`, 'COUNT', 500)
    if (keys.length > 0) await redis.del(...keys)
    cursor = next
  } while (cursor !== '0')
}

// Real expiry on the server: advancing the clock means waiting.
kvStoreContract(
  'redis (needs a Redis server)',
  async () => {
    const redis = connect()
    const prefix = `parley:test:${randomUUID()}:`
    return {
      kv: new RedisKvStore(redis, { prefix }),
      advance: (ms) => new Promise((resolve) => setTimeout(resolve, ms)),
      close: () => dropPrefix(redis, prefix),
    }
  },
  skip,
)

after(() => {
  for (const redis of connections) redis.disconnect()
})

describe('RedisMessageQueue (needs a Redis server)', { skip }, () => {
  it("RedisMessageQueue passes Fedify's MessageQueue conformance tests (@fedify/testing), ordering keys included", async () => {
    const prefix = `parley:test:${randomUUID()}:`
    await testMessageQueue(
      () => new RedisMessageQueue(connect(), { prefix, pollIntervalMs: 100 }),
      async ({ controller }) => {
        controller.abort()
        await dropPrefix(connections[0] as Redis, prefix)
      },
      { testOrderingKey: true },
    )
  })

  it('RedisMessageQueue hands a message whose worker died to another once the lease runs out', async () => {
    const prefix = `parley:test:${randomUUID()}:`
    const doomed = connect()
    const dying = new RedisMessageQueue(doomed, { prefix, leaseMs: 300, pollIntervalMs: 50 })
    await dying.enqueue({ n: 1 }, { orderingKey: 'k' })
    await dying.enqueue({ n: 2 }, { orderingKey: 'k' })
    // A worker claims the first message, then its node dies: its connection is gone, so nothing
    // renews the lease or completes the message.
    let release = () => {}
    const stuck = new AbortController()
    await new Promise<void>((claimed) => {
      void dying.listen(
        () => {
          claimed()
          return new Promise<void>((resolve) => (release = resolve))
        },
        { signal: stuck.signal },
      )
    })
    stuck.abort()
    doomed.disconnect()
    const seen: unknown[] = []
    const controller = new AbortController()
    const other = new RedisMessageQueue(connect(), { prefix, leaseMs: 300, pollIntervalMs: 50 })
    const listening = other.listen((message) => void seen.push(message), { signal: controller.signal })
    for (let i = 0; i < 100 && seen.length < 2; i++) await new Promise((resolve) => setTimeout(resolve, 20))
    assert.deepEqual(seen, [{ n: 1 }, { n: 2 }], 'the lost message first, then the next of its key')
    controller.abort()
    await listening
    release()
    await dropPrefix(connections[0] as Redis, prefix)
  })

  it('RedisMessageQueue.pending() counts waiting, delayed and running messages, until the last handler finished', async () => {
    const prefix = `parley:test:${randomUUID()}:`
    const redis = connect()
    const mq = new RedisMessageQueue(redis, { prefix, pollIntervalMs: 20, concurrency: 1 })
    const tasks = new RedisMessageQueue(redis, { prefix: `${prefix}tasks:`, pollIntervalMs: 20 })
    await mq.enqueue({ n: 1 }, { orderingKey: 'k' })
    await mq.enqueue({ n: 2 }, { orderingKey: 'k' })
    await mq.enqueue({ n: 3 }, { delay: Temporal.Duration.from({ hours: 1 }) })
    await tasks.enqueue({ task: 1 })
    assert.deepEqual(await mq.pending(), { waiting: 2, running: 0, delayed: 1, total: 3 })
    assert.deepEqual(await redisQueuesPending(redis, [prefix, `${prefix}tasks:`]), {
      waiting: 3,
      running: 0,
      delayed: 1,
      total: 4,
    })
    let release = () => {}
    const seen: unknown[] = []
    const controller = new AbortController()
    let listening: Promise<void> = Promise.resolve()
    await new Promise<void>((started) => {
      listening = mq.listen(
        (message) => {
          seen.push(message)
          if (seen.length > 1) return
          started()
          return new Promise<void>((resolve) => (release = resolve))
        },
        { signal: controller.signal },
      )
    })
    assert.deepEqual(await mq.pending(), { waiting: 1, running: 1, delayed: 1, total: 3 }, 'the running one counts')
    release()
    for (let i = 0; i < 250 && (await mq.pending()).total > 1; i++)
      await new Promise((resolve) => setTimeout(resolve, 20))
    assert.deepEqual(
      await mq.pending(),
      { waiting: 0, running: 0, delayed: 1, total: 1 },
      'the retry not due yet is left',
    )
    assert.deepEqual(seen, [{ n: 1 }, { n: 2 }])
    controller.abort()
    await listening
    await dropPrefix(connections[0] as Redis, prefix)
  })
})
