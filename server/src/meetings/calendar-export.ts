/**
 * Meetings as iCalendar (RFC 5545) through `ical-generator`: one VEVENT per meeting with its
 * DTSTART/DTEND as wall clocks in the meeting's zone (TZID, with the zone's VTIMEZONE from
 * `@touch4it/ical-timezones`), the RRULE, EXDATE for cancelled occurrences, and one VEVENT with a
 * RECURRENCE-ID per moved occurrence, so calendar apps expand the same occurrences Parley does,
 * across daylight-saving changes. The join link is the LOCATION and URL of every event.
 *
 * A zone without a known VTIMEZONE cannot be stated with TZID; its meetings are written as their
 * occurrences in UTC, one VEVENT each (the same times, without the rule).
 */
import ical, { ICalEventStatus, type ICalCalendar } from 'ical-generator'
import vtimezones from '@touch4it/ical-timezones'
import type { MeetingRecord } from '../store/meeting-records.ts'
import type { MeetingWithExceptions } from './meeting-service.ts'
import { joinUrlOf } from './meeting-views.ts'
import { allOccurrences, occurrenceAt, type Occurrence } from './occurrences.ts'
import { ruleForExport } from './recurrence.ts'
import { formatLocal, wallClockOf } from './time-zones.ts'

export const ICS_MEDIA_TYPE = 'text/calendar; charset=utf-8'

function vtimezone(zone: string): string | null {
  if (zone === 'UTC' || zone === 'Etc/UTC') return null
  return vtimezones.getVtimezoneComponent(zone) ?? null
}

/** The event's UID: the same on every instance (a copy of a remote meeting keeps its Event id). */
function uidOf(meeting: MeetingRecord, publicOrigin: string): string {
  return meeting.origin ?? `${meeting.id}@${new URL(publicOrigin).host}`
}

function describe(meeting: MeetingRecord, joinUrl: string): string {
  return meeting.description ? `${meeting.description}\n\nJoin: ${joinUrl}` : `Join: ${joinUrl}`
}

export function calendarOf(
  entries: readonly MeetingWithExceptions[],
  options: { name: string; publicOrigin: string },
): string {
  const calendar = ical({
    prodId: { company: 'Parley', product: 'Meetings', language: 'EN' },
    name: options.name,
    timezone: { name: null, generator: vtimezone },
  })
  for (const entry of entries) addMeeting(calendar, entry, options.publicOrigin)
  return calendar.toString()
}

function addMeeting(calendar: ICalCalendar, { meeting, exceptions }: MeetingWithExceptions, publicOrigin: string) {
  const joinUrl = joinUrlOf(meeting, publicOrigin)
  const common = {
    summary: meeting.title,
    description: describe(meeting, joinUrl),
    location: joinUrl,
    url: joinUrl,
    sequence: meeting.sequence,
    stamp: new Date(meeting.updatedAt),
    created: new Date(meeting.createdAt),
    lastModified: new Date(meeting.updatedAt),
    status: meeting.cancelledAt === null ? ICalEventStatus.CONFIRMED : ICalEventStatus.CANCELLED,
  }
  const uid = uidOf(meeting, publicOrigin)
  const zone = meeting.timeZone
  const utc = zone === 'UTC' || zone === 'Etc/UTC'
  if (!utc && !vtimezone(zone)) {
    for (const o of allOccurrences(meeting, exceptions))
      if (!o.cancelled)
        calendar.createEvent({ ...common, id: `${o.id}-${uid}`, start: new Date(o.start), end: new Date(o.end) })
    return
  }
  // Only the changed occurrences are written out: the rule gives the others.
  const occurrences = exceptions
    .filter((e) => e.meetingId === meeting.id)
    .map((e) => occurrenceAt(meeting, exceptions, e.occurrence))
    .filter((o): o is Occurrence => o !== null)
  const local = (instant: number) => formatLocal(wallClockOf(instant, zone))
  const rule = meeting.recurrence
    ? [
        `RRULE:${ruleForExport(meeting.recurrence, zone)}`,
        ...occurrences
          .filter((o) => o.cancelled)
          .map((o) => (utc ? `EXDATE:${o.id}` : `EXDATE;TZID=${zone}:${compactLocal(local(o.original))}`)),
      ].join('\n')
    : null
  calendar.createEvent({
    ...common,
    id: uid,
    start: utc ? new Date(meeting.startsAt) : meeting.startLocal,
    end: utc ? new Date(meeting.endsAt) : meeting.endLocal,
    ...(utc ? {} : { timezone: zone }),
    ...(rule ? { repeating: rule } : {}),
  })
  for (const o of occurrences)
    if (o.moved)
      calendar.createEvent({
        ...common,
        id: uid,
        recurrenceId: utc ? new Date(o.original) : local(o.original),
        start: utc ? new Date(o.start) : local(o.start),
        end: utc ? new Date(o.end) : local(o.end),
        ...(utc ? {} : { timezone: zone }),
      })
}

/** '2026-03-23T09:00:00' → '20260323T090000' (an iCalendar local DATE-TIME). */
function compactLocal(text: string): string {
  return text.replace(/[-:]/g, '')
}
