/**
 * The server's side of remote members of local rooms (the federation's `RoomMembershipPort` and
 * `RoomChatPort`): remote accounts join, post, edit, delete and react through the room and chat
 * services — as callers whose id is their actor URL — so the one policy module decides for them as
 * for anyone, and local clients see what they do. Built by the composition root after the chat
 * stack and the file service, and handed to the federation's inbound side (instance.ts).
 */
import type {
  FileAttachment,
  RoomChatOutcome,
  RoomChatPort,
  RoomFanoutEvent,
  RoomMembershipPort,
  RoomMessageSnapshot,
} from '@parley/federation'
import Value from 'typebox/value'
import { PollCreate, PollVote, type ParticipantView } from '@parley/protocol'
import type { ChatStack } from '../rooms/chat-stack.ts'
import { participantView } from '../rooms/views.ts'
import type { Caller, Result } from '../rooms/result.ts'
import type { Store } from '../store/ports.ts'
import type { MessageRecord } from '../store/records.ts'
import type { FileSharing } from './file-sharing.ts'
import { fileView, snapshotOf } from '../files/file-views.ts'
import { isRemoteActorId } from '../store/actor-ids.ts'
import { federatedPoll } from './federated-poll.ts'

/** The services remote members act through. */
export type RemoteMembershipServices = Pick<ChatStack, 'rooms' | 'chat' | 'events' | 'polls'> & { files: FileSharing }

export class RemoteMembership implements RoomMembershipPort, RoomChatPort {
  readonly #store: Store
  readonly #origin: string
  readonly #services: RemoteMembershipServices

  constructor(deps: { store: Store; origin: string; services: RemoteMembershipServices }) {
    this.#store = deps.store
    this.#origin = new URL(deps.origin).origin
    this.#services = deps.services
  }

  async addRemoteMember(roomId: string, member: { actorId: string; displayName: string }): Promise<void> {
    await this.#services.rooms.addRemoteMember(roomId, member.actorId, member.displayName)
  }

