/**
 * Call set-up that does not need a room: the ICE servers a signed-in user's browser should use, with
 * TURN credentials minted for this user (TURN REST API; they expire after turnCredentialTtlSeconds).
 * The realtime gateway hands out the same thing when a call is joined.
 */
import type { FastifyInstance } from 'fastify'
import { ErrorBody, IceServers } from '@parley/protocol'
import type { Config } from '../../config/schema.ts'
import { iceServersFor } from '../../media/turn/turn-credentials.ts'
import { currentAuth, requireUser } from '../auth.ts'

export function callRoutes(app: FastifyInstance, config: Config): void {
  app.get(
    '/api/v1/calls/ice-servers',
    {
      preHandler: requireUser,
      schema: {
        tags: ['calls'],
        summary: 'ICE servers for my calls, with fresh time-limited TURN credentials',
        response: { 200: IceServers, '4xx': ErrorBody },
      },
    },
    async (request, reply) => {
      reply.header('cache-control', 'no-store')
      const options = {
        stunUrls: config.stunUrls,
        turnUrls: config.turnUrls,
        turnSecret: config.turnSecret,
        ttlSeconds: config.turnCredentialTtlSeconds,
      }
      return iceServersFor(options, currentAuth(request).user.id)
    },
  )
}
