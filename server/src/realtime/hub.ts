/**
 * One per node: which local sessions listen to which room and which actor, with one bus
 * subscription per topic however many sessions share it. A room frame arrives from the bus as the
 * JSON every session gets; it is parsed once here (for its seq and membership changes) and the same
 * string is handed to each session, so fan-out costs one parse and N socket writes.
 */
import type { ServerMessage } from '@parley/protocol'
import { actorTopic, roomTopic, userTopic, type Bus, type Unsubscribe } from '../bus/bus.ts'
import type { MembershipChange } from '../rooms/event-log.ts'

export interface HubListener {
  /** A room frame: `seq` for durable events, null for typing and presence. */
  /** `raw` is the frame's UTF-8 bytes, encoded once for every session. */
  roomFrame(roomId: string, raw: Buffer, frame: ServerMessage): void
  /** The listener's membership changed somewhere (added, admitted, removed, guest session ended). */
  membership(change: MembershipChange): void
  /** A frame for the listener's user alone (not of a local room): invitations, rooms on other instances. */
  userFrame(raw: Buffer): void
}

type Topic = { listeners: Set<HubListener>; ready: Promise<Unsubscribe> }

export class RealtimeHub {
  readonly #bus: Bus
  readonly #onError: (error: unknown) => void
  readonly #rooms = new Map<string, Topic>()
  readonly #actors = new Map<string, Topic>()
  readonly #users = new Map<string, Topic>()

  constructor(bus: Bus, onError: (error: unknown) => void) {
    this.#bus = bus
    this.#onError = onError
  }

  /** Resolves once frames published from now on reach the listener. */
  async joinRoom(roomId: string, listener: HubListener): Promise<void> {
    await this.#add(this.#rooms, roomTopic(roomId), roomId, listener, (raw) => this.#roomMessage(roomId, raw))
  }

  leaveRoom(roomId: string, listener: HubListener): void {
    this.#remove(this.#rooms, roomId, listener)
  }

  async watchActor(actorId: string, listener: HubListener): Promise<void> {
    await this.#add(this.#actors, actorTopic(actorId), actorId, listener, (raw) => {
      const change = JSON.parse(raw) as MembershipChange
      for (const l of [...(this.#actors.get(actorId)?.listeners ?? [])]) this.#safely(() => l.membership(change))
    })
  }

  unwatchActor(actorId: string, listener: HubListener): void {
    this.#remove(this.#actors, actorId, listener)
  }

  /** Frames published on the user's topic (any node) reach the listener. */
  async watchUser(userId: string, listener: HubListener): Promise<void> {
    await this.#add(this.#users, userTopic(userId), userId, listener, (raw) => {
      const bytes = Buffer.from(raw)
      for (const l of [...(this.#users.get(userId)?.listeners ?? [])]) this.#safely(() => l.userFrame(bytes))
    })
  }

  unwatchUser(userId: string, listener: HubListener): void {
    this.#remove(this.#users, userId, listener)
  }

  /** Local listeners of a room: for presence. */
  listenersOf(roomId: string): ReadonlySet<HubListener> {
    return this.#rooms.get(roomId)?.listeners ?? new Set()
  }

  #roomMessage(roomId: string, raw: string): void {
    let frame: ServerMessage
    try {
      frame = JSON.parse(raw) as ServerMessage
    } catch (error) {
      this.#onError(error)
      return
    }
    const bytes = Buffer.from(raw)
    for (const listener of [...(this.#rooms.get(roomId)?.listeners ?? [])])
      this.#safely(() => listener.roomFrame(roomId, bytes, frame))
  }

  async #add(
    map: Map<string, Topic>,
    topic: string,
    key: string,
    listener: HubListener,
    handler: (raw: string) => void,
  ): Promise<void> {
    let entry = map.get(key)
    if (!entry) {
      entry = { listeners: new Set(), ready: this.#bus.subscribe(topic, handler) }
      map.set(key, entry)
    }
    entry.listeners.add(listener)
    await entry.ready
  }

  #remove(map: Map<string, Topic>, key: string, listener: HubListener): void {
    const entry = map.get(key)
    if (!entry || !entry.listeners.delete(listener) || entry.listeners.size > 0) return
    map.delete(key)
    entry.ready.then((unsubscribe) => unsubscribe()).catch(this.#onError)
  }

  #safely(fn: () => void): void {
    try {
      fn()
    } catch (error) {
      this.#onError(error)
    }
  }
}
