/**
 * Meetings across instances (rooms/room-meetings.ts, inbox/meetings.ts). Ports the server implements (federation/src/ports.ts gathers them).
 */
/** A meeting as the room's host describes it in its Event. */
export type InboundMeeting = {
  /** The Event's id: `{room}/meetings/{id}` on the host. */
  eventId: string
  /** The room's actor id. */
  roomId: string
  title: string
  /** Plain text. */
  description: string
  startsAt: number
  endsAt: number
  /** As the host states it (unchecked: the server checks it). */
  timeZone: string | null
  recurrence: string | null
  /** Cancelled and moved occurrences (by their rule-given start, ms). */
  exceptions: { occurrence: number; cancelled: boolean; startsAt: number | null; endsAt: number | null }[]
  joinUrl: string | null
  updatedAt: number
}

/** A remote member's answer to one occurrence of a local room's meeting. */
export type InboundRsvp = {
  roomId: string
  meetingId: string
  actorId: string
  name: string
  /** The occurrence's start as the rule gives it (ms). */
  occurrence: number
  response: 'going' | 'maybe' | 'declined'
}

/** What the server does with meetings that cross instances. */
export interface MeetingsPort {
  /** Member side: the host of a room scheduled or changed a meeting (ignored unless someone here is in the room). */
  received(meeting: InboundMeeting): Promise<void>
  /** Member side: the host cancelled it. */
  cancelled(roomId: string, eventId: string, at: number): Promise<void>
  /** Host side: a remote member of the room answered an occurrence. */
  answered(rsvp: InboundRsvp): Promise<void>
}
