/**
 * The server's side of remote members of local rooms (the federation's `RoomMembershipPort` and
 * `RoomChatPort`): remote accounts join, post, edit, delete and react through the room and chat
 * services — as callers whose id is their actor URL — so the one policy module decides for them as
 * for anyone, and local clients see what they do. The federation is built before the chat stack,
 * so the services are bound once both exist; until then a call fails and Fedify's inbox queue
 * retries it.
 */
import type { RoomChatOutcome, RoomChatPort, RoomFanoutEvent, RoomMembershipPort, RoomMessageSnapshot } from '@parley/federation'
import type { ChatStack } from '../rooms/chat-stack.ts'
import type { Caller, Result } from '../rooms/result.ts'
import type { Store } from '../store/ports.ts'
import type { MessageRecord } from '../store/records.ts'

export class RemoteMembership implements RoomMembershipPort, RoomChatPort {
  readonly #store: Store
  readonly #origin: string
  #stack: Pick<ChatStack, 'rooms' | 'chat'> | null = null

  constructor(store: Store, origin: string) {
    this.#store = store
    this.#origin = new URL(origin).origin
  }

  bind(stack: Pick<ChatStack, 'rooms' | 'chat'>): void {
    this.#stack = stack
  }

  #bound(): Pick<ChatStack, 'rooms' | 'chat'> {
    if (!this.#stack) throw new Error('remote rooms: no room and chat services bound yet')
    return this.#stack
  }

  async addRemoteMember(roomId: string, member: { actorId: string; displayName: string }): Promise<void> {
    await this.#bound().rooms.addRemoteMember(roomId, member.actorId, member.displayName)
  }

