/**
 * Polls in rooms across instances. A member instance forwards (room-actions.ts):
 * - a new poll: `Create` of a `Question` (options as named Notes in `oneOf`/`anyOf`; the PollCreate
 *   as JSON in `source`, since AS2 has no word for anonymous polls);
 * - a vote: `Create` of a `Note` in reply to the poll (`{room}/polls/{pollId}`), the chosen option
 *   indexes as JSON in `source` and the options' names in `name`, as Mastodon votes carry them;
 * - a closing: `Update` of the poll's `Question` with `closed`.
 * The host decides through its poll service and announces each change as a `Question` (a new
 * poll: with `url` its message) or an `Update` of it, the whole poll as the host has it now as
 * JSON in `source` (a FederatedPoll), so a member's copy is replaced, never merged.
 */
import { Collection, Create, Mention, Note, Question, Source, Update, type Activity } from '@fedify/fedify/vocab'
import type { Context } from '@fedify/fedify'
import { Temporal } from '@js-temporal/polyfill'
import { POLL_SOURCE_MEDIA_TYPE, VOTE_SOURCE_MEDIA_TYPE } from '@parley/protocol'
import type { RoomActorRef, RoomChatOutcome, RoomChatPort, RoomFanoutEvent } from '../ports.ts'
import { sameUrl } from '../inbox/inbox-deps.ts'
import { escapeHtml } from './room-documents.ts'
import { messageUri } from './room-fanout.ts'

export type PollAction =
  | { type: 'poll'; question: string; options: string[]; multiple: boolean; anonymous: boolean }
  | { type: 'vote'; pollId: string; options: number[]; names: string[] }
  | { type: 'close-poll'; pollId: string }

const POLL_ID = /^[A-Za-z0-9_-]{1,64}$/
const instant = (ms: number) => Temporal.Instant.fromEpochMilliseconds(ms)

export function pollUri(roomUri: URL, pollId: string): URL {
  return new URL(`${roomUri.href}/polls/${encodeURIComponent(pollId)}`)
}

/** The poll id of a poll URL of this room, or null. */
export function pollIdOf(roomUri: URL, id: URL | null | undefined): string | null {
  if (!id) return null
  const prefix = `${roomUri.href}/polls/`
  if (!id.href.startsWith(prefix)) return null
  const rest = decodeURIComponent(id.href.slice(prefix.length))
  return POLL_ID.test(rest) ? rest : null
}

/** The activity a member instance forwards for `action` (id as room-actions.ts makes it). */
export function pollActionActivity(id: URL, actor: URL, room: URL, action: PollAction, now: number): Activity {
  const published = instant(now)
  switch (action.type) {
    case 'poll': {
      const { question, options, multiple, anonymous } = action
      const choices = options.map((name) => new Note({ name }))
      return new Create({
        id,
        actor,
        to: room,
        published,
        object: new Question({
          id: new URL(`${id.href}/question`),
          attribution: actor,
          contexts: [room],
          to: room,
          name: question,
          content: `<p>${escapeHtml(question)}</p>`,
          source: new Source({
            content: JSON.stringify({ question, options, multiple, anonymous }),
            mediaType: POLL_SOURCE_MEDIA_TYPE,
          }),
          ...(multiple ? { inclusiveOptions: choices } : { exclusiveOptions: choices }),
          published,
        }),
      })
    }
    case 'vote':
      return new Create({
        id,
        actor,
        to: room,
        published,
        object: new Note({
          id: new URL(`${id.href}/vote`),
          attribution: actor,
          to: room,
          name: action.names.join(', '),
          replyTarget: pollUri(room, action.pollId),
          source: new Source({
            content: JSON.stringify({ options: action.options }),
            mediaType: VOTE_SOURCE_MEDIA_TYPE,
          }),
          published,
        }),
      })
    case 'close-poll':
      return new Update({
        id,
        actor,
        to: room,
        published,
        object: new Question({ id: pollUri(room, action.pollId), closed: published }),
      })
  }
}

function sourceJson(object: { source: Source | null }, mediaType: string): unknown {
  const source = object.source
  if (source?.mediaType !== mediaType || source.content === null) return undefined
  try {
    return JSON.parse(source.content.toString()) as unknown
  } catch {
    return undefined
  }
}

/**
 * Host: what a poll activity of member `actor` does in local room `roomId`; null when it is not
 * about polls (room-chat.ts goes on). The poll service decides (participant, options, closed, author).
 */
