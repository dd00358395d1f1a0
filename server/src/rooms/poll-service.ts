/** Polls: posted as a message of kind `poll` (body: the poll id), voted on, closed. */
import { randomUUID } from 'node:crypto'
import type { MessageView, PollCreate, PollView } from '@parley/protocol'
import type { Store } from '../store/ports.ts'
import type { PollRecord } from '../store/records.ts'
import { fail, ok, type Caller, type Result } from './result.ts'
import type { RoomEventLog } from './event-log.ts'
import type { RoomService } from './room-service.ts'
import type { ChatService } from './chat-service.ts'
import { messageView, pollView } from './views.ts'

export type PollServiceDeps = {
  store: Store
  rooms: RoomService
  chat: ChatService
  events: RoomEventLog
  now?: () => number
}

export class PollService {
  readonly #store: Store
  readonly #rooms: RoomService
  readonly #chat: ChatService
  readonly #events: RoomEventLog
  readonly #now: () => number

  constructor(deps: PollServiceDeps) {
    this.#store = deps.store
    this.#rooms = deps.rooms
    this.#chat = deps.chat
    this.#events = deps.events
    this.#now = deps.now ?? Date.now
  }

  async create(
    caller: Caller,
    roomId: string,
    input: PollCreate,
  ): Promise<Result<{ message: MessageView; poll: PollView }>> {
    if (new Set(input.options).size !== input.options.length)
      return fail('validation-failed', { field: 'options', reason: 'duplicate options' })
    // A room hosted elsewhere: its host decides and numbers the poll's message; the mirror has it then.
    if (await this.#chat.hostedElsewhere(roomId)) {
      const member = await this.#rooms.access(caller, roomId, 'chat.read')
      if (!member.ok) return member
    }
    const forwarded = await this.#chat.forwardPoll(caller, roomId, {
      type: 'poll',
      question: input.question,
      options: input.options,
      multiple: input.multiple ?? false,
      anonymous: input.anonymous ?? false,
    })
    if (forwarded) return forwarded.ok ? this.#mirrored(roomId, forwarded.value.seq) : forwarded
    const allowed = await this.#rooms.access(caller, roomId, 'poll.create')
    if (!allowed.ok) return allowed
    if (!this.#chat.takePost(caller)) return fail('rate-limited', { retryAfterSeconds: 1 })
    const poll: PollRecord = {
      id: randomUUID(),
      roomId,
      question: input.question,
      options: input.options,
      multiple: input.multiple ?? false,
      anonymous: input.anonymous ?? false,
      createdBy: caller.id,
      createdAt: this.#now(),
      closedAt: null,
    }
    await this.#store.polls.create(poll)
    const message = await this.#chat.postRecord(allowed.value, caller, {
      kind: 'poll',
      body: poll.id,
      data: { question: poll.question },
      replyTo: null,
    })
    return ok({ message: messageView(message), poll: pollView(poll, []) })
  }

  /** The poll message `seq` of a mirror, and its poll, as they arrived from the host. */
  async #mirrored(roomId: string, seq: number): Promise<Result<{ message: MessageView; poll: PollView }>> {
    const message = await this.#store.messages.get(roomId, seq)
    const poll = message?.kind === 'poll' ? await this.#store.polls.byId(message.body) : null
    if (!message || !poll) return fail('write-queued', { roomId, seq, accepted: true })
    return ok({ message: messageView(message), poll: pollView(poll, await this.#store.polls.votes(poll.id)) })
  }

  /** A forwarded vote or closing: the poll as the mirror has it once the host's results arrived. */
  async #forwarded(
    caller: Caller,
    roomId: string,
    pollId: string,
    action: Parameters<ChatService['forwardPoll']>[2],
  ): Promise<Result<PollView>> {
    const member = await this.#rooms.access(caller, roomId, 'chat.read')
    if (!member.ok) return member
    const forwarded = await this.#chat.forwardPoll(caller, roomId, action)
    if (!forwarded) return fail('room-not-found')
    if (!forwarded.ok) return forwarded
    const poll = await this.#store.polls.byId(pollId)
    return poll ? ok(pollView(poll, await this.#store.polls.votes(pollId))) : fail('poll-not-found')
  }

  async get(caller: Caller, roomId: string, pollId: string): Promise<Result<PollView>> {
    const found = await this.#poll(caller, roomId, pollId, 'chat.read')
    if (!found.ok) return found
    return ok(pollView(found.value, await this.#store.polls.votes(pollId)))
  }

  async vote(caller: Caller, roomId: string, pollId: string, options: number[]): Promise<Result<PollView>> {
    if (await this.#chat.hostedElsewhere(roomId)) {
      // The host checks the options; the names are for software that reads Mastodon-style votes.
      const known = await this.#store.polls.byId(pollId)
      const names = options.map((o) => known?.options[o] ?? '')
      return this.#forwarded(caller, roomId, pollId, { type: 'vote', pollId, options, names })
    }
    const voted = await this.voteEvent(caller, roomId, pollId, options)
    return voted.ok ? ok(voted.value.poll) : voted
  }

  /** A vote, and the room event of the new results (forwarded votes answer with its seq). */
  async voteEvent(
    caller: Caller,
    roomId: string,
    pollId: string,
    options: number[],
  ): Promise<Result<{ poll: PollView; seq: number }>> {
    const found = await this.#poll(caller, roomId, pollId, 'poll.vote')
    if (!found.ok) return found
    const poll = found.value
    if (poll.closedAt !== null) return fail('poll-closed')
    if (options.some((o) => o >= poll.options.length) || (!poll.multiple && options.length !== 1))
      return fail('vote-invalid')
    const self = await this.#store.participants.get(roomId, caller.id)
    if (
      !(await this.#store.polls.vote({
        pollId,
        actorId: caller.id,
        actorName: self?.displayName ?? caller.name,
        options: [...options].sort((a, b) => a - b),
      }))
    ) {
      return fail('poll-closed')
    }
    return this.#changed(poll)
  }

  async close(caller: Caller, roomId: string, pollId: string): Promise<Result<PollView>> {
    if (await this.#chat.hostedElsewhere(roomId))
      return this.#forwarded(caller, roomId, pollId, { type: 'close-poll', pollId })
    const closed = await this.closeEvent(caller, roomId, pollId)
    return closed.ok ? ok(closed.value.poll) : closed
  }

  /** A closing, and the room event that says so (forwarded closings answer with its seq). */
  async closeEvent(caller: Caller, roomId: string, pollId: string): Promise<Result<{ poll: PollView; seq: number }>> {
    const poll = await this.#store.polls.byId(pollId)
    const found = await this.#poll(caller, roomId, pollId, 'poll.close', { isAuthor: poll?.createdBy === caller.id })
    if (!found.ok) return found
    if (!(await this.#store.polls.close(pollId, this.#now()))) return fail('poll-closed')
    return this.#changed({ ...found.value, closedAt: this.#now() })
  }

  async #changed(poll: PollRecord): Promise<Result<{ poll: PollView; seq: number }>> {
    const view = pollView((await this.#store.polls.byId(poll.id)) ?? poll, await this.#store.polls.votes(poll.id))
    const seq = await this.#events.emit(poll.roomId, { type: 'poll.updated', poll: view })
    return ok({ poll: view, seq })
  }

  async #poll(
    caller: Caller,
    roomId: string,
    pollId: string,
    action: 'chat.read' | 'poll.vote' | 'poll.close',
    extra = {},
  ): Promise<Result<PollRecord>> {
    const allowed = await this.#rooms.access(caller, roomId, action, extra)
    if (!allowed.ok) return allowed
    const poll = await this.#store.polls.byId(pollId)
    return poll && poll.roomId === roomId ? ok(poll) : fail('poll-not-found')
  }
}
