/**
 * Fedify's MessageQueue on `node:sqlite` for the embedded mode. Messages survive restarts: a worker
 * leases a message (the lease is renewed while the handler runs), and deletes it only once the
 * handler has finished, so a process killed mid-delivery leaves it to be taken again when the lease
 * runs out (at-least-once; receivers are idempotent by activity id). Messages with the same
 * ordering key are handed out one at a time, oldest first. Listeners on the same instance are woken
 * at once on enqueue, and so are those of other threads of the process that name the same
 * `wakeChannel` (federation workers, server/src/federation/federation-workers.ts); other processes
 * sharing the file find new messages by polling.
 */
import { BroadcastChannel } from 'node:worker_threads'
import type { DatabaseSync, StatementSync } from 'node:sqlite'
import type {
  MessageQueue,
  MessageQueueDepth,
  MessageQueueEnqueueOptions,
  MessageQueueListenOptions,
} from '@fedify/fedify'
import { durationMs } from './sqlite-database.ts'
import { runPollWorkers, wakeEvent } from './poll-workers.ts'
import { pendingOf, type QueuePending } from './queue-pending.ts'
import { GroupCommit } from './group-commit.ts'

export type SqliteMessageQueueOptions = {
  /** Table name (letters, digits, underscores). Default `fedify_queue`. */
  table?: string
  /** How often listeners look for messages enqueued elsewhere or coming due. Default 1000 ms. */
  pollIntervalMs?: number
  /** How long a worker owns a message before another may take it, renewed while it runs. Default 30 s. */
  leaseMs?: number
  /** Messages one `listen()` call handles at a time (deliveries wait on the network). Default 16. */
  concurrency?: number
  now?: () => number
  /** Told about handler failures (the message is dropped: Fedify retries by enqueuing anew). */
  onError?: (error: unknown) => void
  /** Threads of this process whose queues name the same channel wake each other on enqueue. */
  wakeChannel?: string
}

type Claimed = { id: number; message: string }

/** The queue's statements, compiled once: preparing one costs about as much as running it. */
type Statements = {
  insert: StatementSync
  depth: StatementSync
  pending: StatementSync
  claim: StatementSync
  renew: StatementSync
  remove: StatementSync
}

export class SqliteMessageQueue implements MessageQueue {
  readonly nativeRetrial = false
  readonly #db: DatabaseSync
  readonly #pollIntervalMs: number
  readonly #leaseMs: number
  readonly #concurrency: number
  readonly #now: () => number
  readonly #onError: (error: unknown) => void
  readonly #wake = new EventTarget()
  readonly #sql: Statements
  readonly #channel: BroadcastChannel | null
  /** Wake-ups of delayed messages not yet due: cleared on close, so none posts to a closed channel. */
  readonly #delayedWakes = new Set<NodeJS.Timeout>()
  /** Inserts and removals of one turn of the event loop, written in one transaction (group-commit.ts). */
  readonly #commits: GroupCommit
  #closed = false
  #handled = 0

