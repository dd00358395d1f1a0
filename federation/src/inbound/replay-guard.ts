/**
 * Each signed request taken once. A request is claimed before it is processed with one atomic
 * compare-and-swap of the KvStore (SQLite: one IMMEDIATE transaction; Redis: one script), so two
 * copies arriving at once — on one node, or on several nodes sharing the store — cannot both pass,
 * as a read followed by a separate write would let them. Used by the inbox front door
 * (request-handler.ts) and the call channel (call-channel-auth.ts).
 */
import { Temporal } from '@js-temporal/polyfill'
import type { KvKey, KvStore } from '@fedify/fedify'

export type ReplayGuardOptions = {
  /** Must implement `cas` (both of ours do: kv/sqlite-kv-store.ts, kv/redis-kv-store.ts). */
  kv: KvStore
  /** How long a claim is remembered: twice the signature window, so every Date accepted is covered. */
  ttlMs: number
  now: () => number
  /** Told when a claim could not be released (the request is then refused as a replay until it expires). */
  onForgetError?: (error: unknown) => void
}

export class ReplayGuard {
  readonly #kv: KvStore
  readonly #cas: NonNullable<KvStore['cas']>
  readonly #options: ReplayGuardOptions
  /** Made once: the Temporal polyfill's durations cost microseconds each, and every inbox POST needs it. */
  readonly #ttl: Temporal.Duration

  constructor(options: ReplayGuardOptions) {
    const { kv } = options
    if (typeof kv.cas !== 'function') throw new TypeError('the replay guard needs a KvStore with an atomic cas()')
    this.#kv = kv
    this.#cas = kv.cas.bind(kv)
    this.#options = options
    this.#ttl = Temporal.Duration.from({ milliseconds: options.ttlMs })
  }

  /** Marks the request `key` names as received; false when it already was (a replay). */
  claim(key: KvKey): Promise<boolean> {
    return this.#cas(key, undefined, this.#options.now(), { ttl: this.#ttl })
  }

  /** Releases a claim: the request was not taken and may be sent again (a delivery retried after our error). */
  async forget(key: KvKey): Promise<void> {
    try {
      await this.#kv.delete(key)
    } catch (error) {
      this.#options.onForgetError?.(error)
    }
  }
}
