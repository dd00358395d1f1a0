/**
 * Room routes act for a Caller: a signed-in user (session cookie or bearer token, see auth.ts) or a
 * guest, who sends `Authorization: Guest <secret>` from the guest session of one public room.
 */
import type { FastifyRequest } from 'fastify'
import type { RoomService } from '../rooms/room-service.ts'
import type { Caller } from '../rooms/result.ts'
import { ApiError, unwrap } from './api-error.ts'

declare module 'fastify' {
  interface FastifyRequest {
    guest: (Caller & { type: 'guest' }) | null
  }
}

const GUEST_SCHEME = /^Guest (\S+)$/i

export function isGuestAuthorization(header: string | undefined): boolean {
  return header !== undefined && /^Guest /i.test(header)
}

export async function authenticateGuest(
  rooms: RoomService,
  request: FastifyRequest,
): Promise<(Caller & { type: 'guest' }) | null> {
  const header = request.headers.authorization
  if (!isGuestAuthorization(header)) return null
  const secret = GUEST_SCHEME.exec(header as string)?.[1]
  if (!secret) throw new ApiError('session-ended', 'The Authorization header must be "Guest <secret>"')
  return unwrap(await rooms.authenticateGuest(secret))
}

export function currentCaller(request: FastifyRequest): Caller {
  if (request.guest) return request.guest
  if (request.auth) return { type: 'user', id: request.auth.user.id, name: request.auth.user.displayName }
  throw new ApiError('unauthenticated')
}

/** preHandler: a signed-in user or a guest. */
export async function requireCaller(request: FastifyRequest): Promise<void> {
  currentCaller(request)
}
