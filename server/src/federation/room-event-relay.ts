/**
 * What the room fan-out and the direct-message outbox share: room events handed to the federation
 * one after the other per room, in room order (an edit must find what its message became), without
 * ever failing or delaying the local change; and, after a restart, the events after each stored
 * cursor handed over again (the process may have died between storing an event and queueing it).
 */
import type { RoomEvent } from '@parley/protocol'
import type { RoomEventRepository } from '../store/ports.ts'

export type RoomEventHandler = (roomId: string, seq: number, event: RoomEvent) => Promise<void>

const REPLAY_PAGE = 500

export class RoomEventRelay {
  readonly #handle: RoomEventHandler
  readonly #onError: (error: unknown, roomId: string, seq: number) => void
  readonly #accepts: (event: RoomEvent) => boolean
  /** Per room, the hand-over in progress: the next waits for it. */
  readonly #chains = new Map<string, Promise<void>>()

  constructor(options: { handle: RoomEventHandler; onError: (error: unknown, roomId: string, seq: number) => void; accepts?: (event: RoomEvent) => boolean }) {
    this.#handle = options.handle
    this.#onError = options.onError
    this.#accepts = options.accepts ?? (() => true)
  }

  /** For the event log's `onEvent`: never throws, never waits. */
  readonly push = (roomId: string, seq: number, event: RoomEvent): void => {
    if (!this.#accepts(event)) return
    const previous = this.#chains.get(roomId) ?? Promise.resolve()
    const next = previous.then(() => this.#handle(roomId, seq, event)).catch((error: unknown) => this.#onError(error, roomId, seq))
    this.#chains.set(roomId, next)
    void next.finally(() => {
      if (this.#chains.get(roomId) === next) this.#chains.delete(roomId)
    })
  }

  /** Resolves once every event pushed so far is handed over (tests, shutdown). */
  async idle(): Promise<void> {
    await Promise.all([...this.#chains.values()])
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
}
