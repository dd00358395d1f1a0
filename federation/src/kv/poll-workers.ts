/**
 * The listen loop both of our MessageQueues share: `concurrency` workers each claim a message and
 * handle it, or sleep until the poll interval passes, a local enqueue wakes them, or the signal
 * aborts. Only the claim differs between SQLite (a transaction) and Redis (a Lua script).
 */
export type PollWorkersOptions<T> = {
  /** Dispatches 'wake' when something was enqueued locally. */
  wake: EventTarget
  signal: AbortSignal | undefined
  concurrency: number
  pollIntervalMs: number
  /** Leases the next due message, or null when none is due. */
  claim(): Promise<T | null> | T | null
  handle(claimed: T): Promise<void>
}

export async function runPollWorkers<T>(options: PollWorkersOptions<T>): Promise<void> {
  const { wake, signal } = options
  if (signal?.aborted) return
  const sleepers = new Set<() => void>()
  const onWake = () => {
    for (const sleeper of sleepers) sleeper()
    sleepers.clear()
  }
  wake.addEventListener('wake', onWake)
  signal?.addEventListener('abort', onWake, { once: true })
  const worker = async () => {
    while (!signal?.aborted) {
      const claimed = await options.claim()
      if (claimed !== null) {
        await options.handle(claimed)
        continue
      }
      await new Promise<void>((resolve) => {
        const wakeUp = () => {
          clearTimeout(timer)
          resolve()
        }
        const timer = setTimeout(() => {
          sleepers.delete(wakeUp)
          resolve()
        }, options.pollIntervalMs)
        sleepers.add(wakeUp)
      })
    }
  }
  try {
    await Promise.all(Array.from({ length: options.concurrency }, worker))
  } finally {
    wake.removeEventListener('wake', onWake)
  }
}
