/**
 * Durable room events: each gets the room's next sequence number from the store, is kept in the
 * event log (what reconnecting clients replay) and is published on the bus, serialised once as the
 * realtime frame every gateway forwards as is.
 */
import { AsyncLocalStorage } from 'node:async_hooks'
import type { RoomEvent, RoomRemovedReason, ServerEvent, ServerMessage } from '@parley/protocol'
import type { Store } from '../store/ports.ts'
import type { MessageRecord } from '../store/records.ts'
import { messageView } from './views.ts'
import { actorTopic, MIRRORS_TOPIC, roomTopic, userTopic, type Bus } from '../bus/bus.ts'

export type EventLogDeps = {
  store: Store
  bus: Bus
  now: () => number
  onError?: (error: unknown) => void
  /** Told of every durable event once stored, in room order (the federation fans some out to member instances). Must not throw. */
  onEvent?: (roomId: string, seq: number, event: RoomEvent) => void
  /**
   * Whether the room mirrors one hosted on another instance. Its events are the host's (the mirror
   * logs them at the host's seqs through `publishStored`): a local event here would take the host's
   * next seq, so `emit` and `postMessage` refuse it (a path that skipped forwarding).
   */
  hostedElsewhere?: (roomId: string) => Promise<boolean>
}

/**
 * A local write reached the event log of a room hosted elsewhere: nothing is stored. Programmer
 * error on our side (the write should have been forwarded); answered `room-hosted-elsewhere`.
 */
/**
 * A change of one person's place in a room, told to their realtime sessions: `ended` closes a guest's
 * session; `reason` says why they no longer have the room, when that is what happened (room.removed).
 */
export type MembershipChange = { roomId: string; kind: 'changed' | 'ended'; reason?: RoomRemovedReason }

export class HostedElsewhereError extends Error {
  readonly code = 'room-hosted-elsewhere' as const
  constructor(roomId: string, type: string) {
    super(`room ${roomId} is hosted elsewhere: a local ${type} event is refused (writes go to the host)`)
    this.name = 'HostedElsewhereError'
  }
}

export class RoomEventLog {
  readonly #store: Store
  readonly #bus: Bus
  readonly #now: () => number
  readonly #onError: (error: unknown) => void
  readonly #onEvent: ((roomId: string, seq: number, event: RoomEvent) => void) | undefined
  readonly #listeners: ((roomId: string, seq: number, event: RoomEvent) => void)[] = []
  readonly #hostedElsewhere: (roomId: string) => Promise<boolean>
  /** The forwarded action being applied (host side), stored with the events it makes. */
  readonly #action = new AsyncLocalStorage<string>()

  constructor(deps: EventLogDeps) {
    this.#store = deps.store
    this.#bus = deps.bus
    this.#now = deps.now
    this.#onError = deps.onError ?? (() => {})
    this.#onEvent = deps.onEvent
    this.#hostedElsewhere = deps.hostedElsewhere ?? (async () => false)
  }

  /**
   * Runs `apply` (a remote member's forwarded action, host side) so that the event it makes is
   * stored with `actionId` in the same write: a crash between applying and remembering the action
   * cannot make a replay apply it twice (`appliedAction` finds it).
   */
  forAction<T>(actionId: string, apply: () => Promise<T>): Promise<T> {
    return this.#action.run(actionId, apply)
  }

  /** The seq of the event that applied forwarded action `actionId` in the room, or null. */
  appliedAction(roomId: string, actionId: string): Promise<number | null> {
    return this.#store.events.byAction(roomId, actionId)
  }

  /**
   * Adds a listener told of every durable event once stored, in room order, like `onEvent` (the
   * composition root subscribes the relays it builds after the log). A listener that throws is
   * reported to `onError`; the others are still told.
   */
  subscribe(listener: (roomId: string, seq: number, event: RoomEvent) => void): void {
    this.#listeners.push(listener)
  }

  /** Takes the room's next seq for the event (built for that seq when a function), keeps it and publishes it. */
  async emit(
    roomId: string,
    event: RoomEvent | ((seq: number) => RoomEvent),
    options: { expiresAt?: number | null } = {},
  ): Promise<number> {
    const type = typeof event === 'function' ? 'room' : event.type
    if (await this.#hostedElsewhere(roomId)) throw new HostedElsewhereError(roomId, type)
    const actionId = this.#action.getStore()
    const record = await this.#store.events.appendNext(
      roomId,
      (seq) => {
        const built = typeof event === 'function' ? event(seq) : event
        return {
          type: built.type,
          data: built as unknown as Record<string, unknown>,
          ...(actionId ? { actionId } : {}),
        }
      },
      this.#now(),
      options.expiresAt ?? null,
    )
    this.#publishEvent(roomId, record.seq, record.data as unknown as RoomEvent)
    return record.seq
  }

  /** Posts a message (with its message.new event, in one store transaction) and publishes it. */
  async postMessage(draft: Omit<MessageRecord, 'seq'>): Promise<MessageRecord> {
    if (await this.#hostedElsewhere(draft.roomId)) throw new HostedElsewhereError(draft.roomId, 'message.new')
    const actionId = this.#action.getStore()
    const { message, event } = await this.#store.messages.post(draft, (stored) => ({
      type: 'message.new',
      data: { type: 'message.new', message: messageView(stored) },
      ...(actionId ? { actionId } : {}),
    }))
    this.#publishEvent(message.roomId, message.seq, event.data as unknown as RoomEvent)
    return message
  }

  /**
   * Publishes an event stored already at its seq (rooms hosted elsewhere: the mirror logs the
   * host's events at the host's seqs). Not told to `onEvent`: this instance does not relay them.
   */
  publishStored(roomId: string, seq: number, event: RoomEvent): void {
    const frame: ServerEvent = { type: 'event', roomId, seq, event }
    this.#publish(roomTopic(roomId), JSON.stringify(frame))
  }

  #publishEvent(roomId: string, seq: number, event: RoomEvent): void {
    const frame: ServerEvent = { type: 'event', roomId, seq, event }
    this.#publish(roomTopic(roomId), JSON.stringify(frame))
    this.#onEvent?.(roomId, seq, event)
    for (const listener of this.#listeners) {
      try {
        listener(roomId, seq, event)
      } catch (error) {
        this.#onError(error)
      }
    }
  }

  /** Ephemeral frames (typing, presence): no seq, not kept. */
  ephemeral(roomId: string, frame: object): void {
    this.#publish(roomTopic(roomId), JSON.stringify(frame))
  }

  /** A frame for every realtime session of one user, on any node (notifications). */
  toUser(userId: string, frame: ServerMessage): void {
    this.#publish(userTopic(userId), JSON.stringify(frame))
  }

  /** Tells the sessions of one user or guest that their membership changed (added, admitted, removed). */
  membership(actorId: string, change: MembershipChange): void {
    this.#publish(actorTopic(actorId), JSON.stringify(change))
  }

  /** Tells every node that local membership of room `roomUri` (hosted elsewhere) changed (bus.ts MIRRORS_TOPIC). */
  mirrorChanged(roomUri: string): void {
    this.#publish(MIRRORS_TOPIC, JSON.stringify({ room: roomUri }))
  }

  #publish(topic: string, message: string): void {
    // Delivery is best effort: the event is in the log already, a client that missed it resumes.
    this.#bus.publish(topic, message).catch(this.#onError)
  }
}
