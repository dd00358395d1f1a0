/**
 * What a message queue still has to do, counted by the queue that knows its own layout (Fedify's
 * `getDepth()` leaves out the messages being handled, so a queue whose last message is still
 * running would look empty). Tests wait for `total` to reach 0 — "the queue drained" — instead of
 * sleeping; `delayed` shows that a failed delivery waits for its retry.
 */
export type QueuePending = {
  /** Due and waiting for a worker (including those held back behind an older one with the same ordering key). */
  waiting: number
  /** Leased by a worker whose handler runs now (deleted only once it finished). */
  running: number
  /** Not due yet: retries waiting out their backoff, or messages enqueued with a delay. */
  delayed: number
  total: number
}

export function pendingOf(waiting: number, running: number, delayed: number): QueuePending {
  return { waiting, running, delayed, total: waiting + running + delayed }
}

export function addPending(a: QueuePending, b: QueuePending): QueuePending {
  return pendingOf(a.waiting + b.waiting, a.running + b.running, a.delayed + b.delayed)
}
