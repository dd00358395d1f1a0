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

export type PollServiceDeps = { store: Store; rooms: RoomService; chat: ChatService; events: RoomEventLog; now?: () => number }

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

  async create(caller: Caller, roomId: string, input: PollCreate): Promise<Result<{ message: MessageView; poll: PollView }>> {
    if (new Set(input.options).size !== input.options.length) return fail('validation-failed', { field: 'options', reason: 'duplicate options' })
    const allowed = await this.#rooms.access(caller, roomId, 'poll.create')
    if (!allowed.ok) return allowed
    if (!this.#chat.takePost(caller)) return fail('rate-limited', { retryAfterSeconds: 1 })
    const poll: PollRecord = {
      id: randomUUID(), roomId, question: input.question, options: input.options, multiple: input.multiple ?? false,
      anonymous: input.anonymous ?? false, createdBy: caller.id, createdAt: this.#now(), closedAt: null,
    }
    await this.#store.polls.create(poll)
    const message = await this.#chat.postRecord(allowed.value, caller, { kind: 'poll', body: poll.id, data: { question: poll.question }, replyTo: null })
    return ok({ message: messageView(message), poll: pollView(poll, []) })
  }

  async get(caller: Caller, roomId: string, pollId: string): Promise<Result<PollView>> {
    const found = await this.#poll(caller, roomId, pollId, 'chat.read')
    if (!found.ok) return found
    return ok(pollView(found.value, await this.#store.polls.votes(pollId)))
  }

  async vote(caller: Caller, roomId: string, pollId: string, options: number[]): Promise<Result<PollView>> {
    const found = await this.#poll(caller, roomId, pollId, 'poll.vote')
    if (!found.ok) return found
    const poll = found.value
    if (poll.closedAt !== null) return fail('poll-closed')
    if (options.some((o) => o >= poll.options.length) || (!poll.multiple && options.length !== 1)) return fail('vote-invalid')
    const self = await this.#store.participants.get(roomId, caller.id)
    if (!(await this.#store.polls.vote({ pollId, actorId: caller.id, actorName: self?.displayName ?? caller.name, options: [...options].sort((a, b) => a - b) }))) {
      return fail('poll-closed')
    }
    return this.#changed(poll)
  }

  async close(caller: Caller, roomId: string, pollId: string): Promise<Result<PollView>> {
    const poll = await this.#store.polls.byId(pollId)
    const found = await this.#poll(caller, roomId, pollId, 'poll.close', { isAuthor: poll?.createdBy === caller.id })
    if (!found.ok) return found
    if (!(await this.#store.polls.close(pollId, this.#now()))) return fail('poll-closed')
    return this.#changed({ ...found.value, closedAt: this.#now() })
  }

  async #changed(poll: PollRecord): Promise<Result<PollView>> {
    const view = pollView((await this.#store.polls.byId(poll.id)) ?? poll, await this.#store.polls.votes(poll.id))
    await this.#events.emit(poll.roomId, { type: 'poll.updated', poll: view })
    return ok(view)
  }

  async #poll(caller: Caller, roomId: string, pollId: string, action: 'chat.read' | 'poll.vote' | 'poll.close', extra = {}): Promise<Result<PollRecord>> {
    const allowed = await this.#rooms.access(caller, roomId, action, extra)
    if (!allowed.ok) return allowed
    const poll = await this.#store.polls.byId(pollId)
    return poll && poll.roomId === roomId ? ok(poll) : fail('poll-not-found')
  }
}
