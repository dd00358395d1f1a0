/** Rooms on the Fediverse: a moderator of a public room posts an announcement its followers see. */
import type { FastifyInstance } from 'fastify'
import { ErrorBody, RoomAnnouncementCreate, RoomAnnouncementView, RoomParams } from '@parley/protocol'
import type { ParleyFederation } from '@parley/federation'
import type { RoomService } from '../../rooms/room-service.ts'
import { ApiError, unwrap } from '../api-error.ts'
import { currentCaller, requireCaller } from '../caller.ts'
import { iso } from '../views.ts'

export function roomFederationRoutes(app: FastifyInstance, deps: { rooms: RoomService; federation: ParleyFederation }): void {
  app.post(
    '/api/v1/rooms/:roomId/announcements',
    {
      preHandler: requireCaller,
      schema: {
        tags: ['rooms'],
        summary: 'Post publicly as the room (moderators of public rooms): its Fediverse followers get it as a boost',
        params: RoomParams,
        body: RoomAnnouncementCreate,
        response: { 201: RoomAnnouncementView, '4xx': ErrorBody },
      },
    },
    async (request, reply) => {
      const { roomId } = request.params as RoomParams
      // Who may change the room may speak for it.
      unwrap(await deps.rooms.access(currentCaller(request), roomId, 'room.update'))
      const posted = await deps.federation.rooms.post(roomId, (request.body as RoomAnnouncementCreate).text)
      if (!posted.ok) {
        switch (posted.error.type) {
          case 'not-found':
            throw new ApiError('room-not-found')
          case 'not-public':
            throw new ApiError('room-not-public')
        }
      }
      const { post, noteId, recipients } = posted.value
      return reply.code(201).send({ postId: post.postId, noteId, recipients, createdAt: iso(post.createdAt) })
    },
  )
}
