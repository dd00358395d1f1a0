/**
 * Rooms hosted on other instances that I joined: their replicated messages, and what I do in them
 * (sent to the host, which decides; the replica changes when the host announces the result).
 */
import type { FastifyInstance } from 'fastify'
import { ErrorBody, RemoteRoomActionRequest, RemoteRoomActionView, RemoteRoomLeave, RemoteRoomList, RemoteRoomMessageList, RemoteRoomMessagesQuery } from '@parley/protocol'
import type { FederationRepositories, ParleyFederation } from '@parley/federation'
import { ApiError } from '../api-error.ts'
import { currentAuth, requireUser } from '../auth.ts'
import { iso } from '../views.ts'
import { membershipError } from './room-federation.ts'

export function remoteRoomRoutes(app: FastifyInstance, deps: { federation: ParleyFederation; repositories: FederationRepositories }): void {
  const tags = ['rooms']
  app.get('/api/v1/me/remote-rooms', { preHandler: requireUser, schema: { tags, summary: 'Rooms on other instances I joined', response: { 200: RemoteRoomList, '4xx': ErrorBody } } }, async (request) => ({
    rooms: (await deps.repositories.rooms.invitations.listForUser(currentAuth(request).user.id, 'accepted')).map((i) => ({ roomId: i.roomId, roomName: i.roomName })),
  }))

  app.get(
    '/api/v1/me/remote-rooms/messages',
    { preHandler: requireUser, schema: { tags, summary: 'Messages of a room on another instance, as its host announced them, by seq', querystring: RemoteRoomMessagesQuery, response: { 200: RemoteRoomMessageList, '4xx': ErrorBody } } },
    async (request) => {
      const query = request.query as RemoteRoomMessagesQuery
      const joined = await deps.repositories.rooms.invitations.listForUser(currentAuth(request).user.id, 'accepted')
      if (!joined.some((i) => i.roomId === query.room)) throw new ApiError('room-not-found')
      const messages = await deps.repositories.rooms.replicas.messages(query.room, query.after ?? 0, query.limit ?? 100)
      return {
        messages: messages.map((m) => ({
          seq: m.seq, authorId: m.authorId, authorName: m.authorName, body: m.body, replyTo: m.replyTo, reactions: m.reactions,
          createdAt: iso(m.createdAt), editedAt: m.editedAt === null ? null : iso(m.editedAt), deletedAt: m.deletedAt === null ? null : iso(m.deletedAt),
        })),
      }
    },
  )

  app.post(
    '/api/v1/me/remote-rooms/actions',
    { preHandler: requireUser, schema: { tags, summary: 'Post, edit, delete or react in a room on another instance (queued to its host)', body: RemoteRoomActionRequest, response: { 202: RemoteRoomActionView, '4xx': ErrorBody } } },
    async (request, reply) => {
      const { room, action } = request.body as RemoteRoomActionRequest
      const sent = await deps.federation.roomMembers.act(currentAuth(request).user.username, room, action)
      if (!sent.ok) throw membershipError(sent.error)
      return reply.code(202).send(sent.value)
    },
  )

  app.post(
    '/api/v1/me/remote-rooms/leave',
    { preHandler: requireUser, schema: { tags, summary: 'Leave a room on another instance (a Leave to its host)', body: RemoteRoomLeave, response: { '4xx': ErrorBody } } },
    async (request, reply) => {
      const left = await deps.federation.roomMembers.leave(currentAuth(request).user.username, (request.body as RemoteRoomLeave).room)
      if (!left.ok) throw membershipError(left.error)
      return reply.code(204).send()
    },
  )
}
