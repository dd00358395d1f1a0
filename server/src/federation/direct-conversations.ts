/**
 * Direct messages with remote accounts as one-to-one rooms, the server's side (the federation's
 * `DirectConversationPort`): a note from a remote account opens or continues the one-to-one room of
 * its recipient and that account and is posted there through the chat service — as a caller whose
 * id is the actor URL, like remote members of group rooms (remote-membership.ts) — so the one policy
 * module decides for it and local clients see it as any message. Which note is which message is
 * kept in `store.direct.notes`: edits, deletes and reactions name notes. A note is posted once per
 * room, its id stored with its message's event in the same write (#once). The chat message is the
 * one source of a message's text; the federation's inbound message log only records what arrived.
 */
import type {
  DirectConversationPort,
  DirectOutcome,
  InboundDirectNote,
  ParleyFederation,
  RemoteAccount,
} from '@parley/federation'
import type { RemotePeer } from '@parley/protocol'
import type { ChatStack } from '../rooms/chat-stack.ts'
import type { Access } from '../rooms/room-service.ts'
import { fail, ok, type Caller, type Result } from '../rooms/result.ts'
import type { DirectNoteRecord, Store } from '../store/ports.ts'
import type { FileSharing } from './file-sharing.ts'
import { isRemoteActorId } from '../store/actor-ids.ts'

type Services = Pick<ChatStack, 'rooms' | 'chat' | 'events'> & { files: FileSharing }

/** Opens (or continues) the one-to-one room of `userId` and `account`, keeping the account as seen now. */
export async function openDirectConversation(
  deps: { store: Store; rooms: Services['rooms']; now: () => number },
  userId: string,
  account: RemoteAccount,
): Promise<Result<Access & { created: boolean }>> {
  const opened = await deps.rooms.oneToOneRemote(userId, { actorId: account.id, displayName: account.name })
  if (!opened.ok) return opened
  const now = deps.now()
  await deps.store.direct.conversations.put({
    roomId: opened.value.room.id,
    userId,
    account,
    createdAt: now,
    updatedAt: now,
  })
  return opened
}

/**
 * A local user opens (or continues) a one-to-one room with a remote account named by handle
 * (`@bob@b.example`) or actor URL: looked up through the federation (name, avatar, inbox).
 */
export async function openDirectConversationWith(
  deps: {
    store: Store
    rooms: Services['rooms']
    federation: Pick<ParleyFederation, 'resolveAccount'>
    now?: () => number
  },
  caller: Caller,
  target: string,
): Promise<Result<Access & { created: boolean }>> {
  if (caller.type !== 'user') return fail('guest-not-allowed')
  const account = await deps.federation.resolveAccount(target)
  if (!account.ok) {
    switch (account.error.type) {
      case 'blocked-domain':
        return fail('domain-blocked', { domain: account.error.domain })
      case 'invalid-target':
        return fail('direct-target-local', { target })
      case 'not-found':
        return fail('remote-not-found', { target })
    }
  }
  return openDirectConversation(
    { store: deps.store, rooms: deps.rooms, now: deps.now ?? Date.now },
    caller.id,
    account.value,
  )
}

/** The remote account of a one-to-one room, as clients show it (name, avatar); null for other rooms. */
export async function remotePeerOf(store: Store, roomId: string): Promise<RemotePeer | null> {
  const conversation = await store.direct.conversations.byRoom(roomId)
  if (!conversation) return null
  const { id, name, handle, avatarUrl, url } = conversation.account
  return { actorId: id, name, handle, avatarUrl, url }
}

export class DirectConversations implements DirectConversationPort {
  readonly #store: Store
  readonly #now: () => number
  readonly #services: Services

  /** Built after the chat stack and the file service, and handed to the federation's inbound side (instance.ts). */
  constructor(deps: { store: Store; services: Services; now?: () => number }) {
    this.#store = deps.store
    this.#services = deps.services
    this.#now = deps.now ?? Date.now
  }

