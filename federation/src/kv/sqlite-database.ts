/**
 * The embedded federation database: one SQLite file (next to Parley's own store) holding Fedify's
 * key–value cache and message queue, in WAL mode so the queue's writers never block readers.
 */
import { mkdirSync } from 'node:fs'
import { dirname } from 'node:path'
import { DatabaseSync } from 'node:sqlite'

export function openFederationDatabase(path: string): DatabaseSync {
  if (path !== ':memory:') mkdirSync(dirname(path), { recursive: true })
  const db = new DatabaseSync(path)
  db.exec('PRAGMA journal_mode = WAL; PRAGMA busy_timeout = 5000; PRAGMA synchronous = NORMAL;')
  return db
}

/** Milliseconds of a Fedify duration (a Temporal.Duration from Fedify, or absent). */
/**
 * A Temporal duration in whole milliseconds, rounded up. Fedify's retry backoff has fractional
 * milliseconds, and the SQLite queue keeps times in INTEGER columns (STRICT tables refuse a REAL).
 */
export function durationMs(duration: { total(unit: 'millisecond'): number } | undefined): number {
  return duration === undefined ? 0 : Math.max(0, Math.ceil(duration.total('millisecond')))
}