  async removeRemoteMember(roomId: string, actorId: string): Promise<boolean> {
    const caller = await this.#caller(roomId, actorId)
    if (!caller) return false
    return (await this.#bound().rooms.leave(caller, roomId)).ok
  }

  async post(roomId: string, actorId: string, input: { body: string; replyTo: number | null }): Promise<RoomChatOutcome> {
    const caller = await this.#caller(roomId, actorId)
    if (!caller) return { ok: false, reason: 'not-a-participant' }
    return outcome(await this.#bound().chat.post(caller, roomId, { body: input.body, ...(input.replyTo === null ? {} : { replyTo: input.replyTo }) }))
  }

  async edit(roomId: string, actorId: string, seq: number, body: string): Promise<RoomChatOutcome> {
    const caller = await this.#caller(roomId, actorId)
    if (!caller) return { ok: false, reason: 'not-a-participant' }
    return outcome(await this.#bound().chat.edit(caller, roomId, seq, body))
  }

  async delete(roomId: string, actorId: string, seq: number): Promise<RoomChatOutcome> {
    const caller = await this.#caller(roomId, actorId)
    if (!caller) return { ok: false, reason: 'not-a-participant' }
    return outcome(await this.#bound().chat.delete(caller, roomId, seq))
  }

  async react(roomId: string, actorId: string, seq: number, emoji: string, add: boolean): Promise<RoomChatOutcome> {
    const caller = await this.#caller(roomId, actorId)
    if (!caller) return { ok: false, reason: 'not-a-participant' }
    return outcome(await this.#bound().chat.react(caller, roomId, seq, emoji, add))
  }

  async history(roomId: string, limit: number): Promise<RoomFanoutEvent[]> {
    // System messages (a member joined…) and deleted ones are skipped: read further back until `limit` are found.
    const messages: MessageRecord[] = []
    for (let before = Number.MAX_SAFE_INTEGER; messages.length < limit;) {
      const batch = await this.#store.messages.history({ roomId, before, limit: Math.max(limit, 50) })
      messages.unshift(...batch.filter((m) => m.kind === 'text' && m.deletedAt === null))
      if (batch.length < Math.max(limit, 50)) break
      before = batch[0]!.seq
    }
    messages.splice(0, Math.max(0, messages.length - limit))
    const events: RoomFanoutEvent[] = []
    for (const m of messages) {
      events.push({ type: 'message.new', messageSeq: m.seq, author: { id: await this.#actorUri(m.actorId), name: m.actorName }, body: m.body, replyTo: m.replyTo, createdAt: m.createdAt, editedAt: m.editedAt })
    }
    return events
  }

  async snapshots(roomId: string, afterSeq: number, limit: number): Promise<RoomMessageSnapshot[]> {
    // System messages and polls share the seqs but are not replicated: read on until `limit` text messages.
    const texts: MessageRecord[] = []
    for (let after = afterSeq; texts.length < limit;) {
      const batch = await this.#store.messages.history({ roomId, after, limit })
      texts.push(...batch.filter((m) => m.kind === 'text'))
      if (batch.length < limit) break
      after = batch[batch.length - 1]!.seq
    }
    return this.#snapshotsOf(roomId, texts.slice(0, limit))
  }

  async snapshotsAt(roomId: string, seqs: readonly number[]): Promise<RoomMessageSnapshot[]> {
    const messages: MessageRecord[] = []
    for (const seq of [...new Set(seqs)].sort((x, y) => x - y)) {
      const m = await this.#store.messages.get(roomId, seq)
      if (m?.kind === 'text') messages.push(m)
    }
    return this.#snapshotsOf(roomId, messages)
  }

  async changedSince(roomId: string, sinceEventSeq: number, limit: number): Promise<number[] | null> {
    const room = await this.#store.rooms.byId(roomId)
    if (!room || sinceEventSeq <= 0 || room.lastSeq - sinceEventSeq > limit) return null
    const changed = new Set<number>()
    for (let after = sinceEventSeq; after < room.lastSeq;) {
      const events = await this.#store.events.since(roomId, after, 500)
      // The log must go on from exactly there: events pruned or expired since leave no trace of what they changed.
      if (events[0]?.seq !== after + 1) return null
      for (const { data } of events) {
        const seq = changedMessage(data)
        if (seq !== null) changed.add(seq)
      }
      after = events[events.length - 1]!.seq
    }
    return [...changed].sort((x, y) => x - y)
  }

  async #snapshotsOf(roomId: string, messages: readonly MessageRecord[]): Promise<RoomMessageSnapshot[]> {
    const reactions = await this.#store.messages.reactions(roomId, messages.map((m) => m.seq))
    const out: RoomMessageSnapshot[] = []
    for (const m of messages) {
      const deleted = m.deletedAt !== null
      const own = deleted ? [] : reactions.filter((r) => r.seq === m.seq)
      const mapped = []
      for (const r of own) mapped.push({ emoji: r.emoji, actorId: await this.#actorUri(r.actorId), actorName: r.actorName })
      out.push({
        seq: m.seq, authorId: await this.#actorUri(m.actorId), authorName: m.actorName, body: deleted ? '' : m.body, replyTo: m.replyTo,
        createdAt: m.createdAt, editedAt: m.editedAt, deletedAt: m.deletedAt, reactions: mapped,
      })
    }
    return out
  }

  /** Remote accounts' ids are their actor URLs already; local users get theirs (as the fan-out names them). */
  async #actorUri(id: string): Promise<string> {
    if (/^https?:\/\//.test(id)) return id
    const user = await this.#store.users.byId(id)
    return `${this.#origin}/users/${user?.username ?? id}`
  }

  /** Only remote accounts (actor URLs) act through here, and only when they are participants. */
  async #caller(roomId: string, actorId: string): Promise<Caller | null> {
    if (!/^https?:\/\//.test(actorId)) return null
    const self = await this.#store.participants.get(roomId, actorId)
    return self ? { type: 'user', id: actorId, name: self.displayName } : null
  }
}

function outcome(result: Result<{ seq: number }>): RoomChatOutcome {
  return result.ok ? { ok: true, seq: result.value.seq } : { ok: false, reason: result.error.type }
}

/** The message a stored room event changed (text or not: the caller keeps text messages only), or null. */
function changedMessage(data: Record<string, unknown>): number | null {
  switch (data.type) {
    case 'message.new':
    case 'message.edited':
    case 'message.deleted': {
      const seq = (data.message as { seq?: unknown } | undefined)?.seq
      return typeof seq === 'number' ? seq : null
    }
    case 'reaction.added':
    case 'reaction.removed':
      return typeof data.messageSeq === 'number' ? data.messageSeq : null
    default:
      return null
  }
}
