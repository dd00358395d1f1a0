/**
 * Rooms on the Fediverse: a moderator of a public room posts an announcement its followers see;
 * members invite accounts of other instances; users answer invitations to rooms hosted elsewhere.
 */
import type { FastifyInstance } from 'fastify'
import {
  ErrorBody,
  RoomAnnouncementCreate,
  RoomAnnouncementView,
  RoomInvitationAnswer,
  RoomInvitationList,
  RoomParams,
  RoomRemoteInviteCreate,
  RoomRemoteInviteView,
} from '@parley/protocol'
import type { FederationRepositories, MembershipError, ParleyFederation } from '@parley/federation'
import type { RoomService } from '../../rooms/room-service.ts'
import { ApiError, unwrap } from '../api-error.ts'
import { currentCaller, requireCaller } from '../caller.ts'
import { currentAuth, requireUser } from '../auth.ts'
import { iso } from '../views.ts'

export function membershipError(error: MembershipError): ApiError {
  switch (error.type) {
    case 'not-found':
      return error.what === 'remote-actor'
        ? new ApiError('remote-not-found')
        : error.what === 'room'
          ? new ApiError('room-not-found')
          : new ApiError('not-found', 'No such pending invitation')
    case 'invalid-target':
      return new ApiError('invalid-follow-target', error.message)
    case 'blocked-domain':
      return new ApiError('domain-blocked', `${error.domain} is blocked on this instance`, { domain: error.domain })
  }
}

export function roomFederationRoutes(
  app: FastifyInstance,
  deps: { rooms: RoomService; federation: ParleyFederation; repositories: FederationRepositories },
): void {
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

  app.post(
    '/api/v1/rooms/:roomId/remote-invites',
    {
      preHandler: requireUser,
      schema: {
        tags: ['rooms'],
        summary: 'Invite an account of another instance to the room (an ActivityPub Invite); it joins when it accepts',
        params: RoomParams,
        body: RoomRemoteInviteCreate,
        response: { 202: RoomRemoteInviteView, '4xx': ErrorBody },
      },
    },
    async (request, reply) => {
      const { roomId } = request.params as RoomParams
      const user = currentAuth(request).user
      unwrap(await deps.rooms.access(currentCaller(request), roomId, 'participant.add'))
      const sent = await deps.federation.roomMembers.invite(
        roomId,
        user.username,
        (request.body as RoomRemoteInviteCreate).target,
      )
      if (!sent.ok) throw membershipError(sent.error)
      const { inviteId, inviteeId, state, createdAt } = sent.value
      return reply.code(202).send({ inviteId, inviteeId, state, createdAt: iso(createdAt) })
    },
  )

  app.get(
    '/api/v1/me/room-invitations',
    {
      preHandler: requireUser,
      schema: {
        tags: ['rooms'],
        summary: 'My pending invitations to rooms on other instances, oldest first',
        response: { 200: RoomInvitationList, '4xx': ErrorBody },
      },
    },
    async (request) => ({
      invitations: (await deps.repositories.rooms.invitations.listForUser(currentAuth(request).user.id, 'pending')).map(
        (i) => ({
          inviteId: i.inviteId,
          roomId: i.roomId,
          roomName: i.roomName,
          inviterId: i.inviterId,
          createdAt: iso(i.createdAt),
        }),
      ),
    }),
  )

  app.post(
    '/api/v1/me/room-invitations/answer',
    {
      preHandler: requireUser,
      schema: {
        tags: ['rooms'],
        summary: 'Accept or decline an invitation to a room on another instance',
        body: RoomInvitationAnswer,
        response: { '4xx': ErrorBody },
      },
    },
    async (request, reply) => {
      const { inviteId, accept } = request.body as RoomInvitationAnswer
      const answered = await deps.federation.roomMembers.answer(currentAuth(request).user.username, inviteId, accept)
      if (!answered.ok) throw membershipError(answered.error)
      return reply.code(204).send()
    },
  )
}
