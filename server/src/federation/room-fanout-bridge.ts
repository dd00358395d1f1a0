/**
 * Host side: the room events remote members' instances must know (messages, edits, deletes,
 * reactions) go to the federation, which announces them to the member instances. Events of one
 * room are handed over one after the other, in room order (the federation queue keeps that order
 * per room); rooms without remote members cost one count query per event. Each room's cursor (the
 * last event handed over) is stored, so `recover()` resumes after a crash.
 */
import type { RoomEvent } from '@parley/protocol'
import type { ParleyFederation, RoomActorRef, RoomFanoutEvent } from '@parley/federation'
import type { Store } from '../store/ports.ts'
import type { Logger } from '../logger.ts'
import { RoomEventRelay } from './room-event-relay.ts'

const FANNED_OUT = new Set(['message.new', 'message.edited', 'message.deleted', 'reaction.added', 'reaction.removed'])

export class RoomFanoutBridge {
  readonly #store: Store
  readonly #federation: ParleyFederation
  readonly #log: Logger | undefined
  readonly #relay: RoomEventRelay

  constructor(deps: { store: Store; federation: ParleyFederation; log?: Logger }) {
    this.#store = deps.store
    this.#federation = deps.federation
    this.#log = deps.log
    this.#relay = new RoomEventRelay({
      handle: (roomId, seq, event) => this.#handOver(roomId, seq, event),
      onError: (error, roomId, seq) => this.#log?.warn({ err: error, roomId, seq, component: 'federation' }, 'room event not handed to the federation'),
    })
  }

  /** For the event log's `onEvent`: never throws, never waits. */
  readonly onEvent = (roomId: string, seq: number, event: RoomEvent): void => this.#relay.push(roomId, seq, event)

  /** Resolves once every event received so far is handed over (tests, shutdown). */
  idle(): Promise<void> {
    return this.#relay.idle()
  }

  /**
   * After a restart: hands over again every event after each room's cursor. Member instances
   * apply an event once, so one handed over twice does no harm.
   */
  async recover(): Promise<number> {
    return this.#relay.replay(this.#store.events, await this.#store.federation.rooms.fanoutCursors.list())
  }

  async #handOver(roomId: string, seq: number, event: RoomEvent): Promise<void> {
    // Followers and invitees hear of a deletion too, members or not.
    if (event.type === 'room.deleted') {
      await this.#federation.rooms.deleteRoom(roomId)
      await this.#store.federation.rooms.fanoutCursors.advance(roomId, seq)
      return
    }
    if ((await this.#store.federation.rooms.members.count(roomId)) === 0) return
    // A remote member removed or banned here: its instance is told (a member that left was forgotten already).
    if (event.type === 'participant.left' && /^https?:\/\//.test(event.actorId)) await this.#federation.rooms.removeMember(roomId, event.actorId)
    if (event.type === 'room.updated') await this.#federation.rooms.fanOutRoomUpdate(roomId, seq, { type: 'room.updated', name: event.room.name, description: event.room.description })
    const fanout = await this.#toFanout(event)
    if (fanout) await this.#federation.rooms.fanOut(roomId, seq, fanout)
    await this.#store.federation.rooms.fanoutCursors.advance(roomId, seq)
  }

  async #toFanout(event: RoomEvent): Promise<RoomFanoutEvent | null> {
    if (!FANNED_OUT.has(event.type)) return null
    switch (event.type) {
      case 'message.new':
      case 'message.edited': {
        const m = event.message
        if (m.kind !== 'text') return null
        return {
          type: event.type,
          messageSeq: m.seq,
          author: await this.#actorRef(m.actor.id, m.actor.name),
          body: m.body,
          replyTo: m.replyTo ?? null,
          createdAt: Date.parse(m.createdAt),
          editedAt: m.editedAt ? Date.parse(m.editedAt) : null,
        }
      }
      case 'message.deleted':
        return event.message.kind === 'text' ? { type: 'message.deleted', messageSeq: event.message.seq, at: event.message.deletedAt ? Date.parse(event.message.deletedAt) : Date.now() } : null
      case 'reaction.added':
      case 'reaction.removed':
        return { type: event.type, messageSeq: event.messageSeq, emoji: event.emoji, actor: await this.#actorRef(event.actor.id, event.actor.name) }
      default:
        return null
    }
  }

  /** Remote members' ids are their actor URLs already; local users get theirs. */
  async #actorRef(id: string, name: string): Promise<RoomActorRef> {
    if (id.startsWith('https://') || id.startsWith('http://')) return { id, name }
    const user = await this.#store.users.byId(id)
    return { id: user ? `${this.#federation.origin}/users/${user.username}` : `${this.#federation.origin}/users/${id}`, name }
  }
}
