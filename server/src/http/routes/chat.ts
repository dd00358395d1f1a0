/** Chat under /api/v1/rooms/:roomId: messages, reactions, read markers, polls; search; notifications. */
import type { FastifyInstance } from 'fastify'
import {
  ErrorBody,
  HistoryPage,
  HistoryQuery,
  MessageEdit,
  MessageParams,
  MessagePost,
  MessageView,
  NotificationList,
  QueuedWrite,
  NotificationsRead,
  PollCreate,
  PollParams,
  PollView,
  PollVote,
  ReactionList,
  ReactionParams,
  ReadMarkerSet,
  ReadState,
  RoomParams,
  SearchQuery,
  SearchResults,
} from '@parley/protocol'
import Type from 'typebox'
import type { ChatService } from '../../rooms/chat-service.ts'
import type { PollService } from '../../rooms/poll-service.ts'
import type { FastifyReply } from 'fastify'
import { unwrap } from '../api-error.ts'
import type { Result } from '../../rooms/result.ts'
import { currentCaller, requireCaller } from '../caller.ts'
import { iso } from '../views.ts'
import { notificationView } from '../../rooms/views.ts'

const PollCreated = Type.Object(
  { message: MessageView, poll: PollView },
  { additionalProperties: false, title: 'PollCreated' },
)

/**
 * A write's answer: the message (with `status`), or — in a room hosted elsewhere whose host cannot
 * be reached — 202 with the queued write (it shows as a room event once the host accepted it).
 */
function written<T>(reply: FastifyReply, result: Result<T>, status: 200 | 201): FastifyReply {
  if (!result.ok && result.error.type === 'write-queued') {
    const details = result.error.details as { roomId: string; actionId: string }
    const queued: QueuedWrite = { queued: true, roomId: details.roomId, actionId: details.actionId }
    return reply.code(202).send(queued)
  }
  return reply.code(status).send(unwrap(result))
}

