/**
 * OpenAPI 3.1 generated from the route schemas (which come from `@parley/protocol`), served as JSON
 * at /api/openapi.json and as Swagger UI at /api/docs. `scripts/spec.ts` writes the same document to
 * `spec/openapi.json`, and `npm test` fails when the two drift.
 *
 * Built at the first request for either, not at startup: @fastify/swagger, its YAML writer and
 * reference resolver and Swagger UI are about 100 modules every start loaded for a page few people
 * open. The app only records its routes as they are added (what @fastify/swagger's own onRoute
 * hook records); the first request builds a small Fastify app that is never listened on, with
 * @fastify/swagger and Swagger UI registered and the recorded routes declared again (schemas and
 * guard hooks, which error-docs.ts reads; no request reaches them), and asks it for the document or, through `inject`, for the UI's files.
 */
import type { FastifyInstance, FastifyReply, FastifyRequest, RouteOptions } from 'fastify'
import { documentRouteErrors } from './error-docs.ts'

const DOCS_PREFIX = '/api/docs'

/** Response headers of the docs app not to copy: the main app's server sets its own. */
const HOP_BY_HOP = new Set(['connection', 'keep-alive', 'transfer-encoding', 'date', 'content-length'])

export function installOpenApi(app: FastifyInstance, publicOrigin: string): void {
  const routes: RouteOptions[] = []
  app.addHook('onRoute', (route) => {
    // As @fastify/swagger does: HEAD routes are not documented; hidden ones never appear either.
    if (route.method === 'HEAD' || (route.schema as { hide?: boolean } | undefined)?.hide === true) return
    routes.push(route)
  })
  let docs: Promise<FastifyInstance> | undefined
  const docsApp = () => {
    docs ??= buildDocsApp(routes, publicOrigin)
    // A failed build is tried again by the next request (and its error answered by this one).
    docs.catch(() => (docs = undefined))
    return docs
  }
  app.get('/api/openapi.json', { schema: { hide: true } }, async () => (await docsApp()).swagger())
  const ui = async (request: FastifyRequest, reply: FastifyReply) => {
    const answer = await (
      await docsApp()
    ).inject({
      method: 'GET',
      url: request.url,
      headers: request.headers as Record<string, string>,
    })
    for (const [name, value] of Object.entries(answer.headers))
      if (!HOP_BY_HOP.has(name) && value !== undefined) reply.header(name, value)
    return reply.code(answer.statusCode).send(answer.rawPayload)
  }
  app.get(DOCS_PREFIX, { schema: { hide: true } }, ui)
  app.get(`${DOCS_PREFIX}/*`, { schema: { hide: true } }, ui)
}

async function buildDocsApp(routes: readonly RouteOptions[], publicOrigin: string): Promise<FastifyInstance> {
  const [{ default: Fastify }, { default: swagger }, { default: swaggerUi }] = await Promise.all([
    import('fastify'),
    import('@fastify/swagger'),
    import('@fastify/swagger-ui'),
  ])
  const docs = Fastify()
  // The schemas are only documented here: nothing is validated or serialized by this app.
  docs.setValidatorCompiler(() => () => true)
  docs.setSerializerCompiler(() => (data) => JSON.stringify(data))
  await docs.register(swagger, {
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
  await docs.register(swaggerUi, { routePrefix: DOCS_PREFIX, uiConfig: { docExpansion: 'list' } })
  const unused = async () => {
    throw new TypeError('the docs app only documents routes')
  }
  for (const route of routes)
    docs.route({
      method: route.method,
      url: route.url,
      ...(route.schema ? { schema: route.schema } : {}),
      ...(route.config ? { config: route.config } : {}),
      ...(route.constraints ? { constraints: route.constraints } : {}),
      // Never run (no request reaches these routes): error-docs.ts reads their names (who signs in).
      ...(route.onRequest ? { onRequest: route.onRequest } : {}),
      ...(route.preHandler ? { preHandler: route.preHandler } : {}),
      handler: unused,
    })
  await docs.ready()
  return docs
}
