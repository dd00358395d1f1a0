/** /api/v1/rooms: rooms, their participants, joining by link, guests. */
import type { FastifyInstance } from 'fastify'
import {
  ErrorBody, GuestJoin, GuestSession, OneToOneCreate, ParticipantAdd, ParticipantList, ParticipantParams, ParticipantUpdate, ParticipantView,
  RoomCreate, RoomJoin, RoomList, RoomParams, RoomSettingsUpdate, RoomUpdate, RoomView, type RemotePeer,
} from '@parley/protocol'
import type { ParticipantRecord, RoomRecord } from '../../store/records.ts'
import type { Access, RoomService } from '../../rooms/room-service.ts'
import type { Caller, Result } from '../../rooms/result.ts'
import { participantView, roomView } from '../../rooms/views.ts'
import { unwrap } from '../api-error.ts'
import { currentCaller, requireCaller } from '../caller.ts'
import { iso } from '../views.ts'

/** One-to-one rooms with remote accounts (see federation/direct-conversations.ts). */
export type DirectRooms = {
  /** Opens the caller's one-to-one room with a remote account (handle or actor URL). */
  open(caller: Caller, target: string): Promise<Result<Access & { created: boolean }>>
  /** The remote account of a one-to-one room, when it has one. */
  peerOf(roomId: string): Promise<RemotePeer | null>
}

