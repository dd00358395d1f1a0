/** How meetings, occurrences and answers look on the wire (protocol/src/meetings.ts). */
import type { MeetingView, OccurrenceView, RsvpResponse, RsvpView } from '@parley/protocol'
import type { MeetingExceptionRecord, MeetingRecord, RsvpRecord } from '../store/meeting-records.ts'
import type { Occurrence } from './occurrences.ts'
import { compactUtc, formatLocal, wallClockOf } from './time-zones.ts'

const iso = (ms: number) => new Date(ms).toISOString()

/** The room's call link on this instance: the same for every occurrence. */
export function roomCallUrl(publicOrigin: string, roomId: string): string {
  return new URL(`/r/${encodeURIComponent(roomId)}/call`, publicOrigin).href
}

export function joinUrlOf(meeting: MeetingRecord, publicOrigin: string): string {
  return meeting.joinUrl ?? roomCallUrl(publicOrigin, meeting.roomId)
}

export function meetingView(
  meeting: MeetingRecord,
  exceptions: readonly MeetingExceptionRecord[],
  publicOrigin: string,
): MeetingView {
  return {
    id: meeting.id,
    roomId: meeting.roomId,
    title: meeting.title,
    description: meeting.description,
    start: iso(meeting.startsAt),
    end: iso(meeting.endsAt),
    startLocal: meeting.startLocal,
    endLocal: meeting.endLocal,
    timeZone: meeting.timeZone,
    recurrence: meeting.recurrence,
    exceptions: exceptions
      .filter((e) => e.meetingId === meeting.id)
      .map((e) => ({
        occurrence: compactUtc(e.occurrence),
        cancelled: e.cancelled,
        start: e.startsAt === null ? null : iso(e.startsAt),
        end: e.endsAt === null ? null : iso(e.endsAt),
      })),
    reminderMinutes: meeting.reminderMinutes,
    joinUrl: joinUrlOf(meeting, publicOrigin),
    cancelled: meeting.cancelledAt !== null,
    sequence: meeting.sequence,
    createdBy: meeting.createdBy,
    createdAt: iso(meeting.createdAt),
    updatedAt: iso(meeting.updatedAt),
  }
}

/** An occurrence, its times also as wall clocks in `timeZone` (the meeting's own when not given). */
export function occurrenceView(
  occurrence: Occurrence,
  publicOrigin: string,
  rsvp: RsvpResponse | null,
  timeZone?: string,
): OccurrenceView {
  const zone = timeZone ?? occurrence.meeting.timeZone
  return {
    meetingId: occurrence.meeting.id,
    roomId: occurrence.meeting.roomId,
    occurrence: occurrence.id,
    title: occurrence.meeting.title,
    start: iso(occurrence.start),
    end: iso(occurrence.end),
    startLocal: formatLocal(wallClockOf(occurrence.start, zone)),
    endLocal: formatLocal(wallClockOf(occurrence.end, zone)),
    timeZone: zone,
    moved: occurrence.moved,
    joinUrl: joinUrlOf(occurrence.meeting, publicOrigin),
    rsvp,
  }
}

export function rsvpView(rsvp: RsvpRecord): RsvpView {
  return {
    meetingId: rsvp.meetingId,
    occurrence: compactUtc(rsvp.occurrence),
    actorId: rsvp.actorId,
    name: rsvp.name,
    response: rsvp.response,
    updatedAt: iso(rsvp.updatedAt),
  }
}
