/**
 * Failed-login limits, per account and per client address (rate-limiter-flexible). Every attempt
 * is charged when it starts (`begin`), before the password hash is checked, so that concurrent
 * guesses cannot all be checked before the first failure counts; a successful login refunds its
 * charge and clears the account's counter. In-memory for now: one node.
 */
import { createRequire } from 'node:module'
import type * as RateLimiterFlexible from 'rate-limiter-flexible'
import type { RateLimiterRes } from 'rate-limiter-flexible'

// The in-memory limiter's own file: the package's index loads every backend it has (Redis, Mongo,
// SQL, Etcd…, ≈ 35 modules and 40 ms of every start) to offer this one.
const RateLimiterMemory = createRequire(import.meta.url)(
  'rate-limiter-flexible/lib/RateLimiterMemory.js',
) as typeof RateLimiterFlexible.RateLimiterMemory
type RateLimiterMemory = RateLimiterFlexible.RateLimiterMemory

export type LoginLimits = { perAccount: number; perAddress: number; windowSeconds: number }
export type LimitCheck = { ok: true } | { ok: false; retryAfterSeconds: number }

export class LoginLimiter {
  readonly #byAccount: RateLimiterMemory
  readonly #byAddress: RateLimiterMemory

  constructor(limits: LoginLimits) {
    this.#byAccount = new RateLimiterMemory({
      keyPrefix: 'login-account',
      points: limits.perAccount,
      duration: limits.windowSeconds,
    })
    this.#byAddress = new RateLimiterMemory({
      keyPrefix: 'login-address',
      points: limits.perAddress,
      duration: limits.windowSeconds,
    })
  }

  /** Charges an attempt to the account and the address, or refuses it when either is used up. */
  async begin(account: string, address: string): Promise<LimitCheck> {
    const charged = await Promise.allSettled([this.#byAccount.consume(account, 1), this.#byAddress.consume(address, 1)])
    const ms = Math.max(
      0,
      ...charged.map((result) =>
        result.status === 'rejected' ? ((result.reason as RateLimiterRes).msBeforeNext ?? 1000) : 0,
      ),
    )
    if (ms === 0) return { ok: true }
    return { ok: false, retryAfterSeconds: Math.max(1, Math.ceil(ms / 1000)) }
  }

  /** The password was right: the account starts afresh and the address gets its charge back. */
  async succeeded(account: string, address: string): Promise<void> {
    await Promise.all([this.#byAccount.delete(account), this.#byAddress.reward(address, 1)])
  }
}
