/**
 * A typed event emitter whose listeners can never break the emitter: an exception (or a rejected
 * promise) thrown by one listener is reported to `onListenerError` and the remaining listeners still
 * run. Model: versatica/mediasoup node/src/enhancedEvents.ts (`safeEmit`).
 */
import { EventEmitter } from 'node:events'

export type EventMap = Record<string, unknown[]>
export type Listener<Args extends unknown[]> = (...args: Args) => unknown

export class EnhancedEventEmitter<E extends EventMap> {
  #emitter = new EventEmitter({ captureRejections: false })
  #onListenerError: (event: string, error: unknown) => void

  constructor(onListenerError: (event: string, error: unknown) => void = () => {}) {
    this.#emitter.setMaxListeners(Infinity)
    this.#onListenerError = onListenerError
  }

  on<K extends keyof E & string>(event: K, listener: Listener<E[K]>): this {
    this.#emitter.on(event, listener as (...args: unknown[]) => void)
    return this
  }

  once<K extends keyof E & string>(event: K, listener: Listener<E[K]>): this {
    this.#emitter.once(event, listener as (...args: unknown[]) => void)
    return this
  }

  off<K extends keyof E & string>(event: K, listener: Listener<E[K]>): this {
    this.#emitter.off(event, listener as (...args: unknown[]) => void)
    return this
  }

  listenerCount<K extends keyof E & string>(event: K): number {
    return this.#emitter.listenerCount(event)
  }

  removeAllListeners(): void {
    this.#emitter.removeAllListeners()
  }

  /** Calls every listener in turn; returns whether there were any. Never throws. */
  safeEmit<K extends keyof E & string>(event: K, ...args: E[K]): boolean {
    const listeners = this.#emitter.rawListeners(event) as ((...a: unknown[]) => unknown)[]
    for (const raw of listeners) {
      // rawListeners returns once-wrappers, which remove themselves when called.
      try {
        const result = raw.apply(this, args)
        if (result instanceof Promise) result.catch((error: unknown) => this.#report(event, error))
      } catch (error) {
        this.#report(event, error)
      }
    }
    return listeners.length > 0
  }

  #report(event: string, error: unknown): void {
    try {
      this.#onListenerError(event, error)
    } catch {
      // The error reporter failing must not break the emitter either.
    }
  }
}

/** Thrown when a closed object is used (a programmer error, not an expected outcome). */
export class InvalidStateError extends Error {
  constructor(message: string) {
    super(message)
    this.name = 'InvalidStateError'
  }
}
