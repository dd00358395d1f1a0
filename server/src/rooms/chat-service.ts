/**
 * Chat in a room: messages (post, history, edit, delete), reactions, read markers, mentions and
 * their notifications, search. Polls live in poll-service.ts. Each change is a room event.
 */
import { randomUUID } from 'node:crypto'
import {
  MAX_MESSAGE_LENGTH,
  type HistoryPage,
  type HistoryQuery,
  type MessageView,
  type ReadState,
} from '@parley/protocol'
import type { Store } from '../store/ports.ts'
import type { MessageRecord, NotificationRecord, ReactionRecord } from '../store/records.ts'
import { fail, ok, type Caller, type Result } from './result.ts'
import type { RoomEventLog } from './event-log.ts'
import type { Access, RoomService } from './room-service.ts'
import { parseMentions } from './mentions.ts'
import { messageView, notificationView } from './views.ts'
import type { PostLimiter } from './post-limiter.ts'

/** Writes in rooms hosted on other instances: forwarded to the host (federation/remote-room-writes.ts). */
export type ForwardedWrites = {
  /** The room's URL on its host when `roomId` mirrors a room hosted elsewhere, else null. */
  hostOf(roomId: string): Promise<string | null>
  write(caller: Caller, roomId: string, roomUri: string, action: ForwardedAction): Promise<Result<MessageView>>
  /**
   * Tells the host the caller read up to `seq` (forwarded like a write, answered at once). An
   * unreachable host is not an error: the marker is kept here and the next one carries it.
   */
  markRead(caller: Caller, roomId: string, roomUri: string, seq: number): Promise<Result<true>>
  /** A poll action, answered with the host's event seq once the mirror has it (remote-room-writes.ts). */
  poll(caller: Caller, roomId: string, roomUri: string, action: ForwardedPollAction): Promise<Result<{ seq: number }>>
  /** The copies kept here (as files of local room `roomId`) of the files the host's messages share, by seq (federation/file-sharing.ts). */
  copies(roomId: string, seqs: readonly number[]): Promise<Map<number, NonNullable<MessageView['file']>>>
}
export type ForwardedPollAction =
  | { type: 'poll'; question: string; options: string[]; multiple: boolean; anonymous: boolean }
  | { type: 'vote'; pollId: string; options: number[]; names: string[] }
  | { type: 'close-poll'; pollId: string }
export type ForwardedAction =
  | { type: 'post'; body: string; replyTo?: number }
  | { type: 'edit'; seq: number; body: string }
  | { type: 'delete'; seq: number }
  | { type: 'react' | 'unreact'; seq: number; emoji: string }

export type ChatServiceDeps = {
  store: Store
  rooms: RoomService
  events: RoomEventLog
  postLimiter: PostLimiter
  now?: () => number
  /** Told when a message that expires is stored, so expiry happens at that moment (message-expiry.ts). */
  onExpiring?: (expiresAt: number) => void
  forwarded?: ForwardedWrites
  /** Told of the notifications a message made, after they were stored and sent to realtime sessions (Web Push). */
  onNotified?: (notifications: NotificationRecord[], message: MessageRecord, roomName: string) => void
}

export class ChatService {
  readonly #store: Store
  readonly #rooms: RoomService
  readonly #events: RoomEventLog
  readonly #onNotified: ChatServiceDeps['onNotified']
  readonly #now: () => number
  readonly #limiter: PostLimiter
  readonly #onExpiring: ((expiresAt: number) => void) | undefined
  readonly #forwarded: ForwardedWrites | null

  constructor(deps: ChatServiceDeps) {
    this.#forwarded = deps.forwarded ?? null
    this.#limiter = deps.postLimiter
    this.#store = deps.store
    this.#rooms = deps.rooms
    this.#events = deps.events
    this.#now = deps.now ?? Date.now
    this.#onExpiring = deps.onExpiring
    this.#onNotified = deps.onNotified
  }

