/**
 * What local users do in one-to-one rooms with remote accounts goes out as direct messages (the
 * federation's `direct`): a message as a `Create` of a Note (replying to the note of the message it
 * answers), an edit as an `Update`, a delete as a `Delete`, a reaction as a `Like`/`EmojiReact` (and
 * its `Undo`). It hangs off the event log like the room fan-out: after the local change is stored,
 * never failing or delaying it; delivery is queued, so a remote server that is down is retried.
 * Events of one room are handed over in order (an edit finds the note its message became), and
 * each conversation's cursor (the last event handed over) is stored, so `recover()` sends after a
 * restart what a crash kept from going out. A message's note id is made from its room and seq, so
 * one sent twice (the crash came after the queue took it) has the same ids, which receivers take once.
 */
import { createHash } from 'node:crypto'
import type { MessageView, RoomEvent } from '@parley/protocol'
import type { FileAttachment, ParleyFederation } from '@parley/federation'
import type { DirectConversationRecord, Store } from '../store/ports.ts'
import type { Logger } from '../logger.ts'
import { RoomEventRelay } from './room-event-relay.ts'

const SENT = new Set(['message.new', 'message.edited', 'message.deleted', 'reaction.added', 'reaction.removed'])

export class DirectOutbox {
  readonly #store: Store
  readonly #federation: ParleyFederation
  readonly #log: Logger | undefined
  readonly #now: () => number
  readonly #relay: RoomEventRelay
  readonly #attachments: (message: MessageView) => Promise<FileAttachment[]>

  /** `attachments`: the file a message shares, as its note's attachment (capability URLs Mastodon fetches). */
  constructor(deps: {
    store: Store
    federation: ParleyFederation
    log?: Logger
    now?: () => number
    attachments?: (message: MessageView) => Promise<FileAttachment[]>
  }) {
    this.#attachments = deps.attachments ?? (async () => [])
    this.#store = deps.store
    this.#federation = deps.federation
    this.#log = deps.log
    this.#now = deps.now ?? Date.now
    this.#relay = new RoomEventRelay({
      events: deps.store.events,
      cursorOf: async (roomId) =>
        (await deps.store.direct.conversations.cursors()).find((c) => c.roomId === roomId)?.seq ?? 0,
      handle: (roomId, seq, event) => this.#send(roomId, seq, event),
      onError: (error, roomId) =>
        this.#log?.warn({ err: error, roomId, component: 'federation' }, 'direct message not handed to the federation'),
      accepts: (event) => SENT.has(event.type),
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

  /** Stops retrying and waits for the hand-overs in progress (shutdown). */
  stop(): Promise<void> {
    return this.#relay.stop()
  }

  /**
   * After a restart: hands over again every event after each conversation's cursor. Returns how
   * many events it handed over (those not sent before are sent; the others repeat their ids).
   */
  async recover(): Promise<number> {
    return this.#relay.replay(this.#store.events, await this.#store.direct.conversations.cursors())
  }

  async #send(roomId: string, seq: number, event: RoomEvent): Promise<void> {
    const conversation = await this.#store.direct.conversations.byRoom(roomId)
    if (!conversation) return
    await this.#handOver(roomId, conversation, event)
    await this.#store.direct.conversations.advance(roomId, seq)
  }

  async #handOver(roomId: string, conversation: DirectConversationRecord, event: RoomEvent): Promise<void> {
    const { userId, account } = conversation
    // Only the local user's own doings go out; the remote account's came in from it.
    const actorId =
      event.type === 'reaction.added' || event.type === 'reaction.removed'
        ? event.actor.id
        : 'message' in event
          ? event.message.actor.id
          : null
    if (actorId !== userId) return
    const user = await this.#store.users.byId(userId)
    if (!user || user.deletedAt !== null) return
    // The user blocked the account since: nothing more reaches it (its messages no longer arrive either).
    if (await this.#store.federation.blocks.has(userId, account.id)) return
    const notes = this.#store.direct.notes
    switch (event.type) {
      case 'message.new': {
        const m = event.message
        if (m.kind !== 'text') return
        const key = createHash('sha256').update(`${roomId}\0${m.seq}`).digest('base64url').slice(0, 22)
        const attachments = await this.#attachments(m)
        const sent = await this.#federation.direct.send(
          user.username,
          account,
          m.body,
          await this.#noteOf(roomId, m.replyTo),
          { key, published: Date.parse(m.createdAt), ...(attachments.length > 0 ? { attachments } : {}) },
        )
        if (!sent) return
        await notes.claim({ noteId: sent.noteId, roomId, seq: m.seq, authorId: userId, createdAt: this.#now() })
        return
      }
      case 'message.edited': {
        const note = await notes.byMessage(roomId, event.message.seq)
        if (note?.authorId !== userId) return
        await this.#federation.direct.update(
          user.username,
          account,
          await this.#draft(roomId, note.noteId, event.message),
        )
        return
      }
      case 'message.deleted': {
        const note = await notes.byMessage(roomId, event.message.seq)
        if (note?.authorId === userId) await this.#federation.direct.delete(user.username, account, note.noteId)
        return
      }
      case 'reaction.added':
      case 'reaction.removed': {
        const note = await notes.byMessage(roomId, event.messageSeq)
        if (note)
          await this.#federation.direct.react(
            user.username,
            account,
            note.noteId,
            event.emoji,
            event.type === 'reaction.added',
          )
        return
      }
      default:
    }
  }

  async #noteOf(roomId: string, seq: number | null | undefined): Promise<string | null> {
    if (seq === null || seq === undefined) return null
    return (await this.#store.direct.notes.byMessage(roomId, seq))?.noteId ?? null
  }

  async #draft(roomId: string, noteId: string, m: MessageView) {
    // An edit sends the whole note again, its file too: Mastodon drops media an Update leaves out.
    const attachments = await this.#attachments(m)
    return {
      noteId,
      text: m.body,
      inReplyTo: await this.#noteOf(roomId, m.replyTo),
      published: Date.parse(m.createdAt),
      ...(attachments.length > 0 ? { attachments } : {}),
    }
  }
}
