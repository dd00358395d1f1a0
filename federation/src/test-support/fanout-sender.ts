/**
 * Tests only: a Fedify federation whose actor `star` fans an Update out to followers' inboxes,
 * over Parley's real queue and KV backends (a SQLite file, or Redis under a key prefix), with
 * short leases so that a killed process's messages are taken again within a second. Run as a
 * script (`node fanout-sender.ts '<json config>'`), it enqueues the fan-out, delivers, and is
 * meant to be killed mid-way: the restart tests then start another sender on the same storage.
 */
import { webcrypto } from 'node:crypto'
import { DatabaseSync } from 'node:sqlite'
import {
  createExponentialBackoffPolicy,
  createFederation,
  importJwk,
  type KvStore,
  type MessageQueue,
} from '@fedify/fedify'
import { Person, Update } from '@fedify/fedify/vocab'
import { Redis } from 'ioredis'
import { SqliteKvStore } from '../kv/sqlite-kv-store.ts'
import { SqliteMessageQueue } from '../kv/sqlite-message-queue.ts'
import { RedisKvStore } from '../kv/redis-kv-store.ts'
import { RedisMessageQueue } from '../kv/redis-message-queue.ts'

export type FanoutSenderConfig = {
  storage: { backend: 'sqlite'; path: string } | { backend: 'redis'; url: string; prefix: string }
  /** The actor's key pair, as JWKs (the same in every process). */
  keys: { privateKey: webcrypto.JsonWebKey; publicKey: webcrypto.JsonWebKey }
  /** Messages one listener handles at a time. */
  concurrency: number
}

export type FanoutSender = {
  kv: KvStore
  queue: MessageQueue
  /** Enqueues one Update from `star` to these inboxes (one follower each). */
  fanOut(inboxes: readonly string[], activityId: string): Promise<void>
  start(): void
  close(): Promise<void>
}

export async function openFanoutSender(config: FanoutSenderConfig): Promise<FanoutSender> {
  const leaseMs = 1000
  let kv: KvStore
  let queue: MessageQueue
  let closeStorage: () => void
  if (config.storage.backend === 'sqlite') {
    const db = new DatabaseSync(config.storage.path)
    db.exec('PRAGMA journal_mode = WAL; PRAGMA busy_timeout = 5000')
    kv = new SqliteKvStore(db)
    const sqliteQueue = new SqliteMessageQueue(db, { leaseMs, pollIntervalMs: 100, concurrency: config.concurrency })
    queue = sqliteQueue
    closeStorage = () => {
      sqliteQueue.close()
      db.close()
    }
  } else {
    const redis = new Redis(config.storage.url, { maxRetriesPerRequest: 2 })
    kv = new RedisKvStore(redis, { prefix: `${config.storage.prefix}kv:` })
    queue = new RedisMessageQueue(redis, {
      prefix: `${config.storage.prefix}mq:`,
      leaseMs,
      pollIntervalMs: 100,
      concurrency: config.concurrency,
    })
    closeStorage = () => redis.disconnect()
  }
  const pair = {
    privateKey: await importJwk(config.keys.privateKey, 'private'),
    publicKey: await importJwk(config.keys.publicKey, 'public'),
  }
  const federation = createFederation<void>({
    kv,
    queue,
    manuallyStartQueue: true,
    // Fedify's own loaders: the sink is on loopback, and the Update needs only preloaded contexts.
    allowPrivateAddress: true,
    // A failed delivery is tried again within a second (retry tests).
    outboxRetryPolicy: createExponentialBackoffPolicy({
      maxAttempts: 5,
      initialDelay: { milliseconds: 200 },
      maxDelay: { seconds: 1 },
    }),
  })
  federation
    .setActorDispatcher('/users/{identifier}', async (ctx, identifier) =>
      identifier === 'star' ? new Person({ id: ctx.getActorUri(identifier), preferredUsername: identifier }) : null,
    )
    .setKeyPairsDispatcher((_ctx, identifier) => (identifier === 'star' ? [pair] : []))
  const abort = new AbortController()
  let running: Promise<void> = Promise.resolve()
  const ctx = federation.createContext(new URL('https://parley.example'), undefined)
  return {
    kv,
    queue,
    async fanOut(inboxes, activityId) {
      await ctx.sendActivity(
        { identifier: 'star' },
        inboxes.map((inbox, i) => ({ id: new URL(`${new URL(inbox).origin}/users/f${i}`), inboxId: new URL(inbox) })),
        new Update({ id: new URL(activityId), actor: ctx.getActorUri('star') }),
      )
    },
    start() {
      running = federation.startQueue(undefined, { signal: abort.signal })
    },
    async close() {
      abort.abort()
      // The listeners stop (and let go of the storage) before it is closed.
      await running.catch(() => {})
      closeStorage()
    },
  }
}

/** RSA key pair as JWKs, to hand to every sender process of one test. */
export async function fanoutSenderKeys(): Promise<FanoutSenderConfig['keys']> {
  const pair = await webcrypto.subtle.generateKey(
    { name: 'RSASSA-PKCS1-v1_5', modulusLength: 2048, publicExponent: new Uint8Array([1, 0, 1]), hash: 'SHA-256' },
    true,
    ['sign', 'verify'],
  )
  return {
    privateKey: await webcrypto.subtle.exportKey('jwk', pair.privateKey),
    publicKey: await webcrypto.subtle.exportKey('jwk', pair.publicKey),
  }
}

// As a script: fan out to the given inboxes and deliver until killed.
if (import.meta.main) {
  const { config, inboxes, activityId } = JSON.parse(process.argv[2] ?? '{}') as {
    config: FanoutSenderConfig
    inboxes: string[]
    activityId: string
  }
  const sender = await openFanoutSender(config)
  await sender.fanOut(inboxes, activityId)
  sender.start()
  process.send?.('started')
}