  async post(
    caller: Caller,
    roomId: string,
    input: { body: string; replyTo?: number | undefined },
  ): Promise<Result<MessageView>> {
    if (input.body.length > MAX_MESSAGE_LENGTH)
      return fail('message-too-long', { limit: MAX_MESSAGE_LENGTH, length: input.body.length })
    if (input.body.trim() === '') return fail('validation-failed', { field: 'body', reason: 'blank' })
    const allowed = await this.#rooms.access(caller, roomId, 'chat.post')
    if (!allowed.ok) return allowed
    if (!this.#limiter.take(caller.id)) return fail('rate-limited', { retryAfterSeconds: 1 })
    const forwarded = await this.#forward(caller, roomId, {
      type: 'post',
      body: input.body,
      ...(input.replyTo === undefined ? {} : { replyTo: input.replyTo }),
    })
    if (forwarded) return forwarded
    const mentions = parseMentions(input.body)
    if (mentions.all && !(await this.#rooms.access(caller, roomId, 'chat.mention-all')).ok)
      return fail('mention-all-forbidden')
    const parent = input.replyTo === undefined ? null : await this.#store.messages.get(roomId, input.replyTo)
    if (input.replyTo !== undefined && !this.#live(parent))
      return fail('reply-target-invalid', { replyTo: input.replyTo })
    const message = await this.postRecord(allowed.value, caller, {
      kind: 'text',
      body: input.body,
      data: null,
      replyTo: input.replyTo ?? null,
    })
    await this.#notify(allowed.value, caller, message, mentions, parent)
    return ok(messageView(message))
  }

  /** Whether the caller may post one more message or poll now (counts it). */
  takePost(caller: Caller): boolean {
    return this.#limiter.take(caller.id)
  }

  /** Stores a message with the room's next seq and emits message.new: shared with polls. */
  async postRecord(
    access: Access,
    caller: Caller,
    content: Pick<MessageRecord, 'kind' | 'body' | 'data' | 'replyTo'>,
  ): Promise<MessageRecord> {
    const { room } = access
    if (room.kind === 'one-to-one') await this.#rooms.bringBackPeer(room, caller.id)
    const now = this.#now()
    const posted = await this.#events.postMessage({
      roomId: room.id,
      ...content,
      actorType: caller.type,
      actorId: caller.id,
      actorName: access.self.displayName,
      createdAt: now,
      editedAt: null,
      deletedAt: null,
      expiresAt: room.messageExpirySeconds === null ? null : now + room.messageExpirySeconds * 1000,
    })
    if (posted.expiresAt !== null) this.#onExpiring?.(posted.expiresAt)
    return posted
  }

