/**
 * Failed-login limits, per account and per client address (rate-limiter-flexible). Only failures
 * count; a successful login clears the account's counter. In-memory for now: one node.
 */
import type { RateLimiterRes } from 'rate-limiter-flexible';
import { RateLimiterMemory } from 'rate-limiter-flexible'

export type LoginLimits = { perAccount: number; perAddress: number; windowSeconds: number }
export type LimitCheck = { ok: true } | { ok: false; retryAfterSeconds: number }

export class LoginLimiter {
  readonly #byAccount: RateLimiterMemory
  readonly #byAddress: RateLimiterMemory

  constructor(limits: LoginLimits) {
    this.#byAccount = new RateLimiterMemory({ keyPrefix: 'login-account', points: limits.perAccount, duration: limits.windowSeconds })
    this.#byAddress = new RateLimiterMemory({ keyPrefix: 'login-address', points: limits.perAddress, duration: limits.windowSeconds })
  }

  /** Whether another attempt is allowed now, without counting one. */
  async check(account: string, address: string): Promise<LimitCheck> {
    const states = await Promise.all(
      [[this.#byAccount, account], [this.#byAddress, address]].map(async ([limiter, key]) => {
        const res: RateLimiterRes | null = await (limiter as RateLimiterMemory).get(key as string)
        return res !== null && res.consumedPoints >= (limiter as RateLimiterMemory).points ? res.msBeforeNext : 0
      }),
    )
    const ms = Math.max(...states)
    if (ms === 0) return { ok: true }
    return { ok: false, retryAfterSeconds: Math.max(1, Math.ceil(ms / 1000)) }
  }

  async failed(account: string, address: string): Promise<void> {
    await Promise.all([
      this.#byAccount.penalty(account, 1),
      this.#byAddress.penalty(address, 1),
    ])
  }

  async succeeded(account: string): Promise<void> {
    await this.#byAccount.delete(account)
  }
}
