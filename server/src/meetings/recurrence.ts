/**
 * Recurrence rules (RFC 5545 RRULE, through `rrule`) checked before they are kept, and expanded in
 * the meeting's time zone so a 09:00 standup stays at 09:00 across daylight-saving changes.
 *
 * Hostile input is bounded here: only known rule parts with well-formed values get to `rrule`; the
 * rule must end (COUNT or UNTIL), reach no further than MAX_SPAN_YEARS, and give at most
 * MAX_MEETING_OCCURRENCES occurrences, so one expansion costs at most a few thousand iterations.
 *
 * `rrule` works in "floating" time here: the first start's wall clock is given as if it were UTC and
 * every occurrence it gives is a wall clock, turned into an instant with the zone's rules of that day.
 */
import { createRequire } from 'node:module'
import type { RRule } from 'rrule'
import { MAX_MEETING_OCCURRENCES } from '@parley/protocol'
import { compactUtc, instantOf, wallClockOf } from './time-zones.ts'

// rrule (a 1.2 MB bundle) loads at the first recurring meeting, not at startup. The functions here
// are synchronous, so this is a synchronous require of its CommonJS build (what `import` took too).
const require = createRequire(import.meta.url)
const rruleClass = (): typeof RRule => (require('rrule') as { RRule: typeof RRule }).RRule

/** Every occurrence lies at most this far after the first start (a daily rule's expansion stays small). */
export const MAX_SPAN_YEARS = 20
const MAX_SPAN_MS = MAX_SPAN_YEARS * 366 * 86400_000
/**
 * Days `rrule` may look at in one expansion. It stops at UNTIL or COUNT only when a day matches, so
 * a rule that matches nothing (BYMONTH=2;BYMONTHDAY=30) would otherwise scan every day to the year
 * 9999 (a minute of CPU, measured here); this budget ends such a scan after the span above.
 */
const MAX_SCANNED_DAYS = MAX_SPAN_YEARS * 366 + 400

class ScanTooLong extends Error {}

export type RuleError = 'recurrence-invalid' | 'recurrence-unbounded'
export type CheckedRule = { ok: true; rule: string } | { ok: false; error: RuleError; message: string }

const DAY = '(?:MO|TU|WE|TH|FR|SA|SU)'
const list = (item: string) => new RegExp(`^${item}(?:,${item}){0,30}$`)
const PARTS: Record<string, RegExp> = {
  FREQ: /^(?:DAILY|WEEKLY|MONTHLY|YEARLY)$/,
  INTERVAL: /^[1-9]\d{0,2}$/,
  COUNT: /^[1-9]\d{0,5}$/,
  UNTIL: /^\d{8}(?:T\d{6}Z?)?$/,
  BYDAY: list(`(?:[+-]?(?:[1-9]|[1-4]\\d|5[0-3]))?${DAY}`),
  BYMONTHDAY: list('[+-]?(?:[1-9]|[12]\\d|3[01])'),
  BYMONTH: list('(?:[1-9]|1[0-2])'),
  BYSETPOS: list('[+-]?(?:[1-9]\\d{0,2})'),
  WKST: new RegExp(`^${DAY}$`),
}

const invalid = (message: string): CheckedRule => ({ ok: false, error: 'recurrence-invalid', message })
const unbounded = (message: string): CheckedRule => ({ ok: false, error: 'recurrence-unbounded', message })

/** Splits and checks the rule's parts; does not expand it (see `checkRule`). */
function parseParts(text: string): Map<string, string> | string {
  const body = text.trim().replace(/^RRULE:/i, '')
  const parts = new Map<string, string>()
  for (const part of body.split(';')) {
    const [key, value, ...rest] = part.split('=')
    if (!key || value === undefined || rest.length > 0) return `"${part}" is not KEY=VALUE`
    const name = key.toUpperCase()
    const pattern = PARTS[name]
    if (!pattern) return `${name} is not a supported rule part`
    if (parts.has(name)) return `${name} is given twice`
    if (!pattern.test(value.toUpperCase())) return `${name}=${value} is malformed`
    parts.set(name, value.toUpperCase())
  }
  if (!parts.has('FREQ')) return 'FREQ is required (DAILY, WEEKLY, MONTHLY or YEARLY)'
  return parts
}

/** UNTIL as floating wall-clock milliseconds in `timeZone` (a date means the end of that day). */
function untilFloating(value: string, timeZone: string): number {
  const [y, mo, d] = [value.slice(0, 4), value.slice(4, 6), value.slice(6, 8)].map(Number) as [number, number, number]
  if (value.length === 8) return Date.UTC(y, mo - 1, d, 23, 59, 59)
  const [h, mi, s] = [value.slice(9, 11), value.slice(11, 13), value.slice(13, 15)].map(Number) as [
    number,
    number,
    number,
  ]
  const at = Date.UTC(y, mo - 1, d, h, mi, s)
  return value.endsWith('Z') ? wallClockOf(at, timeZone) : at
}

function build(parts: Map<string, string>, startFloating: number, timeZone: string): RRule {
  const withoutUntil = [...parts].filter(([key]) => key !== 'UNTIL').map(([key, value]) => `${key}=${value}`)
  const Rule = rruleClass()
  const options = Rule.parseString(withoutUntil.join(';'))
  const until = parts.get('UNTIL')
  const rule = new Rule({
    ...options,
    dtstart: new Date(startFloating),
    ...(until ? { until: new Date(untilFloating(until, timeZone)) } : {}),
  })
  // rrule's day filter reads `byeaster` once per day it looks at: counting those reads bounds the scan.
  let scanned = 0
  const watched = new Proxy(rule.options, {
    get(target, key, receiver) {
      if (key === 'byeaster' && ++scanned > MAX_SCANNED_DAYS) throw new ScanTooLong()
      return Reflect.get(target, key, receiver) as unknown
    },
  })
  Object.defineProperty(rule, 'options', { value: watched })
  return rule
}

