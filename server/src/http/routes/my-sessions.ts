/** The signed-in user's password and the sessions they are signed in with. */
import type { FastifyInstance } from 'fastify'
import { ErrorBody, PasswordChange, SessionList, SessionParams } from '@parley/protocol'
import type { AccountService } from '../../accounts/account-service.ts'
import { ApiError, unwrap } from '../api-error.ts'
import { currentAuth, requireUser } from '../auth.ts'
import { sessionView } from '../views.ts'

export function mySessionRoutes(app: FastifyInstance, accounts: AccountService): void {
  const tags = ['me']
  const err = { '4xx': ErrorBody }

  app.post(
    '/api/v1/me/password',
    {
      preHandler: requireUser,
      schema: {
        tags,
        summary: 'Change my password (the current one is required)',
        description:
          'With `signOutOthers`, every other browser session ends and every API token is revoked, except the session or token making this request. A wrong current password is refused (current-password-wrong) and changes nothing.',
        body: PasswordChange,
        response: err,
      },
    },
    async (request, reply) => {
      const { currentPassword, newPassword, signOutOthers } = request.body as PasswordChange
      unwrap(
        await accounts.changePassword(
          currentAuth(request),
          currentPassword,
          newPassword,
          signOutOthers ?? false,
          request.ip,
        ),
      )
      return reply.code(204).send()
    },
  )

  app.get(
    '/api/v1/me/sessions',
    {
      preHandler: requireUser,
      schema: { tags, summary: 'The browser sessions I am signed in with', response: { 200: SessionList, ...err } },
    },
    async (request) => {
      const auth = currentAuth(request)
      const current = auth.via === 'session' ? auth.session : null
      return { sessions: (await accounts.listSessions(auth.user.id)).map((s) => sessionView(s, current)) }
    },
  )

  app.delete(
    '/api/v1/me/sessions/:id',
    {
      preHandler: requireUser,
      schema: {
        tags,
        summary: 'Sign one of my sessions out (the current one too: that is signing out)',
        params: SessionParams,
        response: err,
      },
    },
    async (request, reply) => {
      const { id } = request.params as SessionParams
      if (!(await accounts.revokeSession(currentAuth(request).user.id, id)))
        throw new ApiError('not-found', 'No such session of yours')
      return reply.code(204).send()
    },
  )
}
