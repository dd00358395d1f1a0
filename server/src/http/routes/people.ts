/** People: the user directory, avatars (upload and serving) and the signed-in user's status. */
import type { FastifyInstance } from 'fastify'
import Type from 'typebox'
import {
  AVATAR_MAX_BYTES,
  DirectoryPage,
  DirectoryQuery,
  ErrorBody,
  MentionCandidates,
  MentionQuery,
  RoomParams,
  UserParams,
  UserProfile,
  UserStatus,
  UserStatusUpdate,
  type DirectoryEntry,
} from '@parley/protocol'
import type { MentionCandidateRecord, PeopleService } from '../../accounts/people-service.ts'
import type { RoomService } from '../../rooms/room-service.ts'
import type { UserRecord } from '../../store/records.ts'
import { ApiError, unwrap } from '../api-error.ts'
import { currentAuth, requireUser } from '../auth.ts'
import { currentCaller, requireCaller } from '../caller.ts'
import { avatarPath, userProfile, userStatusView } from '../views.ts'
import { FILE_CSP } from '../file-serving.ts'

const IMAGE_TYPES = /^image\/[a-z0-9.+-]+$/i

export function directoryEntry(user: UserRecord, host: string): DirectoryEntry {
  return { ...userProfile(user), handle: `@${user.username}@${host}` }
}

function mentionCandidate(c: MentionCandidateRecord) {
  return {
    actorType: c.participant?.actorType ?? ('user' as const),
    actorId: c.participant?.actorId ?? (c.user as UserRecord).id,
    displayName: c.displayName,
    username: c.user?.username ?? null,
    handle: c.handle,
    avatarUrl: c.user ? avatarPath(c.user) : c.avatarUrl,
    inRoom: c.inRoom,
  }
}

