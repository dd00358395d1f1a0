/** Instance administration: users and invites. Admins only. */
import type { FastifyInstance } from 'fastify'
import {
  AdminUserCreate,
  ErrorBody,
  InviteCreateRequest,
  InviteCreated,
  UserAdminList,
  UserAdminView,
  UsernameParams,
} from '@parley/protocol'
import type { AccountService } from '../../accounts/account-service.ts'
import { unwrap } from '../api-error.ts'
import { currentAuth, requireAdmin } from '../auth.ts'
import { iso, userAdminView } from '../views.ts'

export function adminRoutes(app: FastifyInstance, accounts: AccountService): void {
  const tags = ['admin']

  app.get(
    '/api/v1/admin/users',
    {
      preHandler: requireAdmin,
      schema: { tags, summary: 'All accounts', response: { 200: UserAdminList, '4xx': ErrorBody } },
    },
    async () => ({ users: (await accounts.listUsers()).map(userAdminView) }),
  )

  app.post(
    '/api/v1/admin/users',
    {
      preHandler: requireAdmin,
      schema: {
        tags,
        summary: 'Create an account, whatever the registration mode',
        body: AdminUserCreate,
        response: { 201: UserAdminView, '4xx': ErrorBody },
      },
    },
    async (request, reply) => {
      const user = unwrap(await accounts.createUser(request.body as AdminUserCreate))
      return reply.code(201).send(userAdminView(user))
    },
  )

  for (const [action, disabled] of [
    ['disable', true],
    ['enable', false],
  ] as const) {
    app.post(
      `/api/v1/admin/users/:username/${action}`,
      {
        preHandler: requireAdmin,
        schema: {
          tags,
          summary: `${action === 'disable' ? 'Disable' : 'Re-enable'} an account`,
          params: UsernameParams,
          response: { 200: UserAdminView, '4xx': ErrorBody },
        },
      },
      async (request) =>
        userAdminView(unwrap(await accounts.setDisabled((request.params as UsernameParams).username, disabled))),
    )
  }

  for (const [action, hidden] of [
    ['hide', true],
    ['show', false],
  ] as const) {
    app.post(
      `/api/v1/admin/users/:username/${action}`,
      {
        preHandler: requireAdmin,
        schema: {
          tags,
          summary: `${hidden ? 'Hide an account from' : 'Show an account again in'} the user directory`,
          params: UsernameParams,
          response: { 200: UserAdminView, '4xx': ErrorBody },
        },
      },
      async (request) =>
        userAdminView(unwrap(await accounts.setHidden((request.params as UsernameParams).username, hidden))),
    )
  }

  app.delete(
    '/api/v1/admin/users/:username',
    {
      preHandler: requireAdmin,
      schema: {
        tags,
        summary: 'Delete an account; its username stays reserved',
        params: UsernameParams,
        response: { '4xx': ErrorBody },
      },
    },
    async (request, reply) => {
      unwrap(await accounts.deleteUser((request.params as UsernameParams).username))
      return reply.code(204).send()
    },
  )

  app.post(
    '/api/v1/admin/invites',
    {
      preHandler: requireAdmin,
      schema: {
        tags,
        summary: 'Create a single-use invite code for registration',
        body: InviteCreateRequest,
        response: { 201: InviteCreated, '4xx': ErrorBody },
      },
    },
    async (request, reply) => {
      const { expiresInDays } = (request.body ?? {}) as InviteCreateRequest
      const invite = await accounts.createInvite(currentAuth(request).user.id, expiresInDays)
      return reply.code(201).send({ code: invite.code, expiresAt: iso(invite.expiresAt) })
    },
  )
}
