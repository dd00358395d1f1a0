/**
 * The server's side of meetings across instances (the federation's MeetingsPort). Member side: a
 * remote room's Events become copies of its meetings here (roomId: the room's actor id, origin: the
 * Event id), kept only while someone here is in the room, with the zone and rule checked as ours
 * are (an unknown zone reads as UTC, a rule we would refuse is dropped: the first occurrence stays).
 * Host side: remote members' answers are kept like local ones, under their actor id.
 */
import { randomUUID } from 'node:crypto'
import type { InboundMeeting, InboundRsvp, MeetingsPort } from '@parley/federation'
import type { Store } from '../store/ports.ts'
import type { MeetingExceptionRecord, MeetingRecord } from '../store/meeting-records.ts'
import { checkRule } from '../meetings/recurrence.ts'
import { lastEnd, occurrenceAt } from '../meetings/occurrences.ts'
import { canonicalTimeZone, formatLocal, wallClockOf } from '../meetings/time-zones.ts'
import { DEFAULT_REMINDER_MINUTES } from '../meetings/meeting-service.ts'

export class RemoteMeetings implements MeetingsPort {
  readonly #store: Store
  readonly #now: () => number
  /** Told after a copy changed (reminders re-plan). */
  readonly onChange: () => void

  constructor(store: Store, options: { now?: () => number; onChange?: () => void } = {}) {
    this.#store = store
    this.#now = options.now ?? Date.now
    this.onChange = options.onChange ?? (() => {})
  }

  async received(m: InboundMeeting): Promise<void> {
    if ((await this.#store.federation.rooms.invitations.acceptedFor(m.roomId)).length === 0) return
    const existing = await this.#store.meetings.byOrigin(m.eventId)
    // A copy is changed only by its own room, and never back to an older revision.
    if (existing && (existing.roomId !== m.roomId || existing.updatedAt > m.updatedAt)) return
    const timeZone = (m.timeZone && canonicalTimeZone(m.timeZone)) || 'UTC'
    const start = wallClockOf(m.startsAt, timeZone)
    const end = wallClockOf(m.endsAt, timeZone)
    const checked = m.recurrence ? checkRule(m.recurrence, start, timeZone) : null
    const fields = {
      title: m.title,
      description: m.description,
      startsAt: m.startsAt,
      endsAt: m.endsAt,
      startLocal: formatLocal(start),
      endLocal: formatLocal(end),
      timeZone,
      recurrence: checked?.ok ? checked.rule : null,
      joinUrl: m.joinUrl,
      updatedAt: m.updatedAt,
    }
    if (existing) {
      const next = { ...existing, ...fields, sequence: existing.sequence + 1 }
      const exceptions = await this.#putExceptions(existing.id, m)
      await this.#store.meetings.update(existing.id, {
        ...fields,
        sequence: next.sequence,
        lastEndsAt: lastEnd(next, exceptions),
      })
    } else {
      const draft: MeetingRecord = {
        id: randomUUID(),
        roomId: m.roomId,
        ...fields,
        reminderMinutes: DEFAULT_REMINDER_MINUTES,
        lastEndsAt: 0,
        sequence: 0,
        createdBy: m.roomId,
        createdAt: this.#now(),
        cancelledAt: null,
        origin: m.eventId,
      }
      await this.#store.meetings.create(draft)
      const exceptions = await this.#putExceptions(draft.id, m)
      await this.#store.meetings.update(draft.id, { lastEndsAt: lastEnd(draft, exceptions) })
    }
    this.onChange()
  }

  /** Keeps the host's cancelled and moved occurrences (the host never takes one back). */
  async #putExceptions(meetingId: string, m: InboundMeeting): Promise<MeetingExceptionRecord[]> {
    for (const e of m.exceptions) await this.#store.meetings.putException({ meetingId, ...e })
    return this.#store.meetings.exceptions([meetingId])
  }

  async cancelled(roomId: string, eventId: string, at: number): Promise<void> {
    const existing = await this.#store.meetings.byOrigin(eventId)
    if (!existing || existing.roomId !== roomId || existing.cancelledAt !== null) return
    await this.#store.meetings.update(existing.id, { cancelledAt: at, updatedAt: at, sequence: existing.sequence + 1 })
    this.onChange()
  }

  async answered(r: InboundRsvp): Promise<void> {
    const meeting = await this.#store.meetings.byId(r.meetingId)
    if (!meeting || meeting.roomId !== r.roomId || meeting.origin !== null || meeting.cancelledAt !== null) return
    const occurrence = occurrenceAt(meeting, await this.#store.meetings.exceptions([meeting.id]), r.occurrence)
    if (!occurrence || occurrence.cancelled) return
    await this.#store.meetings.putRsvp({
      meetingId: meeting.id,
      occurrence: r.occurrence,
      actorId: r.actorId,
      name: r.name,
      response: r.response,
      updatedAt: this.#now(),
    })
  }
}
