import type { FastifyInstance } from 'fastify'
import { HealthStatus } from '@parley/protocol'
import type { Store } from '../../store/ports.ts'

export function healthRoutes(app: FastifyInstance, store: Store): void {
  app.get(
    '/healthz',
    { schema: { tags: ['health'], summary: 'The process is up', response: { 200: HealthStatus } } },
    async () => ({ status: 'ok' as const }),
  )

  app.get(
    '/readyz',
    {
      schema: {
        tags: ['health'],
        summary: 'Ready to serve: the store answers',
        response: { 200: HealthStatus, 503: HealthStatus },
      },
    },
    async (request, reply) => {
      try {
        await store.ping()
        return { status: 'ok' as const, checks: { store: 'ok' } }
      } catch (error) {
        request.log.warn({ err: error }, 'readiness check failed')
        return reply.code(503).send({ status: 'unavailable' as const, checks: { store: 'unreachable' } })
      }
    },
  )
}
