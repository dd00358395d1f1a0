/**
 * "Exactly one node does this": a timer that every node arms (a status expiring) must be acted on
 * once. With Redis, the first node to SET NX the key wins; one node alone always wins.
 */
import type { Redis } from 'ioredis'
import { redisClass } from './ioredis.ts'

export interface OnceClaims {
  /** True for the first caller with this key on any node (within `ttlMs`), false for the others. */
  claim(key: string, ttlMs: number): Promise<boolean>
  close(): Promise<void>
}

export class LocalOnceClaims implements OnceClaims {
  async claim(): Promise<boolean> {
    return true
  }
  async close(): Promise<void> {}
}

export class RedisOnceClaims implements OnceClaims {
  readonly #redis: Redis
  readonly #prefix: string

  constructor(options: { url: string; prefix: string; onError: (error: unknown) => void }) {
    this.#redis = new (redisClass())(options.url, { maxRetriesPerRequest: 3 })
    this.#redis.on('error', options.onError)
    this.#prefix = options.prefix
  }

  async claim(key: string, ttlMs: number): Promise<boolean> {
    return (await this.#redis.set(`${this.#prefix}once:${key}`, '1', 'PX', ttlMs, 'NX')) === 'OK'
  }

  async close(): Promise<void> {
    await this.#redis.quit()
  }
}
