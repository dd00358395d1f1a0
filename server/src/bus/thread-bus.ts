/**
 * The embedded bus when federation work runs on several threads (PARLEY_FEDERATION_WORKERS without
 * Redis): what one thread publishes reaches the subscribers of its own thread at once (as the
 * in-process bus does) and those of the other threads of the process through a BroadcastChannel
 * named for the instance, so a message a worker thread stores reaches the clients connected to the
 * main thread. Order is kept per publishing thread (BroadcastChannel delivers in send order).
 */
import { BroadcastChannel } from 'node:worker_threads'
import type { Bus, BusHandler, Unsubscribe } from './bus.ts'
import { dispatch } from './bus.ts'

type Envelope = { topic: string; message: string }

export class ThreadBus implements Bus {
  readonly #topics = new Map<string, Set<BusHandler>>()
  readonly #onError: (error: unknown) => void
  readonly #channel: BroadcastChannel
  #closed = false

  /** `name`: the same on every thread of one instance, different between instances in a process. */
  constructor(name: string, onError: (error: unknown) => void = () => {}) {
    this.#onError = onError
    this.#channel = new BroadcastChannel(name)
    this.#channel.unref()
    this.#channel.onmessage = (event) => {
      const { topic, message } = (event as { data: Envelope }).data
      if (!this.#closed) dispatch(this.#topics.get(topic), message, this.#onError)
    }
  }

  async publish(topic: string, message: string): Promise<void> {
    if (this.#closed) return
    dispatch(this.#topics.get(topic), message, this.#onError)
    this.#channel.postMessage({ topic, message } satisfies Envelope)
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

  async close(): Promise<void> {
    if (this.#closed) return
    this.#closed = true
    this.#topics.clear()
    this.#channel.close()
  }
}

/** The channel of one instance's threads: its public origin and data folder (tests run several per process). */
export function threadBusName(config: { publicOrigin: string; dataDir: string }): string {
  return `parley-bus\n${config.publicOrigin}\n${config.dataDir}`
}
