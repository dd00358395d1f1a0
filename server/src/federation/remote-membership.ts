/**
 * The server's side of remote members of local rooms (the federation's `RoomMembershipPort` and
 * `RoomChatPort`): remote accounts join, post, edit, delete and react through the room and chat
 * services — as callers whose id is their actor URL — so the one policy module decides for them as
 * for anyone, and local clients see what they do. The federation is built before the chat stack,
 * so the services are bound once both exist; until then a call fails and Fedify's inbox queue
 * retries it.
 */
import type { RoomChatOutcome, RoomChatPort, RoomFanoutEvent, RoomMembershipPort } from '@parley/federation'
import type { ChatStack } from '../rooms/chat-stack.ts'
import type { Caller, Result } from '../rooms/result.ts'
import type { Store } from '../store/ports.ts'

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
    const messages = (await this.#store.messages.history({ roomId, before: Number.MAX_SAFE_INTEGER, limit })).filter((m) => m.kind === 'text' && m.deletedAt === null)
    const usernames = new Map<string, string>()
    const events: RoomFanoutEvent[] = []
    for (const m of messages) {
      let id = m.actorId
      if (!/^https?:\/\//.test(id)) {
        if (!usernames.has(id)) usernames.set(id, (await this.#store.users.byId(id))?.username ?? id)
        id = `${this.#origin}/users/${usernames.get(id)}`
      }
      events.push({ type: 'message.new', messageSeq: m.seq, author: { id, name: m.actorName }, body: m.body, replyTo: m.replyTo, createdAt: m.createdAt, editedAt: m.editedAt })
    }
    return events
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
