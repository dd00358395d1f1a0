/** Registration, login, logout and the current browser session. */
import type { FastifyInstance, FastifyReply } from 'fastify'
import { ErrorBody, LoginRequest, RegisterRequest, SessionInfo } from '@parley/protocol'
import type { AccountService, LoginOutcome } from '../../accounts/account-service.ts'
import { ApiError, unwrap } from '../api-error.ts'
import { SESSION_COOKIE, STARTS_SESSION, currentAuth, requireUser } from '../auth.ts'
import { sessionInfo } from '../views.ts'

export type SessionRouteOptions = { accounts: AccountService; secureCookies: boolean }

export function sessionRoutes(app: FastifyInstance, { accounts, secureCookies }: SessionRouteOptions): void {
  const setCookie = (reply: FastifyReply, outcome: LoginOutcome) =>
    reply.setCookie(SESSION_COOKIE, outcome.cookieSecret, {
      path: '/',
      httpOnly: true,
      sameSite: 'lax',
      secure: secureCookies,
      expires: new Date(outcome.session.expiresAt),
    })

  app.post(
    '/api/v1/account/register',
    {
      config: STARTS_SESSION,
      schema: {
        tags: ['account'],
        summary: 'Create an account (as the registration mode allows) and sign in',
        body: RegisterRequest,
        response: { 201: SessionInfo, '4xx': ErrorBody },
      },
    },
    async (request, reply) => {
      const body = request.body as RegisterRequest
      const user = unwrap(await accounts.register(body))
      const outcome = await accounts.startSession(user, request.headers['user-agent'])
      setCookie(reply, outcome)
      return reply.code(201).send(sessionInfo(outcome.user, outcome.session))
    },
  )

  app.post(
    '/api/v1/session',
    {
      config: STARTS_SESSION,
      schema: {
        tags: ['account'],
        summary: 'Log in with username and password; sets the session cookie',
        body: LoginRequest,
        response: { 200: SessionInfo, '4xx': ErrorBody },
      },
    },
    async (request, reply) => {
      const { username, password } = request.body as LoginRequest
      const outcome = unwrap(await accounts.login(username, password, request.ip, request.headers['user-agent']))
      setCookie(reply, outcome)
      return sessionInfo(outcome.user, outcome.session)
    },
  )

  app.get(
    '/api/v1/session',
    {
      preHandler: requireUser,
      schema: {
        tags: ['account'],
        summary: 'The current browser session and its CSRF token',
        response: { 200: SessionInfo, '4xx': ErrorBody },
      },
    },
    async (request) => {
      const auth = currentAuth(request)
      if (auth.via !== 'session')
        throw new ApiError('unauthenticated', 'This request is not made with a browser session')
      return sessionInfo(auth.user, auth.session)
    },
  )

  app.delete(
    '/api/v1/session',
    { preHandler: requireUser, schema: { tags: ['account'], summary: 'Log out', response: { '4xx': ErrorBody } } },
    async (request, reply) => {
      const auth = currentAuth(request)
      if (auth.via !== 'session')
        throw new ApiError('unauthenticated', 'This request is not made with a browser session')
      await accounts.logout(auth.session)
      reply.clearCookie(SESSION_COOKIE, { path: '/', httpOnly: true, sameSite: 'lax', secure: secureCookies })
      return reply.code(204).send()
    },
  )
}
