/**
 * A clock tests move by hand: `now()` starts at the real time and only advances when told, and
 * timers set through it fire when the clock passes their time. A stand-in for waiting a minute of
 * real time for a message to expire; everything the timers run (store, events, sockets) is real.
 */
import type { Timers } from '../rooms/message-expiry.ts'

type Pending = { at: number; run: () => void }

export class ManualClock {
  #now: number
  readonly #pending = new Set<Pending>()
  readonly now = (): number => this.#now
  readonly timers: Timers = {
    set: (run, delayMs) => {
      const pending = { at: this.#now + delayMs, run }
      this.#pending.add(pending)
      return pending
    },
    clear: (handle) => {
      this.#pending.delete(handle as Pending)
    },
  }

  constructor(start = Date.now()) {
    this.#now = start
  }

  /** Moves the clock on and runs the timers that became due, earliest first. */
  advance(ms: number): void {
    this.#now += ms
    const due = [...this.#pending].filter((p) => p.at <= this.#now).sort((a, b) => a.at - b.at)
    for (const p of due) {
      this.#pending.delete(p)
      p.run()
    }
  }
}
