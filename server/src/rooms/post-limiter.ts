/**
 * Posts per person (or guest) per second, across rooms: a token bucket each, bursts of three
 * seconds' worth. In memory, per node. Buckets of people who stopped posting are forgotten.
 */
import { TokenBucket } from '../realtime/token-bucket.ts'

const MAX_TRACKED = 50_000

export class PostLimiter {
  readonly #rate: number
  readonly #now: () => number
  readonly #buckets = new Map<string, TokenBucket>()

  constructor(perSecond: number, now: () => number = Date.now) {
    this.#rate = perSecond
    this.#now = now
  }

  take(actorId: string): boolean {
    let bucket = this.#buckets.get(actorId)
    if (!bucket) {
      // Oldest first in a Map: dropping the first entries forgets the longest-known posters; a
      // forgotten one simply starts again with a full bucket.
      if (this.#buckets.size >= MAX_TRACKED)
        for (const key of [...this.#buckets.keys()].slice(0, MAX_TRACKED / 10)) this.#buckets.delete(key)
      bucket = new TokenBucket(this.#rate, this.#rate * 3, this.#now)
      this.#buckets.set(actorId, bucket)
    }
    return bucket.take()
  }
}
