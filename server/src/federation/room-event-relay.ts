/**
 * What the room fan-out and the direct-message outbox share: room events handed to the federation
 * one after the other per room, in room order (an edit must find what its message became), without
 * ever failing or delaying the local change; and, after a restart, the events after each stored
 * cursor handed over again (the process may have died between storing an event and queueing it).
 *
 * At least once, for real: the handler advances the room's cursor only after a successful hand-over,
 * and when one fails the room stops — later events of that room are not handed over past it (that
 * would move the cursor beyond the failed one). The room is retried from its stored cursor, reading
 * the event log, with a growing delay, until everything up to the log's end went over; then live
 * events flow again. A restart meanwhile replays from the same cursor.
 */
import type { RoomEvent } from '@parley/protocol'
import type { RoomEventRepository } from '../store/ports.ts'

export type RoomEventHandler = (roomId: string, seq: number, event: RoomEvent) => Promise<void>

const REPLAY_PAGE = 500
const MAX_RETRY_MS = 30_000

type Recovery = { attempt: number; timer: NodeJS.Timeout | null; dirty: boolean }

export class RoomEventRelay {
  readonly #handle: RoomEventHandler
  readonly #onError: (error: unknown, roomId: string, seq: number) => void
  readonly #accepts: (event: RoomEvent) => boolean
  readonly #events: RoomEventRepository | null
  readonly #cursorOf: ((roomId: string) => Promise<number>) | null
  readonly #retryMs: number
  /** Per room, the hand-over in progress: the next waits for it. */
  readonly #chains = new Map<string, Promise<void>>()
  /** Rooms whose hand-over failed: live events wait in the log until the retry from the cursor got past them. */
  readonly #recovering = new Map<string, Recovery>()
  #stopped = false

  /**
   * `events` and `cursorOf` (the room's stored cursor) let a failed room be retried from its cursor;
   * without them a failure is only reported (and the restart's replay sends it again).
   */
  constructor(options: {
    handle: RoomEventHandler
    onError: (error: unknown, roomId: string, seq: number) => void
    accepts?: (event: RoomEvent) => boolean
    events?: RoomEventRepository
    cursorOf?: (roomId: string) => Promise<number>
    /** The first retry delay after a failed hand-over (doubles per attempt, at most 30 s). */
    retryMs?: number
  }) {
    this.#handle = options.handle
    this.#onError = options.onError
    this.#accepts = options.accepts ?? (() => true)
    this.#events = options.events ?? null
    this.#cursorOf = options.cursorOf ?? null
    this.#retryMs = options.retryMs ?? 500
  }

  /** For the event log's `onEvent`: never throws, never waits. */
  readonly push = (roomId: string, seq: number, event: RoomEvent): void => {
    if (!this.#accepts(event)) return
    const recovery = this.#recovering.get(roomId)
    if (recovery) {
      // Stored already: the retry reads it from the log, in order.
      recovery.dirty = true
      return
    }
    this.#chain(roomId, async () => {
      if (this.#recovering.has(roomId)) return
      try {
        await this.#handle(roomId, seq, event)
      } catch (error) {
        this.#failed(error, roomId, seq)
      }
    })
  }

  /**
   * Whether events wait to be handed over: a hand-over in progress, or a room waiting for its retry.
   * Read synchronously, so a check of the queue and of the relays can be made without a gap.
   */
  get busy(): boolean {
    return this.#chains.size > 0 || this.#recovering.size > 0
  }

  /** Resolves once every event pushed so far is handed over or waits for a retry (tests, shutdown). */
  async idle(): Promise<void> {
    while (this.#chains.size > 0) await Promise.all([...this.#chains.values()])
  }

  /** Resolves once no room waits for a retry and every hand-over is done (tests: "the relay caught up"). */
  async caughtUp(): Promise<void> {
    for (;;) {
      await this.idle()
      if (this.#recovering.size === 0) return
      await new Promise((resolve) => setTimeout(resolve, 20))
    }
  }

  /** Stops retrying (shutdown); waits for the hand-overs in progress. */
  async stop(): Promise<void> {
    this.#stopped = true
    for (const recovery of this.#recovering.values()) if (recovery.timer) clearTimeout(recovery.timer)
    await this.idle()
  }

  /** Pushes again every stored event after each room's cursor; resolves once handed over, with how many. */
  async replay(events: RoomEventRepository, cursors: { roomId: string; seq: number }[]): Promise<number> {
    let count = 0
    for (const { roomId, seq } of cursors) {
      for (let after = seq; ;) {
        const page = await events.since(roomId, after, REPLAY_PAGE)
        for (const record of page) {
          const event = record.data as unknown as RoomEvent
          if (!this.#accepts(event)) continue
          this.push(roomId, record.seq, event)
          count++
        }
        if (page.length < REPLAY_PAGE) break
        after = page[page.length - 1]!.seq
      }
    }
    await this.idle()
    return count
  }

  #chain(roomId: string, work: () => Promise<void>): void {
    const previous = this.#chains.get(roomId) ?? Promise.resolve()
    const next = previous.then(work)
    this.#chains.set(roomId, next)
    void next.finally(() => {
      if (this.#chains.get(roomId) === next) this.#chains.delete(roomId)
    })
  }

  #failed(error: unknown, roomId: string, seq: number): void {
    this.#onError(error, roomId, seq)
    if (!this.#events || !this.#cursorOf) return
    const recovery = this.#recovering.get(roomId) ?? { attempt: 0, timer: null, dirty: false }
    this.#recovering.set(roomId, recovery)
    this.#scheduleRetry(roomId, recovery)
  }

  #scheduleRetry(roomId: string, recovery: Recovery): void {
    if (this.#stopped) return
    const delay = Math.min(MAX_RETRY_MS, this.#retryMs * 2 ** Math.min(recovery.attempt, 10))
    recovery.attempt++
    recovery.timer = setTimeout(() => {
      recovery.timer = null
      this.#chain(roomId, () => this.#retry(roomId, recovery))
    }, delay)
    recovery.timer.unref()
  }

  /** Hands over, in order, every event after the room's stored cursor up to the log's end. */
  async #retry(roomId: string, recovery: Recovery): Promise<void> {
    const events = this.#events as RoomEventRepository
    let after = await (this.#cursorOf as (roomId: string) => Promise<number>)(roomId)
    let seq = after
    try {
      for (;;) {
        recovery.dirty = false
        const page = await events.since(roomId, after, REPLAY_PAGE)
        for (const record of page) {
          seq = record.seq
          const event = record.data as unknown as RoomEvent
          if (this.#accepts(event)) await this.#handle(roomId, record.seq, event)
          after = record.seq
        }
        // No await between this check and leaving recovery: an event pushed later takes the live path.
        if (page.length < REPLAY_PAGE && !recovery.dirty) {
          this.#recovering.delete(roomId)
          return
        }
      }
    } catch (error) {
      this.#onError(error, roomId, seq)
      this.#scheduleRetry(roomId, recovery)
    }
  }
}
