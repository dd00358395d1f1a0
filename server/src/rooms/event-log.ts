/**
 * Durable room events: each gets the room's next sequence number from the store, is kept in the
 * event log (what reconnecting clients replay) and is published on the bus, serialised once as the
 * realtime frame every gateway forwards as is.
 */
import type { RoomEvent, ServerEvent } from '@parley/protocol'
import type { Store } from '../store/ports.ts'
import { actorTopic, roomTopic, type Bus } from '../bus/bus.ts'

export type EventLogDeps = { store: Store; bus: Bus; now: () => number; onError?: (error: unknown) => void }

export class RoomEventLog {
  readonly #store: Store
  readonly #bus: Bus
  readonly #now: () => number
  readonly #onError: (error: unknown) => void

  constructor(deps: EventLogDeps) {
    this.#store = deps.store
    this.#bus = deps.bus
    this.#now = deps.now
    this.#onError = deps.onError ?? (() => {})
  }

  /** Appends the event with `seq` (already taken from the room) or a new one; returns the seq. */
  async emit(roomId: string, event: RoomEvent, options: { seq?: number; expiresAt?: number | null } = {}): Promise<number> {
    const seq = options.seq ?? (await this.#store.rooms.nextSeq(roomId))
    await this.#store.events.append({ roomId, seq, type: event.type, data: event as unknown as Record<string, unknown>, createdAt: this.#now(), expiresAt: options.expiresAt ?? null })
    const frame: ServerEvent = { type: 'event', roomId, seq, event }
    this.#publish(roomTopic(roomId), JSON.stringify(frame))
    return seq
  }

  /** Ephemeral frames (typing, presence): no seq, not kept. */
  ephemeral(roomId: string, frame: object): void {
    this.#publish(roomTopic(roomId), JSON.stringify(frame))
  }

  /** Tells the sessions of one user or guest that their membership changed (added, admitted, removed). */
  membership(actorId: string, change: { roomId: string; kind: 'changed' | 'ended' }): void {
    this.#publish(actorTopic(actorId), JSON.stringify(change))
  }

  #publish(topic: string, message: string): void {
    // Delivery is best effort: the event is in the log already, a client that missed it resumes.
    this.#bus.publish(topic, message).catch(this.#onError)
  }
}
