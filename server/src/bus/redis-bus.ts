/**
 * Redis pub/sub bus (ioredis): one connection publishes, one subscribes (a subscribed connection can
 * do nothing else). Each topic is subscribed on Redis once per node however many local handlers it
 * has. Channels carry a prefix so several deployments can share one Redis.
 */
import type { Redis } from 'ioredis'
import type { Bus, BusHandler, Unsubscribe } from './bus.ts'
import { dispatch } from './bus.ts'
import { redisClass } from './ioredis.ts'

export type RedisBusOptions = { url: string; prefix?: string; onError?: (error: unknown) => void }

export class RedisBus implements Bus {
  /** The Redis this bus runs on, and its key prefix: the call leases live there too (calls/call-lease.ts). */
  readonly url: string
  readonly prefix: string
  readonly #pub: Redis
  readonly #sub: Redis
  readonly #prefix: string
  readonly #topics = new Map<string, Set<BusHandler>>()
  readonly #pending = new Map<string, Promise<unknown>>()
  readonly #onError: (error: unknown) => void
  #closed = false

  constructor(options: RedisBusOptions) {
    this.#prefix = options.prefix ?? 'parley:'
    this.url = options.url
    this.prefix = this.#prefix
    this.#onError = options.onError ?? (() => {})
    const Client = redisClass()
    this.#pub = new Client(options.url, { lazyConnect: false, maxRetriesPerRequest: 3 })
    this.#sub = new Client(options.url, { lazyConnect: false })
    for (const client of [this.#pub, this.#sub]) client.on('error', (error: unknown) => this.#onError(error))
    this.#sub.on('message', (channel: string, message: string) => {
      dispatch(this.#topics.get(channel.slice(this.#prefix.length)), message, this.#onError)
    })
  }

  async publish(topic: string, message: string): Promise<void> {
    if (this.#closed) return
    await this.#pub.publish(this.#prefix + topic, message)
  }

  async subscribe(topic: string, handler: BusHandler): Promise<Unsubscribe> {
    let handlers = this.#topics.get(topic)
    if (!handlers) {
      this.#topics.set(topic, (handlers = new Set()))
      this.#pending.set(topic, this.#sub.subscribe(this.#prefix + topic))
    }
    handlers.add(handler)
    await this.#pending.get(topic)
    return async () => {
      handlers.delete(handler)
      if (handlers.size > 0 || this.#topics.get(topic) !== handlers) return
      this.#topics.delete(topic)
      this.#pending.delete(topic)
      if (!this.#closed) await this.#sub.unsubscribe(this.#prefix + topic)
    }
  }

  async close(): Promise<void> {
    if (this.#closed) return
    this.#closed = true
    this.#topics.clear()
    await Promise.allSettled([this.#pub.quit(), this.#sub.quit()])
  }
}
