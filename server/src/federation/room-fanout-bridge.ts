/**
 * Host side: the room events remote members' instances must know (messages, edits, deletes,
 * reactions) go to the federation, which announces them to the member instances. Events of one
 * room are handed over one after the other, in room order (the federation queue keeps that order
 * per room); rooms without remote members cost one count query per event. Each room's cursor (the
 * last event handed over) is stored, so `recover()` resumes after a crash.
 */
import type { FederatedPoll, MessageView, RoomEvent } from '@parley/protocol'
import type { FileAttachment, ParleyFederation, RoomActorRef, RoomFanoutEvent } from '@parley/federation'
import type { Store } from '../store/ports.ts'
import type { Logger } from '../logger.ts'
import { RoomEventRelay } from './room-event-relay.ts'
import { isRemoteActorId } from '../store/actor-ids.ts'
import { federatedPoll } from './federated-poll.ts'

const FANNED_OUT = new Set([
  'message.new',
  'message.edited',
  'message.deleted',
  'message.expired',
  'reaction.added',
  'reaction.removed',
  'read',
  'poll.updated',
  'participant.joined',
  'participant.updated',
  'participant.left',
])

export class RoomFanoutBridge {
  readonly #store: Store
  readonly #federation: ParleyFederation
  readonly #log: Logger | undefined
  readonly #relay: RoomEventRelay
  readonly #attachments: (message: MessageView) => Promise<FileAttachment[]>
  /** Rooms with a stored cursor (loaded by `recover()`, added on advance): forgotten when their last remote member left. */
  readonly #withCursor = new Set<string>()

