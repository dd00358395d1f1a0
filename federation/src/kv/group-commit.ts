/**
 * Writes of one turn of the event loop in one SQLite transaction. Each commit of a WAL database
 * costs more than the statement it commits (the queue's single-row insert was the dearest
 * statement of an inbound activity, ~0.1 ms); an instance taking hundreds of activities a second
 * has several inbox POSTs — and finished deliveries — in each turn. A caller's promise settles
 * only once its writes are committed (an inbox still answers 202 only for an activity on disk);
 * the turn's writes are committed by a `setImmediate`, after the I/O callbacks of that turn, so a
 * lone write waits for no timer. A failing write rolls the whole batch back and fails every caller
 * in it: each may retry (an inbox POST is answered 500 and the sender sends it again).
 */
import type { DatabaseSync } from 'node:sqlite'

type Write = () => void
type Waiting = { writes: Write[]; atomic: boolean; resolve: () => void; reject: (error: unknown) => void }

/** One per database connection: the queues and the KV store of one file share its batches. */
const perDatabase = new WeakMap<DatabaseSync, GroupCommit>()

export class GroupCommit {
  readonly #db: DatabaseSync
  #waiting: Waiting[] = []

  private constructor(db: DatabaseSync) {
    this.#db = db
  }

  /** The group commit of this connection. */
  static of(db: DatabaseSync): GroupCommit {
    let commits = perDatabase.get(db)
    if (!commits) perDatabase.set(db, (commits = new GroupCommit(db)))
    return commits
  }

  /**
   * Adds this caller's writes to the turn's batch; resolves once they are committed. `atomic`:
   * the writes read before they write (a compare-and-set), so they need a transaction even alone.
   */
  write(add: (batch: Write[]) => void, atomic = false): Promise<void> {
    const writes: Write[] = []
    add(writes)
    return new Promise<void>((resolve, reject) => {
      if (this.#waiting.length === 0) setImmediate(() => this.#commit())
      this.#waiting.push({ writes, atomic, resolve, reject })
    })
  }

  /** Commits what waits now instead of at the end of the turn (before the connection is closed). */
  flush(): void {
    if (this.#waiting.length > 0) this.#commit()
  }

  #commit(): void {
    const waiting = this.#waiting
    // Flushed already (close): nothing left for this turn's callback.
    if (waiting.length === 0) return
    this.#waiting = []
    try {
      // One write alone is atomic without a transaction (and saves its BEGIN and COMMIT).
      const single = waiting.length === 1 && waiting[0]!.writes.length === 1 && !waiting[0]!.atomic
      if (!single) this.#db.exec('BEGIN IMMEDIATE')
      try {
        for (const { writes } of waiting) for (const write of writes) write()
        if (!single) this.#db.exec('COMMIT')
      } catch (error) {
        if (!single) this.#db.exec('ROLLBACK')
        throw error
      }
    } catch (error) {
      for (const { reject } of waiting) reject(error)
      return
    }
    for (const { resolve } of waiting) resolve()
  }
}
