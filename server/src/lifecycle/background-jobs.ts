/**
 * The periodic jobs of one instance (sweeps, key sweeps), owned by the composition root
 * (instance.ts): started by `start()` in the order they were added, stopped by `stop()` in reverse
 * order. Stopping clears every timer and then waits for the runs in progress to finish — no fixed
 * sleep — so the store can be closed right after. A run never overlaps the previous run of its job,
 * and a failed run is logged (the next one tries again).
 */
import type { Logger } from '../logger.ts'

export type BackgroundJob = {
  /** For logs. */
  name: string
  /** How often it runs; null: once, at start. */
  everyMs: number | null
  /** Whether it also runs at start (periodic jobs otherwise wait one interval). */
  atStart?: boolean
  run: () => Promise<unknown>
}

export class BackgroundJobs {
  readonly #jobs: BackgroundJob[] = []
  readonly #timers: ReturnType<typeof setInterval>[] = []
  readonly #running = new Map<string, Promise<void>>()
  readonly #log: Logger
  #state: 'new' | 'started' | 'stopped' = 'new'

  constructor(log: Logger) {
    this.#log = log
  }

  add(job: BackgroundJob): this {
    if (this.#state !== 'new') throw new DOMException('jobs are added before start()', 'InvalidStateError')
    this.#jobs.push(job)
    return this
  }

  start(): void {
    if (this.#state !== 'new') throw new DOMException(`background jobs already ${this.#state}`, 'InvalidStateError')
    this.#state = 'started'
    for (const job of this.#jobs) {
      if (job.everyMs === null || job.atStart) this.#tick(job)
      if (job.everyMs === null) continue
      const timer = setInterval(() => this.#tick(job), job.everyMs)
      timer.unref()
      this.#timers.push(timer)
    }
  }

  /** Clears the timers and resolves once the runs in progress finished. Idempotent. */
  async stop(): Promise<void> {
    if (this.#state === 'stopped') return
    this.#state = 'stopped'
    for (const timer of this.#timers.splice(0)) clearInterval(timer)
    await Promise.all([...this.#running.values()].reverse())
  }

  /** Resolves once the runs in progress finished (tests: a sweep asked for is done). */
  async idle(): Promise<void> {
    while (this.#running.size > 0) await Promise.all(this.#running.values())
  }

  #tick(job: BackgroundJob): void {
    if (this.#state !== 'started' || this.#running.has(job.name)) return
    const run = job
      .run()
      .then(
        () => undefined,
        (error: unknown) => this.#log.warn({ err: error, job: job.name }, 'background job failed'),
      )
      .finally(() => this.#running.delete(job.name))
    this.#running.set(job.name, run)
  }
}
