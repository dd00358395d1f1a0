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
export function durationMs(duration: DurationLike | undefined): number {
  if (duration === undefined) return 0
  return Math.max(0, Math.ceil(fixedLengthMs(duration) ?? duration.total('millisecond')))
}

type DurationLike = {
  total(unit: 'millisecond'): number
  readonly years?: number
  readonly months?: number
  readonly weeks?: number
  readonly days?: number
  readonly hours?: number
  readonly minutes?: number
  readonly seconds?: number
  readonly milliseconds?: number
  readonly microseconds?: number
  readonly nanoseconds?: number
}

/**
 * The duration's length from its fields when it has no calendar units (every TTL and retry delay
 * Fedify passes), or null. The Temporal polyfill's `total()` computes with big integers, about
 * 12 µs a call, and the queue and cache ask several times per activity.
 */
function fixedLengthMs(d: DurationLike): number | null {
  if (d.days === undefined || d.years || d.months || d.weeks) return null
  return (
    d.days * 86_400_000 +
    (d.hours ?? 0) * 3_600_000 +
    (d.minutes ?? 0) * 60_000 +
    (d.seconds ?? 0) * 1000 +
    (d.milliseconds ?? 0) +
    (d.microseconds ?? 0) / 1000 +
    (d.nanoseconds ?? 0) / 1_000_000
  )
}
