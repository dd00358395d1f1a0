/** /api/v1/rooms: rooms, their participants, joining by link, guests. */
import type { FastifyInstance } from 'fastify'
import {
  ErrorBody,
  GuestJoin,
  GuestSession,
  MyRoomList,
  OwnershipTransfer,
  type MyRoom,
  OneToOneCreate,
  ParticipantAdd,
  ParticipantList,
  ParticipantParams,
  ParticipantUpdate,
  ParticipantView,
  RoomCreate,
  RoomJoin,
  RoomList,
  RoomParams,
  RoomSettingsUpdate,
  RoomUpdate,
  RoomView,
  type RemotePeer,
} from '@parley/protocol'
import type { ParticipantRecord, RoomRecord } from '../../store/records.ts'
import type { Access, RoomService } from '../../rooms/room-service.ts'
import type { Caller, Result } from '../../rooms/result.ts'
import { messageView, participantView, roomView } from '../../rooms/views.ts'
import { ApiError, unwrap } from '../api-error.ts'
import type { PeopleService } from '../../accounts/people-service.ts'
import { currentCaller, requireCaller } from '../caller.ts'
import { iso } from '../views.ts'
import { isRemoteActorId } from '../../store/actor-ids.ts'
import { participantRefs } from '../participant-refs.ts'

/** One-to-one rooms with remote accounts (see federation/direct-conversations.ts). */
export type DirectRooms = {
  /** Opens the caller's one-to-one room with a remote account (handle or actor URL). */
  open(caller: Caller, target: string): Promise<Result<Access & { created: boolean }>>
  /** The remote account of a one-to-one room, when it has one. */
  peerOf(roomId: string): Promise<RemotePeer | null>
  /** The room's URL on its host when it is hosted on another instance. */
  hostOf(roomId: string): Promise<string | null>
  /** A room hosted elsewhere: its participants as the host knows them; null when the host cannot say. */
  hostedParticipants(caller: Caller, roomUri: string): Promise<ParticipantView[] | null>
  /** Leaves a room hosted elsewhere: its host is told (a Leave); the room goes from here when that is done. */
  leaveHosted(caller: Caller, roomUri: string): Promise<Result<true>>
  /** The actor id of a Fediverse account by handle, looked up through the guarded fetcher; throws its ApiError. */
  remoteActorId(handle: string): Promise<string>
}

