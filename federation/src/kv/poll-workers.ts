/**
 * The listen loop both of our MessageQueues share: `concurrency` workers each claim a message and
 * handle it, or sleep until the poll interval passes, a local enqueue wakes them, or the signal
 * aborts. Only the claim differs between SQLite (a transaction) and Redis (a Lua script).
 */
export type PollWorkersOptions<T> = {
  /** Dispatches 'wake' when something was enqueued locally (see `wakeEvent`). */
  wake: EventTarget
  signal: AbortSignal | undefined
  concurrency: number
  pollIntervalMs: number
  /** Leases the next due message, or null when none is due. */
  claim(): Promise<T | null> | T | null
  handle(claimed: T): Promise<void>
}

/**
 * The 'wake' event for `count` new messages: that many sleeping workers are woken, not all of
 * them — every woken worker runs a claim, and under load most of those claims would find nothing
 * (busy workers pick up further messages by themselves when they finish one).
 */
export function wakeEvent(count: number): Event {
  return new CustomEvent<number>('wake', { detail: count })
}

export async function runPollWorkers<T>(options: PollWorkersOptions<T>): Promise<void> {
  const { wake, signal } = options
  if (signal?.aborted) return
  const sleepers = new Set<() => void>()
  const wakeUp = (count: number) => {
    for (const sleeper of sleepers) {
      if (count-- <= 0) break
      sleepers.delete(sleeper)
      sleeper()
    }
  }
  // A plain Event (no count) wakes everyone, as before.
  const onWake = (event: Event) =>
    wakeUp(event instanceof CustomEvent && typeof event.detail === 'number' ? event.detail : Infinity)
  const onAbort = () => wakeUp(Infinity)
  wake.addEventListener('wake', onWake)
  signal?.addEventListener('abort', onAbort, { once: true })
  const worker = async () => {
    while (!signal?.aborted) {
      const claimed = await options.claim()
      if (claimed !== null) {
        await options.handle(claimed)
        continue
      }
      await new Promise<void>((resolve) => {
        const sleeper = () => {
          clearTimeout(timer)
          resolve()
        }
        const timer = setTimeout(() => {
          sleepers.delete(sleeper)
          resolve()
        }, options.pollIntervalMs)
        sleepers.add(sleeper)
      })
    }
  }
  try {
    await Promise.all(Array.from({ length: options.concurrency }, worker))
  } finally {
    wake.removeEventListener('wake', onWake)
    signal?.removeEventListener('abort', onAbort)
  }
}
