/**
 * Fedify's KvStore on `node:sqlite` for the embedded mode: keys are stored as their JSON encoding,
 * values as JSON, with an optional expiry (epoch ms). Expired entries are invisible at once and
 * swept on writes. `cas` runs in an immediate transaction so it is atomic across connections.
 */
import { isDeepStrictEqual } from 'node:util'
import type { DatabaseSync, StatementSync } from 'node:sqlite'
import type { KvKey, KvStore, KvStoreListEntry, KvStoreSetOptions } from '@fedify/fedify'
import { durationMs } from './sqlite-database.ts'

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
  #writes = 0
  /** Compiled once: Fedify reads and writes this store several times per activity. */
  readonly #sql: { read: StatementSync; write: StatementSync; remove: StatementSync; sweep: StatementSync }

  constructor(db: DatabaseSync, options: SqliteKvStoreOptions = {}) {
    const table = options.table ?? 'fedify_kv'
    if (!/^[A-Za-z_][A-Za-z0-9_]{0,62}$/.test(table)) throw new TypeError(`invalid table name: ${table}`)
    this.#db = db
    this.#table = table
    this.#now = options.now ?? Date.now
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

  /** Synchronous, so that `cas` never yields inside its transaction. */
  #read(key: KvKey): unknown {
    const row = this.#sql.read.get(encodeKey(key), this.#now())
    return row === undefined ? undefined : JSON.parse(String(row.value))
  }

  async set(key: KvKey, value: unknown, options?: KvStoreSetOptions): Promise<void> {
    if (value === undefined) return this.delete(key)
    this.#write(key, value, options)
    this.#maybeSweep()
  }

  async delete(key: KvKey): Promise<void> {
    this.#sql.remove.run(encodeKey(key))
  }

  async cas(key: KvKey, expectedValue: unknown, newValue: unknown, options?: KvStoreSetOptions): Promise<boolean> {
    // No await between BEGIN and COMMIT: another connection in this thread would wait on the lock forever.
    this.#db.exec('BEGIN IMMEDIATE')
    try {
      const current = this.#read(key)
      if (!isDeepStrictEqual(current, expectedValue)) {
        this.#db.exec('ROLLBACK')
        return false
      }
      if (newValue === undefined) this.#sql.remove.run(encodeKey(key))
      else this.#write(key, newValue, options)
      this.#db.exec('COMMIT')
      return true
    } catch (error) {
      this.#db.exec('ROLLBACK')
      throw error
    }
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

  #write(key: KvKey, value: unknown, options?: KvStoreSetOptions): void {
    const ttl = options?.ttl === undefined ? null : this.#now() + durationMs(options.ttl)
    this.#sql.write.run(encodeKey(key), JSON.stringify(value), ttl)
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
