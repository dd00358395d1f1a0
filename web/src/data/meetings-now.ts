/**
 * The meetings on now in my rooms (started, not yet ended), for the room's "has started" banner:
 * loaded when the session starts (and after a reconnect), joined by `meeting.started` frames, and
 * each dropped at its end. Keyed by the occurrence's room: the room's id here, or its actor id for a
 * room hosted on another instance (the copy of its meeting is named so).
 */
import type { OccurrenceView, Parley, ServerMeetingStarted } from '@parley/client/browser'
import { Observable } from './observable.ts'

export class MeetingsNow {
  readonly running = new Observable<readonly OccurrenceView[]>([])
  readonly #parley: Parley
  readonly #timers = new Map<string, ReturnType<typeof setTimeout>>()

  constructor(parley: Parley) {
    this.#parley = parley
  }

  /** What is on now, from the server (the frames of a start missed while away are not replayed). */
  async load(): Promise<void> {
    const now = Date.now()
    const found = await this.#parley.meetings.upcoming({ limit: 50 })
    for (const occurrence of found) if (Date.parse(occurrence.start) <= now) this.#add(occurrence)
  }

  onStarted(frame: ServerMeetingStarted): void {
    this.#add(frame.occurrence)
  }

  /** The first meeting on now in a room (by its id here, or its actor id when hosted elsewhere). */
  inRoom(occurrences: readonly OccurrenceView[], roomIds: readonly string[]): OccurrenceView | undefined {
    return occurrences.find((o) => roomIds.includes(o.roomId))
  }

  close(): void {
    for (const timer of this.#timers.values()) clearTimeout(timer)
    this.#timers.clear()
  }

  #add(occurrence: OccurrenceView): void {
    const key = `${occurrence.meetingId} ${occurrence.occurrence}`
    const left = Date.parse(occurrence.end) - Date.now()
    if (left <= 0 || this.#timers.has(key)) return
    this.running.update((list) => [...list, occurrence])
    // setTimeout takes at most 2^31-1 ms; meetings are far shorter.
    const timer = setTimeout(
      () => {
        this.#timers.delete(key)
        this.running.update((list) => list.filter((o) => `${o.meetingId} ${o.occurrence}` !== key))
      },
      Math.min(left, 2 ** 31 - 1),
    )
    this.#timers.set(key, timer)
  }
}