export function roomRoutes(app: FastifyInstance, rooms: RoomService, direct: DirectRooms, people: PeopleService): void {
  /** The local user a body names (id, or username or handle of this instance, resolved without a fetch). */
  const localUserId = async (body: { userId: string } | { user: string }): Promise<string> =>
    'userId' in body ? body.userId : unwrap(await people.resolve(body.user)).id
  /** The participant a path or body names: an id, a username or a handle (participant-refs.ts). */
  const actorIdOf = participantRefs({ people, rooms, remoteActorId: (handle) => direct.remoteActorId(handle) })

  /** The room as the caller sees it, with the remote account of a one-to-one room with one (name and avatar to show). */
  const view = async (room: RoomRecord, self: ParticipantRecord | null): Promise<RoomView> => {
    const base = roomView(room, self)
    if (room.kind === 'one-to-one') {
      const remote = await direct.peerOf(room.id)
      // A one-to-one room has no name of its own: each side sees it named after the other.
      return remote
        ? { ...base, name: remote.name, remote }
        : { ...base, name: self ? await rooms.peerName(room, self.actorId) : base.name }
    }
    const roomUri = await direct.hostOf(room.id)
    return roomUri ? { ...base, host: { roomUri, instance: new URL(roomUri).host } } : base
  }

  const tags = ['rooms']
  const guarded = { preHandler: requireCaller }
  const err = { '4xx': ErrorBody }

  app.get(
    '/api/v1/rooms',
    {
      ...guarded,
      schema: {
        tags,
        summary: 'The rooms I am in, each with my unread count, unread mentions and its last message',
        response: { 200: MyRoomList, ...err },
      },
    },
    async (request) => ({
      rooms: await Promise.all(
        (await rooms.listMine(currentCaller(request))).map(async ({ room, self }): Promise<MyRoom> => {
          const [base, activity] = await Promise.all([view(room, self), rooms.activity(self)])
          const last = activity.lastMessage
          return {
            ...base,
            unreadCount: activity.unreadCount,
            unreadMentions: activity.unreadMentions,
            lastMessage: last ? messageView(last, await rooms.reactionsOf(last)) : null,
          }
        }),
      ),
    }),
  )

  app.get(
    '/api/v1/rooms/listable',
    {
      schema: {
        tags,
        summary: 'The room directory: rooms listed to signed-in users, and to everyone (no sign-in needed)',
        response: { 200: RoomList, ...err },
      },
    },
    async (request) => ({
      rooms: (await rooms.listable(request.auth || request.guest ? currentCaller(request) : null)).map((room) =>
        roomView(room, null),
      ),
    }),
  )

  app.post(
    '/api/v1/rooms',
    {
      ...guarded,
      schema: {
        tags,
        summary: 'Create a group or public room; I become its owner',
        body: RoomCreate,
        response: { 201: RoomView, ...err },
      },
    },
    async (request, reply) => {
      const { room, self } = unwrap(await rooms.create(currentCaller(request), request.body as RoomCreate))
      return reply.code(201).send(roomView(room, self))
    },
  )

  app.post(
    '/api/v1/rooms/one-to-one',
    {
      ...guarded,
      schema: {
        tags,
        summary: 'My one-to-one room with a user or a Fediverse account, created on first use',
        body: OneToOneCreate,
        response: { 200: RoomView, 201: RoomView, ...err },
      },
    },
    async (request, reply) => {
      const body = request.body as OneToOneCreate
      const caller = currentCaller(request)
      if (caller.type !== 'user') throw new ApiError('guest-not-allowed')
      // A handle of this instance names a local user: no WebFinger round trip to ourselves.
      const local =
        'handle' in body && !isRemoteActorId(body.handle) && !people.isRemoteHandle(body.handle)
          ? { user: body.handle }
          : 'handle' in body
            ? null
            : body
      const { room, self, created } = unwrap(
        local
          ? await rooms.oneToOne(caller, await localUserId(local))
          : await direct.open(caller, (body as { handle: string }).handle),
      )
      return reply.code(created ? 201 : 200).send(await view(room, self))
    },
  )

  app.get(
    '/api/v1/rooms/:roomId',
    { ...guarded, schema: { tags, summary: 'One room', params: RoomParams, response: { 200: RoomView, ...err } } },
    async (request) => {
      const { room, self } = unwrap(
        await rooms.access(currentCaller(request), (request.params as RoomParams).roomId, 'room.view'),
      )
      return view(room, self)
    },
  )

  app.patch(
    '/api/v1/rooms/:roomId',
    {
      ...guarded,
      schema: {
        tags,
        summary: 'Change the room (moderators)',
        params: RoomParams,
        body: RoomUpdate,
        response: { 200: RoomView, ...err },
      },
    },
    async (request) => {
      const { room, self } = unwrap(
        await rooms.update(currentCaller(request), (request.params as RoomParams).roomId, request.body as RoomUpdate),
      )
      return view(room, self)
    },
  )

  app.delete(
    '/api/v1/rooms/:roomId',
    { ...guarded, schema: { tags, summary: 'Delete the room (owners)', params: RoomParams, response: err } },
    async (request, reply) => {
      unwrap(await rooms.delete(currentCaller(request), (request.params as RoomParams).roomId))
      return reply.code(204).send()
    },
  )

  app.patch(
    '/api/v1/rooms/:roomId/settings',
    {
      ...guarded,
      schema: {
        tags,
        summary: 'My favourite, archive and notification settings for the room',
        params: RoomParams,
        body: RoomSettingsUpdate,
        response: { 200: RoomView, ...err },
      },
    },
    async (request) => {
      const { room, self } = unwrap(
        await rooms.settings(
          currentCaller(request),
          (request.params as RoomParams).roomId,
          request.body as RoomSettingsUpdate,
        ),
      )
      return view(room, self)
    },
  )

  app.post(
    '/api/v1/rooms/:roomId/join',
    {
      ...guarded,
      schema: {
        tags,
        summary: 'Join a public or listed room by link (into the lobby when it is on)',
        params: RoomParams,
        body: RoomJoin,
        response: { 200: RoomView, ...err },
      },
    },
    async (request) => {
      const { password } = (request.body ?? {}) as RoomJoin
      const { room, self } = unwrap(
        await rooms.join(currentCaller(request), (request.params as RoomParams).roomId, password, request.ip),
      )
      return roomView(room, self)
    },
  )

  app.post(
    '/api/v1/rooms/:roomId/leave',
    { ...guarded, schema: { tags, summary: 'Leave the room', params: RoomParams, response: err } },
    async (request, reply) => {
      const { roomId } = request.params as RoomParams
      const caller = currentCaller(request)
      const roomUri = await direct.hostOf(roomId)
      // A room hosted elsewhere: its host is the one to tell (its events are numbered there).
      if (roomUri) {
        unwrap(await rooms.access(caller, roomId, 'room.leave'))
        unwrap(await direct.leaveHosted(caller, roomUri))
      } else unwrap(await rooms.leave(caller, roomId))
      return reply.code(204).send()
    },
  )

  app.post(
    '/api/v1/rooms/:roomId/guests',
    {
      schema: {
        tags,
        summary: 'Open a public room as a guest: display name and, if set, the password',
        params: RoomParams,
        body: GuestJoin,
        response: { 201: GuestSession, ...err },
        security: [],
      },
    },
    async (request, reply) => {
      const { displayName, password } = request.body as GuestJoin
      const joined = unwrap(
        await rooms.guestJoin((request.params as RoomParams).roomId, displayName, password, request.ip),
      )
      return reply.code(201).send({
        guestId: joined.session.guestId,
        displayName,
        room: roomView(joined.room, joined.self),
        secret: joined.secret,
        expiresAt: iso(joined.session.expiresAt),
      })
    },
  )

  app.get(
    '/api/v1/rooms/:roomId/participants',
    {
      ...guarded,
      schema: { tags, summary: 'Who is in the room', params: RoomParams, response: { 200: ParticipantList, ...err } },
    },
    async (request) => {
      const caller = currentCaller(request)
      const { roomId } = request.params as RoomParams
      const local = unwrap(await rooms.participants(caller, roomId))
      // A room hosted elsewhere: everyone in it as its host knows them (this instance knows its own members only).
      const roomUri = await direct.hostOf(roomId)
      const hosted = roomUri ? await direct.hostedParticipants(caller, roomUri) : null
      return { participants: hosted ?? local.map(participantView) }
    },
  )

  app.post(
    '/api/v1/rooms/:roomId/participants',
    {
      ...guarded,
      schema: {
        tags,
        summary: 'Add a user (moderators, or members allowed to invite)',
        params: RoomParams,
        body: ParticipantAdd,
        response: { 201: ParticipantView, ...err },
      },
    },
    async (request, reply) => {
      const body = request.body as ParticipantAdd
      const caller = currentCaller(request)
      const { roomId } = request.params as RoomParams
      // Who may not add anyone learns nothing about which usernames exist.
      if ('user' in body) unwrap(await rooms.access(caller, roomId, 'participant.add'))
      const userId = await localUserId(body)
      const { role } = body
      return reply.code(201).send(participantView(unwrap(await rooms.add(caller, roomId, userId, role))))
    },
  )

  app.patch(
    '/api/v1/rooms/:roomId/participants/:actorId',
    {
      ...guarded,
      schema: {
        tags,
        summary: "Change a participant's role or permissions",
        params: ParticipantParams,
        body: ParticipantUpdate,
        response: { 200: ParticipantView, ...err },
      },
    },
    async (request) => {
      const { roomId, actorId: ref } = request.params as ParticipantParams
      const caller = currentCaller(request)
      const actorId = await actorIdOf(caller, roomId, ref)
      return participantView(
        unwrap(await rooms.updateParticipant(caller, roomId, actorId, request.body as ParticipantUpdate)),
      )
    },
  )

  app.delete(
    '/api/v1/rooms/:roomId/participants/:actorId',
    {
      ...guarded,
      schema: {
        tags,
        summary: 'Remove a participant (guests lose their session)',
        params: ParticipantParams,
        response: err,
      },
    },
    async (request, reply) => {
      const { roomId, actorId: ref } = request.params as ParticipantParams
      const caller = currentCaller(request)
      unwrap(await rooms.remove(caller, roomId, await actorIdOf(caller, roomId, ref), false))
      return reply.code(204).send()
    },
  )

  app.post(
    '/api/v1/rooms/:roomId/participants/:actorId/ban',
    { ...guarded, schema: { tags, summary: 'Remove and ban a participant', params: ParticipantParams, response: err } },
    async (request, reply) => {
      const { roomId, actorId: ref } = request.params as ParticipantParams
      const caller = currentCaller(request)
      unwrap(await rooms.remove(caller, roomId, await actorIdOf(caller, roomId, ref), true))
      return reply.code(204).send()
    },
  )

  app.post(
    '/api/v1/rooms/:roomId/participants/:actorId/admit',
    {
      ...guarded,
      schema: {
        tags,
        summary: 'Admit someone waiting in the lobby',
        params: ParticipantParams,
        response: { 200: ParticipantView, ...err },
      },
    },
    async (request) => {
      const { roomId, actorId: ref } = request.params as ParticipantParams
      const caller = currentCaller(request)
      return participantView(unwrap(await rooms.admit(caller, roomId, await actorIdOf(caller, roomId, ref))))
    },
  )

  app.post(
    '/api/v1/rooms/:roomId/owner',
    {
      ...guarded,
      schema: {
        tags,
        summary: 'Hand the room to another participant (owners); I become a moderator',
        description:
          'The new owner must be a signed-in user of this instance, active in the room: anyone else is refused (participant-not-found, guest-not-allowed, person-not-local) and nothing changes.',
        params: RoomParams,
        body: OwnershipTransfer,
        response: { 200: ParticipantView, ...err },
      },
    },
    async (request) => {
      const { roomId } = request.params as RoomParams
      const caller = currentCaller(request)
      // Only a local user can own a room: another instance's handle is refused without a fetch.
      const actorId = await actorIdOf(caller, roomId, (request.body as OwnershipTransfer).actorId, 'local')
      return participantView(unwrap(await rooms.transferOwnership(caller, roomId, actorId)))
    },
  )

  app.post(
    '/api/v1/rooms/:roomId/participants/:actorId/unban',
    {
      ...guarded,
      schema: {
        tags,
        summary: 'Lift a ban (moderators): the person may be added or join again',
        params: ParticipantParams,
        response: err,
      },
    },
    async (request, reply) => {
      const { roomId, actorId: ref } = request.params as ParticipantParams
      const caller = currentCaller(request)
      unwrap(await rooms.unban(caller, roomId, await actorIdOf(caller, roomId, ref)))
      return reply.code(204).send()
    },
  )
}
