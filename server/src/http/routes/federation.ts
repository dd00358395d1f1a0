/**
 * The signed-in user on the Fediverse: look accounts up by handle, follow, unfollow and block them.
 * Delivery is queued, so these answer at once; a follow stays pending until its Accept arrives.
 */
import type { FastifyInstance } from 'fastify'
import {
  BlockList,
  BlockRequest,
  BlockView,
  DomainBlockList,
  DomainBlockRequest,
  DomainParams,
  ErrorBody,
  FederationReportList,
  FollowRequest,
  FollowView,
  RemoteActor,
  RemoteLookupQuery,
  UnfollowQuery,
} from '@parley/protocol'
import type { FederationError, FederationRepositories, ParleyFederation } from '@parley/federation'
import { ApiError } from '../api-error.ts'
import { currentAuth, requireAdmin, requireUser } from '../auth.ts'
import { iso } from '../views.ts'

/** A federation failure as the API says it (also used where rooms name remote participants by handle). */
export function toApiError(error: FederationError): ApiError {
  switch (error.type) {
    case 'not-found':
      if (error.what !== 'remote-actor') return new ApiError('not-found')
      // A refused fetch says why (private address, too large, …): the codes are RemoteFetchErrorCode.
      return error.reason === undefined
        ? new ApiError('remote-not-found')
        : new ApiError('remote-not-found', undefined, { reason: error.reason })
    case 'invalid-target':
      return new ApiError('invalid-follow-target', error.message)
    case 'blocked-domain':
      return new ApiError('domain-blocked', `${error.domain} is blocked on this instance`, { domain: error.domain })
  }
}

export type FederationRouteDeps = {
  federation: ParleyFederation
  repositories: FederationRepositories
  /** The configured domain blocks, shown beside the run-time ones. */
  configuredDomainBlocks: readonly string[]
}

export function federationRoutes(app: FastifyInstance, deps: FederationRouteDeps): void {
  const { federation, repositories } = deps
  app.get(
    '/api/v1/federation/lookup',
    {
      preHandler: requireUser,
      schema: {
        tags: ['federation'],
        summary: 'Look up a Fediverse account by handle or URL',
        querystring: RemoteLookupQuery,
        response: { 200: RemoteActor, '4xx': ErrorBody },
      },
    },
    async (request) => {
      const found = await federation.lookup((request.query as RemoteLookupQuery).handle)
      if (!found.ok) throw toApiError(found.error)
      const { id, type, handle, name, avatarUrl, url } = found.value
      return { id, type, handle, name, avatarUrl, url }
    },
  )

  app.post(
    '/api/v1/me/follows',
    {
      preHandler: requireUser,
      schema: {
        tags: ['federation'],
        summary: 'Follow a Fediverse account',
        body: FollowRequest,
        response: { 202: FollowView, '4xx': ErrorBody },
      },
    },
    async (request, reply) => {
      const sent = await federation.follow(currentAuth(request).user.username, (request.body as FollowRequest).target)
      if (!sent.ok) throw toApiError(sent.error)
      return reply
        .code(202)
        .send({ actorId: sent.value.actorId, state: sent.value.state, createdAt: iso(sent.value.createdAt) })
    },
  )

  app.delete(
    '/api/v1/me/follows',
    {
      preHandler: requireUser,
      schema: {
        tags: ['federation'],
        summary: 'Stop following a Fediverse account',
        querystring: UnfollowQuery,
        response: { '4xx': ErrorBody },
      },
    },
    async (request, reply) => {
      const undone = await federation.unfollow(
        currentAuth(request).user.username,
        (request.query as UnfollowQuery).actor,
      )
      if (!undone.ok) throw toApiError(undone.error)
      return reply.code(204).send()
    },
  )

  app.get(
    '/api/v1/me/blocks',
    {
      preHandler: requireUser,
      schema: {
        tags: ['federation'],
        summary: 'Fediverse accounts I blocked',
        response: { 200: BlockList, '4xx': ErrorBody },
      },
    },
    async (request) => ({
      blocks: (await repositories.blocks.list(currentAuth(request).user.id)).map((b) => ({
        actorId: b.actorId,
        createdAt: iso(b.createdAt),
      })),
    }),
  )

  app.post(
    '/api/v1/me/blocks',
    {
      preHandler: requireUser,
      schema: {
        tags: ['federation'],
        summary: 'Block a Fediverse account',
        body: BlockRequest,
        response: { 200: BlockView, '4xx': ErrorBody },
      },
    },
    async (request) => {
      const user = currentAuth(request).user
      const blocked = await federation.block(user.username, (request.body as BlockRequest).target)
      if (!blocked.ok) throw toApiError(blocked.error)
      const record = (await repositories.blocks.list(user.id)).find((b) => b.actorId === blocked.value.actorId)
      return { actorId: blocked.value.actorId, createdAt: iso(record?.createdAt ?? Date.now()) }
    },
  )

  app.delete(
    '/api/v1/me/blocks',
    {
      preHandler: requireUser,
      schema: {
        tags: ['federation'],
        summary: 'Unblock a Fediverse account',
        querystring: UnfollowQuery,
        response: { '4xx': ErrorBody },
      },
    },
    async (request, reply) => {
      const lifted = await federation.unblock(
        currentAuth(request).user.username,
        (request.query as UnfollowQuery).actor,
      )
      if (!lifted.ok) throw toApiError(lifted.error)
      return reply.code(204).send()
    },
  )

  app.get(
    '/api/v1/admin/federation/reports',
    {
      preHandler: requireAdmin,
      schema: {
        tags: ['admin'],
        summary: 'Reports (Flags) other servers sent about local users, newest first',
        response: { 200: FederationReportList, '4xx': ErrorBody },
      },
    },
    async () => ({
      reports: (await repositories.reports.list(200)).map((r) => ({ ...r, receivedAt: iso(r.receivedAt) })),
    }),
  )

  app.get(
    '/api/v1/admin/federation/domain-blocks',
    {
      preHandler: requireAdmin,
      schema: {
        tags: ['admin'],
        summary: 'Blocked domains: configured and added at run time',
        response: { 200: DomainBlockList, '4xx': ErrorBody },
      },
    },
    async () => ({
      configured: [...deps.configuredDomainBlocks],
      blocks: (await repositories.domainBlocks.list()).map((b) => ({ domain: b.domain, createdAt: iso(b.createdAt) })),
    }),
  )

  app.post(
    '/api/v1/admin/federation/domain-blocks',
    {
      preHandler: requireAdmin,
      schema: {
        tags: ['admin'],
        summary: 'Block a domain both ways, at once and on every node within a minute',
        body: DomainBlockRequest,
        response: { '4xx': ErrorBody },
      },
    },
    async (request, reply) => {
      const added = await federation.blockDomain(
        (request.body as DomainBlockRequest).domain,
        currentAuth(request).user.id,
      )
      return reply.code(added ? 201 : 200).send()
    },
  )

  app.delete(
    '/api/v1/admin/federation/domain-blocks/:domain',
    {
      preHandler: requireAdmin,
      schema: {
        tags: ['admin'],
        summary: 'Lift a run-time domain block',
        params: DomainParams,
        response: { '4xx': ErrorBody },
      },
    },
    async (request, reply) => {
      if (!(await federation.unblockDomain((request.params as DomainParams).domain)))
        throw new ApiError('not-found', 'No such run-time domain block')
      return reply.code(204).send()
    },
  )
}
