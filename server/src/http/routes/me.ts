/** The signed-in user's own profile and personal API tokens. */
import type { FastifyInstance } from 'fastify'
import {
  ErrorBody,
  IdParams,
  ProfileUpdate,
  TokenCreateRequest,
  TokenCreated,
  TokenList,
  UserProfile,
} from '@parley/protocol'
import type { AccountService } from '../../accounts/account-service.ts'
import { ApiError } from '../api-error.ts'
import { currentAuth, requireUser } from '../auth.ts'
import { tokenSummary, userProfile } from '../views.ts'

export function meRoutes(app: FastifyInstance, accounts: AccountService): void {
  app.get(
    '/api/v1/me',
    {
      preHandler: requireUser,
      schema: { tags: ['me'], summary: 'Who am I', response: { 200: UserProfile, '4xx': ErrorBody } },
    },
    async (request) => userProfile(currentAuth(request).user),
  )

  app.patch(
    '/api/v1/me',
    {
      preHandler: requireUser,
      schema: {
        tags: ['me'],
        summary: 'Change my display name',
        body: ProfileUpdate,
        response: { 200: UserProfile, '4xx': ErrorBody },
      },
    },
    async (request) => {
      const { displayName } = request.body as ProfileUpdate
      const updated = await accounts.updateProfile(currentAuth(request).user.id, displayName)
      if (!updated) throw new ApiError('not-found')
      return userProfile(updated)
    },
  )

  app.get(
    '/api/v1/me/tokens',
    {
      preHandler: requireUser,
      schema: {
        tags: ['me'],
        summary: 'My API tokens (never their secrets)',
        response: { 200: TokenList, '4xx': ErrorBody },
      },
    },
    async (request) => ({ tokens: (await accounts.listTokens(currentAuth(request).user.id)).map(tokenSummary) }),
  )

  app.post(
    '/api/v1/me/tokens',
    {
      preHandler: requireUser,
      schema: {
        tags: ['me'],
        summary: 'Create a personal API token; its secret is shown only in this reply',
        body: TokenCreateRequest,
        response: { 201: TokenCreated, '4xx': ErrorBody },
      },
    },
    async (request, reply) => {
      const { name, expiresInDays } = request.body as TokenCreateRequest
      const { token, secret } = await accounts.createToken(currentAuth(request).user.id, name, expiresInDays)
      return reply.code(201).send({ token: tokenSummary(token), secret })
    },
  )

  app.delete(
    '/api/v1/me/tokens/:id',
    {
      preHandler: requireUser,
      schema: {
        tags: ['me'],
        summary: 'Revoke one of my API tokens',
        params: IdParams,
        response: { '4xx': ErrorBody },
      },
    },
    async (request, reply) => {
      const { id } = request.params as IdParams
      if (!(await accounts.revokeToken(currentAuth(request).user.id, id)))
        throw new ApiError('not-found', 'No such token of yours')
      return reply.code(204).send()
    },
  )
}