  constructor(db: DatabaseSync, options: SqliteMessageQueueOptions = {}) {
    const table = options.table ?? 'fedify_queue'
    if (!/^[A-Za-z_][A-Za-z0-9_]{0,62}$/.test(table)) throw new TypeError(`invalid table name: ${table}`)
    this.#db = db
    this.#pollIntervalMs = options.pollIntervalMs ?? 1000
    this.#leaseMs = options.leaseMs ?? 30_000
    this.#concurrency = Math.max(1, options.concurrency ?? 16)
    this.#now = options.now ?? Date.now
    this.#onError = options.onError ?? (() => {})
    this.#commits = GroupCommit.of(db)
    this.#channel = options.wakeChannel ? new BroadcastChannel(options.wakeChannel) : null
    if (this.#channel) {
      // Never keeps the process alive; closed with close().
      this.#channel.unref()
      this.#channel.onmessage = (event) => {
        const count = (event as { data: unknown }).data
        this.#wake.dispatchEvent(wakeEvent(typeof count === 'number' ? count : 1))
      }
    }
    db.exec(`CREATE TABLE IF NOT EXISTS "${table}" (
      id INTEGER PRIMARY KEY AUTOINCREMENT,
      message TEXT NOT NULL,
      ordering_key TEXT,
      run_at INTEGER NOT NULL,
      lease_until INTEGER,
      created_at INTEGER NOT NULL) STRICT;
      CREATE INDEX IF NOT EXISTS "${table}_due" ON "${table}" (run_at, id);
      CREATE INDEX IF NOT EXISTS "${table}_ordering" ON "${table}" (ordering_key, id) WHERE ordering_key IS NOT NULL;`)
    this.#sql = {
      insert: db.prepare(`INSERT INTO "${table}" (message, ordering_key, run_at, created_at) VALUES (?, ?, ?, ?)`),
      depth: db.prepare(
        `SELECT COUNT(*) AS queued, COALESCE(SUM(run_at <= ?), 0) AS ready FROM "${table}" WHERE lease_until IS NULL OR lease_until <= ?`,
      ),
      // Every row is a message not finished: a leased one is deleted only after its handler ran.
      pending: db.prepare(
        `SELECT COALESCE(SUM(lease_until > ?), 0) AS running,
                COALESCE(SUM((lease_until IS NULL OR lease_until <= ?) AND run_at > ?), 0) AS delayed,
                COUNT(*) AS total FROM "${table}"`,
      ),
      // Leases the oldest due message whose ordering key has no older message waiting.
      claim: db.prepare(
        `UPDATE "${table}" SET lease_until = ? WHERE id = (
           SELECT m.id FROM "${table}" AS m
           WHERE m.run_at <= ? AND (m.lease_until IS NULL OR m.lease_until <= ?)
             AND (m.ordering_key IS NULL OR NOT EXISTS (
               SELECT 1 FROM "${table}" AS p WHERE p.ordering_key = m.ordering_key AND p.id < m.id))
           ORDER BY m.run_at, m.id LIMIT 1)
         RETURNING id, message`,
      ),
      renew: db.prepare(`UPDATE "${table}" SET lease_until = ? WHERE id = ?`),
      remove: db.prepare(`DELETE FROM "${table}" WHERE id = ?`),
    }
  }

  async enqueue(message: unknown, options?: MessageQueueEnqueueOptions): Promise<void> {
    return this.enqueueMany([message], options)
  }

  async enqueueMany(messages: readonly unknown[], options?: MessageQueueEnqueueOptions): Promise<void> {
    if (messages.length === 0) return
    const now = this.#now()
    const delay = durationMs(options?.delay)
    const orderingKey = options?.orderingKey ?? null
    const rows = messages.map((message) => [JSON.stringify(message), orderingKey, now + delay, now] as const)
    await this.#commits.write((batch) => batch.push(...rows.map((row) => () => this.#sql.insert.run(...row))))
    // As many sleeping workers as there are new messages: waking all of them for one message
    // would make the others run a claim for nothing.
    const wake = () => {
      if (this.#closed) return
      this.#wake.dispatchEvent(wakeEvent(messages.length))
      this.#channel?.postMessage(messages.length)
    }
    if (delay === 0) wake()
    else {
      const timer = setTimeout(() => {
        this.#delayedWakes.delete(timer)
        wake()
      }, delay)
      timer.unref()
      this.#delayedWakes.add(timer)
    }
  }

  /** Messages this queue object's listeners have handled (whatever the outcome). */
  get handled(): number {
    return this.#handled
  }

  /** Stops waking and being woken by other threads (the database is the caller's to close). */
  close(): void {
    this.#closed = true
    for (const timer of this.#delayedWakes) clearTimeout(timer)
    this.#delayedWakes.clear()
    this.#channel?.close()
  }

  async getDepth(): Promise<MessageQueueDepth> {
    const row = this.#sql.depth.get(this.#now(), this.#now())
    const queued = Number(row?.queued ?? 0)
    const ready = Number(row?.ready ?? 0)
    return { queued, ready, delayed: queued - ready }
  }

  /**
   * Messages not finished yet, those being handled included (getDepth() leaves them out): 0 means
   * drained. Synchronous, so a caller can read several queues of one database in one transaction.
   */
  pending(): QueuePending {
    const now = this.#now()
    const row = this.#sql.pending.get(now, now, now)
    const running = Number(row?.running ?? 0)
    const delayed = Number(row?.delayed ?? 0)
    return pendingOf(Number(row?.total ?? 0) - running - delayed, running, delayed)
  }

  async listen(
    handler: (message: unknown) => Promise<void> | void,
    options?: MessageQueueListenOptions,
  ): Promise<void> {
    await runPollWorkers({
      wake: this.#wake,
      signal: options?.signal,
      concurrency: this.#concurrency,
      pollIntervalMs: this.#pollIntervalMs,
      claim: () => this.#claim() ?? null,
      handle: (claimed) => this.#handle(claimed, handler),
    })
  }

  /** Atomically leases the oldest due message whose ordering key has no older message waiting. */
  #claim(): Claimed | null {
    const now = this.#now()
    const row = this.#sql.claim.get(now + this.#leaseMs, now, now)
    return row ? { id: Number(row.id), message: String(row.message) } : null
  }

  async #handle(claimed: Claimed, handler: (message: unknown) => Promise<void> | void): Promise<void> {
    const renew = setInterval(
      () => {
        this.#sql.renew.run(this.#now() + this.#leaseMs, claimed.id)
      },
      Math.max(10, Math.floor(this.#leaseMs / 3)),
    )
    try {
      await handler(JSON.parse(claimed.message))
    } catch (error) {
      this.#onError(error)
    } finally {
      clearInterval(renew)
      // With the other removals (and enqueues) of this turn of the event loop: one commit.
      await this.#commits.write((batch) => batch.push(() => this.#sql.remove.run(claimed.id))).catch(this.#onError)
      this.#handled++
    }
  }
}