  /** `attachments`: the file a message shares, as its note's attachment (capability URLs). */
  constructor(deps: {
    store: Store
    federation: ParleyFederation
    log?: Logger
    attachments?: (message: MessageView) => Promise<FileAttachment[]>
    /** First retry delay after a failed hand-over (see RoomEventRelay). */
    retryMs?: number
  }) {
    this.#store = deps.store
    this.#federation = deps.federation
    this.#log = deps.log
    this.#attachments = deps.attachments ?? (async () => [])
    this.#relay = new RoomEventRelay({
      events: deps.store.events,
      cursorOf: (roomId) => deps.store.federation.rooms.fanoutCursors.get(roomId),
      ...(deps.retryMs === undefined ? {} : { retryMs: deps.retryMs }),
      handle: (roomId, seq, event) => this.#handOver(roomId, seq, event),
      onError: (error, roomId, seq) =>
        this.#log?.warn(
          { err: error, roomId, seq, component: 'federation' },
          'room event not handed to the federation',
        ),
    })
  }

  /** For the event log's `onEvent`: never throws, never waits. */
  readonly onEvent = (roomId: string, seq: number, event: RoomEvent): void => this.#relay.push(roomId, seq, event)

  /** Events still to hand to the federation (see RoomEventRelay.busy). */
  get busy(): boolean {
    return this.#relay.busy
  }

  /** Resolves once every event received so far is handed over (tests, shutdown). */
  idle(): Promise<void> {
    return this.#relay.idle()
  }

  /** Resolves once no room waits for a retry of a failed hand-over (tests). */
  caughtUp(): Promise<void> {
    return this.#relay.caughtUp()
  }

  /** Stops retrying and waits for the hand-overs in progress (shutdown). */
  stop(): Promise<void> {
    return this.#relay.stop()
  }

  /**
   * After a restart: hands over again every event after each room's cursor. Member instances
   * apply an event once, so one handed over twice does no harm.
   */
  async recover(): Promise<number> {
    const cursors = await this.#store.federation.rooms.fanoutCursors.list()
    for (const { roomId } of cursors) this.#withCursor.add(roomId)
    return this.#relay.replay(this.#store.events, cursors)
  }

  async #advance(roomId: string, seq: number): Promise<void> {
    await this.#store.federation.rooms.fanoutCursors.advance(roomId, seq)
    this.#withCursor.add(roomId)
  }

  async #handOver(roomId: string, seq: number, event: RoomEvent): Promise<void> {
    // Followers and invitees hear of a deletion too, members or not.
    if (event.type === 'room.deleted') {
      await this.#federation.rooms.deleteRoom(roomId)
      await this.#advance(roomId, seq)
      return
    }
    if ((await this.#store.federation.rooms.members.count(roomId)) === 0) {
      // Its last remote member left: no cursor, so a restart does not replay the room from an old one.
      if (this.#withCursor.delete(roomId)) await this.#store.federation.rooms.fanoutCursors.forget(roomId)
      return
    }
    // A remote member removed or banned here: its instance is told (a member that left was forgotten already).
    if (event.type === 'participant.left' && isRemoteActorId(event.actorId))
      await this.#federation.rooms.removeMember(roomId, event.actorId)
    if (event.type === 'room.updated')
      await this.#federation.rooms.fanOutRoomUpdate(roomId, seq, {
        type: 'room.updated',
        name: event.room.name,
        description: event.room.description,
      })
    const fanout = await this.#toFanout(roomId, event)
    if (fanout) await this.#federation.rooms.fanOut(roomId, seq, fanout)
    await this.#advance(roomId, seq)
  }

  async #toFanout(roomId: string, event: RoomEvent): Promise<RoomFanoutEvent | null> {
    if (!FANNED_OUT.has(event.type)) return null
    switch (event.type) {
      case 'message.new':
      case 'message.edited': {
        const m = event.message
        if (m.kind === 'poll' && event.type === 'message.new') {
          const poll = await this.#federatedPoll(m.body)
          return poll
            ? {
                type: 'poll.new',
                messageSeq: m.seq,
                author: await this.#actorRef(m.actor.id, m.actor.name),
                createdAt: Date.parse(m.createdAt),
                poll,
              }
            : null
        }
        if (m.kind !== 'text') return null
        const attachments = await this.#attachments(m)
        return {
          type: event.type,
          messageSeq: m.seq,
          author: await this.#actorRef(m.actor.id, m.actor.name),
          body: m.body,
          replyTo: m.replyTo ?? null,
          createdAt: Date.parse(m.createdAt),
          editedAt: m.editedAt ? Date.parse(m.editedAt) : null,
          ...(attachments.length > 0 ? { attachments } : {}),
          ...(m.expiresAt ? { expiresAt: Date.parse(m.expiresAt) } : {}),
        }
      }
      case 'message.deleted':
        return event.message.kind === 'text'
          ? {
              type: 'message.deleted',
              messageSeq: event.message.seq,
              at: event.message.deletedAt ? Date.parse(event.message.deletedAt) : Date.now(),
            }
          : null
      case 'message.expired':
        return { type: 'message.expired', messageSeq: event.messageSeq }
      case 'reaction.added':
      case 'reaction.removed':
        return {
          type: event.type,
          messageSeq: event.messageSeq,
          emoji: event.emoji,
          actor: await this.#actorRef(event.actor.id, event.actor.name),
        }
      case 'read': {
        const reader = await this.#store.participants.get(roomId, event.actorId)
        return {
          type: 'read',
          actor: await this.#actorRef(event.actorId, reader?.displayName ?? event.actorId),
          lastReadSeq: event.lastReadSeq,
          everyoneReadSeq: event.everyoneReadSeq,
        }
      }
      case 'poll.updated': {
        const poll = await this.#federatedPoll(event.poll.id)
        return poll ? { type: 'poll.updated', poll } : null
      }
      // Users (local or remote) only: a guest has no actor URL; member instances see guests in the roster.
      case 'participant.joined':
      case 'participant.updated': {
        const p = event.participant
        return p.actorType === 'user'
          ? { type: event.type, actor: await this.#actorRef(p.actorId, p.displayName) }
          : null
      }
      case 'participant.left': {
        const user = isRemoteActorId(event.actorId) ? null : await this.#store.users.byId(event.actorId)
        if (!user && !isRemoteActorId(event.actorId)) return null
        // The participant is gone here already; member instances need only whom it names.
        const name = user?.displayName ?? event.actorId
        return { type: 'participant.left', actor: await this.#actorRef(event.actorId, name), reason: event.reason }
      }
      default:
        return null
    }
  }

  /** The poll as it stands now (federated-poll.ts). */
  #federatedPoll(pollId: string): Promise<FederatedPoll | null> {
    return federatedPoll(this.#store, this.#federation.origin, pollId)
  }

  /** Remote members' ids are their actor URLs already; local users get theirs. */
  async #actorRef(id: string, name: string): Promise<RoomActorRef> {
    if (isRemoteActorId(id)) return { id, name }
    const user = await this.#store.users.byId(id)
    return {
      id: user ? `${this.#federation.origin}/users/${user.username}` : `${this.#federation.origin}/users/${id}`,
      name,
    }
  }
}
