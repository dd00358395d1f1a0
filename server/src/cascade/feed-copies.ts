/**
 * Member side of a bridged call: the copy on our router of each host feed a bridge carries in, and
 * the subscriptions waiting for a feed's first copy (a bridge takes about a second to come up).
 */
export class FeedCopies {
  /** Host feed id → its current copy on our router. */
  readonly #copies = new Map<string, string>()
  readonly #waiting = new Map<string, Array<(copy: string | null) => void>>()

  get(hostId: string): string | undefined {
    return this.#copies.get(hostId)
  }

  /** A bridge's copy is up (a first one, or a restarted bridge's); returns the copy it replaces. */
  set(hostId: string, copy: string): string | undefined {
    const previous = this.#copies.get(hostId)
    this.#copies.set(hostId, copy)
    this.#wake(hostId, copy)
    return previous
  }

  /** The feed is carried no more: whoever waits for it hears null. */
  delete(hostId: string): void {
    this.#copies.delete(hostId)
    this.#wake(hostId, null)
  }

  /** The feed's copy once its bridge is up; null if it gives up or the feed goes, or after `timeoutMs`. */
  wait(hostId: string, timeoutMs: number): Promise<string | null> {
    const copy = this.#copies.get(hostId)
    if (copy !== undefined) return Promise.resolve(copy)
    return new Promise((resolve) => {
      const done = (copy: string | null) => {
        clearTimeout(timer)
        const waiting = this.#waiting.get(hostId) ?? []
        const at = waiting.indexOf(done)
        if (at >= 0) waiting.splice(at, 1)
        if (waiting.length === 0) this.#waiting.delete(hostId)
        resolve(copy)
      }
      const timer = setTimeout(() => done(null), timeoutMs)
      this.#waiting.set(hostId, [...(this.#waiting.get(hostId) ?? []), done])
    })
  }

  close(): void {
    for (const hostId of [...this.#waiting.keys()]) this.#wake(hostId, null)
    this.#copies.clear()
  }

  #wake(hostId: string, copy: string | null): void {
    for (const wake of [...(this.#waiting.get(hostId) ?? [])]) wake(copy)
  }
}
