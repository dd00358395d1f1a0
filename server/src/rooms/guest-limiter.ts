/**
 * Room password attempts, per client address and room and per room (from any address), with
 * exponential backoff: the first few wrong passwords cost nothing, then each one doubles the wait
 * (1 s, 2 s, 4 s… up to 15 minutes). An attempt is charged when it starts (`begin`), before the
 * password hash is checked: checking takes tens of milliseconds, and an attempt counted only once
 * found wrong let 40 concurrent guesses all be checked. A right password refunds its charge and
 * clears the address's count. In memory: one node (each node keeps its own counts).
 */
export type AttemptCheck = { ok: true } | { ok: false; retryAfterSeconds: number }

const FREE_ATTEMPTS = 3
/** Attempts on one room from every address together before it backs off too. */
const FREE_ROOM_ATTEMPTS = 20
const MAX_WAIT_MS = 15 * 60 * 1000
const FORGET_AFTER_MS = 60 * 60 * 1000

export class PasswordAttemptLimiter {
  readonly #entries = new Map<string, { failures: number; lockedUntil: number; lastAt: number }>()
  readonly #now: () => number

  constructor(now: () => number = Date.now) {
    this.#now = now
  }

  /** Charges an attempt on the room by `address`, or refuses it while either count is backing off. */
  begin(address: string, roomId: string): AttemptCheck {
    const now = this.#now()
    this.#sweep(now)
    const keys = [`${address} ${roomId}`, `* ${roomId}`] as const
    const waits = keys.map((key) => Math.max(0, (this.#entries.get(key)?.lockedUntil ?? 0) - now))
    const wait = Math.max(...waits)
    if (wait > 0) return { ok: false, retryAfterSeconds: Math.max(1, Math.ceil(wait / 1000)) }
    this.#charge(keys[0], FREE_ATTEMPTS, now)
    this.#charge(keys[1], FREE_ROOM_ATTEMPTS, now)
    return { ok: true }
  }

  /** The password was right: its charge is refunded and the address starts afresh. */
  succeeded(address: string, roomId: string): void {
    this.#entries.delete(`${address} ${roomId}`)
    const room = this.#entries.get(`* ${roomId}`)
    if (room) {
      room.failures = Math.max(0, room.failures - 1)
      if (room.failures < FREE_ROOM_ATTEMPTS) room.lockedUntil = 0
    }
  }

  #charge(key: string, free: number, now: number): void {
    const entry = this.#entries.get(key) ?? { failures: 0, lockedUntil: 0, lastAt: now }
    entry.failures += 1
    entry.lastAt = now
    if (entry.failures >= free) entry.lockedUntil = now + Math.min(MAX_WAIT_MS, 1000 * 2 ** (entry.failures - free))
    this.#entries.set(key, entry)
  }

  #sweep(now: number): void {
    if (this.#entries.size < 10_000) return
    for (const [key, entry] of this.#entries) if (now - entry.lastAt > FORGET_AFTER_MS) this.#entries.delete(key)
  }
}
