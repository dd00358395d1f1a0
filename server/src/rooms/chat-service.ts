/**
 * Chat in a room: messages (post, history, edit, delete), reactions, read markers, mentions and
 * their notifications, search. Polls live in poll-service.ts. Each change is a room event.
 */
import { randomUUID } from 'node:crypto'
import { MAX_MESSAGE_LENGTH, type HistoryPage, type HistoryQuery, type MessageView, type ReadState } from '@parley/protocol'
import type { Store } from '../store/ports.ts'
import type { MessageRecord, NotificationRecord, ReactionRecord } from '../store/records.ts'
import { fail, ok, type Caller, type Result } from './result.ts'
import type { RoomEventLog } from './event-log.ts'
import type { Access, RoomService } from './room-service.ts'
import { parseMentions } from './mentions.ts'
import { messageView } from './views.ts'
import type { PostLimiter } from './post-limiter.ts'

export type ChatServiceDeps = { store: Store; rooms: RoomService; events: RoomEventLog; postLimiter: PostLimiter; now?: () => number }

export class ChatService {
  readonly #store: Store
  readonly #rooms: RoomService
  readonly #events: RoomEventLog
  readonly #now: () => number
  readonly #limiter: PostLimiter

  constructor(deps: ChatServiceDeps) {
    this.#limiter = deps.postLimiter
    this.#store = deps.store
    this.#rooms = deps.rooms
    this.#events = deps.events
    this.#now = deps.now ?? Date.now
  }

