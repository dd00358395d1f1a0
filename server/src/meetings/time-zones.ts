/**
 * Wall-clock times in IANA time zones, through the runtime's own tz database (Intl): which zones
 * exist, the wall clock of an instant, and the instant of a wall clock. A wall clock is kept as
 * "floating" milliseconds: the same fields read as if they were UTC (Date.UTC(y, m, d, h, min, s)).
 */

const formatters = new Map<string, Intl.DateTimeFormat>()

/** The canonical name of a known zone ('europe/berlin' → 'Europe/Berlin'); null when unknown. */
export function canonicalTimeZone(name: string): string | null {
  if (name.length > 64 || !/^[A-Za-z0-9_+\-/]+$/.test(name)) return null
  try {
    return new Intl.DateTimeFormat('en-US', { timeZone: name }).resolvedOptions().timeZone
  } catch {
    return null
  }
}

function formatter(timeZone: string): Intl.DateTimeFormat {
  let found = formatters.get(timeZone)
  if (!found) {
    found = new Intl.DateTimeFormat('en-US', {
      timeZone,
      hourCycle: 'h23',
      year: 'numeric',
      month: '2-digit',
      day: '2-digit',
      hour: '2-digit',
      minute: '2-digit',
      second: '2-digit',
    })
    formatters.set(timeZone, found)
  }
  return found
}

/** The wall clock of `instant` in `timeZone` read from Intl (slow: tens of microseconds). */
function wallClockFromIntl(instant: number, timeZone: string): number {
  const fields: Record<string, number> = {}
  for (const part of formatter(timeZone).formatToParts(new Date(instant)))
    if (part.type !== 'literal') fields[part.type] = Number(part.value)
  const { year = 0, month = 1, day = 1, hour = 0, minute = 0, second = 0 } = fields
  return Date.UTC(year, month - 1, day, hour, minute, second) + (((instant % 1000) + 1000) % 1000)
}

const DAY = 86400_000
const QUARTER = 900_000
/** Offsets (wall clock − instant) by zone and UTC day, or by quarter hour on a day with a change. */
const offsets = new Map<string, Map<number, number>>()
const MAX_CACHED = 200_000

/**
 * The zone's offset at `instant`. Zones change offset at most once a day, at quarter-hour
 * boundaries: a day whose first and last quarter hour have the same offset has it all day; a day
 * with a change is looked at quarter hour by quarter hour. Cached (the tz database does not change
 * while the process runs), so a thousand occurrences cost a few thousand map lookups, not Intl calls.
 */
function offsetAt(instant: number, timeZone: string): number {
  let zone = offsets.get(timeZone)
  if (!zone) offsets.set(timeZone, (zone = new Map()))
  if (zone.size > MAX_CACHED) zone.clear()
  const day = Math.floor(instant / DAY) * DAY
  let whole = zone.get(day)
  if (whole === undefined) {
    const first = wallClockFromIntl(day, timeZone) - day
    const lastQuarter = day + DAY - QUARTER
    whole = wallClockFromIntl(lastQuarter, timeZone) - lastQuarter === first ? first : Number.NaN
    zone.set(day, whole)
  }
  if (!Number.isNaN(whole)) return whole
  // Quarter-hour keys never collide with day keys' values: they are offset by half a quarter.
  const quarter = Math.floor(instant / QUARTER) * QUARTER
  const key = quarter + QUARTER / 2
  let found = zone.get(key)
  if (found === undefined) zone.set(key, (found = wallClockFromIntl(quarter, timeZone) - quarter))
  return found
}

/** The wall clock of `instant` in `timeZone`, as floating milliseconds. */
export function wallClockOf(instant: number, timeZone: string): number {
  return instant + offsetAt(instant, timeZone)
}

/**
 * The instant whose wall clock in `timeZone` is `floating`. A time that does not exist (skipped by
 * a spring-forward change) is read with the offset before the change, as RFC 5545 says (02:30 on
 * the day Berlin skips 02:00–03:00 is 03:30 CEST); a time that exists twice (fall back) is the first.
 */
export function instantOf(floating: number, timeZone: string): number {
  const offsetAt = (instant: number) => wallClockOf(instant, timeZone) - instant
  // The offsets a few hours either side cover every transition near this wall clock.
  const before = offsetAt(floating - 12 * 3600_000 - offsetAt(floating))
  const after = offsetAt(floating + 12 * 3600_000 - offsetAt(floating))
  const candidates = [floating - Math.max(before, after), floating - Math.min(before, after)]
  for (const candidate of candidates) if (wallClockOf(candidate, timeZone) === floating) return candidate
  return floating - before
}

const LOCAL = /^(\d{4})-(\d{2})-(\d{2})T(\d{2}):(\d{2})(?::(\d{2}))?$/

/** Floating milliseconds of '2026-03-23T09:00[:00]'; null when it is not a real calendar time. */
export function parseLocal(text: string): number | null {
  const m = LOCAL.exec(text)
  if (!m) return null
  const [y, mo, d, h, mi, s] = [m[1], m[2], m[3], m[4], m[5], m[6] ?? '0'].map(Number) as number[]
  if (mo! < 1 || mo! > 12 || h! > 23 || mi! > 59 || s! > 59) return null
  const floating = Date.UTC(y!, mo! - 1, d!, h!, mi!, s!)
  // Date.UTC rolls 2026-02-30 over into March: such a day does not exist.
  if (new Date(floating).getUTCDate() !== d) return null
  return floating
}

/** '2026-03-23T09:00:00' of floating milliseconds. */
export function formatLocal(floating: number): string {
  return new Date(floating).toISOString().slice(0, 19)
}

/** iCalendar's UTC form of an instant: 20260330T070000Z (also an occurrence's id). */
export function compactUtc(instant: number): string {
  return new Date(instant)
    .toISOString()
    .replace(/[-:]/g, '')
    .replace(/\.\d{3}/, '')
}

/** The instant of 20260330T070000Z; null when malformed. */
export function parseCompactUtc(text: string): number | null {
  const m = /^(\d{4})(\d{2})(\d{2})T(\d{2})(\d{2})(\d{2})Z$/.exec(text)
  if (!m) return null
  const floating = parseLocal(`${m[1]}-${m[2]}-${m[3]}T${m[4]}:${m[5]}:${m[6]}`)
  return floating
}