/**
 * Up to `limit` occurrences (floating), or only those in a floating window; 'too-long' when the
 * scan passes its budget.
 */
function expand(rule: RRule, limit: number, window?: { from: number; to: number }): number[] | 'too-long' {
  try {
    const dates = window
      ? rule.between(new Date(window.from), new Date(window.to), true, (_, index) => index < limit)
      : rule.all((_, index) => index < limit)
    return dates.map((date) => date.getTime())
  } catch (error) {
    if (error instanceof ScanTooLong) return 'too-long'
    throw error
  }
}

/**
 * Checks a rule for a series starting at `startFloating` in `timeZone`: well-formed, ending, at
 * most MAX_MEETING_OCCURRENCES occurrences, at least one. Answers the rule in canonical form.
 */
export function checkRule(text: string, startFloating: number, timeZone: string): CheckedRule {
  const parts = parseParts(text)
  if (typeof parts === 'string') return invalid(parts)
  if (parts.has('COUNT') && parts.has('UNTIL')) return invalid('COUNT and UNTIL cannot both be given')
  const count = parts.get('COUNT')
  const until = parts.get('UNTIL')
  if (!count && !until) return unbounded('The rule never ends: give COUNT or UNTIL')
  if (count && Number(count) > MAX_MEETING_OCCURRENCES)
    return unbounded(`COUNT may be at most ${MAX_MEETING_OCCURRENCES}`)
  if (until) {
    const end = untilFloating(until, timeZone)
    if (!Number.isFinite(end) || end - startFloating > MAX_SPAN_MS)
      return unbounded(`UNTIL may be at most ${MAX_SPAN_YEARS} years after the start`)
  }
  let rule: RRule
  try {
    rule = build(parts, startFloating, timeZone)
  } catch (error) {
    return invalid(`The rule cannot be read: ${(error as Error).message}`)
  }
  const all = expand(rule, MAX_MEETING_OCCURRENCES + 1)
  if (all === 'too-long' || (all.at(-1) ?? startFloating) - startFloating > MAX_SPAN_MS)
    return unbounded(`Every occurrence must lie within ${MAX_SPAN_YEARS} years of the first`)
  if (all.length > MAX_MEETING_OCCURRENCES)
    return unbounded(`The rule gives more than ${MAX_MEETING_OCCURRENCES} occurrences`)
  if (all.length === 0) return invalid('The rule gives no occurrence')
  return { ok: true, rule: [...parts].map(([key, value]) => `${key}=${value}`).join(';') }
}

/**
 * The rule as an iCalendar file states it next to a DTSTART with TZID: UNTIL in UTC (RFC 5545
 * 3.3.10), since a kept rule may name UNTIL as a date or a wall clock of the meeting's zone.
 */
export function ruleForExport(rule: string, timeZone: string): string {
  return rule
    .split(';')
    .map((part) => {
      const [key, value = ''] = part.split('=')
      if (key !== 'UNTIL' || value.endsWith('Z')) return part
      return `UNTIL=${compactUtc(instantOf(untilFloating(value, timeZone), timeZone))}`
    })
    .join(';')
}

/** What an occurrence's expansion needs of a meeting. */
export type Series = {
  /** Wall clock of the first start and end, floating. */
  startFloating: number
  endFloating: number
  timeZone: string
  /** A rule `checkRule` accepted, or null for a single meeting. */
  rule: string | null
}

/** The instants the series gives (original starts: ids of occurrences), ascending, bounded. */
export function occurrenceStarts(series: Series): number[] {
  const floating = series.rule ? ruleStarts(series) : [series.startFloating]
  return floating.map((at) => instantOf(at, series.timeZone))
}

/**
 * The instants the series gives whose start lies in [from, to] (original starts), ascending. Only
 * that part of the rule is turned into instants: listings cost what they show, not the whole series.
 */
export function occurrenceStartsBetween(series: Series, from: number, to: number): number[] {
  if (!series.rule) {
    const only = instantOf(series.startFloating, series.timeZone)
    return only >= from && only <= to ? [only] : []
  }
  const parts = parseParts(series.rule)
  if (typeof parts === 'string')
    return occurrenceStarts({ ...series, rule: null }).filter((at) => at >= from && at <= to)
  // A day either side covers every zone's offset.
  const window = {
    from: from - 86400_000 + (wallClockOf(from, series.timeZone) - from),
    to: to + 86400_000 + (wallClockOf(to, series.timeZone) - to),
  }
  const floating = expand(build(parts, series.startFloating, series.timeZone), MAX_MEETING_OCCURRENCES, window)
  if (floating === 'too-long') return []
  return floating.map((at) => instantOf(at, series.timeZone)).filter((at) => at >= from && at <= to)
}

/** The end of the occurrence starting at wall clock `startFloating`: the same wall-clock length later. */
export function occurrenceEnd(series: Series, startInstant: number): number {
  const start = wallClockOf(startInstant, series.timeZone)
  return instantOf(start + (series.endFloating - series.startFloating), series.timeZone)
}

function ruleStarts(series: Series): number[] {
  const parts = parseParts(series.rule ?? '')
  // Kept rules were checked; a rule that no longer reads gives only the first start.
  if (typeof parts === 'string') return [series.startFloating]
  const all = expand(build(parts, series.startFloating, series.timeZone), MAX_MEETING_OCCURRENCES)
  return all === 'too-long' ? [series.startFloating] : all
}
