/**
 * OpenAPI 3.1 generated from the route schemas (which come from `@parley/protocol`), served as JSON
 * at /api/openapi.json and as Swagger UI at /api/docs. `scripts/spec.ts` writes the same document to
 * `spec/openapi.json`, and `npm test` fails when the two drift.
 */
import type { FastifyInstance } from 'fastify'
import swagger from '@fastify/swagger'
import swaggerUi from '@fastify/swagger-ui'
import { documentRouteErrors } from './error-docs.ts'

export async function installOpenApi(app: FastifyInstance, publicOrigin: string): Promise<void> {
  await app.register(swagger, {
    // Each operation documents its own error codes, not the whole registry (error-docs.ts).
    transform: documentRouteErrors,
    openapi: {
      openapi: '3.1.0',
      info: {
        title: 'Parley API',
        version: '1',
        description:
          'REST API of a Parley instance. Errors always have the shape `{ "error": { "code", "message", "details" } }`.',
      },
      servers: [{ url: publicOrigin }],
      components: {
        securitySchemes: {
          bearer: { type: 'http', scheme: 'bearer', description: 'Personal API token' },
          session: {
            type: 'apiKey',
            in: 'cookie',
            name: 'parley_session',
            description: 'Browser session; state-changing requests also need X-CSRF-Token',
          },
        },
      },
      security: [{ bearer: [] }, { session: [] }],
    },
  })
  await app.register(swaggerUi, { routePrefix: '/api/docs', uiConfig: { docExpansion: 'list' } })
  app.get('/api/openapi.json', { schema: { hide: true } }, async () => app.swagger())
}