  async removeRemoteMember(roomId: string, actorId: string): Promise<boolean> {
    const caller = await this.#caller(roomId, actorId)
    if (!caller) return false
    return (await this.#services.rooms.leave(caller, roomId)).ok
  }

  async post(
    roomId: string,
    actorId: string,
    input: { body: string; replyTo: number | null; attachments?: FileAttachment[] },
  ): Promise<RoomChatOutcome> {
    const caller = await this.#caller(roomId, actorId)
    if (!caller) return { ok: false, reason: 'not-a-participant' }
    // A member's file: the host fetches it from the member's instance and shares it as theirs.
    const file = input.attachments?.[0]
    const files = this.#services.files
    if (file)
      return outcome(
        await files.shareRemote(caller, roomId, file, {
          caption: input.body,
          member: true,
          ...(input.replyTo === null ? {} : { replyTo: input.replyTo }),
        }),
      )
    return outcome(
      await this.#services.chat.post(caller, roomId, {
        body: input.body,
        ...(input.replyTo === null ? {} : { replyTo: input.replyTo }),
      }),
    )
  }

  async edit(roomId: string, actorId: string, seq: number, body: string): Promise<RoomChatOutcome> {
    const caller = await this.#caller(roomId, actorId)
    if (!caller) return { ok: false, reason: 'not-a-participant' }
    return outcome(await this.#services.chat.edit(caller, roomId, seq, body))
  }

  async delete(roomId: string, actorId: string, seq: number): Promise<RoomChatOutcome> {
    const caller = await this.#caller(roomId, actorId)
    if (!caller) return { ok: false, reason: 'not-a-participant' }
    return outcome(await this.#services.chat.delete(caller, roomId, seq))
  }

  async react(roomId: string, actorId: string, seq: number, emoji: string, add: boolean): Promise<RoomChatOutcome> {
    const caller = await this.#caller(roomId, actorId)
    if (!caller) return { ok: false, reason: 'not-a-participant' }
    return outcome(await this.#services.chat.react(caller, roomId, seq, emoji, add))
  }

  async participants(roomId: string): Promise<ParticipantView[]> {
    const views: ParticipantView[] = []
    for (const p of await this.#store.participants.list(roomId))
      views.push({
        ...participantView(p),
        actorId: p.actorType === 'user' ? await this.#actorUri(p.actorId) : p.actorId,
      })
    return views
  }

  async markRead(roomId: string, actorId: string, seq: number): Promise<RoomChatOutcome> {
    const caller = await this.#caller(roomId, actorId)
    if (!caller) return { ok: false, reason: 'not-a-participant' }
    const result = await this.#services.chat.markRead(caller, roomId, seq)
    return result.ok ? { ok: true, seq: result.value.lastReadSeq } : { ok: false, reason: result.error.type }
  }

  async createPoll(roomId: string, actorId: string, input: unknown): Promise<RoomChatOutcome> {
    const caller = await this.#caller(roomId, actorId)
    if (!caller) return { ok: false, reason: 'not-a-participant' }
    if (!Value.Check(PollCreate, input)) return { ok: false, reason: 'validation-failed' }
    const created = await this.#services.polls.create(caller, roomId, input)
    return created.ok ? { ok: true, seq: created.value.message.seq } : { ok: false, reason: created.error.type }
  }

  async vote(roomId: string, actorId: string, pollId: string, options: unknown): Promise<RoomChatOutcome> {
    const caller = await this.#caller(roomId, actorId)
    if (!caller) return { ok: false, reason: 'not-a-participant' }
    const vote = { options }
    if (!Value.Check(PollVote, vote)) return { ok: false, reason: 'vote-invalid' }
    return outcome(await this.#services.polls.voteEvent(caller, roomId, pollId, vote.options))
  }

  async closePoll(roomId: string, actorId: string, pollId: string): Promise<RoomChatOutcome> {
    const caller = await this.#caller(roomId, actorId)
    if (!caller) return { ok: false, reason: 'not-a-participant' }
    return outcome(await this.#services.polls.closeEvent(caller, roomId, pollId))
  }

  applying<T>(actionId: string, apply: () => Promise<T>): Promise<T> {
    return this.#services.events.forAction(actionId, apply)
  }

  async appliedAction(roomId: string, actionId: string): Promise<number | null> {
    return this.#store.events.byAction(roomId, actionId)
  }

  async history(roomId: string, limit: number): Promise<RoomFanoutEvent[]> {
    // System messages (a member joined…) and deleted ones are skipped: read further back until `limit` are found.
    const messages: MessageRecord[] = []
    for (let before = Number.MAX_SAFE_INTEGER; messages.length < limit;) {
      const batch = await this.#store.messages.history({ roomId, before, limit: Math.max(limit, 50) })
      messages.unshift(...batch.filter((m) => replicated(m) && m.deletedAt === null))
      if (batch.length < Math.max(limit, 50)) break
      before = batch[0]!.seq
    }
    messages.splice(0, Math.max(0, messages.length - limit))
    const events: RoomFanoutEvent[] = []
    for (const m of messages) {
      const author = { id: await this.#actorUri(m.actorId), name: m.actorName }
      if (m.kind === 'poll') {
        const poll = await federatedPoll(this.#store, this.#origin, m.body)
        if (poll) events.push({ type: 'poll.new', messageSeq: m.seq, author, createdAt: m.createdAt, poll })
        continue
      }
      const attachments = await this.#attachments(m)
      events.push({
        type: 'message.new',
        messageSeq: m.seq,
        author,
        body: m.body,
        replyTo: m.replyTo,
        createdAt: m.createdAt,
        editedAt: m.editedAt,
        ...(attachments.length > 0 ? { attachments } : {}),
      })
    }
    return events
  }

  async snapshots(roomId: string, afterSeq: number, limit: number): Promise<RoomMessageSnapshot[]> {
    // System messages share the seqs but are not replicated: read on until `limit` text and poll messages.
    const texts: MessageRecord[] = []
    for (let after = afterSeq; texts.length < limit;) {
      const batch = await this.#store.messages.history({ roomId, after, limit })
      texts.push(...batch.filter(replicated))
      if (batch.length < limit) break
      after = batch[batch.length - 1]!.seq
    }
    return this.#snapshotsOf(roomId, texts.slice(0, limit))
  }

  async snapshotsAt(roomId: string, seqs: readonly number[]): Promise<RoomMessageSnapshot[]> {
    const messages: MessageRecord[] = []
    for (const seq of [...new Set(seqs)].sort((x, y) => x - y)) {
      const m = await this.#store.messages.get(roomId, seq)
      if (m && replicated(m)) messages.push(m)
    }
    return this.#snapshotsOf(roomId, messages)
  }

  async changedSince(roomId: string, sinceEventSeq: number, limit: number): Promise<number[] | null> {
    const room = await this.#store.rooms.byId(roomId)
    if (!room || sinceEventSeq <= 0 || room.lastSeq - sinceEventSeq > limit) return null
    const changed = new Set<number>()
    /** Polls whose results changed (poll.updated names the poll, not its message). */
    const polls = new Set<string>()
    for (let after = sinceEventSeq; after < room.lastSeq;) {
      const events = await this.#store.events.since(roomId, after, 500)
      // The log must go on from exactly there: events pruned or expired since leave no trace of what they changed.
      if (events[0]?.seq !== after + 1) return null
      for (const { data } of events) {
        const seq = changedMessage(data)
        if (seq !== null) changed.add(seq)
        const pollId = data.type === 'poll.updated' ? (data.poll as { id?: unknown } | undefined)?.id : undefined
        if (typeof pollId === 'string') polls.add(pollId)
      }
      after = events[events.length - 1]!.seq
    }
    for (const seq of await this.#pollMessages(roomId, polls)) changed.add(seq)
    return [...changed].sort((x, y) => x - y)
  }

  /** The seqs of the messages of these polls of the room (read back from the newest until all are found). */
  async #pollMessages(roomId: string, pollIds: ReadonlySet<string>): Promise<number[]> {
    const seqs: number[] = []
    const missing = new Set(pollIds)
    for (let before = Number.MAX_SAFE_INTEGER; missing.size > 0;) {
      const batch = await this.#store.messages.history({ roomId, before, limit: 200 })
      for (const m of batch) if (m.kind === 'poll' && missing.delete(m.body)) seqs.push(m.seq)
      if (batch.length < 200) break
      before = batch[0]!.seq
    }
    return seqs
  }

  async #snapshotsOf(roomId: string, messages: readonly MessageRecord[]): Promise<RoomMessageSnapshot[]> {
    const reactions = await this.#store.messages.reactions(
      roomId,
      messages.map((m) => m.seq),
    )
    const out: RoomMessageSnapshot[] = []
    for (const m of messages) {
      const deleted = m.deletedAt !== null
      const own = deleted ? [] : reactions.filter((r) => r.seq === m.seq)
      const mapped = []
      for (const r of own)
        mapped.push({ emoji: r.emoji, actorId: await this.#actorUri(r.actorId), actorName: r.actorName })
      const attachments = deleted || m.kind !== 'text' ? [] : await this.#attachments(m)
      const poll = !deleted && m.kind === 'poll' ? await federatedPoll(this.#store, this.#origin, m.body) : null
      out.push({
        seq: m.seq,
        authorId: await this.#actorUri(m.actorId),
        authorName: m.actorName,
        body: deleted ? '' : m.body,
        replyTo: m.replyTo,
        createdAt: m.createdAt,
        editedAt: m.editedAt,
        deletedAt: m.deletedAt,
        reactions: mapped,
        ...(attachments.length > 0 ? { attachments } : {}),
        ...(poll ? { poll } : {}),
        ...(!deleted && m.expiresAt !== null ? { expiresAt: m.expiresAt } : {}),
      })
    }
    return out
  }

  /** A file message's file, as the attachment its note carries (fresh capability URLs), so history pulls get it too. */
  async #attachments(m: Pick<MessageRecord, 'data'>): Promise<FileAttachment[]> {
    const snapshot = snapshotOf(m.data)
    if (!snapshot) return []
    return this.#services.files.attachmentsOf({ file: fileView(snapshot, '') })
  }

  /** Remote accounts' ids are their actor URLs already; local users get theirs (as the fan-out names them). */
  async #actorUri(id: string): Promise<string> {
    if (isRemoteActorId(id)) return id
    const user = await this.#store.users.byId(id)
    return `${this.#origin}/users/${user?.username ?? id}`
  }

  /** Only remote accounts (actor URLs) act through here, and only when they are participants. */
  async #caller(roomId: string, actorId: string): Promise<Caller | null> {
    if (!isRemoteActorId(actorId)) return null
    const self = await this.#store.participants.get(roomId, actorId)
    return self ? { type: 'user', id: actorId, name: self.displayName } : null
  }
}

function outcome(result: Result<{ seq: number }>): RoomChatOutcome {
  if (result.ok) return { ok: true, seq: result.value.seq }
  return { ok: false, reason: fileRefusal(result.error) ?? result.error.type }
}

/**
 * A member's file refused by this instance's own limits answers with that limit's code (the
 * member's instance hands it to its client as this instance's refusal), not as a failed fetch.
 */
function fileRefusal(error: { type: string; details?: unknown }): string | null {
  if (error.type !== 'remote-file-unavailable') return null
  const reason = (error.details as { reason?: unknown } | undefined)?.reason
  if (reason === 'fetch-too-large' || reason === 'file-too-large') return 'file-too-large'
  if (reason === 'file-type-mismatch' || reason === 'image-too-large' || reason === 'image-invalid') return reason
  return null
}

/** What member instances replicate: text messages and polls (system messages are each instance's own). */
function replicated(m: Pick<MessageRecord, 'kind'>): boolean {
  return m.kind === 'text' || m.kind === 'poll'
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
