/**
 * Fedify's MessageQueue on Redis (ioredis), shared by every node of a scaled-out instance. Same
 * guarantees as the SQLite queue: a message is leased while its handler runs (the lease renewed)
 * and removed only when done, so a crashed node's messages come back when their lease runs out;
 * messages with one ordering key are handled one at a time, in order (a per-key list and lock).
 *
 * Keys (under the prefix): `ready` (list of entries and ordering-key tokens), `delayed` (sorted set
 * by due time), `processing` (sorted set by lease deadline), `key:<k>` (list per ordering key),
 * `lock:<k>`. The Lua scripts touch keys they compute, so this suits one Redis, not Redis Cluster.
 * Nodes find new work by polling (`pollIntervalMs`); enqueues on the same node wake it at once.
 */
import { randomUUID } from 'node:crypto'
import type { Redis } from 'ioredis'
import type {
  MessageQueue,
  MessageQueueDepth,
  MessageQueueEnqueueOptions,
  MessageQueueListenOptions,
} from '@fedify/fedify'
import { durationMs } from './sqlite-database.ts'
import { runPollWorkers, wakeEvent } from './poll-workers.ts'
import { pendingOf, type QueuePending } from './queue-pending.ts'

// Moves due delayed messages and expired leases back to ready, then claims one message.
// KEYS: none (prefix in ARGV[1]); ARGV: prefix, now, lease deadline. Returns the processing member or nil.
const CLAIM = `
local p, now, deadline = ARGV[1], tonumber(ARGV[2]), ARGV[3]
local function push(k, e, front)
  if k and k ~= cjson.null then
    if front then redis.call('LPUSH', p .. 'key:' .. k, e) else redis.call('RPUSH', p .. 'key:' .. k, e) end
    redis.call('RPUSH', p .. 'ready', cjson.encode({token = k}))
  else
    if front then redis.call('RPUSH', p .. 'ready', e) else redis.call('LPUSH', p .. 'ready', e) end
  end
end
for _, member in ipairs(redis.call('ZRANGEBYSCORE', p .. 'delayed', '-inf', now, 'LIMIT', 0, 100)) do
  redis.call('ZREM', p .. 'delayed', member)
  local d = cjson.decode(member)
  push(d.k, d.e, false)
end
for _, member in ipairs(redis.call('ZRANGEBYSCORE', p .. 'processing', '-inf', now, 'LIMIT', 0, 100)) do
  redis.call('ZREM', p .. 'processing', member)
  local d = cjson.decode(member)
  if d.k and d.k ~= cjson.null then redis.call('DEL', p .. 'lock:' .. d.k) end
  push(d.k, d.e, true)
end
for _ = 1, 50 do
  local item = redis.call('RPOP', p .. 'ready')
  if not item then return nil end
  local d = cjson.decode(item)
  if d.token then
    if redis.call('EXISTS', p .. 'lock:' .. d.token) == 0 then
      local e = redis.call('LPOP', p .. 'key:' .. d.token)
      if e then
        redis.call('SET', p .. 'lock:' .. d.token, '1')
        local member = cjson.encode({k = d.token, e = e})
        redis.call('ZADD', p .. 'processing', deadline, member)
        return member
      end
    end
  else
    local member = cjson.encode({k = cjson.null, e = item})
    redis.call('ZADD', p .. 'processing', deadline, member)
    return member
  end
end
return nil
`

// ARGV: prefix, member. Finishes a message: releases its key and re-tokens the key if more wait.
const COMPLETE = `
local p, member = ARGV[1], ARGV[2]
redis.call('ZREM', p .. 'processing', member)
local d = cjson.decode(member)
if d.k and d.k ~= cjson.null then
  redis.call('DEL', p .. 'lock:' .. d.k)
  if redis.call('LLEN', p .. 'key:' .. d.k) > 0 then redis.call('RPUSH', p .. 'ready', cjson.encode({token = d.k})) end
end
return 1
`

// ARGV: now, then one prefix per queue. Returns {waiting, running, delayed} summed over the queues,
// read in one script so that no message moves between them while counting. Entries of `ready` that
// are ordering-key tokens are no messages: the messages wait in the `key:<k>` lists.
const PENDING = `
local now = tonumber(ARGV[1])
local waiting, running, delayed = 0, 0, 0
for i = 2, #ARGV do
  local p = ARGV[i]
  running = running + redis.call('ZCARD', p .. 'processing')
  local due = redis.call('ZCOUNT', p .. 'delayed', '-inf', now)
  waiting = waiting + due
  delayed = delayed + redis.call('ZCARD', p .. 'delayed') - due
  for _, item in ipairs(redis.call('LRANGE', p .. 'ready', 0, -1)) do
    if string.sub(item, 1, 9) ~= '{"token":' then waiting = waiting + 1 end
  end
  local cursor = '0'
  repeat
    local page = redis.call('SCAN', cursor, 'MATCH', p .. 'key:*', 'COUNT', 100)
    cursor = page[1]
    for _, key in ipairs(page[2]) do waiting = waiting + redis.call('LLEN', key) end
  until cursor == '0'
end
return {waiting, running, delayed}
`