export function roomRoutes(app: FastifyInstance, rooms: RoomService, direct: DirectRooms): void {
  /** The room as the caller sees it, with the remote account of a one-to-one room with one (name and avatar to show). */
  const view = async (room: RoomRecord, self: ParticipantRecord | null): Promise<RoomView> => {
    const base = roomView(room, self)
    const remote = room.kind === 'one-to-one' ? await direct.peerOf(room.id) : null
    return remote ? { ...base, remote } : base
  }

  const tags = ['rooms']
  const guarded = { preHandler: requireCaller }
  const err = { '4xx': ErrorBody }

  app.get('/api/v1/rooms', { ...guarded, schema: { tags, summary: 'The rooms I am in', response: { 200: RoomList, ...err } } }, async (request) => ({
    rooms: await Promise.all((await rooms.listMine(currentCaller(request))).map(({ room, self }) => view(room, self))),
  }))

  app.get(
    '/api/v1/rooms/listable',
    { schema: { tags, summary: 'The room directory: rooms listed to signed-in users, and to everyone (no sign-in needed)', response: { 200: RoomList, ...err } } },
    async (request) => ({
      rooms: (await rooms.listable(request.auth || request.guest ? currentCaller(request) : null)).map((room) => roomView(room, null)),
    }),
  )

  app.post('/api/v1/rooms', { ...guarded, schema: { tags, summary: 'Create a group or public room; I become its owner', body: RoomCreate, response: { 201: RoomView, ...err } } }, async (request, reply) => {
    const { room, self } = unwrap(await rooms.create(currentCaller(request), request.body as RoomCreate))
    return reply.code(201).send(roomView(room, self))
  })

  app.post(
    '/api/v1/rooms/one-to-one',
    { ...guarded, schema: { tags, summary: 'My one-to-one room with a user or a Fediverse account, created on first use', body: OneToOneCreate, response: { 200: RoomView, 201: RoomView, ...err } } },
    async (request, reply) => {
      const body = request.body as OneToOneCreate
      const caller = currentCaller(request)
      const { room, self, created } = unwrap('userId' in body ? await rooms.oneToOne(caller, body.userId) : await direct.open(caller, body.handle))
      return reply.code(created ? 201 : 200).send(await view(room, self))
    },
  )

  app.get('/api/v1/rooms/:roomId', { ...guarded, schema: { tags, summary: 'One room', params: RoomParams, response: { 200: RoomView, ...err } } }, async (request) => {
    const { room, self } = unwrap(await rooms.access(currentCaller(request), (request.params as RoomParams).roomId, 'room.view'))
    return view(room, self)
  })

  app.patch('/api/v1/rooms/:roomId', { ...guarded, schema: { tags, summary: 'Change the room (moderators)', params: RoomParams, body: RoomUpdate, response: { 200: RoomView, ...err } } }, async (request) => {
    const { room, self } = unwrap(await rooms.update(currentCaller(request), (request.params as RoomParams).roomId, request.body as RoomUpdate))
    return roomView(room, self)
  })

  app.delete('/api/v1/rooms/:roomId', { ...guarded, schema: { tags, summary: 'Delete the room (owners)', params: RoomParams, response: err } }, async (request, reply) => {
    unwrap(await rooms.delete(currentCaller(request), (request.params as RoomParams).roomId))
    return reply.code(204).send()
  })

  app.patch(
    '/api/v1/rooms/:roomId/settings',
    { ...guarded, schema: { tags, summary: 'My favourite, archive and notification settings for the room', params: RoomParams, body: RoomSettingsUpdate, response: { 200: RoomView, ...err } } },
    async (request) => {
      const { room, self } = unwrap(await rooms.settings(currentCaller(request), (request.params as RoomParams).roomId, request.body as RoomSettingsUpdate))
      return roomView(room, self)
    },
  )

  app.post(
    '/api/v1/rooms/:roomId/join',
    { ...guarded, schema: { tags, summary: 'Join a public or listed room by link (into the lobby when it is on)', params: RoomParams, body: RoomJoin, response: { 200: RoomView, ...err } } },
    async (request) => {
      const { password } = (request.body ?? {}) as RoomJoin
      const { room, self } = unwrap(await rooms.join(currentCaller(request), (request.params as RoomParams).roomId, password, request.ip))
      return roomView(room, self)
    },
  )

  app.post('/api/v1/rooms/:roomId/leave', { ...guarded, schema: { tags, summary: 'Leave the room', params: RoomParams, response: err } }, async (request, reply) => {
    unwrap(await rooms.leave(currentCaller(request), (request.params as RoomParams).roomId))
    return reply.code(204).send()
  })

  app.post(
    '/api/v1/rooms/:roomId/guests',
    { schema: { tags, summary: 'Open a public room as a guest: display name and, if set, the password', params: RoomParams, body: GuestJoin, response: { 201: GuestSession, ...err }, security: [] } },
    async (request, reply) => {
      const { displayName, password } = request.body as GuestJoin
      const joined = unwrap(await rooms.guestJoin((request.params as RoomParams).roomId, displayName, password, request.ip))
      return reply.code(201).send({
        guestId: joined.session.guestId, displayName, room: roomView(joined.room, joined.self), secret: joined.secret, expiresAt: iso(joined.session.expiresAt),
      })
    },
  )

  app.get('/api/v1/rooms/:roomId/participants', { ...guarded, schema: { tags, summary: 'Who is in the room', params: RoomParams, response: { 200: ParticipantList, ...err } } }, async (request) => ({
    participants: unwrap(await rooms.participants(currentCaller(request), (request.params as RoomParams).roomId)).map(participantView),
  }))

  app.post(
    '/api/v1/rooms/:roomId/participants',
    { ...guarded, schema: { tags, summary: 'Add a user (moderators, or members allowed to invite)', params: RoomParams, body: ParticipantAdd, response: { 201: ParticipantView, ...err } } },
    async (request, reply) => {
      const { userId, role } = request.body as ParticipantAdd
      return reply.code(201).send(participantView(unwrap(await rooms.add(currentCaller(request), (request.params as RoomParams).roomId, userId, role))))
    },
  )

  app.patch(
    '/api/v1/rooms/:roomId/participants/:actorId',
    { ...guarded, schema: { tags, summary: 'Change a participant\'s role or permissions', params: ParticipantParams, body: ParticipantUpdate, response: { 200: ParticipantView, ...err } } },
    async (request) => {
      const { roomId, actorId } = request.params as ParticipantParams
      return participantView(unwrap(await rooms.updateParticipant(currentCaller(request), roomId, actorId, request.body as ParticipantUpdate)))
    },
  )

  app.delete('/api/v1/rooms/:roomId/participants/:actorId', { ...guarded, schema: { tags, summary: 'Remove a participant (guests lose their session)', params: ParticipantParams, response: err } }, async (request, reply) => {
    const { roomId, actorId } = request.params as ParticipantParams
    unwrap(await rooms.remove(currentCaller(request), roomId, actorId, false))
    return reply.code(204).send()
  })

  app.post('/api/v1/rooms/:roomId/participants/:actorId/ban', { ...guarded, schema: { tags, summary: 'Remove and ban a participant', params: ParticipantParams, response: err } }, async (request, reply) => {
    const { roomId, actorId } = request.params as ParticipantParams
    unwrap(await rooms.remove(currentCaller(request), roomId, actorId, true))
    return reply.code(204).send()
  })

  app.post(
    '/api/v1/rooms/:roomId/participants/:actorId/admit',
    { ...guarded, schema: { tags, summary: 'Admit someone waiting in the lobby', params: ParticipantParams, response: { 200: ParticipantView, ...err } } },
    async (request) => {
      const { roomId, actorId } = request.params as ParticipantParams
      return participantView(unwrap(await rooms.admit(currentCaller(request), roomId, actorId)))
    },
  )
}