  async history(caller: Caller, roomId: string, query: HistoryQuery): Promise<Result<HistoryPage>> {
    const cursors = [query.before, query.after, query.around].filter((c) => c !== undefined)
    if (cursors.length > 1) return fail('cursor-invalid')
    const allowed = await this.#rooms.access(caller, roomId, 'chat.read')
    if (!allowed.ok) return allowed
    const limit = query.limit ?? 50
    const history = this.#store.messages.history.bind(this.#store.messages)
    const exists = async (q: { before: number } | { after: number }) =>
      (await history({ roomId, limit: 1, ...q })).length > 0
    let messages: MessageRecord[]
    let hasOlder: boolean
    let hasNewer: boolean
    if (query.around !== undefined) {
      const n = query.around
      if (!(await this.#store.messages.get(roomId, n))) return fail('message-not-found')
      const olderCount = Math.ceil(limit / 2)
      const newerCount = limit - olderCount
      const older = await history({ roomId, before: n + 1, limit: olderCount + 1 })
      const newer = newerCount > 0 ? await history({ roomId, after: n, limit: newerCount + 1 }) : []
      hasOlder = older.length > olderCount
      hasNewer = newer.length > newerCount || (newerCount === 0 && (await exists({ after: n })))
      messages = [...(hasOlder ? older.slice(1) : older), ...newer.slice(0, newerCount)]
    } else if (query.after !== undefined) {
      const page = await history({ roomId, after: query.after, limit: limit + 1 })
      hasNewer = page.length > limit
      messages = page.slice(0, limit)
      hasOlder = query.after > 0 && (await exists({ before: query.after + 1 }))
    } else {
      const before = query.before ?? Number.MAX_SAFE_INTEGER
      const page = await history({ roomId, before, limit: limit + 1 })
      hasOlder = page.length > limit
      messages = hasOlder ? page.slice(1) : page
      hasNewer = query.before !== undefined && (await exists({ after: query.before - 1 }))
    }
    // Expired messages are gone for readers at once, even before the sweep removes them.
    const live = messages.filter((m) => this.#live(m))
    const views = await this.#views(roomId, live)
    // A room hosted elsewhere: files are the copies this instance keeps of the host's.
    const roomUri = await this.#forwarded?.hostOf(roomId)
    if (roomUri && this.#forwarded) {
      const copies = await this.#forwarded.copies(
        roomId,
        views.filter((v) => v.deletedAt === null).map((v) => v.seq),
      )
      for (const view of views) {
        const file = copies.get(view.seq)
        if (file) view.file = file
      }
    }
    return ok({ messages: views, hasOlder, hasNewer })
  }

  async edit(caller: Caller, roomId: string, seq: number, body: string): Promise<Result<MessageView>> {
    if (body.length > MAX_MESSAGE_LENGTH)
      return fail('message-too-long', { limit: MAX_MESSAGE_LENGTH, length: body.length })
    if (body.trim() === '') return fail('validation-failed', { field: 'body', reason: 'blank' })
    const target = await this.#message(caller, roomId, seq)
    if (!target.ok) return target
    const message = target.value
    const forwarded = await this.#forward(caller, roomId, { type: 'edit', seq, body })
    if (forwarded) return forwarded
    const allowed = await this.#rooms.access(caller, roomId, 'chat.edit', { isAuthor: this.#isAuthor(caller, message) })
    if (!allowed.ok) return allowed
    if (message.deletedAt !== null) return fail('message-deleted')
    if (message.kind !== 'text') return fail('message-not-editable')
    const edited = (await this.#store.messages.edit(roomId, seq, body, this.#now())) as MessageRecord
    const [view] = await this.#views(roomId, [edited])
    await this.#events.emit(
      roomId,
      { type: 'message.edited', message: view as MessageView },
      { expiresAt: edited.expiresAt },
    )
    return ok(view as MessageView)
  }

  async delete(caller: Caller, roomId: string, seq: number): Promise<Result<MessageView>> {
    const target = await this.#message(caller, roomId, seq)
    if (!target.ok) return target
    const message = target.value
    const forwarded = await this.#forward(caller, roomId, { type: 'delete', seq })
    if (forwarded) return forwarded
    const allowed = await this.#rooms.access(caller, roomId, 'chat.delete', {
      isAuthor: this.#isAuthor(caller, message),
    })
    if (!allowed.ok) return allowed
    if (message.deletedAt !== null) return fail('message-deleted')
    if (message.kind === 'system') return fail('message-not-editable')
    const gone = messageView((await this.#store.messages.tombstone(roomId, seq, this.#now())) as MessageRecord)
    await this.#events.emit(roomId, { type: 'message.deleted', message: gone })
    return ok(gone)
  }

  async react(caller: Caller, roomId: string, seq: number, emoji: string, add: boolean): Promise<Result<MessageView>> {
    const target = await this.#message(caller, roomId, seq)
    if (!target.ok) return target
    const allowed = await this.#rooms.access(caller, roomId, 'chat.react')
    if (!allowed.ok) return allowed
    const forwarded = await this.#forward(caller, roomId, { type: add ? 'react' : 'unreact', seq, emoji })
    if (forwarded) return forwarded
    if (target.value.deletedAt !== null) return fail('message-deleted')
    const actor = { type: caller.type, id: caller.id, name: allowed.value.self.displayName }
    const changed = add
      ? await this.#store.messages.addReaction({
          roomId,
          seq,
          emoji,
          actorType: caller.type,
          actorId: caller.id,
          actorName: actor.name,
          createdAt: this.#now(),
        })
      : await this.#store.messages.removeReaction(roomId, seq, emoji, caller.id)
    // Reacting twice or removing what is not there changes nothing and emits nothing (idempotent).
    if (changed)
      await this.#events.emit(
        roomId,
        { type: add ? 'reaction.added' : 'reaction.removed', messageSeq: seq, emoji, actor },
        { expiresAt: target.value.expiresAt },
      )
    const [view] = await this.#views(roomId, [target.value])
    return ok(view as MessageView)
  }

  async reactions(caller: Caller, roomId: string, seq: number): Promise<Result<ReactionRecord[]>> {
    const target = await this.#message(caller, roomId, seq)
    if (!target.ok) return target
    return ok(await this.#store.messages.reactions(roomId, [seq]))
  }

  async markRead(caller: Caller, roomId: string, seq: number): Promise<Result<ReadState>> {
    const allowed = await this.#rooms.access(caller, roomId, 'chat.mark-read')
    if (!allowed.ok) return allowed
    if (seq > allowed.value.room.lastSeq)
      return fail('validation-failed', {
        field: 'seq',
        reason: "beyond the room's last sequence number",
        lastSeq: allowed.value.room.lastSeq,
      })
    const before = allowed.value.self.lastReadSeq
    // A room hosted elsewhere: the host hears first (it refuses a non-member; nothing is kept then),
    // and its `read` event comes back to every member instance at the host's seq.
    const roomUri = seq > before ? await this.#forwarded?.hostOf(roomId) : null
    if (roomUri && this.#forwarded) {
      const told = await this.#forwarded.markRead(caller, roomId, roomUri, seq)
      if (!told.ok) return told
    }
    const self = await this.#store.participants.markRead(roomId, caller.id, seq)
    const lastReadSeq = self?.lastReadSeq ?? before
    const everyoneReadSeq = await this.everyoneRead(roomId)
    // A room hosted elsewhere numbers its events as the host does: a local event would take the host's next seq.
    if (lastReadSeq !== before && !roomUri)
      await this.#events.emit(roomId, { type: 'read', actorId: caller.id, lastReadSeq, everyoneReadSeq })
    return ok({ lastReadSeq, everyoneReadSeq })
  }

  /** The last sequence number every active participant has read. */
  async everyoneRead(roomId: string): Promise<number> {
    const active = (await this.#store.participants.list(roomId)).filter((p) => p.state === 'active')
    return active.length === 0 ? 0 : Math.min(...active.map((p) => p.lastReadSeq))
  }

  /** Messages of the caller's rooms (or of one room) matching the text, newest first, with their reactions. */
  async search(caller: Caller, text: string, limit: number, roomId?: string): Promise<Result<MessageView[]>> {
    let readable: string[]
    if (roomId === undefined) {
      const mine = await this.#rooms.listMine(caller)
      readable = mine.filter((a) => a.self.state === 'active').map((a) => a.room.id)
    } else {
      const allowed = await this.#rooms.access(caller, roomId, 'chat.read')
      if (!allowed.ok) return allowed
      readable = [roomId]
    }
    const found = await this.#store.messages.search(readable, text, limit, this.#now())
    const byRoom = Map.groupBy(found, (m) => m.roomId)
    const reactions = (
      await Promise.all(
        [...byRoom].map(([id, messages]) =>
          this.#store.messages.reactions(
            id,
            messages.map((m) => m.seq),
          ),
        ),
      )
    ).flat()
    return ok(
      found.map((m) =>
        messageView(
          m,
          reactions.filter((r) => r.roomId === m.roomId),
        ),
      ),
    )
  }

  async notifications(caller: Caller, limit = 50): Promise<Result<NotificationRecord[]>> {
    if (caller.type !== 'user') return fail('guest-not-allowed')
    return ok(await this.#store.notifications.listForUser(caller.id, limit, this.#now()))
  }

  async markNotificationsRead(caller: Caller, ids: string[]): Promise<Result<number>> {
    if (caller.type !== 'user') return fail('guest-not-allowed')
    return ok(await this.#store.notifications.markRead(caller.id, ids, this.#now()))
  }

  /**
   * Removes every message expired by now (reactions and notifications with it) and announces each
   * with a `message.expired` event; returns how many. Run by the expiry timer and the sweep.
   * A copy of a room hosted elsewhere is removed here at its time too (whether or not its host can
   * be reached), but announced only when the host's own `message.expired` arrives, at the host's
   * seq: a seq of ours would collide with the host's next (room-mirror.ts).
   */
  async expireDue(): Promise<number> {
    const gone = await this.#store.messages.deleteExpired(this.#now())
    const failures: unknown[] = []
    const hosted = new Map<string, boolean>()
    for (const { roomId, seq } of gone) {
      if (!hosted.has(roomId)) hosted.set(roomId, (await this.#store.remoteRooms.hostOf(roomId)) !== null)
      if (hosted.get(roomId)) continue
      await this.#events.emit(roomId, { type: 'message.expired', messageSeq: seq }).catch((error: unknown) => {
        failures.push(error)
      })
    }
    if (failures.length > 0) throw new AggregateError(failures, `${failures.length} expiry events not emitted`)
    return gone.length
  }

  /** Removes expired messages and old events; returns what it removed. */
  async sweep(eventRetentionMs: number): Promise<{ messages: number; events: number; guests: number }> {
    const now = this.#now()
    return {
      messages: await this.expireDue(),
      events: await this.#store.events.prune(now - eventRetentionMs, now),
      guests: await this.#store.guests.deleteExpired(now),
    }
  }

  /**
   * Mentions (by name or @all) and a reply to someone's message notify them: stored for
   * `GET /notifications`, and sent at once to each of their realtime sessions. One notification per
   * person and message; a mention wins over a reply.
   */
  async #notify(
    access: Access,
    caller: Caller,
    message: MessageRecord,
    mentions: { all: boolean; usernames: string[] },
    parent: MessageRecord | null,
  ): Promise<void> {
    const repliedTo = parent?.actorType === 'user' && parent.actorId !== caller.id ? parent.actorId : null
    if (!mentions.all && mentions.usernames.length === 0 && repliedTo === null) return
    const participants = (await this.#store.participants.list(access.room.id)).filter(
      (p) =>
        p.actorType === 'user' && p.state === 'active' && p.actorId !== caller.id && p.notificationLevel !== 'none',
    )
    const targets = new Map<string, NotificationRecord['kind']>()
    if (repliedTo !== null && participants.some((p) => p.actorId === repliedTo)) targets.set(repliedTo, 'reply')
    for (const p of participants) {
      if (mentions.all) targets.set(p.actorId, 'mention')
    }
    for (const username of mentions.usernames) {
      const user = await this.#store.users.byUsername(username)
      if (user && participants.some((p) => p.actorId === user.id)) targets.set(user.id, 'mention')
    }
    const now = this.#now()
    const notifications = [...targets].map(([userId, kind]) => ({
      id: randomUUID(),
      userId,
      roomId: access.room.id,
      seq: message.seq,
      kind,
      actorName: message.actorName,
      createdAt: now,
      readAt: null,
    }))
    await this.#store.notifications.createMany(notifications)
    for (const n of notifications)
      this.#events.toUser(n.userId, { type: 'notification', notification: notificationView(n) })
    if (notifications.length > 0) this.#onNotified?.(notifications, message, access.room.name)
  }

  /** Whether the room is hosted on another instance (its events are the host's: nothing here may add one). */
  async hostedElsewhere(roomId: string): Promise<boolean> {
    return (await this.#forwarded?.hostOf(roomId)) != null
  }

  /** For a room hosted elsewhere: the host's answer to the forwarded poll action; null for a room hosted here. */
  async forwardPoll(
    caller: Caller,
    roomId: string,
    action: ForwardedPollAction,
  ): Promise<Result<{ seq: number }> | null> {
    const roomUri = await this.#forwarded?.hostOf(roomId)
    if (!roomUri || !this.#forwarded) return null
    return this.#forwarded.poll(caller, roomId, roomUri, action)
  }

  /** For a room hosted elsewhere: the host's answer to the forwarded action; null for a room hosted here. */
  async #forward(caller: Caller, roomId: string, action: ForwardedAction): Promise<Result<MessageView> | null> {
    const roomUri = await this.#forwarded?.hostOf(roomId)
    if (!roomUri || !this.#forwarded) return null
    return this.#forwarded.write(caller, roomId, roomUri, action)
  }

  async #message(caller: Caller, roomId: string, seq: number): Promise<Result<MessageRecord>> {
    const allowed = await this.#rooms.access(caller, roomId, 'chat.read')
    if (!allowed.ok) return allowed
    const message = await this.#store.messages.get(roomId, seq)
    return message && this.#live(message) ? ok(message) : fail('message-not-found')
  }

  /** Stored and not expired: an expired message is gone for every reader at once, before the sweep. */
  #live(message: MessageRecord | null): message is MessageRecord {
    return message !== null && (message.expiresAt === null || message.expiresAt > this.#now())
  }

  #isAuthor(caller: Caller, message: MessageRecord): boolean {
    return message.actorType === caller.type && message.actorId === caller.id
  }

  async #views(roomId: string, messages: MessageRecord[]): Promise<MessageView[]> {
    const reactions = await this.#store.messages.reactions(
      roomId,
      messages.map((m) => m.seq),
    )
    return messages.map((m) => messageView(m, reactions))
  }
}
