import { describe, it, after } from 'node:test'
import assert from 'node:assert/strict'
import { randomUUID } from 'node:crypto'
import { Redis } from 'ioredis'
import { testMessageQueue } from '@fedify/testing'
import { RedisKvStore } from './redis-kv-store.ts'
import { RedisMessageQueue } from './redis-message-queue.ts'
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
})
