/**
 * Expires messages at their `expiresAt`, not at the next minute's sweep: one timer, armed for the
 * earliest expiry in the store and moved earlier when a sooner one is posted. When it fires, the
 * chat removes what is due (announcing each with a `message.expired` event) and the timer is
 * armed again for the next one.
 */
import type { Logger } from '../logger.ts'

/** setTimeout's largest delay (about 24.8 days); longer waits are taken in steps. */
const MAX_DELAY_MS = 2 ** 31 - 1

/** How the timer waits: the real setTimeout, or a test's manual clock. */
export type Timers = {
  set(run: () => void, delayMs: number): unknown
  clear(handle: unknown): void
}

export const realTimers: Timers = {
  set: (run, delayMs) => {
    const handle = setTimeout(run, delayMs)
    // A pending expiry never keeps the process alive: the store remembers it.
    handle.unref()
    return handle
  },
  clear: (handle) => clearTimeout(handle as ReturnType<typeof setTimeout>),
}

export type MessageExpiryDeps = {
  /** Removes and announces every message expired by now. */
  expireDue(): Promise<unknown>
  /** The earliest expiresAt in the store, or null. */
  nextExpiry(): Promise<number | null>
  now: () => number
  timers?: Timers
  logger: Logger
}

export class MessageExpiry {
  readonly #deps: MessageExpiryDeps
  readonly #timers: Timers
  #handle: unknown = null
  #due: number | null = null
  #running: Promise<void> | null = null
  #closed = false

  constructor(deps: MessageExpiryDeps) {
    this.#deps = deps
    this.#timers = deps.timers ?? realTimers
  }

  /** Arms the timer for the earliest expiry in the store. */
  async start(): Promise<void> {
    await this.#rearm()
  }

  /** A message that expires at `at` was stored: wake up then if that is sooner than planned. */
  scheduled(at: number): void {
    if (this.#closed || (this.#due !== null && this.#due <= at)) return
    this.#arm(at)
  }

  /** Runs an expiry pass now (also what the timer does); passes never overlap. */
  async run(): Promise<void> {
    if (this.#running) return this.#running
    this.#running = (async () => {
      try {
        await this.#deps.expireDue()
      } catch (error) {
        this.#deps.logger.warn({ err: error, component: 'expiry' }, 'message expiry failed; retried by the sweep')
      } finally {
        this.#running = null
      }
      await this.#rearm()
    })()
    return this.#running
  }

  close(): void {
    this.#closed = true
    if (this.#handle !== null) this.#timers.clear(this.#handle)
    this.#handle = null
    this.#due = null
  }

  async #rearm(): Promise<void> {
    if (this.#closed) return
    let next: number | null
    try {
      next = await this.#deps.nextExpiry()
    } catch (error) {
      this.#deps.logger.warn({ err: error, component: 'expiry' }, 'next expiry unknown; the sweep takes over')
      return
    }
    if (next === null) {
      if (this.#handle !== null) this.#timers.clear(this.#handle)
      this.#handle = null
      this.#due = null
    } else this.#arm(next)
  }

  #arm(at: number): void {
    if (this.#closed) return
    if (this.#handle !== null) this.#timers.clear(this.#handle)
    this.#due = at
    const delay = Math.min(Math.max(0, at - this.#deps.now()), MAX_DELAY_MS)
    this.#handle = this.#timers.set(() => {
      this.#handle = null
      this.#due = null
      // A long wait taken in steps: not due yet, arm again.
      if (this.#deps.now() < at) return this.#arm(at)
      void this.run()
    }, delay)
  }
}