  async receive(note: InboundDirectNote): Promise<DirectOutcome> {
    const { rooms } = this.#services
    const opened = await openDirectConversation(
      { store: this.#store, rooms, now: this.#now },
      note.recipientUserId,
      note.sender,
    )
    if (!opened.ok) return { ok: false, reason: opened.error.type }
    const roomId = opened.value.room.id
    const caller: Caller = { type: 'user', id: note.sender.id, name: note.sender.name }
    const posted = await this.#once(roomId, note.noteId, note.sender.id, async () => {
      const target = note.inReplyTo === null ? null : await this.#store.direct.notes.byNote(note.inReplyTo)
      const replyTo = target && target.roomId === roomId && target.seq !== null ? target.seq : undefined
      return this.#post(caller, roomId, note, replyTo)
    })
    if (!posted.ok) {
      // Too many at once from one account: Fedify's inbox queue tries it again later.
      if (posted.error.type === 'rate-limited') throw new Error('direct message rate-limited; retried')
      return { ok: false, reason: posted.error.type }
    }
    await this.#moreFiles(caller, roomId, note)
    return { ok: true }
  }

  /**
   * Posts what `post` makes at most once per room for `noteId`. The message's event carries the
   * note id (`events.forAction`), so the note's idempotence record and its message are one store
   * write: a crash between them can neither lose the note (the queue runs it again and it posts)
   * nor post it twice (the run again finds it). A copy racing this one (the same note in another
   * Create) is refused by the event log's unique action id, its message rolled back with it.
   */
  async #once(
    roomId: string,
    noteId: string,
    authorId: string,
    post: () => Promise<Result<{ seq: number }>>,
  ): Promise<Result<{ seq: number }>> {
    const { events } = this.#services
    let seq = await events.appliedAction(roomId, noteId)
    if (seq === null) {
      let posted: Result<{ seq: number }> | undefined
      try {
        posted = await events.forAction(noteId, post)
      } catch (error) {
        seq = await events.appliedAction(roomId, noteId)
        if (seq === null) throw error
      }
      if (posted && !posted.ok) return posted
      if (posted) seq = posted.value.seq
    }
    await this.#remember({ noteId, roomId, seq: seq as number, authorId, createdAt: this.#now() })
    return ok({ seq: seq as number })
  }

  /**
   * Which message a note is, for the edits, deletes, reactions and replies that name it. Kept after
   * the post: a crash before it is made good when the queue runs the note again (#once finds the
   * message and comes here). A claim left unsettled by an earlier version is settled.
   */
  async #remember(record: DirectNoteRecord & { seq: number }): Promise<void> {
    const notes = this.#store.direct.notes
    if (await notes.claim(record)) return
    const known = await notes.byNote(record.noteId)
    if (known && known.roomId === record.roomId && known.seq === null) await notes.settle(record.noteId, record.seq)
  }

  /**
   * The note's message: its text, with its first file (fetched from the sender's server) when it
   * has one. A file that cannot be fetched (a private address, over the size limit…) is left out
   * and the text posted alone; nothing of it is kept.
   */
  async #post(caller: Caller, roomId: string, note: InboundDirectNote, replyTo: number | undefined) {
    const { chat, files } = this.#services
    const first = note.attachments?.[0]
    if (first) {
      const shared = await files.shareRemote(caller, roomId, first, { caption: note.text, replyTo })
      if (shared.ok || shared.error.type !== 'remote-file-unavailable') return shared
    }
    return chat.post(caller, roomId, { body: note.text, replyTo })
  }

  /** Files after the first (Mastodon sends up to four): one message each, deleted with the note. */
  async #moreFiles(caller: Caller, roomId: string, note: InboundDirectNote): Promise<void> {
    const files = this.#services.files
    for (const [index, attachment] of (note.attachments ?? []).entries()) {
      if (index === 0) continue
      await this.#once(roomId, extraNoteId(note.noteId, index), note.sender.id, () =>
        files.shareRemote(caller, roomId, attachment),
      )
    }
  }

  async edit(actorId: string, noteId: string, text: string): Promise<DirectOutcome> {
    const found = await this.#authored(actorId, noteId)
    if (!found.ok) return found
    return outcome(await this.#services.chat.edit(found.caller, found.roomId, found.seq, text))
  }

  async delete(actorId: string, noteId: string): Promise<DirectOutcome> {
    const found = await this.#authored(actorId, noteId)
    if (!found.ok) return found
    for (let index = 1; index < 4; index++) {
      const extra = await this.#authored(actorId, extraNoteId(noteId, index))
      if (extra.ok) await this.#services.chat.delete(extra.caller, extra.roomId, extra.seq)
    }
    return outcome(await this.#services.chat.delete(found.caller, found.roomId, found.seq))
  }

  async react(actorId: string, noteId: string, emoji: string, add: boolean): Promise<DirectOutcome> {
    const found = await this.#note(actorId, noteId)
    if (!found.ok) return found
    return outcome(await this.#services.chat.react(found.caller, found.roomId, found.seq, emoji, add))
  }

  /** The note's message, when `actorId` is in its room (anyone else's action is refused: no side effect). */
  async #note(
    actorId: string,
    noteId: string,
  ): Promise<
    { ok: true; roomId: string; seq: number; authorId: string; caller: Caller } | { ok: false; reason: string }
  > {
    const note = await this.#store.direct.notes.byNote(noteId)
    if (!note || note.seq === null) return { ok: false, reason: 'unknown-note' }
    const self = await this.#store.participants.get(note.roomId, actorId)
    if (!self || !isRemoteActorId(actorId)) return { ok: false, reason: 'not-a-participant' }
    return {
      ok: true,
      roomId: note.roomId,
      seq: note.seq,
      authorId: note.authorId,
      caller: { type: 'user', id: actorId, name: self.displayName },
    }
  }

  /** As #note, and `actorId` wrote it. */
  async #authored(actorId: string, noteId: string) {
    const found = await this.#note(actorId, noteId)
    if (found.ok && found.authorId !== actorId) return { ok: false as const, reason: 'not-author' }
    return found
  }
}

/** The messages of a note's files after the first are kept under the note's id and the file's place. */
const extraNoteId = (noteId: string, index: number) => `${noteId}#file-${index + 1}`

function outcome(result: Result<unknown>): DirectOutcome {
  return result.ok ? { ok: true } : { ok: false, reason: result.error.type }
}
