/**
 * Fedify's KvStore on `node:sqlite` for the embedded mode: keys are stored as their JSON encoding,
 * values as JSON, with an optional expiry (epoch ms). Expired entries are invisible at once and
 * swept on writes. `cas` runs in an immediate transaction so it is atomic across connections.
 * Writes join the connection's group commit (group-commit.ts), shared with the queues of the same
 * file: an inbound activity's replay key, idempotence record and queue message, and those of the
 * other requests of the same turn of the event loop, are committed together, each caller answered
 * once its write is on disk. Reads are not delayed; a write is seen once its promise resolved.
 */
import { isDeepStrictEqual } from 'node:util'
import type { DatabaseSync, StatementSync } from 'node:sqlite'
import type { KvKey, KvStore, KvStoreListEntry, KvStoreSetOptions } from '@fedify/fedify'
import { durationMs } from './sqlite-database.ts'
import { GroupCommit } from './group-commit.ts'

const SWEEP_EVERY_WRITES = 200

export type SqliteKvStoreOptions = {
  /** Table name (letters, digits, underscores). Default `fedify_kv`. */
  table?: string
  now?: () => number
}

export class SqliteKvStore implements KvStore {
  readonly #db: DatabaseSync
  readonly #table: string
  readonly #now: () => number
  readonly #commits: GroupCommit
  #writes = 0
  /** Compiled once: Fedify reads and writes this store several times per activity. */
  readonly #sql: { read: StatementSync; write: StatementSync; remove: StatementSync; sweep: StatementSync }

  constructor(db: DatabaseSync, options: SqliteKvStoreOptions = {}) {
    const table = options.table ?? 'fedify_kv'
    if (!/^[A-Za-z_][A-Za-z0-9_]{0,62}$/.test(table)) throw new TypeError(`invalid table name: ${table}`)
    this.#db = db
    this.#table = table
    this.#now = options.now ?? Date.now
    this.#commits = GroupCommit.of(db)
    db.exec(`CREATE TABLE IF NOT EXISTS "${table}" (
      key TEXT PRIMARY KEY, value TEXT NOT NULL, expires_at INTEGER) STRICT;
      CREATE INDEX IF NOT EXISTS "${table}_expiry" ON "${table}" (expires_at) WHERE expires_at IS NOT NULL;`)
    this.#sql = {
      read: db.prepare(`SELECT value FROM "${table}" WHERE key = ? AND (expires_at IS NULL OR expires_at > ?)`),
      write: db.prepare(
        `INSERT INTO "${table}" (key, value, expires_at) VALUES (?, ?, ?)
         ON CONFLICT (key) DO UPDATE SET value = excluded.value, expires_at = excluded.expires_at`,
      ),
      remove: db.prepare(`DELETE FROM "${table}" WHERE key = ?`),
      sweep: db.prepare(`DELETE FROM "${table}" WHERE expires_at IS NOT NULL AND expires_at <= ?`),
    }
  }

  async get<T = unknown>(key: KvKey): Promise<T | undefined> {
    return this.#read(key) as T | undefined
  }

  /** Synchronous, so that `cas` never yields inside the batch's transaction. */
  #read(key: KvKey): unknown {
    const row = this.#sql.read.get(encodeKey(key), this.#now())
    return row === undefined ? undefined : JSON.parse(String(row.value))
  }

  async set(key: KvKey, value: unknown, options?: KvStoreSetOptions): Promise<void> {
    if (value === undefined) return this.delete(key)
    // Encoded now: a caller may change the value object once set() has returned its promise.
    const row = this.#row(key, value, options)
    await this.#commits.write((batch) => batch.push(() => this.#sql.write.run(...row)))
    this.#maybeSweep()
  }

  async delete(key: KvKey): Promise<void> {
    const encoded = encodeKey(key)
    await this.#commits.write((batch) => batch.push(() => this.#sql.remove.run(encoded)))
  }

  async cas(key: KvKey, expectedValue: unknown, newValue: unknown, options?: KvStoreSetOptions): Promise<boolean> {
    const encoded = encodeKey(key)
    const row = newValue === undefined ? null : this.#row(key, newValue, options)
    let swapped = false
    // Read and written inside the batch's immediate transaction: atomic across connections too.
    await this.#commits.write(
      (batch) =>
        batch.push(() => {
          swapped = isDeepStrictEqual(this.#read(key), expectedValue)
          if (!swapped) return
          if (row === null) this.#sql.remove.run(encoded)
          else this.#sql.write.run(...row)
        }),
      true,
    )
    return swapped
  }

  async *list(prefix?: KvKey): AsyncIterable<KvStoreListEntry> {
    const now = this.#now()
    const rows =
      prefix === undefined || prefix.length === 0
        ? this.#db
            .prepare(`SELECT key, value FROM "${this.#table}" WHERE expires_at IS NULL OR expires_at > ? ORDER BY key`)
            .all(now)
        : this.#db
            .prepare(
              `SELECT key, value FROM "${this.#table}"
               WHERE (key = ? OR substr(key, 1, length(?)) = ?) AND (expires_at IS NULL OR expires_at > ?) ORDER BY key`,
            )
            .all(encodeKey(prefix), childPrefix(prefix), childPrefix(prefix), now)
    for (const row of rows) yield { key: JSON.parse(String(row.key)) as KvKey, value: JSON.parse(String(row.value)) }
  }

  /** Deletes expired entries now; returns how many. */
  sweep(): number {
    return Number(this.#sql.sweep.run(this.#now()).changes)
  }

  /** The row a write stores: encoded key, JSON value, expiry. */
  #row(key: KvKey, value: unknown, options?: KvStoreSetOptions): [string, string, number | null] {
    const ttl = options?.ttl === undefined ? null : this.#now() + durationMs(options.ttl)
    return [encodeKey(key), JSON.stringify(value), ttl]
  }

  #maybeSweep(): void {
    this.#writes += 1
    if (this.#writes % SWEEP_EVERY_WRITES === 0) this.sweep()
  }
}

function encodeKey(key: KvKey): string {
  if (!Array.isArray(key) || key.length === 0 || key.some((part) => typeof part !== 'string')) {
    throw new TypeError('a KvKey is a non-empty array of strings')
  }
  return JSON.stringify(key)
}

/** `["a","b"]` → `["a","b",`: the encoded form every longer key under this prefix starts with. */
function childPrefix(prefix: KvKey): string {
  return encodeKey(prefix).slice(0, -1) + ','
}
