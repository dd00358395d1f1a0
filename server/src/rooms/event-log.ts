/**
 * Durable room events: each gets the room's next sequence number from the store, is kept in the
 * event log (what reconnecting clients replay) and is published on the bus, serialised once as the
 * realtime frame every gateway forwards as is.
 */
import type { RoomEvent, ServerEvent } from '@parley/protocol'
import type { Store } from '../store/ports.ts'
import type { MessageRecord } from '../store/records.ts'
import { messageView } from './views.ts'
import { actorTopic, roomTopic, type Bus } from '../bus/bus.ts'

export type EventLogDeps = {
  store: Store; bus: Bus; now: () => number; onError?: (error: unknown) => void
  /** Told of every durable event once stored, in room order (the federation fans some out to member instances). Must not throw. */
  onEvent?: (roomId: string, seq: number, event: RoomEvent) => void
}

export class RoomEventLog {
  readonly #store: Store
  readonly #bus: Bus
  readonly #now: () => number
  readonly #onError: (error: unknown) => void
  readonly #onEvent: ((roomId: string, seq: number, event: RoomEvent) => void) | undefined

  constructor(deps: EventLogDeps) {
    this.#store = deps.store
    this.#bus = deps.bus
    this.#now = deps.now
    this.#onError = deps.onError ?? (() => {})
    this.#onEvent = deps.onEvent
  }

  /** Takes the room's next seq for the event (built for that seq when a function), keeps it and publishes it. */
  async emit(roomId: string, event: RoomEvent | ((seq: number) => RoomEvent), options: { expiresAt?: number | null } = {}): Promise<number> {
    const record = await this.#store.events.appendNext(
      roomId,
      (seq) => {
        const built = typeof event === 'function' ? event(seq) : event
        return { type: built.type, data: built as unknown as Record<string, unknown> }
      },
      this.#now(),
      options.expiresAt ?? null,
    )
    this.#publishEvent(roomId, record.seq, record.data as unknown as RoomEvent)
    return record.seq
  }

  /** Posts a message (with its message.new event, in one store transaction) and publishes it. */
  async postMessage(draft: Omit<MessageRecord, 'seq'>): Promise<MessageRecord> {
    const { message, event } = await this.#store.messages.post(draft, (stored) => ({
      type: 'message.new',
      data: { type: 'message.new', message: messageView(stored) },
    }))
    this.#publishEvent(message.roomId, message.seq, event.data as unknown as RoomEvent)
    return message
  }

  #publishEvent(roomId: string, seq: number, event: RoomEvent): void {
    const frame: ServerEvent = { type: 'event', roomId, seq, event }
    this.#publish(roomTopic(roomId), JSON.stringify(frame))
    this.#onEvent?.(roomId, seq, event)
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
