/**
 * What the store keeps about meetings: the meetings of rooms (with their recurrence), changed or
 * cancelled occurrences, answers per occurrence, the secret calendar feeds of users, and which
 * reminders went out (claimed once, so several nodes never remind twice).
 */

export type MeetingRecord = {
  id: string
  /** A local room's id; for a meeting of a room hosted elsewhere, the room's actor URL. */
  roomId: string
  title: string
  description: string
  /** First start and end as instants (ms), and as wall clocks in `timeZone` ('2026-03-23T09:00:00'). */
  startsAt: number
  endsAt: number
  startLocal: string
  endLocal: string
  timeZone: string
  /** Canonical RRULE value, or null for a single meeting. */
  recurrence: string | null
  reminderMinutes: number
  /** The end of the last occurrence (moved ones included): after it, the meeting is past. */
  lastEndsAt: number
  /** Grows with every change (iCalendar SEQUENCE, ActivityPub Update ordering). */
  sequence: number
  /** A local user id, or the actor URL of a remote organiser. */
  createdBy: string
  createdAt: number
  updatedAt: number
  cancelledAt: number | null
  /** For a copy of a remote meeting: its Event id on the host; null for meetings made here. */
  origin: string | null
  /** For a copy of a remote meeting: the join link its host gave; null: the room's link here. */
  joinUrl: string | null
}

export type MeetingPatch = Partial<
  Pick<
    MeetingRecord,
    | 'title'
    | 'description'
    | 'startsAt'
    | 'endsAt'
    | 'startLocal'
    | 'endLocal'
    | 'timeZone'
    | 'recurrence'
    | 'reminderMinutes'
    | 'lastEndsAt'
    | 'sequence'
    | 'updatedAt'
    | 'cancelledAt'
    | 'joinUrl'
  >
>

/** One occurrence changed: cancelled, or moved to another start and end. */
export type MeetingExceptionRecord = {
  meetingId: string
  /** The start the rule gave it (its id). */
  occurrence: number
  cancelled: boolean
  startsAt: number | null
  endsAt: number | null
}

export type RsvpRecord = {
  meetingId: string
  occurrence: number
  /** A local user id, or the actor URL of someone on another instance. */
  actorId: string
  name: string
  response: 'going' | 'maybe' | 'declined'
  updatedAt: number
}

export type CalendarFeedRecord = {
  /** SHA-256 of the secret in the feed's URL. */
  tokenHash: string
  userId: string
  createdAt: number
  revokedAt: number | null
}

export interface MeetingRepository {
  create(meeting: MeetingRecord): Promise<void>
  byId(id: string): Promise<MeetingRecord | null>
  /** The copy of a remote meeting, by its Event id. */
  byOrigin(origin: string): Promise<MeetingRecord | null>
  update(id: string, patch: MeetingPatch): Promise<MeetingRecord | null>
  /** Meetings of these rooms, cancelled ones included, by first start. */
  listForRooms(roomIds: readonly string[]): Promise<MeetingRecord[]>
  /** Meetings not cancelled whose last occurrence may end after `after` (reminders look here). */
  active(after: number): Promise<MeetingRecord[]>
  /** Sets (replaces) the change of one occurrence. */
  putException(exception: MeetingExceptionRecord): Promise<void>
  /** The changed occurrences of these meetings. */
  exceptions(meetingIds: readonly string[]): Promise<MeetingExceptionRecord[]>
  /** Sets (replaces) someone's answer for one occurrence. */
  putRsvp(rsvp: RsvpRecord): Promise<void>
  /** Answers for the meeting (one occurrence when given), oldest first. */
  rsvps(meetingId: string, occurrence?: number): Promise<RsvpRecord[]>
  /** One actor's answers for these meetings. */
  rsvpsOf(actorId: string, meetingIds: readonly string[]): Promise<RsvpRecord[]>
  /** Records that `kind` went out for the occurrence; false when it had been already (by any node). */
  claimNotice(meetingId: string, occurrence: number, kind: 'reminder' | 'start'): Promise<boolean>
  /** Adds a feed, revoking the user's earlier ones (one live feed URL per user). */
  replaceFeed(feed: CalendarFeedRecord): Promise<void>
  feedByHash(tokenHash: string): Promise<CalendarFeedRecord | null>
  /** Revokes the user's live feeds; returns how many. */
  revokeFeeds(userId: string, at: number): Promise<number>
  /** The user's live feed (not revoked), or null. */
  liveFeed(userId: string): Promise<CalendarFeedRecord | null>
}
