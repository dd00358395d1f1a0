/**
 * Fedify's cache and queue for one instance, by backend: `sqlite` (embedded: a file of its own, WAL)
 * or `redis` (production and scale-out: every node of the instance shares them).
 */
import type { KvStore, MessageQueue } from '@fedify/fedify'
import { openFederationDatabase } from './sqlite-database.ts'
import { SqliteKvStore } from './sqlite-kv-store.ts'
import { SqliteMessageQueue } from './sqlite-message-queue.ts'
import { GroupCommit } from './group-commit.ts'
import { RedisKvStore } from './redis-kv-store.ts'
import { RedisMessageQueue, redisQueuesPending } from './redis-message-queue.ts'
import { addPending, type QueuePending } from './queue-pending.ts'
import { redisClass } from './ioredis.ts'
import {
  adoptRedisQueue,
  adoptSqliteQueue,
  LEGACY_ROOM_QUEUE_PREFIX,
  LEGACY_ROOM_QUEUE_TABLE,
} from './legacy-queues.ts'

export type QueueBackendOptions =
  | { backend: 'sqlite'; path: string; onError?: (error: unknown) => void }
  | {
      backend: 'redis'
      url: string
      /** Keys of this instance start with it (nodes of one instance share it). */ prefix: string
      onError?: (error: unknown) => void
    }

export type QueueBackends = {
  kv: KvStore
  queue: MessageQueue
  /** Parley's own federation tasks that local actions hand off (see profile-updates.ts). */
  taskQueue: MessageQueue
  /**
   * Moves what a previous version left in queues this one no longer reads (the rooms' own queue
   * before one federation: legacy-queues.ts) into the one queue; how many messages moved. Run
   * before the queue starts.
   */
  adoptLegacyQueues(): Promise<number>
  /** Messages of `queue` this process's listeners have handled (the SQLite queue counts; Redis: 0). */
  handled(): number
  /**
   * Messages of `queue` and `taskQueue` not finished yet, by any process sharing them — those being
   * handled included — read at once, so none is missed while it moves from one queue to the other.
   * `total` 0: drained (tests wait for it instead of sleeping).
   */
  pending(): Promise<QueuePending>
  close(): Promise<void>
}

export function openQueueBackends(options: QueueBackendOptions): QueueBackends {
  const onError = options.onError ?? (() => {})
  switch (options.backend) {
    case 'sqlite': {
      const db = openFederationDatabase(options.path)
      // Federation worker threads open the same file: they wake each other on enqueue.
      const wakeChannel = (table: string) => `parley-queue\n${options.path}\n${table}`
      const queue = new SqliteMessageQueue(db, { onError, wakeChannel: wakeChannel('fedify_queue') })
      const taskQueue = new SqliteMessageQueue(db, {
        table: 'parley_federation_tasks',
        concurrency: 2,
        onError,
        wakeChannel: wakeChannel('parley_federation_tasks'),
      })
      return {
        kv: new SqliteKvStore(db),
        queue,
        taskQueue,
        adoptLegacyQueues: async () => adoptSqliteQueue(db, LEGACY_ROOM_QUEUE_TABLE, 'fedify_queue'),
        handled: () => queue.handled,
        pending: async () => {
          // One read transaction over both tables: a task that enqueues a delivery and then finishes
          // (another thread) cannot fall between the two counts.
          db.exec('BEGIN')
          try {
            return addPending(queue.pending(), taskQueue.pending())
          } finally {
            db.exec('COMMIT')
          }
        },
        close: async () => {
          queue.close()
          taskQueue.close()
          // Writes still waiting for the end of this turn are committed, not lost with the connection.
          GroupCommit.of(db).flush()
          db.close()
        },
      }
    }
    case 'redis': {
      const Redis = redisClass()
      const redis = new Redis(options.url, { maxRetriesPerRequest: 3 })
      redis.on('error', onError)
      const queuePrefix = `${options.prefix}mq:`
      const taskPrefix = `${options.prefix}tq:`
      return {
        kv: new RedisKvStore(redis, { prefix: `${options.prefix}kv:` }),
        queue: new RedisMessageQueue(redis, { prefix: queuePrefix, onError }),
        taskQueue: new RedisMessageQueue(redis, { prefix: taskPrefix, concurrency: 2, onError }),
        adoptLegacyQueues: () =>
          adoptRedisQueue(redis, `${options.prefix}${LEGACY_ROOM_QUEUE_PREFIX}`, `${options.prefix}mq:`),
        handled: () => 0,
        pending: () => redisQueuesPending(redis, [queuePrefix, taskPrefix]),
        close: async () => {
          await redis.quit().catch(() => redis.disconnect())
        },
      }
    }
  }
}

/** Resolves when Redis at `url` answers PING within `timeoutMs`; rejects with the reason otherwise. */
export async function pingRedis(url: string, timeoutMs = 3000): Promise<void> {
  const Redis = redisClass()
  const redis = new Redis(url, {
    lazyConnect: true,
    maxRetriesPerRequest: 0,
    retryStrategy: () => null,
    connectTimeout: timeoutMs,
  })
  redis.on('error', () => {})
  try {
    await redis.connect()
    await redis.ping()
  } finally {
    redis.disconnect()
  }
}
