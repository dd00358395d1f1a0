/**
 * Prometheus metrics: one registry per app (several instances can share a process in tests), the
 * process's default metrics and a request-latency histogram labelled by route pattern — never by the
 * raw URL, which would let strangers grow the label set without bound.
 *
 * The default metrics are set up at the first scrape, not at start: setting them up (an event-loop
 * delay monitor, a GC observer, a dozen collectors) was among the largest items of a restart's CPU profile before /readyz,
 * for an instance nobody may scrape. Their counters (GC, event-loop delay) then count from there;
 * process CPU and memory are read from the process at each scrape and are whole from the first one.
 */
import { createRequire } from 'node:module'
import type { FastifyInstance } from 'fastify'
import type * as PromClient from 'prom-client'

// prom-client's parts by their own files: its index also loads the default metrics and the push
// gateway client (≈ 70 ms and 15 MB of every start); the default metrics come with the first scrape.
const require = createRequire(import.meta.url)
const Registry = require('prom-client/lib/registry.js') as typeof PromClient.Registry
const Histogram = require('prom-client/lib/histogram.js') as typeof PromClient.Histogram
type Registry = PromClient.Registry

export function installMetrics(app: FastifyInstance): Registry {
  const registry = new Registry()
  let defaults = false
  const latency = new Histogram({
    name: 'parley_http_request_duration_seconds',
    help: 'HTTP request latency by method, route pattern and status code',
    labelNames: ['method', 'route', 'status_code'],
    buckets: [0.001, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10],
    registers: [registry],
  })
  app.addHook('onResponse', async (request, reply) => {
    const route = request.routeOptions.url ?? 'unmatched'
    latency.observe({ method: request.method, route, status_code: String(reply.statusCode) }, reply.elapsedTime / 1000)
  })
  app.get('/metrics', { schema: { hide: true } }, async (_request, reply) => {
    if (!defaults) {
      defaults = true
      const collectDefaultMetrics =
        require('prom-client/lib/defaultMetrics.js') as typeof PromClient.collectDefaultMetrics
      collectDefaultMetrics({ register: registry, prefix: 'parley_' })
    }
    reply.type(registry.contentType)
    return registry.metrics()
  })
  return registry
}