  async post(caller: Caller, roomId: string, input: { body: string; replyTo?: number | undefined }): Promise<Result<MessageView>> {
    if (input.body.length > MAX_MESSAGE_LENGTH) return fail('message-too-long', { limit: MAX_MESSAGE_LENGTH, length: input.body.length })
    if (input.body.trim() === '') return fail('validation-failed', { field: 'body', reason: 'blank' })
    const allowed = await this.#rooms.access(caller, roomId, 'chat.post')
    if (!allowed.ok) return allowed
    if (!this.#limiter.take(caller.id)) return fail('rate-limited', { retryAfterSeconds: 1 })
    const mentions = parseMentions(input.body)
    if (mentions.all && !(await this.#rooms.access(caller, roomId, 'chat.mention-all')).ok) return fail('mention-all-forbidden')
    if (input.replyTo !== undefined && !(await this.#store.messages.get(roomId, input.replyTo))) return fail('reply-target-invalid', { replyTo: input.replyTo })
    const message = await this.postRecord(allowed.value, caller, { kind: 'text', body: input.body, data: null, replyTo: input.replyTo ?? null })
    await this.#notify(allowed.value, caller, message, mentions)
    return ok(messageView(message))
  }

  /** Whether the caller may post one more message or poll now (counts it). */
  takePost(caller: Caller): boolean {
    return this.#limiter.take(caller.id)
  }

  /** Stores a message with the room's next seq and emits message.new: shared with polls. */
  async postRecord(access: Access, caller: Caller, content: Pick<MessageRecord, 'kind' | 'body' | 'data' | 'replyTo'>): Promise<MessageRecord> {
    const { room } = access
    const now = this.#now()
    return this.#events.postMessage({
      roomId: room.id, ...content, actorType: caller.type, actorId: caller.id, actorName: access.self.displayName,
      createdAt: now, editedAt: null, deletedAt: null, expiresAt: room.messageExpirySeconds === null ? null : now + room.messageExpirySeconds * 1000,
    })
  }

  async history(caller: Caller, roomId: string, query: HistoryQuery): Promise<Result<HistoryPage>> {
    const cursors = [query.before, query.after, query.around].filter((c) => c !== undefined)
    if (cursors.length > 1) return fail('cursor-invalid')
    const allowed = await this.#rooms.access(caller, roomId, 'chat.read')
    if (!allowed.ok) return allowed
    const limit = query.limit ?? 50
    const history = this.#store.messages.history.bind(this.#store.messages)
    const exists = async (q: { before: number } | { after: number }) => (await history({ roomId, limit: 1, ...q })).length > 0
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
    const now = this.#now()
    const live = messages.filter((m) => m.expiresAt === null || m.expiresAt > now)
    return ok({ messages: await this.#views(roomId, live), hasOlder, hasNewer })
  }

  async edit(caller: Caller, roomId: string, seq: number, body: string): Promise<Result<MessageView>> {
    if (body.length > MAX_MESSAGE_LENGTH) return fail('message-too-long', { limit: MAX_MESSAGE_LENGTH, length: body.length })
    if (body.trim() === '') return fail('validation-failed', { field: 'body', reason: 'blank' })
    const target = await this.#message(caller, roomId, seq)
    if (!target.ok) return target
    const message = target.value
    const allowed = await this.#rooms.access(caller, roomId, 'chat.edit', { isAuthor: this.#isAuthor(caller, message) })
    if (!allowed.ok) return allowed
    if (message.deletedAt !== null) return fail('message-deleted')
    if (message.kind !== 'text') return fail('message-not-editable')
    const edited = (await this.#store.messages.edit(roomId, seq, body, this.#now())) as MessageRecord
    const [view] = await this.#views(roomId, [edited])
    await this.#events.emit(roomId, { type: 'message.edited', message: view as MessageView }, { expiresAt: edited.expiresAt })
    return ok(view as MessageView)
  }

  async delete(caller: Caller, roomId: string, seq: number): Promise<Result<MessageView>> {
    const target = await this.#message(caller, roomId, seq)
    if (!target.ok) return target
    const message = target.value
    const allowed = await this.#rooms.access(caller, roomId, 'chat.delete', { isAuthor: this.#isAuthor(caller, message) })
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
    if (target.value.deletedAt !== null) return fail('message-deleted')
    const actor = { type: caller.type, id: caller.id, name: allowed.value.self.displayName }
    const changed = add
      ? await this.#store.messages.addReaction({ roomId, seq, emoji, actorType: caller.type, actorId: caller.id, actorName: actor.name, createdAt: this.#now() })
      : await this.#store.messages.removeReaction(roomId, seq, emoji, caller.id)
    // Reacting twice or removing what is not there changes nothing and emits nothing (idempotent).
    if (changed) await this.#events.emit(roomId, { type: add ? 'reaction.added' : 'reaction.removed', messageSeq: seq, emoji, actor }, { expiresAt: target.value.expiresAt })
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
    if (seq > allowed.value.room.lastSeq) return fail('validation-failed', { field: 'seq', reason: 'beyond the room\'s last sequence number', lastSeq: allowed.value.room.lastSeq })
    const before = allowed.value.self.lastReadSeq
    const self = await this.#store.participants.markRead(roomId, caller.id, seq)
    const lastReadSeq = self?.lastReadSeq ?? before
    const everyoneReadSeq = await this.everyoneRead(roomId)
    if (lastReadSeq !== before) await this.#events.emit(roomId, { type: 'read', actorId: caller.id, lastReadSeq, everyoneReadSeq })
    return ok({ lastReadSeq, everyoneReadSeq })
  }

  /** The last sequence number every active participant has read. */
  async everyoneRead(roomId: string): Promise<number> {
    const active = (await this.#store.participants.list(roomId)).filter((p) => p.state === 'active')
    return active.length === 0 ? 0 : Math.min(...active.map((p) => p.lastReadSeq))
  }

  async search(caller: Caller, text: string, limit: number): Promise<Result<MessageView[]>> {
    const mine = await this.#rooms.listMine(caller)
    const readable = mine.filter((a) => a.self.state === 'active').map((a) => a.room.id)
    const found = await this.#store.messages.search(readable, text, limit)
    return ok(found.map((m) => messageView(m)))
  }

  async notifications(caller: Caller, limit = 50): Promise<Result<NotificationRecord[]>> {
    if (caller.type !== 'user') return fail('guest-not-allowed')
    return ok(await this.#store.notifications.listForUser(caller.id, limit))
  }

  async markNotificationsRead(caller: Caller, ids: string[]): Promise<Result<number>> {
    if (caller.type !== 'user') return fail('guest-not-allowed')
    return ok(await this.#store.notifications.markRead(caller.id, ids, this.#now()))
  }

  /** Removes expired messages and old events; returns what it removed. */
  async sweep(eventRetentionMs: number): Promise<{ messages: number; events: number; guests: number }> {
    const now = this.#now()
    return {
      messages: await this.#store.messages.deleteExpired(now),
      events: await this.#store.events.prune(now - eventRetentionMs, now),
      guests: await this.#store.guests.deleteExpired(now),
    }
  }

  async #notify(access: Access, caller: Caller, message: MessageRecord, mentions: { all: boolean; usernames: string[] }): Promise<void> {
    if (!mentions.all && mentions.usernames.length === 0) return
    const participants = (await this.#store.participants.list(access.room.id)).filter(
      (p) => p.actorType === 'user' && p.state === 'active' && p.actorId !== caller.id && p.notificationLevel !== 'none',
    )
    const targets = new Set<string>()
    for (const p of participants) {
      if (mentions.all) targets.add(p.actorId)
    }
    for (const username of mentions.usernames) {
      const user = await this.#store.users.byUsername(username)
      if (user && participants.some((p) => p.actorId === user.id)) targets.add(user.id)
    }
    const now = this.#now()
    await this.#store.notifications.createMany(
      [...targets].map((userId) => ({ id: randomUUID(), userId, roomId: access.room.id, seq: message.seq, kind: 'mention' as const, actorName: message.actorName, createdAt: now, readAt: null })),
    )
  }

  async #message(caller: Caller, roomId: string, seq: number): Promise<Result<MessageRecord>> {
    const allowed = await this.#rooms.access(caller, roomId, 'chat.read')
    if (!allowed.ok) return allowed
    const message = await this.#store.messages.get(roomId, seq)
    return message ? ok(message) : fail('message-not-found')
  }

  #isAuthor(caller: Caller, message: MessageRecord): boolean {
    return message.actorType === caller.type && message.actorId === caller.id
  }

  async #views(roomId: string, messages: MessageRecord[]): Promise<MessageView[]> {
    const reactions = await this.#store.messages.reactions(roomId, messages.map((m) => m.seq))
    return messages.map((m) => messageView(m, reactions))
  }
}
