/**
 * Meetings in rooms: moderators schedule, change and cancel them (and single occurrences);
 * participants list them, see what comes up in one room or across their rooms, and answer each
 * occurrence. Who may do what is the room policy's call (meeting.view/schedule/rsvp); times, zones
 * and rules are checked here, and bad input changes nothing.
 */
import { randomUUID } from 'node:crypto'
import {
  MAX_MEETING_WINDOW_DAYS,
  type MeetingCreate,
  type MeetingUpdate,
  type OccurrenceChange,
  type RsvpResponse,
} from '@parley/protocol'
import type { Store } from '../store/ports.ts'
import type { MeetingExceptionRecord, MeetingRecord, RsvpRecord } from '../store/meeting-records.ts'
import type { RoomService } from '../rooms/room-service.ts'
import { fail, ok, type Caller, type Result } from '../rooms/result.ts'
import { checkRule } from './recurrence.ts'
import { lastEnd, occurrenceAt, occurrencesBetween, type Occurrence } from './occurrences.ts'
import { canonicalTimeZone, formatLocal, instantOf, parseCompactUtc, parseLocal } from './time-zones.ts'

export type MeetingChange = 'scheduled' | 'updated' | 'cancelled'

export type MeetingServiceDeps = {
  store: Store
  rooms: RoomService
  now?: () => number
  /** Told after every stored change (reminders re-plan, the federation sends the Event). */
  onChange?: (meeting: MeetingRecord, change: MeetingChange) => void
  /** Told after a local user's answer to a remote room's meeting is stored (the federation tells the host). */
  onRemoteRsvp?: (meeting: MeetingRecord, rsvp: RsvpRecord, username: string) => void
}

export const DEFAULT_REMINDER_MINUTES = 10

/** A meeting and its changed occurrences. */
export type MeetingWithExceptions = { meeting: MeetingRecord; exceptions: MeetingExceptionRecord[] }

type Times = Pick<MeetingRecord, 'startsAt' | 'endsAt' | 'startLocal' | 'endLocal' | 'timeZone' | 'recurrence'>

/** Checks wall-clock times, zone and rule together; answers what the store keeps. */
export function resolveTimes(input: {
  start: string
  end: string
  timeZone: string
  recurrence: string | null
}): Result<Times> {
  const timeZone = canonicalTimeZone(input.timeZone)
  if (!timeZone) return fail('time-zone-unknown', { timeZone: input.timeZone })
  const start = parseLocal(input.start)
  const end = parseLocal(input.end)
  if (start === null || end === null)
    return fail('validation-failed', { issues: [{ path: 'body', message: 'start and end must be calendar times' }] })
  if (end <= start) return fail('meeting-ends-before-start', { start: input.start, end: input.end })
  let recurrence: string | null = null
  if (input.recurrence !== null) {
    const checked = checkRule(input.recurrence, start, timeZone)
    if (!checked.ok) return fail(checked.error, { reason: checked.message })
    recurrence = checked.rule
  }
  return ok({
    startsAt: instantOf(start, timeZone),
    endsAt: instantOf(end, timeZone),
    startLocal: formatLocal(start),
    endLocal: formatLocal(end),
    timeZone,
    recurrence,
  })
}

export class MeetingService {
  readonly #store: Store
  readonly #rooms: RoomService
  readonly #now: () => number
  readonly #onChange: NonNullable<MeetingServiceDeps['onChange']>
  readonly #onRemoteRsvp: NonNullable<MeetingServiceDeps['onRemoteRsvp']>

  constructor(deps: MeetingServiceDeps) {
    this.#store = deps.store
    this.#rooms = deps.rooms
    this.#now = deps.now ?? Date.now
    this.#onChange = deps.onChange ?? (() => {})
    this.#onRemoteRsvp = deps.onRemoteRsvp ?? (() => {})
  }

  async schedule(caller: Caller, roomId: string, input: MeetingCreate): Promise<Result<MeetingWithExceptions>> {
    const allowed = await this.#rooms.access(caller, roomId, 'meeting.schedule')
    if (!allowed.ok) return allowed
    const times = resolveTimes({ ...input, recurrence: input.recurrence ?? null })
    if (!times.ok) return times
    const now = this.#now()
    const draft: MeetingRecord = {
      id: randomUUID(),
      roomId,
      title: input.title,
      description: input.description ?? '',
      ...times.value,
      reminderMinutes: input.reminderMinutes ?? DEFAULT_REMINDER_MINUTES,
      lastEndsAt: 0,
      sequence: 0,
      createdBy: caller.id,
      createdAt: now,
      updatedAt: now,
      cancelledAt: null,
      origin: null,
      joinUrl: null,
    }
    const meeting = { ...draft, lastEndsAt: lastEnd(draft, []) }
    await this.#store.meetings.create(meeting)
    this.#onChange(meeting, 'scheduled')
    return ok({ meeting, exceptions: [] })
  }