/** Messages not finished in the queues of these prefixes, read at once (one script). */
export async function redisQueuesPending(redis: Redis, prefixes: readonly string[]): Promise<QueuePending> {
  const [waiting, running, delayed] = (await redis.eval(PENDING, 0, String(Date.now()), ...prefixes)) as number[]
  return pendingOf(waiting ?? 0, running ?? 0, delayed ?? 0)
}

export type RedisMessageQueueOptions = {
  /** Prepended to every Redis key. Default `parley:fedify:mq:`. */
  prefix?: string
  pollIntervalMs?: number
  leaseMs?: number
  /** Messages one `listen()` call handles at a time (deliveries wait on the network). Default 16. */
  concurrency?: number
  onError?: (error: unknown) => void
}

export class RedisMessageQueue implements MessageQueue {
  readonly nativeRetrial = false
  readonly #redis: Redis
  readonly #prefix: string
  readonly #pollIntervalMs: number
  readonly #leaseMs: number
  readonly #concurrency: number
  readonly #onError: (error: unknown) => void
  readonly #wake = new EventTarget()

  /** The connection is the caller's: closing the queue does not close it. */
  constructor(redis: Redis, options: RedisMessageQueueOptions = {}) {
    this.#redis = redis
    this.#prefix = options.prefix ?? 'parley:fedify:mq:'
    this.#pollIntervalMs = options.pollIntervalMs ?? 250
    this.#leaseMs = options.leaseMs ?? 30_000
    this.#concurrency = Math.max(1, options.concurrency ?? 16)
    this.#onError = options.onError ?? (() => {})
  }

  async enqueue(message: unknown, options?: MessageQueueEnqueueOptions): Promise<void> {
    return this.enqueueMany([message], options)
  }

  async enqueueMany(messages: readonly unknown[], options?: MessageQueueEnqueueOptions): Promise<void> {
    if (messages.length === 0) return
    const delay = durationMs(options?.delay)
    const key = options?.orderingKey ?? null
    const p = this.#prefix
    const multi = this.#redis.multi()
    for (const message of messages) {
      const entry = JSON.stringify({ id: randomUUID(), body: JSON.stringify(message) })
      if (delay > 0) multi.zadd(`${p}delayed`, Date.now() + delay, JSON.stringify({ k: key, e: entry }))
      else if (key !== null) multi.rpush(`${p}key:${key}`, entry).lpush(`${p}ready`, JSON.stringify({ token: key }))
      else multi.lpush(`${p}ready`, entry)
    }
    await multi.exec()
    if (delay === 0) this.#wake.dispatchEvent(wakeEvent(messages.length))
    else setTimeout(() => this.#wake.dispatchEvent(wakeEvent(messages.length)), delay).unref()
  }

  async getDepth(): Promise<MessageQueueDepth> {
    const p = this.#prefix
    const [ready, delayed] = await Promise.all([this.#redis.llen(`${p}ready`), this.#redis.zcard(`${p}delayed`)])
    return { queued: ready + delayed, ready, delayed }
  }

  /** Messages not finished yet, those being handled included (getDepth() leaves them out): 0 means drained. */
  pending(): Promise<QueuePending> {
    return redisQueuesPending(this.#redis, [this.#prefix])
  }

  async listen(
    handler: (message: unknown) => Promise<void> | void,
    options?: MessageQueueListenOptions,
  ): Promise<void> {
    await runPollWorkers({
      wake: this.#wake,
      signal: options?.signal,
      concurrency: this.#concurrency,
      pollIntervalMs: this.#pollIntervalMs,
      claim: async () => {
        try {
          return (await this.#redis.eval(
            CLAIM,
            0,
            this.#prefix,
            String(Date.now()),
            String(Date.now() + this.#leaseMs),
          )) as string | null
        } catch (error) {
          this.#onError(error)
          return null
        }
      },
      handle: (claimed) => this.#handle(claimed, handler),
    })
  }

  async #handle(member: string, handler: (message: unknown) => Promise<void> | void): Promise<void> {
    const renew = setInterval(
      () => {
        this.#redis.zadd(`${this.#prefix}processing`, 'XX', Date.now() + this.#leaseMs, member).catch(this.#onError)
      },
      Math.max(10, Math.floor(this.#leaseMs / 3)),
    )
    try {
      const { e } = JSON.parse(member) as { e: string }
      const { body } = JSON.parse(e) as { body: string }
      await handler(JSON.parse(body))
    } catch (error) {
      this.#onError(error)
    } finally {
      clearInterval(renew)
      await this.#redis.eval(COMPLETE, 0, this.#prefix, member).catch(this.#onError)
    }
  }
}
