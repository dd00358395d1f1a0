/**
 * Meetings: scheduled calls in a room. A meeting has a title, a description, a start and end given
 * as wall-clock times in an IANA time zone, and optionally a recurrence (an RFC 5545 RRULE that
 * must end: COUNT or UNTIL). Every occurrence uses the room's call and link. An occurrence is named
 * by the UTC instant its rule gave it (`20260330T070000Z`, like iCalendar's RECURRENCE-ID), which
 * stays its id when it is moved; participants answer each occurrence (going, maybe, declined).
 */
import Type, { type Static } from 'typebox'
import { Id, Timestamp } from './common.ts'

/** Occurrences one meeting may have at most: expansion is always bounded. */
export const MAX_MEETING_OCCURRENCES = 1000
/** The widest window one occurrence listing may span (days). */
export const MAX_MEETING_WINDOW_DAYS = 400

export const LocalDateTime = Type.String({
  pattern: '^\\d{4}-\\d{2}-\\d{2}T\\d{2}:\\d{2}(:\\d{2})?$',
  description: 'Wall-clock time in the meeting’s time zone, without offset: 2026-03-23T09:00',
})
export type LocalDateTime = Static<typeof LocalDateTime>

export const TimeZoneName = Type.String({
  minLength: 1,
  maxLength: 64,
  description: 'IANA time zone (Europe/Berlin); unknown zones are refused with time-zone-unknown',
})

export const RecurrenceRule = Type.String({
  minLength: 1,
  maxLength: 300,
  description:
    'RFC 5545 RRULE value without DTSTART (FREQ=WEEKLY;BYDAY=MO;COUNT=10). FREQ is DAILY, WEEKLY, MONTHLY or YEARLY; ' +
    `COUNT or UNTIL is required and the rule may give at most ${MAX_MEETING_OCCURRENCES} occurrences`,
})

export const OccurrenceId = Type.String({
  pattern: '^\\d{8}T\\d{6}Z$',
  description: 'The UTC instant the rule gives the occurrence (iCalendar RECURRENCE-ID): 20260330T070000Z',
})
export type OccurrenceId = Static<typeof OccurrenceId>

export const RsvpResponse = Type.Union([Type.Literal('going'), Type.Literal('maybe'), Type.Literal('declined')], {
  title: 'RsvpResponse',
})
export type RsvpResponse = Static<typeof RsvpResponse>

const Title = Type.String({ minLength: 1, maxLength: 200 })
const Description = Type.String({ maxLength: 5000 })
const ReminderMinutes = Type.Integer({
  minimum: 0,
  maximum: 10080,
  description: 'Participants get a meeting.reminder frame this many minutes before each occurrence (0: at start)',
})

export const MeetingCreate = Type.Object(
  {
    title: Title,
    description: Type.Optional(Description),
    start: LocalDateTime,
    end: LocalDateTime,
    timeZone: TimeZoneName,
    recurrence: Type.Optional(Type.Union([RecurrenceRule, Type.Null()])),
    reminderMinutes: Type.Optional(ReminderMinutes),
  },
  { additionalProperties: false, title: 'MeetingCreate' },
)
export type MeetingCreate = Static<typeof MeetingCreate>

export const MeetingUpdate = Type.Object(
  {
    title: Type.Optional(Title),
    description: Type.Optional(Description),
    start: Type.Optional(LocalDateTime),
    end: Type.Optional(LocalDateTime),
    timeZone: Type.Optional(TimeZoneName),
    recurrence: Type.Optional(Type.Union([RecurrenceRule, Type.Null()])),
    reminderMinutes: Type.Optional(ReminderMinutes),
  },
  { additionalProperties: false, title: 'MeetingUpdate', minProperties: 1 },
)
export type MeetingUpdate = Static<typeof MeetingUpdate>

/** Cancels one occurrence, or moves it (both start and end, wall-clock in the meeting's zone). */
export const OccurrenceChange = Type.Union(
  [
    Type.Object({ cancelled: Type.Literal(true) }, { additionalProperties: false }),
    Type.Object({ start: LocalDateTime, end: LocalDateTime }, { additionalProperties: false }),
  ],
  { title: 'OccurrenceChange' },
)
export type OccurrenceChange = Static<typeof OccurrenceChange>

export const MeetingException = Type.Object(
  {
    occurrence: OccurrenceId,
    cancelled: Type.Boolean(),
    start: Type.Union([Timestamp, Type.Null()], { description: 'Moved: the new start' }),
    end: Type.Union([Timestamp, Type.Null()]),
  },
  { additionalProperties: false, title: 'MeetingException' },
)
export type MeetingException = Static<typeof MeetingException>

export const MeetingView = Type.Object(
  {
    id: Id,
    roomId: Type.String({
      description: "The room's id (or, for a meeting of a room on another instance, its actor id)",
    }),
    title: Type.String(),
    description: Type.String(),
    start: Timestamp,
    end: Timestamp,
    startLocal: LocalDateTime,
    endLocal: LocalDateTime,
    timeZone: Type.String(),
    recurrence: Type.Union([Type.String(), Type.Null()]),
    exceptions: Type.Array(MeetingException),
    reminderMinutes: Type.Integer({ minimum: 0 }),
    joinUrl: Type.String({ description: "The room's call link: the same for every occurrence" }),
    cancelled: Type.Boolean({ description: 'The whole meeting is cancelled' }),
    sequence: Type.Integer({ minimum: 0, description: 'Revision (iCalendar SEQUENCE): grows with every change' }),
    createdBy: Type.String(),
    createdAt: Timestamp,
    updatedAt: Timestamp,
  },
  { additionalProperties: false, title: 'MeetingView' },
)
export type MeetingView = Static<typeof MeetingView>

