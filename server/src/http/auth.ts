/**
 * Who is calling: a bearer API token or the browser session cookie. Cookie-authenticated requests
 * that change state must carry the session's CSRF token in `X-CSRF-Token` (synchronizer token); bearer
 * requests cannot be forged cross-site and need none.
 */
import { timingSafeEqual } from 'node:crypto'
import type { FastifyReply, FastifyRequest } from 'fastify'
import type { AccountService, Authenticated } from '../accounts/account-service.ts'
import { ApiError, unwrap } from './api-error.ts'

export const SESSION_COOKIE = 'parley_session'
export const CSRF_HEADER = 'x-csrf-token'

const SAFE_METHODS = new Set(['GET', 'HEAD', 'OPTIONS'])

declare module 'fastify' {
  interface FastifyRequest {
    auth: Authenticated | null
  }
}

export async function authenticate(accounts: AccountService, request: FastifyRequest): Promise<Authenticated | null> {
  const header = request.headers.authorization
  if (header !== undefined) {
    const match = /^Bearer (\S+)$/i.exec(header)
    if (!match?.[1]) throw new ApiError('token-invalid', 'The Authorization header must be "Bearer <token>"')
    return unwrap(await accounts.authenticateToken(match[1]))
  }
  const cookie = request.cookies[SESSION_COOKIE]
  if (!cookie) return null
  const auth = unwrap(await accounts.authenticateSession(cookie))
  if (
    auth.via === 'session' &&
    !SAFE_METHODS.has(request.method) &&
    !csrfMatches(request.headers[CSRF_HEADER], auth.session.csrfToken)
  ) {
    throw new ApiError('csrf-failed')
  }
  return auth
}

function csrfMatches(sent: string | string[] | undefined, expected: string): boolean {
  if (typeof sent !== 'string') return false
  const a = Buffer.from(sent)
  const b = Buffer.from(expected)
  return a.length === b.length && timingSafeEqual(a, b)
}

/** Route config of the routes that start a session (login, registration): the cookie is not read there. */
export const STARTS_SESSION = { startsSession: true } as const

export function startsSession(request: FastifyRequest): boolean {
  return (request.routeOptions.config as { startsSession?: boolean } | undefined)?.startsSession === true
}

/**
 * Route config of the web client's pages and assets: they are the same for everyone, so the cookie
 * is not read. A browser whose session was revoked or expired must get the page (which then shows
 * sign-in), not a `session-expired` JSON body in place of the app.
 */
export const SERVES_PAGE = { servesPage: true } as const

export function servesPage(request: FastifyRequest): boolean {
  return (request.routeOptions.config as { servesPage?: boolean } | undefined)?.servesPage === true
}

/** preHandler: the route needs a signed-in user. */
export async function requireUser(request: FastifyRequest, _reply: FastifyReply): Promise<void> {
  if (!request.auth) throw new ApiError('unauthenticated')
}

/** preHandler: the route needs an admin. */
export async function requireAdmin(request: FastifyRequest, _reply: FastifyReply): Promise<void> {
  if (!request.auth) throw new ApiError('unauthenticated')
  if (request.auth.user.role !== 'admin') throw new ApiError('forbidden', 'Only admins may do this')
}

/** The signed-in user of a route guarded by requireUser/requireAdmin. */
export function currentAuth(request: FastifyRequest): Authenticated {
  if (!request.auth) throw new ApiError('unauthenticated')
  return request.auth
}