  async update(
    caller: Caller,
    roomId: string,
    meetingId: string,
    input: MeetingUpdate,
  ): Promise<Result<MeetingWithExceptions>> {
    const found = await this.#editable(caller, roomId, meetingId)
    if (!found.ok) return found
    const { meeting, exceptions } = found.value
    const times = resolveTimes({
      start: input.start ?? meeting.startLocal,
      end: input.end ?? meeting.endLocal,
      timeZone: input.timeZone ?? meeting.timeZone,
      recurrence: input.recurrence === undefined ? meeting.recurrence : input.recurrence,
    })
    if (!times.ok) return times
    const next: MeetingRecord = {
      ...meeting,
      ...times.value,
      ...(input.title !== undefined ? { title: input.title } : {}),
      ...(input.description !== undefined ? { description: input.description } : {}),
      ...(input.reminderMinutes !== undefined ? { reminderMinutes: input.reminderMinutes } : {}),
      sequence: meeting.sequence + 1,
      updatedAt: this.#now(),
    }
    const { id: _id, roomId: _roomId, createdBy: _by, createdAt: _at, origin: _origin, ...patch } = next
    const stored = await this.#store.meetings.update(meeting.id, { ...patch, lastEndsAt: lastEnd(next, exceptions) })
    if (!stored) return fail('meeting-not-found')
    this.#onChange(stored, 'updated')
    return ok({ meeting: stored, exceptions })
  }

