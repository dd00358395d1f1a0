import type { Bus, BusHandler, Unsubscribe } from './bus.ts'
import { dispatch } from './bus.ts'

/** The embedded bus: one process, delivered synchronously in publish order. */
export class InProcessBus implements Bus {
  readonly #topics = new Map<string, Set<BusHandler>>()
  readonly #onError: (error: unknown) => void
  #closed = false

  constructor(onError: (error: unknown) => void = () => {}) {
    this.#onError = onError
  }

  async publish(topic: string, message: string): Promise<void> {
    if (this.#closed) return
    dispatch(this.#topics.get(topic), message, this.#onError)
  }

  async subscribe(topic: string, handler: BusHandler): Promise<Unsubscribe> {
    let handlers = this.#topics.get(topic)
    if (!handlers) this.#topics.set(topic, (handlers = new Set()))
    handlers.add(handler)
    return async () => {
      handlers.delete(handler)
      if (handlers.size === 0 && this.#topics.get(topic) === handlers) this.#topics.delete(topic)
    }
  }

  /** How many handlers a topic has now (tests check that a subscription ended). */
  subscribers(topic: string): number {
    return this.#topics.get(topic)?.size ?? 0
  }

  async close(): Promise<void> {
    this.#closed = true
    this.#topics.clear()
  }
}