export const MeetingList = Type.Object(
  { meetings: Type.Array(MeetingView) },
  { additionalProperties: false, title: 'MeetingList' },
)
export type MeetingList = Static<typeof MeetingList>

export const OccurrenceView = Type.Object(
  {
    meetingId: Id,
    roomId: Type.String(),
    occurrence: OccurrenceId,
    title: Type.String(),
    start: Timestamp,
    end: Timestamp,
    startLocal: LocalDateTime,
    endLocal: LocalDateTime,
    timeZone: Type.String({ description: 'The zone of startLocal/endLocal: the one asked for, else the meeting’s' }),
    moved: Type.Boolean(),
    joinUrl: Type.String(),
    rsvp: Type.Union([RsvpResponse, Type.Null()], { description: "The caller's answer" }),
  },
  { additionalProperties: false, title: 'OccurrenceView' },
)
export type OccurrenceView = Static<typeof OccurrenceView>

export const OccurrenceList = Type.Object(
  { occurrences: Type.Array(OccurrenceView, { description: 'By start, cancelled occurrences left out' }) },
  { additionalProperties: false, title: 'OccurrenceList' },
)
export type OccurrenceList = Static<typeof OccurrenceList>

export const OccurrenceQuery = Type.Object(
  {
    from: Type.Optional(Timestamp),
    to: Type.Optional(Timestamp),
    limit: Type.Optional(Type.Integer({ minimum: 1, maximum: 200 })),
    timeZone: Type.Optional(TimeZoneName),
  },
  { additionalProperties: false, title: 'OccurrenceQuery' },
)
export type OccurrenceQuery = Static<typeof OccurrenceQuery>

export const RsvpSet = Type.Object({ response: RsvpResponse }, { additionalProperties: false, title: 'RsvpSet' })
export type RsvpSet = Static<typeof RsvpSet>

export const RsvpView = Type.Object(
  {
    meetingId: Id,
    occurrence: OccurrenceId,
    actorId: Type.String({ description: 'A user id here, or the actor id of someone on another instance' }),
    name: Type.String(),
    response: RsvpResponse,
    updatedAt: Timestamp,
  },
  { additionalProperties: false, title: 'RsvpView' },
)
export type RsvpView = Static<typeof RsvpView>

export const RsvpList = Type.Object({ rsvps: Type.Array(RsvpView) }, { additionalProperties: false, title: 'RsvpList' })
export type RsvpList = Static<typeof RsvpList>

export const MeetingParams = Type.Object({ roomId: Id, meetingId: Id }, { additionalProperties: false })
export type MeetingParams = Static<typeof MeetingParams>

export const MeetingOccurrenceParams = Type.Object(
  { meetingId: Id, occurrence: OccurrenceId },
  { additionalProperties: false },
)
export type MeetingOccurrenceParams = Static<typeof MeetingOccurrenceParams>

export const OccurrenceParams = Type.Object(
  { roomId: Id, meetingId: Id, occurrence: OccurrenceId },
  { additionalProperties: false },
)
export type OccurrenceParams = Static<typeof OccurrenceParams>

export const CalendarFeedView = Type.Object(
  {
    url: Type.String({ description: 'Secret URL calendar apps subscribe to; shown once, revoke to cut it off' }),
    createdAt: Timestamp,
  },
  { additionalProperties: false, title: 'CalendarFeedView' },
)
export type CalendarFeedView = Static<typeof CalendarFeedView>

export const CalendarFeedStatus = Type.Object(
  {
    active: Type.Boolean({ description: 'Whether a feed URL works now' }),
    createdAt: Type.Union([Timestamp, Type.Null()], {
      description: 'When the working URL was made (its secret is not kept: make a new one to see it again)',
    }),
  },
  { additionalProperties: false, title: 'CalendarFeedStatus' },
)
export type CalendarFeedStatus = Static<typeof CalendarFeedStatus>

export const ServerMeetingReminder = Type.Object(
  {
    type: Type.Literal('meeting.reminder'),
    occurrence: OccurrenceView,
    minutesBefore: Type.Integer({ minimum: 0 }),
  },
  {
    additionalProperties: false,
    title: 'ServerMeetingReminder',
    description: 'A meeting of one of your rooms starts soon (sent reminderMinutes before each occurrence)',
  },
)
export type ServerMeetingReminder = Static<typeof ServerMeetingReminder>

export const ServerMeetingStarted = Type.Object(
  { type: Type.Literal('meeting.started'), occurrence: OccurrenceView },
  {
    additionalProperties: false,
    title: 'ServerMeetingStarted',
    description: "A meeting's occurrence has begun: its room's call is open to join (joinUrl)",
  },
)
export type ServerMeetingStarted = Static<typeof ServerMeetingStarted>

export const CalendarFeedQuery = Type.Object(
  { token: Type.String({ minLength: 1, maxLength: 200, description: 'The secret of the feed URL' }) },
  { additionalProperties: false, title: 'CalendarFeedQuery' },
)
export type CalendarFeedQuery = Static<typeof CalendarFeedQuery>