  async cancel(caller: Caller, roomId: string, meetingId: string): Promise<Result<MeetingRecord>> {
    const found = await this.#editable(caller, roomId, meetingId)
    if (!found.ok) return found
    const now = this.#now()
    const stored = await this.#store.meetings.update(meetingId, {
      cancelledAt: now,
      updatedAt: now,
      sequence: found.value.meeting.sequence + 1,
    })
    if (!stored) return fail('meeting-not-found')
    this.#onChange(stored, 'cancelled')
    return ok(stored)
  }

  /** Cancels one occurrence or moves it (new wall-clock times in the meeting's zone). */
  async changeOccurrence(
    caller: Caller,
    roomId: string,
    meetingId: string,
    occurrenceId: string,
    change: OccurrenceChange,
  ): Promise<Result<MeetingWithExceptions>> {
    const found = await this.#editable(caller, roomId, meetingId)
    if (!found.ok) return found
    const { meeting, exceptions } = found.value
    const occurrence = findOccurrence(meeting, exceptions, occurrenceId)
    if (!occurrence) return fail('occurrence-not-found', { occurrence: occurrenceId })
    let exception: MeetingExceptionRecord
    if ('cancelled' in change) {
      exception = { meetingId, occurrence: occurrence.original, cancelled: true, startsAt: null, endsAt: null }
    } else {
      const start = parseLocal(change.start)
      const end = parseLocal(change.end)
      if (start === null || end === null)
        return fail('validation-failed', {
          issues: [{ path: 'body', message: 'start and end must be calendar times' }],
        })
      if (end <= start) return fail('meeting-ends-before-start', { start: change.start, end: change.end })
      exception = {
        meetingId,
        occurrence: occurrence.original,
        cancelled: false,
        startsAt: instantOf(start, meeting.timeZone),
        endsAt: instantOf(end, meeting.timeZone),
      }
    }
    await this.#store.meetings.putException(exception)
    const all = [...exceptions.filter((e) => e.occurrence !== exception.occurrence), exception].sort(
      (a, b) => a.occurrence - b.occurrence,
    )
    const stored = await this.#store.meetings.update(meetingId, {
      sequence: meeting.sequence + 1,
      updatedAt: this.#now(),
      lastEndsAt: lastEnd(meeting, all),
    })
    if (!stored) return fail('meeting-not-found')
    this.#onChange(stored, 'updated')
    return ok({ meeting: stored, exceptions: all })
  }

  async list(caller: Caller, roomId: string): Promise<Result<MeetingWithExceptions[]>> {
    const allowed = await this.#rooms.access(caller, roomId, 'meeting.view')
    if (!allowed.ok) return allowed
    return ok(await this.#withExceptions(await this.#store.meetings.listForRooms([roomId])))
  }

  /** Every meeting (cancelled ones included, for calendars to drop) of every room the caller is in. */
  async agenda(caller: Caller): Promise<MeetingWithExceptions[]> {
    return this.#withExceptions(await this.#store.meetings.listForRooms(await this.#visibleRooms(caller)))
  }

  async get(caller: Caller, roomId: string, meetingId: string): Promise<Result<MeetingWithExceptions>> {
    const allowed = await this.#rooms.access(caller, roomId, 'meeting.view')
    if (!allowed.ok) return allowed
    return this.#load(roomId, meetingId)
  }

  /**
   * Occurrences in [from, to) of one room's meetings, or (roomId null) of every room the caller is
   * in, each with the caller's answer. The window is at most MAX_MEETING_WINDOW_DAYS wide.
   */
  async upcoming(
    caller: Caller,
    roomId: string | null,
    window: { from?: number; to?: number; limit?: number },
  ): Promise<Result<{ occurrence: Occurrence; rsvp: RsvpResponse | null }[]>> {
    const from = window.from ?? this.#now()
    const to = window.to ?? from + 30 * 86400_000
    if (!(to > from) || to - from > MAX_MEETING_WINDOW_DAYS * 86400_000)
      return fail('occurrence-window-invalid', { from: new Date(from).toISOString(), to: new Date(to).toISOString() })
    let roomIds: string[]
    if (roomId) {
      const allowed = await this.#rooms.access(caller, roomId, 'meeting.view')
      if (!allowed.ok) return allowed
      roomIds = [roomId]
    } else roomIds = await this.#visibleRooms(caller)
    const meetings = await this.#store.meetings.listForRooms(roomIds)
    const exceptions = await this.#store.meetings.exceptions(meetings.map((m) => m.id))
    const found = occurrencesBetween(meetings, exceptions, from, to, window.limit ?? 50)
    const answers = await this.#store.meetings.rsvpsOf(caller.id, [...new Set(found.map((o) => o.meeting.id))])
    const answerOf = new Map(answers.map((a) => [`${a.meetingId} ${a.occurrence}`, a.response]))
    return ok(
      found.map((occurrence) => ({
        occurrence,
        rsvp: answerOf.get(`${occurrence.meeting.id} ${occurrence.original}`) ?? null,
      })),
    )
  }

  /**
   * The room's occurrences on now (started, not ended, not cancelled): while one is, the room's
   * call is that meeting's, opened by a moderator (policy: meeting-awaits-moderator). No access
   * check: the call service asks for a room whose access it already checked.
   */
  async runningIn(roomId: string): Promise<Occurrence[]> {
    const meetings = await this.#store.meetings.listForRooms([roomId])
    if (meetings.length === 0) return []
    const now = this.#now()
    const exceptions = await this.#store.meetings.exceptions(meetings.map((m) => m.id))
    return occurrencesBetween(meetings, exceptions, now, now + 1, 10)
  }

  async rsvp(
    caller: Caller,
    roomId: string,
    meetingId: string,
    occurrenceId: string,
    response: RsvpResponse,
  ): Promise<Result<RsvpRecord>> {
    const allowed = await this.#rooms.access(caller, roomId, 'meeting.rsvp')
    if (!allowed.ok) return allowed
    const found = await this.#load(roomId, meetingId)
    if (!found.ok) return found
    const { meeting, exceptions } = found.value
    if (meeting.cancelledAt !== null) return fail('meeting-cancelled')
    const occurrence = findOccurrence(meeting, exceptions, occurrenceId)
    if (!occurrence || occurrence.cancelled) return fail('occurrence-not-found', { occurrence: occurrenceId })
    const rsvp: RsvpRecord = {
      meetingId,
      occurrence: occurrence.original,
      actorId: caller.id,
      name: allowed.value.self.displayName,
      response,
      updatedAt: this.#now(),
    }
    await this.#store.meetings.putRsvp(rsvp)
    return ok(rsvp)
  }

  /**
   * Answers an occurrence of a meeting by its id alone: a local room's (as `rsvp`), or a copy of a
   * remote room's meeting, whose answer is kept here and sent to the room's host.
   */
  async rsvpById(
    caller: Caller,
    meetingId: string,
    occurrenceId: string,
    response: RsvpResponse,
  ): Promise<Result<RsvpRecord>> {
    const meeting = await this.#store.meetings.byId(meetingId)
    if (!meeting) return fail('meeting-not-found')
    if (meeting.origin === null) return this.rsvp(caller, meeting.roomId, meetingId, occurrenceId, response)
    if (caller.type !== 'user' || !(await this.#inRemoteRoom(caller.id, meeting.roomId)))
      return fail('meeting-not-found')
    if (meeting.cancelledAt !== null) return fail('meeting-cancelled')
    const occurrence = findOccurrence(meeting, await this.#store.meetings.exceptions([meetingId]), occurrenceId)
    if (!occurrence || occurrence.cancelled) return fail('occurrence-not-found', { occurrence: occurrenceId })
    const user = await this.#store.users.byId(caller.id)
    if (!user) return fail('meeting-not-found')
    const rsvp: RsvpRecord = {
      meetingId,
      occurrence: occurrence.original,
      actorId: caller.id,
      name: user.displayName,
      response,
      updatedAt: this.#now(),
    }
    await this.#store.meetings.putRsvp(rsvp)
    this.#onRemoteRsvp(meeting, rsvp, user.username)
    return ok(rsvp)
  }

  async rsvps(caller: Caller, roomId: string, meetingId: string, occurrenceId: string): Promise<Result<RsvpRecord[]>> {
    const allowed = await this.#rooms.access(caller, roomId, 'meeting.view')
    if (!allowed.ok) return allowed
    const found = await this.#load(roomId, meetingId)
    if (!found.ok) return found
    const occurrence = findOccurrence(found.value.meeting, found.value.exceptions, occurrenceId)
    if (!occurrence) return fail('occurrence-not-found', { occurrence: occurrenceId })
    return ok(await this.#store.meetings.rsvps(meetingId, occurrence.original))
  }

  /**
   * The rooms the caller is in and may see meetings of (not waiting in a lobby, not deleted), and
   * for a user the rooms on other instances they are a member of (by the room's actor id).
   */
  async #visibleRooms(caller: Caller): Promise<string[]> {
    const mine = await this.#store.participants.roomsOf(caller.id)
    const visible = await Promise.all(
      mine.map(async (id) => ((await this.#rooms.access(caller, id, 'meeting.view')).ok ? id : null)),
    )
    const remote =
      caller.type === 'user'
        ? (await this.#store.federation.rooms.invitations.listForUser(caller.id, 'accepted')).map((i) => i.roomId)
        : []
    return [...visible.filter((id): id is string => id !== null), ...remote]
  }

  async #inRemoteRoom(userId: string, roomId: string): Promise<boolean> {
    return (await this.#store.federation.rooms.invitations.acceptedFor(roomId)).some((i) => i.userId === userId)
  }

  async #editable(caller: Caller, roomId: string, meetingId: string): Promise<Result<MeetingWithExceptions>> {
    const allowed = await this.#rooms.access(caller, roomId, 'meeting.schedule')
    if (!allowed.ok) return allowed
    const found = await this.#load(roomId, meetingId)
    if (!found.ok) return found
    if (found.value.meeting.cancelledAt !== null) return fail('meeting-cancelled')
    return found
  }

  async #load(roomId: string, meetingId: string): Promise<Result<MeetingWithExceptions>> {
    const meeting = await this.#store.meetings.byId(meetingId)
    if (!meeting || meeting.roomId !== roomId) return fail('meeting-not-found')
    return ok({ meeting, exceptions: await this.#store.meetings.exceptions([meeting.id]) })
  }

  async #withExceptions(meetings: MeetingRecord[]): Promise<MeetingWithExceptions[]> {
    const exceptions = await this.#store.meetings.exceptions(meetings.map((m) => m.id))
    return meetings.map((meeting) => ({ meeting, exceptions: exceptions.filter((e) => e.meetingId === meeting.id) }))
  }
}

function findOccurrence(
  meeting: MeetingRecord,
  exceptions: readonly MeetingExceptionRecord[],
  occurrenceId: string,
): Occurrence | null {
  const original = parseCompactUtc(occurrenceId)
  if (original === null) return null
  return occurrenceAt(meeting, exceptions, original)
}