export async function decideRoomPoll(
  chat: RoomChatPort,
  ctx: Context<void>,
  activity: Activity,
  roomId: string,
  roomUri: URL,
): Promise<RoomChatOutcome | null> {
  const actor = activity.actorId
  if (actor === null) return null
  if (activity instanceof Create) {
    const object = await activity.getObject(ctx)
    if (object instanceof Question) {
      if (object.id?.origin !== actor.origin || !sameUrl(object.attributionId, actor))
        return { ok: false, reason: 'validation-failed' }
      const input = sourceJson(object, POLL_SOURCE_MEDIA_TYPE)
      if (input === undefined) return { ok: false, reason: 'validation-failed' }
      return chat.createPoll(roomId, actor.href, input)
    }
    if (object instanceof Note && object.replyTargetId?.href.startsWith(`${roomUri.href}/polls/`)) {
      const pollId = pollIdOf(roomUri, object.replyTargetId)
      const vote = sourceJson(object, VOTE_SOURCE_MEDIA_TYPE) as { options?: unknown } | undefined
      if (pollId === null || vote === undefined || !sameUrl(object.attributionId, actor))
        return { ok: false, reason: 'validation-failed' }
      return chat.vote(roomId, actor.href, pollId, vote?.options)
    }
    return null
  }
  if (activity instanceof Update) {
    // Only the Question's id and `closed` are read: nothing else of a poll changes.
    const object = await activity.getObject({
      documentLoader: ctx.documentLoader,
      contextLoader: ctx.contextLoader,
      crossOrigin: 'trust',
    })
    if (!(object instanceof Question)) return null
    const pollId = pollIdOf(roomUri, object.id)
    if (pollId === null || !object.closed) return { ok: false, reason: 'validation-failed' }
    return chat.closePoll(roomId, actor.href, pollId)
  }
  return null
}

type PollShape = { id: string; question: string; options: string[]; multiple: boolean; closedAt: number | null }

/** Host: the `Question` announcing a poll as it stands (`seq`: its message, for a new poll). */
export function pollQuestion(
  roomUri: URL,
  poll: unknown,
  extra: { messageSeq?: number; author?: RoomActorRef; createdAt?: number },
): Question {
  const p = poll as PollShape & { votes: { options: number[] }[] }
  const counts = p.options.map((_, i) => p.votes.filter((v) => v.options.includes(i)).length)
  const choices = p.options.map(
    (name, i) => new Note({ name, replies: new Collection({ totalItems: counts[i] ?? 0 }) }),
  )
  return new Question({
    id: pollUri(roomUri, p.id),
    contexts: [roomUri],
    name: p.question,
    content: `<p>${escapeHtml(p.question)}</p>`,
    source: new Source({ content: JSON.stringify(poll), mediaType: POLL_SOURCE_MEDIA_TYPE }),
    ...(p.multiple ? { inclusiveOptions: choices } : { exclusiveOptions: choices }),
    closed: p.closedAt === null ? null : instant(p.closedAt),
    ...(extra.messageSeq === undefined ? {} : { url: messageUri(roomUri, extra.messageSeq) }),
    ...(extra.author
      ? {
          attribution: new URL(extra.author.id),
          tags: [new Mention({ href: new URL(extra.author.id), name: extra.author.name })],
        }
      : {}),
    ...(extra.createdAt === undefined ? {} : { published: instant(extra.createdAt) }),
  })
}

/** Member: the room event a `Question` (a new poll) or an `Update` of one (new results) is; null otherwise. */
export async function pollEventOf(
  roomUri: URL,
  object: unknown,
  messageSeqOf: (id: URL | null) => number | null,
): Promise<RoomFanoutEvent | null> {
  const question = object instanceof Update ? await object.getObject() : object
  if (!(question instanceof Question) || pollIdOf(roomUri, question.id) === null) return null
  const poll = sourceJson(question, POLL_SOURCE_MEDIA_TYPE)
  if (poll === undefined) return null
  if (object instanceof Update) return { type: 'poll.updated', poll }
  const messageSeq = messageSeqOf(question.url instanceof URL ? question.url : null)
  const author = question.attributionId
  if (messageSeq === null || author === null) return null
  let name = author.href
  for await (const tag of question.getTags())
    if (tag instanceof Mention && sameUrl(tag.href, author) && tag.name) name = tag.name.toString()
  return {
    type: 'poll.new',
    messageSeq,
    author: { id: author.href, name },
    createdAt: question.published?.epochMilliseconds ?? 0,
    poll,
  }
}
