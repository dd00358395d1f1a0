/**
 * Reminders and starts: `meeting.reminder` frames to a room's participants each meeting's
 * `reminderMinutes` before every occurrence, and `meeting.started` frames (the room's call is open)
 * at its start, pushed on each user's realtime topic of the bus.
 *
 * Timer-driven: it sleeps until the next notice is due (at most `maxSleepMs`, so a change made on
 * another node is seen), and is woken early when a meeting here changes. Each notice is claimed in
 * the store first, so nodes sharing the store send it once, and a restart does not repeat it; a
 * notice found more than `lateMs` overdue (the server was down) is dropped, not sent late.
 */
import { userTopic, type Bus } from '../bus/bus.ts'
import type { Logger } from '../logger.ts'
import type { Store } from '../store/ports.ts'
import type { ServerMeetingReminder, ServerMeetingStarted } from '@parley/protocol'
import { occurrenceView } from './meeting-views.ts'
import { occurrencesBetween, type Occurrence } from './occurrences.ts'
import { isRemoteActorId } from '../store/actor-ids.ts'

export type MeetingRemindersDeps = {
  store: Store
  bus: Bus
  publicOrigin: string
  log: Logger
  now?: () => number
  /** Longest sleep between looks at the store (default one minute). */
  maxSleepMs?: number
  /** Notices overdue by more than this are dropped (default five minutes). */
  lateMs?: number
}

/** The longest reminder a meeting may ask for (the protocol's maximum of reminderMinutes). */
const MAX_REMINDER_MS = 10080 * 60_000

type Notice = { occurrence: Occurrence; kind: 'reminder' | 'start'; at: number }

export class MeetingReminders {
  readonly #deps: MeetingRemindersDeps
  readonly #now: () => number
  readonly #maxSleepMs: number
  readonly #lateMs: number
  #timer: NodeJS.Timeout | null = null
  #running: Promise<void> | null = null
  #again = false
  #started = false
  #closed = false

  constructor(deps: MeetingRemindersDeps) {
    this.#deps = deps
    this.#now = deps.now ?? Date.now
    this.#maxSleepMs = deps.maxSleepMs ?? 60_000
    this.#lateMs = deps.lateMs ?? 5 * 60_000
  }

  /** Starts looking; idempotent. */
  start(): void {
    if (this.#started) return
    this.#started = true
    this.changed()
  }

  /** A meeting changed: look again now (after the current look, when one is running). Nothing before start(). */
  changed(): void {
    if (this.#closed || !this.#started) return
    if (this.#running) {
      this.#again = true
      return
    }
    if (this.#timer) clearTimeout(this.#timer)
    this.#timer = null
    this.#running = this.#look().finally(() => {
      this.#running = null
      if (this.#again) {
        this.#again = false
        this.changed()
      }
    })
  }

  /** Resolves when no look is running. */
  async idle(): Promise<void> {
    while (this.#running) await this.#running
  }

  async close(): Promise<void> {
    this.#closed = true
    if (this.#timer) clearTimeout(this.#timer)
    this.#timer = null
    await this.idle()
  }

  async #look(): Promise<void> {
    let sleep = this.#maxSleepMs
    try {
      const now = this.#now()
      const { due, next } = await this.#plan(now)
      for (const notice of due) await this.#send(notice)
      if (next !== null) sleep = Math.min(sleep, Math.max(0, next - this.#now()))
    } catch (error) {
      this.#deps.log.warn({ err: error, component: 'meetings' }, 'meeting reminders failed; trying again')
    }
    if (this.#closed) return
    this.#timer = setTimeout(() => {
      this.#timer = null
      this.changed()
    }, sleep)
    this.#timer.unref()
  }

  async #plan(now: number): Promise<{ due: Notice[]; next: number | null }> {
    const { store } = this.#deps
    const meetings = await store.meetings.active(now - this.#lateMs)
    const exceptions = await store.meetings.exceptions(meetings.map((m) => m.id))
    const horizon = now + MAX_REMINDER_MS + this.#maxSleepMs
    const due: Notice[] = []
    let next: number | null = null
    for (const occurrence of occurrencesBetween(meetings, exceptions, now - this.#lateMs, horizon, 100_000)) {
      const minutes = occurrence.meeting.reminderMinutes
      const notices: Notice[] = [{ occurrence, kind: 'start', at: occurrence.start }]
      if (minutes > 0) notices.push({ occurrence, kind: 'reminder', at: occurrence.start - minutes * 60_000 })
      for (const notice of notices) {
        if (notice.at > now) next = next === null ? notice.at : Math.min(next, notice.at)
        else if (notice.at > now - this.#lateMs) due.push(notice)
      }
    }
    due.sort((a, b) => a.at - b.at)
    return { due, next }
  }

  async #send({ occurrence, kind }: Notice): Promise<void> {
    const { store, bus, publicOrigin } = this.#deps
    const { meeting } = occurrence
    if (!(await store.meetings.claimNotice(meeting.id, occurrence.original, kind))) return
    // A copy of a remote room's meeting reminds the users here who are in that room.
    const userIds =
      meeting.origin === null
        ? (await store.participants.list(meeting.roomId))
            // Remote members (actor ids) are reminded by their own instance, which has a copy.
            .filter((p) => p.actorType === 'user' && p.state === 'active' && !isRemoteActorId(p.actorId))
            .map((p) => p.actorId)
        : (await store.federation.rooms.invitations.acceptedFor(meeting.roomId)).map((i) => i.userId)
    const answers = new Map(
      (await store.meetings.rsvps(meeting.id, occurrence.original)).map((r) => [r.actorId, r.response]),
    )
    for (const userId of new Set(userIds)) {
      const rsvp = answers.get(userId) ?? null
      // Someone who declined this occurrence is not reminded of it.
      if (rsvp === 'declined') continue
      const view = occurrenceView(occurrence, publicOrigin, rsvp)
      const frame: ServerMeetingReminder | ServerMeetingStarted =
        kind === 'reminder'
          ? { type: 'meeting.reminder', occurrence: view, minutesBefore: meeting.reminderMinutes }
          : { type: 'meeting.started', occurrence: view }
      await bus.publish(userTopic(userId), JSON.stringify(frame))
    }
    this.#deps.log.debug(
      { component: 'meetings', meetingId: meeting.id, occurrence: occurrence.id, kind, roomId: meeting.roomId },
      'meeting notice sent',
    )
  }
}