export function chatRoutes(app: FastifyInstance, chat: ChatService, polls: PollService): void {
  const tags = ['chat']
  const guarded = { preHandler: requireCaller }
  const err = { '4xx': ErrorBody }

  app.get(
    '/api/v1/rooms/:roomId/messages',
    {
      ...guarded,
      schema: {
        tags,
        summary: 'History: newest, before/after a seq, or around message N',
        params: RoomParams,
        querystring: HistoryQuery,
        response: { 200: HistoryPage, ...err },
      },
    },
    async (request) =>
      unwrap(
        await chat.history(
          currentCaller(request),
          (request.params as RoomParams).roomId,
          request.query as HistoryQuery,
        ),
      ),
  )

  app.post(
    '/api/v1/rooms/:roomId/messages',
    {
      ...guarded,
      schema: {
        tags,
        summary: 'Post a message (markdown); @name and @all notify',
        params: RoomParams,
        body: MessagePost,
        response: { 201: MessageView, 202: QueuedWrite, ...err },
      },
    },
    async (request, reply) => {
      const { body, replyTo } = request.body as MessagePost
      return written(
        reply,
        await chat.post(currentCaller(request), (request.params as RoomParams).roomId, { body, replyTo }),
        201,
      )
    },
  )

  app.patch(
    '/api/v1/rooms/:roomId/messages/:seq',
    {
      ...guarded,
      schema: {
        tags,
        summary: 'Edit my message (marked edited)',
        params: MessageParams,
        body: MessageEdit,
        response: { 200: MessageView, 202: QueuedWrite, ...err },
      },
    },
    async (request, reply) => {
      const { roomId, seq } = request.params as MessageParams
      return written(
        reply,
        await chat.edit(currentCaller(request), roomId, seq, (request.body as MessageEdit).body),
        200,
      )
    },
  )

  app.delete(
    '/api/v1/rooms/:roomId/messages/:seq',
    {
      ...guarded,
      schema: {
        tags,
        summary: 'Delete a message (author or moderator); a tombstone stays',
        params: MessageParams,
        response: { 200: MessageView, 202: QueuedWrite, ...err },
      },
    },
    async (request, reply) => {
      const { roomId, seq } = request.params as MessageParams
      return written(reply, await chat.delete(currentCaller(request), roomId, seq), 200)
    },
  )

  app.get(
    '/api/v1/rooms/:roomId/messages/:seq/reactions',
    {
      ...guarded,
      schema: {
        tags,
        summary: 'Who reacted with what',
        params: MessageParams,
        response: { 200: ReactionList, ...err },
      },
    },
    async (request) => {
      const { roomId, seq } = request.params as MessageParams
      const list = unwrap(await chat.reactions(currentCaller(request), roomId, seq))
      return {
        reactions: list.map((r) => ({
          emoji: r.emoji,
          actor: { type: r.actorType, id: r.actorId, name: r.actorName },
          reactedAt: iso(r.createdAt),
        })),
      }
    },
  )

  for (const [method, add] of [
    ['PUT', true],
    ['DELETE', false],
  ] as const) {
    app.route({
      method,
      url: '/api/v1/rooms/:roomId/messages/:seq/reactions/:emoji',
      preHandler: requireCaller,
      schema: {
        tags,
        summary: add ? 'React with an emoji (idempotent)' : 'Take my reaction back',
        params: ReactionParams,
        response: { 200: MessageView, 202: QueuedWrite, ...err },
      },
      handler: async (request, reply) => {
        const { roomId, seq, emoji } = request.params as ReactionParams
        return written(reply, await chat.react(currentCaller(request), roomId, seq, emoji, add), 200)
      },
    })
  }

  app.post(
    '/api/v1/rooms/:roomId/read',
    {
      ...guarded,
      schema: {
        tags,
        summary: 'Move my read marker forward',
        params: RoomParams,
        body: ReadMarkerSet,
        response: { 200: ReadState, ...err },
      },
    },
    async (request) =>
      unwrap(
        await chat.markRead(
          currentCaller(request),
          (request.params as RoomParams).roomId,
          (request.body as ReadMarkerSet).seq,
        ),
      ),
  )

  app.post(
    '/api/v1/rooms/:roomId/polls',
    {
      ...guarded,
      schema: {
        tags,
        summary: 'Post a poll',
        params: RoomParams,
        body: PollCreate,
        response: { 201: PollCreated, 202: QueuedWrite, ...err },
      },
    },
    async (request, reply) =>
      written(
        reply,
        await polls.create(currentCaller(request), (request.params as RoomParams).roomId, request.body as PollCreate),
        201,
      ),
  )

  app.get(
    '/api/v1/rooms/:roomId/polls/:pollId',
    {
      ...guarded,
      schema: { tags, summary: 'A poll and its results', params: PollParams, response: { 200: PollView, ...err } },
    },
    async (request) => {
      const { roomId, pollId } = request.params as PollParams
      return unwrap(await polls.get(currentCaller(request), roomId, pollId))
    },
  )

  app.post(
    '/api/v1/rooms/:roomId/polls/:pollId/votes',
    {
      ...guarded,
      schema: {
        tags,
        summary: 'Vote (again: replaces my vote)',
        params: PollParams,
        body: PollVote,
        response: { 200: PollView, 202: QueuedWrite, ...err },
      },
    },
    async (request, reply) => {
      const { roomId, pollId } = request.params as PollParams
      return written(
        reply,
        await polls.vote(currentCaller(request), roomId, pollId, (request.body as PollVote).options),
        200,
      )
    },
  )

  app.post(
    '/api/v1/rooms/:roomId/polls/:pollId/close',
    {
      ...guarded,
      schema: {
        tags,
        summary: 'Close the poll (its author or a moderator)',
        params: PollParams,
        response: { 200: PollView, 202: QueuedWrite, ...err },
      },
    },
    async (request, reply) => {
      const { roomId, pollId } = request.params as PollParams
      return written(reply, await polls.close(currentCaller(request), roomId, pollId), 200)
    },
  )

  app.get(
    '/api/v1/rooms/search',
    {
      ...guarded,
      schema: {
        tags,
        summary: 'Search messages in every room I am in (or one: roomId), with their reactions',
        querystring: SearchQuery,
        response: { 200: SearchResults, ...err },
      },
    },
    async (request) => {
      const { q, limit, roomId } = request.query as SearchQuery
      return { messages: unwrap(await chat.search(currentCaller(request), q, limit ?? 20, roomId)) }
    },
  )

  app.get(
    '/api/v1/notifications',
    {
      ...guarded,
      schema: { tags, summary: 'My mention notifications, newest first', response: { 200: NotificationList, ...err } },
    },
    async (request) => ({
      notifications: unwrap(await chat.notifications(currentCaller(request))).map(notificationView),
    }),
  )

  app.post(
    '/api/v1/notifications/read',
    { ...guarded, schema: { tags, summary: 'Mark notifications read', body: NotificationsRead, response: err } },
    async (request, reply) => {
      unwrap(await chat.markNotificationsRead(currentCaller(request), (request.body as NotificationsRead).ids))
      return reply.code(204).send()
    },
  )
}
