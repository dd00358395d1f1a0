/**
 * Member side: the polls of a room hosted elsewhere, kept in the ordinary poll tables of its
 * mirror (same poll id as on the host, so the ordinary poll endpoints and forwarded votes name the
 * same poll). Each host announcement carries the whole poll as the host has it (a FederatedPoll):
 * votes are replaced voter by voter and a closing is applied, then the same room event is logged at
 * the host's event seq — `message.new` of the poll message, or `poll.updated` with the results.
 */
import Value from 'typebox/value'
import { FederatedPoll, type MessageView, type RoomEvent } from '@parley/protocol'
import type { RoomFanoutEvent } from '@parley/federation'
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
    const { store, log } = this.#deps
    const poll = event.poll
    if (!Value.Check(FederatedPoll, poll) || poll.votes.some((v) => v.options.some((o) => o >= poll.options.length))) {
      log?.warn({ roomId, eventSeq, component: 'federation' }, "host's poll is not a FederatedPoll: ignored")
      return
    }
    const existing = await store.polls.byId(poll.id)
    // A poll id of another room here (a host cannot take over someone else's poll).
    if (existing && existing.roomId !== roomId) {
      log?.warn(
        { roomId, pollId: poll.id, component: 'federation' },
        "host's poll id is taken by another room: ignored",
      )
      return
    }
    if (event.type === 'poll.updated' && !existing) {
      log?.warn({ roomId, pollId: poll.id, component: 'federation' }, 'results of a poll not here: ignored')
      return
    }
    if (event.type === 'poll.new' && !existing) {
      const record: PollRecord = {
        id: poll.id,
        roomId,
        question: poll.question,
        options: poll.options,
        multiple: poll.multiple,
        anonymous: poll.anonymous,
        createdBy: await this.#deps.localId(event.author.id),
        createdAt: event.createdAt,
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
    if (event.type === 'poll.new') {
      if (!(await store.messages.get(roomId, event.messageSeq)))
        await store.messages.create({
          roomId,
          seq: event.messageSeq,
          kind: 'poll',
          actorType: 'user',
          actorId: await this.#deps.localId(event.author.id),
          actorName: event.author.name,
          body: poll.id,
          data: { question: poll.question },
          replyTo: null,
          createdAt: event.createdAt,
          editedAt: null,
          deletedAt: null,
          expiresAt: null,
        })
      await this.#deps.append(roomId, eventSeq, {
        type: 'message.new',
        message: await this.#deps.view(roomId, event.messageSeq),
      })
      return
    }
    const stored = (await store.polls.byId(poll.id)) as PollRecord
    await this.#deps.append(roomId, eventSeq, {
      type: 'poll.updated',
      poll: pollView(stored, await store.polls.votes(poll.id)),
    })
  }
}
