/**
 * A meeting's occurrences: the rule's starts, less cancelled ones, moved ones at their new time,
 * each with the end its wall-clock length gives. Pure: the store's records in, plain values out.
 */
import type { MeetingExceptionRecord, MeetingRecord } from '../store/meeting-records.ts'
import { occurrenceEnd, occurrenceStarts, occurrenceStartsBetween, type Series } from './recurrence.ts'
import { compactUtc, parseLocal } from './time-zones.ts'

export type Occurrence = {
  meeting: MeetingRecord
  /** The start the rule gave it: its id (compactUtc of it). */
  original: number
  id: string
  start: number
  end: number
  moved: boolean
  cancelled: boolean
}

export function seriesOf(meeting: Pick<MeetingRecord, 'startLocal' | 'endLocal' | 'timeZone' | 'recurrence'>): Series {
  return {
    startFloating: parseLocal(meeting.startLocal) ?? 0,
    endFloating: parseLocal(meeting.endLocal) ?? 0,
    timeZone: meeting.timeZone,
    rule: meeting.recurrence,
  }
}

function occurrenceOf(
  meeting: MeetingRecord,
  series: Series,
  changed: ReadonlyMap<number, MeetingExceptionRecord>,
  original: number,
): Occurrence {
  const exception = changed.get(original)
  const moved = !!exception && !exception.cancelled && exception.startsAt !== null && exception.endsAt !== null
  return {
    meeting,
    original,
    id: compactUtc(original),
    start: moved ? (exception.startsAt as number) : original,
    end: moved ? (exception.endsAt as number) : occurrenceEnd(series, original),
    moved,
    cancelled: exception?.cancelled ?? false,
  }
}

const changesOf = (meeting: MeetingRecord, exceptions: readonly MeetingExceptionRecord[]) =>
  new Map(exceptions.filter((e) => e.meetingId === meeting.id).map((e) => [e.occurrence, e]))

/** Every occurrence of the meeting (cancelled ones flagged), by original start. */
export function allOccurrences(meeting: MeetingRecord, exceptions: readonly MeetingExceptionRecord[]): Occurrence[] {
  const series = seriesOf(meeting)
  const changed = changesOf(meeting, exceptions)
  return occurrenceStarts(series).map((original) => occurrenceOf(meeting, series, changed, original))
}

/** The occurrence the rule gives at `original` (cancelled ones too); null when it gives none there. */
export function occurrenceAt(
  meeting: MeetingRecord,
  exceptions: readonly MeetingExceptionRecord[],
  original: number,
): Occurrence | null {
  const series = seriesOf(meeting)
  if (!occurrenceStartsBetween(series, original, original).includes(original)) return null
  return occurrenceOf(meeting, series, changesOf(meeting, exceptions), original)
}

/** The meeting's occurrences that overlap [from, to), moved ones where they are now, cancelled ones flagged. */
function occurrencesIn(
  meeting: MeetingRecord,
  exceptions: readonly MeetingExceptionRecord[],
  from: number,
  to: number,
): Occurrence[] {
  const series = seriesOf(meeting)
  const changed = changesOf(meeting, exceptions)
  // Long meetings that started before `from` still overlap it.
  const originals = new Set(
    occurrenceStartsBetween(series, from - (series.endFloating - series.startFloating) - 86400_000, to),
  )
  // Occurrences moved into the window from elsewhere.
  for (const e of changed.values())
    if (!e.cancelled && e.startsAt !== null && e.endsAt !== null && e.endsAt > from && e.startsAt < to)
      if (occurrenceStartsBetween(series, e.occurrence, e.occurrence).includes(e.occurrence))
        originals.add(e.occurrence)
  return [...originals]
    .map((original) => occurrenceOf(meeting, series, changed, original))
    .filter((o) => o.end > from && o.start < to)
}

/** Occurrences of these meetings (not cancelled) that overlap [from, to), by start, at most `limit`. */
export function occurrencesBetween(
  meetings: readonly MeetingRecord[],
  exceptions: readonly MeetingExceptionRecord[],
  from: number,
  to: number,
  limit: number,
): Occurrence[] {
  const found: Occurrence[] = []
  for (const meeting of meetings) {
    if (meeting.cancelledAt !== null || meeting.lastEndsAt <= from) continue
    for (const occurrence of occurrencesIn(meeting, exceptions, from, to))
      if (!occurrence.cancelled) found.push(occurrence)
  }
  found.sort((a, b) => a.start - b.start || a.meeting.id.localeCompare(b.meeting.id))
  return found.slice(0, limit)
}

/** The end of the meeting's last occurrence, moved ones included (0: none). */
export function lastEnd(meeting: MeetingRecord, exceptions: readonly MeetingExceptionRecord[]): number {
  return Math.max(0, ...allOccurrences(meeting, exceptions).map((o) => o.end))
}
