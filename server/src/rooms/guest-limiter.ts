/**
 * Room password attempts, per client address and room, with exponential backoff: the first few
 * wrong passwords cost nothing, then each one doubles the wait (1 s, 2 s, 4 s… up to 15 minutes).
 * A right password clears the count. In memory: one node (each node keeps its own counts).
 */
export type AttemptCheck = { ok: true } | { ok: false; retryAfterSeconds: number }

const FREE_ATTEMPTS = 3
const MAX_WAIT_MS = 15 * 60 * 1000
const FORGET_AFTER_MS = 60 * 60 * 1000

export class PasswordAttemptLimiter {
  readonly #entries = new Map<string, { failures: number; lockedUntil: number; lastAt: number }>()
  readonly #now: () => number

  constructor(now: () => number = Date.now) {
    this.#now = now
  }

  check(address: string, roomId: string): AttemptCheck {
    const entry = this.#entries.get(`${address} ${roomId}`)
    const now = this.#now()
    if (!entry || entry.lockedUntil <= now) return { ok: true }
    return { ok: false, retryAfterSeconds: Math.max(1, Math.ceil((entry.lockedUntil - now) / 1000)) }
  }

  failed(address: string, roomId: string): void {
    const key = `${address} ${roomId}`
    const now = this.#now()
    this.#sweep(now)
    const entry = this.#entries.get(key) ?? { failures: 0, lockedUntil: 0, lastAt: now }
    entry.failures += 1
    entry.lastAt = now
    if (entry.failures >= FREE_ATTEMPTS) entry.lockedUntil = now + Math.min(MAX_WAIT_MS, 1000 * 2 ** (entry.failures - FREE_ATTEMPTS))
    this.#entries.set(key, entry)
  }

  succeeded(address: string, roomId: string): void {
    this.#entries.delete(`${address} ${roomId}`)
  }

  #sweep(now: number): void {
    if (this.#entries.size < 10_000) return
    for (const [key, entry] of this.#entries) if (now - entry.lastAt > FORGET_AFTER_MS) this.#entries.delete(key)
  }
}
