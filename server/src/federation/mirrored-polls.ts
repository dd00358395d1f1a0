/**
 * Member side: the polls of a room hosted elsewhere, kept in the ordinary poll tables of its
 * mirror (same poll id as on the host, so the ordinary poll endpoints and forwarded votes name the
 * same poll). Each host announcement carries the whole poll as the host has it (a FederatedPoll):
 * votes are replaced voter by voter and a closing is applied, then the same room event is logged at
 * the host's event seq — `message.new` of the poll message, or `poll.updated` with the results.
 */
import Value from 'typebox/value'
import { FederatedPoll, type MessageView, type RoomEvent } from '@parley/protocol'
import type { RoomActorRef, RoomFanoutEvent } from '@parley/federation'
import type { Store } from '../store/ports.ts'
import type { PollRecord } from '../store/records.ts'
import type { Logger } from '../logger.ts'
import { pollView } from '../rooms/views.ts'

type PollEvent = Extract<RoomFanoutEvent, { type: 'poll.new' | 'poll.updated' }>

export type MirroredPollsDeps = {
  store: Store
  now: () => number
  /** Our own users' actor URLs as their local ids (room-mirror.ts). */
  localId: (actorId: string) => Promise<string>
  /** Logs and publishes an event at the host's seq (room-mirror.ts). */
  append: (roomId: string, seq: number, event: RoomEvent) => Promise<void>
  view: (roomId: string, seq: number) => Promise<MessageView>
  log?: Logger
}

export class MirroredPolls {
  readonly #deps: MirroredPollsDeps

  constructor(deps: MirroredPollsDeps) {
    this.#deps = deps
  }

  /** Applies the host's poll event `eventSeq` to local room `roomId` (once: the mirror checked the log). */
  async applied(roomId: string, eventSeq: number, event: PollEvent): Promise<void> {
    const kept = await this.#keep(roomId, event.poll, event.type === 'poll.new' ? event : null)
    if (!kept) return
    if (event.type === 'poll.new') {
      await this.#deps.append(roomId, eventSeq, {
        type: 'message.new',
        message: await this.#deps.view(roomId, event.messageSeq),
      })
      return
    }
    const { store } = this.#deps
    const stored = (await store.polls.byId(kept)) as PollRecord
    await this.#deps.append(roomId, eventSeq, {
      type: 'poll.updated',
      poll: pollView(stored, await store.polls.votes(kept)),
    })
  }

  /**
   * A poll message of a page of the host's history (a late join, or what was missed): the poll and
   * its message are kept, or take the host's results and state; the mirror logs its `message.new`.
   * False when the host's poll was refused (the message is then left out).
   */
  async pulled(
    roomId: string,
    message: { seq: number; author: RoomActorRef; createdAt: number; poll: unknown },
  ): Promise<boolean> {
    return (await this.#keep(roomId, message.poll, { messageSeq: message.seq, ...message })) !== null
  }

  /**
   * Keeps the host's poll (its whole state: a FederatedPoll) in local room `roomId`, and its message
   * when `created` says which; the poll's id, or null when refused.
   */
  async #keep(
    roomId: string,
    poll: unknown,
    created: { messageSeq: number; author: RoomActorRef; createdAt: number } | null,
  ): Promise<string | null> {
    const { store, log } = this.#deps
    if (!Value.Check(FederatedPoll, poll) || poll.votes.some((v) => v.options.some((o) => o >= poll.options.length))) {
      log?.warn({ roomId, component: 'federation' }, "host's poll is not a FederatedPoll: ignored")
      return null
    }
    const existing = await store.polls.byId(poll.id)
    // A poll id of another room here (a host cannot take over someone else's poll).
    if (existing && existing.roomId !== roomId) {
      log?.warn(
        { roomId, pollId: poll.id, component: 'federation' },
        "host's poll id is taken by another room: ignored",
      )
      return null
    }
    if (!created && !existing) {
      log?.warn({ roomId, pollId: poll.id, component: 'federation' }, 'results of a poll not here: ignored')
      return null
    }
    if (created && !existing) {
      const record: PollRecord = {
        id: poll.id,
        roomId,
        question: poll.question,
        options: poll.options,
        multiple: poll.multiple,
        anonymous: poll.anonymous,
        createdBy: await this.#deps.localId(created.author.id),
        createdAt: created.createdAt,
        closedAt: null,
      }
      await store.polls.create(record)
    }
    // The host's results replace ours (voters of anonymous polls are opaque ids there, kept apart here).
    const votes = []
    for (const v of poll.votes)
      votes.push({
        pollId: poll.id,
        actorId: poll.anonymous ? `anonymous:${v.voter}` : await this.#deps.localId(v.voter),
        actorName: v.name,
        options: [...v.options].sort((a, b) => a - b),
      })
    await store.polls.replaceVotes(poll.id, votes)
    if (poll.closedAt !== null && !existing?.closedAt) await store.polls.close(poll.id, poll.closedAt)
    if (created && !(await store.messages.get(roomId, created.messageSeq)))
      await store.messages.create({
        roomId,
        seq: created.messageSeq,
        kind: 'poll',
        actorType: 'user',
        actorId: await this.#deps.localId(created.author.id),
        actorName: created.author.name,
        body: poll.id,
        data: { question: poll.question },
        replyTo: null,
        createdAt: created.createdAt,
        editedAt: null,
        deletedAt: null,
        expiresAt: null,
      })
    return poll.id
  }
}