export async function peopleRoutes(app: FastifyInstance, people: PeopleService, rooms: RoomService): Promise<void> {
  const tags = ['people']
  const err = { '4xx': ErrorBody }

  app.get(
    '/api/v1/rooms/:roomId/mention-candidates',
    {
      preHandler: requireCaller,
      schema: {
        tags,
        summary: 'Whom `@` may complete to: the room’s participants (remote ones included), then the directory',
        description:
          'Participants whose display name (any word), username or handle starts with `q`, then — for signed-in users, not guests — people from the user directory who are not in the room.',
        params: RoomParams,
        querystring: MentionQuery,
        response: { 200: MentionCandidates, ...err },
      },
    },
    async (request) => {
      const caller = currentCaller(request)
      const { roomId } = request.params as RoomParams
      const participants = unwrap(await rooms.participants(caller, roomId))
      const found = await people.mentionCandidates(caller, roomId, participants, request.query as MentionQuery)
      return { candidates: found.map(mentionCandidate) }
    },
  )

  app.get(
    '/api/v1/users',
    {
      preHandler: requireCaller,
      schema: {
        tags,
        summary: 'The user directory: find people by username or display name (signed-in users only)',
        description:
          'Prefix match, any case, on the username or on any word of the display name; disabled, deleted and hidden accounts are left out. Paged in username order: pass `next` as `after`. Guests are refused (guest-not-allowed).',
        querystring: DirectoryQuery,
        response: { 200: DirectoryPage, ...err },
      },
    },
    async (request) => {
      const { users, next } = unwrap(await people.search(currentCaller(request), request.query as DirectoryQuery))
      return { users: users.map((u) => directoryEntry(u, people.host)), next }
    },
  )

  app.get(
    '/api/v1/users/:userId/avatar',
    {
      schema: {
        tags,
        summary: "A user's avatar (a square WebP image); no sign-in needed, as other servers show it too",
        description:
          'With `v` equal to the current version (as `avatarUrl` gives it) the reply may be cached for good; otherwise briefly. Answers 304 to a matching If-None-Match.',
        params: UserParams,
        querystring: Type.Object({ v: Type.Optional(Type.String({ maxLength: 64 })) }, { additionalProperties: false }),
        response: { ...err },
        security: [],
      },
    },
    async (request, reply) => {
      const { userId } = request.params as UserParams
      const avatar = await people.avatar(userId)
      if (!avatar) throw new ApiError('not-found', 'This user has no avatar')
      const etag = `"${avatar.etag}"`
      const { v } = request.query as { v?: string }
      reply.header('etag', etag)
      reply.header('cache-control', v === avatar.etag ? 'public, max-age=31536000, immutable' : 'public, max-age=300')
      reply.header('x-content-type-options', 'nosniff')
      reply.header('content-security-policy', FILE_CSP)
      reply.header('cross-origin-resource-policy', 'cross-origin')
      if (request.headers['if-none-match'] === etag) return reply.code(304).send()
      return reply.type(avatar.mediaType).send(avatar.bytes)
    },
  )

  // Image bodies are taken here only (everywhere else the API takes JSON), read up to the limit.
  await app.register(async (scope) => {
    // Images only: the JSON parser the scope inherits would take a JSON body first and leave the
    // handler an object (image-invalid) where the type says unsupported-media-type.
    scope.removeAllContentTypeParsers()
    scope.addContentTypeParser(IMAGE_TYPES, (request, payload, done) => {
      const declared = Number(request.headers['content-length'])
      const tooLarge = (size: number) => new ApiError('avatar-too-large', undefined, { limit: AVATAR_MAX_BYTES, size })
      // Refused before a byte is read when the declared length says so.
      if (Number.isFinite(declared) && declared > AVATAR_MAX_BYTES) return done(tooLarge(declared), undefined)
      const chunks: Buffer[] = []
      let size = 0
      let settled = false
      const settle = (error: Error | null, body?: Buffer) => {
        if (settled) return
        settled = true
        done(error, body)
      }
      payload.on('data', (chunk: Buffer) => {
        size += chunk.length
        if (size > AVATAR_MAX_BYTES) {
          payload.removeAllListeners('data')
          payload.resume()
          return settle(tooLarge(size))
        }
        chunks.push(chunk)
      })
      payload.on('end', () => settle(null, Buffer.concat(chunks)))
      payload.on('error', (error: Error) => settle(error))
    })

    scope.put(
      '/api/v1/me/avatar',
      {
        preHandler: requireUser,
        schema: {
          tags,
          summary: 'Set my avatar: the image as the body (any raster type, at most 2 MiB), stored as a square',
          description:
            'The image is decoded, cropped to its centre and stored as a 256×256 WebP without metadata; `avatarUrl` changes. Refused: larger than 2 MiB (avatar-too-large), not an image (image-invalid), too many pixels (image-too-large), not image/* (unsupported-media-type).',
          consumes: ['image/png', 'image/jpeg', 'image/webp', 'image/gif'],
          response: { 200: UserProfile, ...err },
        },
      },
      async (request) => {
        const body = request.body
        if (!Buffer.isBuffer(body) || body.length === 0) throw new ApiError('image-invalid', 'The body is empty')
        return userProfile(unwrap(await people.setAvatar(currentAuth(request).user.id, body)))
      },
    )
  })

  app.delete(
    '/api/v1/me/avatar',
    {
      preHandler: requireUser,
      schema: { tags, summary: 'Remove my avatar', response: { 200: UserProfile, ...err } },
    },
    async (request) => {
      const updated = await people.removeAvatar(currentAuth(request).user.id)
      if (!updated) throw new ApiError('not-found')
      return userProfile(updated)
    },
  )

  app.get(
    '/api/v1/me/status',
    {
      preHandler: requireUser,
      schema: { tags, summary: 'My status', response: { 200: UserStatus, ...err } },
    },
    async (request) => userStatusView(await people.status(currentAuth(request).user.id)),
  )

  app.put(
    '/api/v1/me/status',
    {
      preHandler: requireUser,
      schema: {
        tags,
        summary: 'Set my status: online, away or do not disturb, with an optional message and expiry',
        description:
          'Rooms I am online in get a presence frame with the new status; my own sessions get a status frame.',
        body: UserStatusUpdate,
        response: { 200: UserStatus, ...err },
      },
    },
    async (request) =>
      userStatusView(await people.setStatus(currentAuth(request).user.id, request.body as UserStatusUpdate)),
  )
}
