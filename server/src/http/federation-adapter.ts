/**
 * Mounts the federation in front of Fastify's routes. For paths the federation claims (actors,
 * inboxes, WebFinger, NodeInfo, host-meta) an `onRequest` hook — which runs before Fastify reads
 * any body — turns the Node request into a web `Request` whose body is the raw, unparsed stream,
 * read only if Fedify reads it (signatures cover the exact bytes, so activity+json is never parsed
 * before). When the federation answers, its `Response` is sent as is; when it declines (unknown
 * path or actor, or a browser asking for HTML) the request continues to Fastify's own routes with
 * its body untouched, so unknown actors end as Fastify's 404 and browsers get the actor's page.
 */
import type { IncomingMessage } from 'node:http'
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify'
import { ParleyFederation } from '@parley/federation'
import { ApiError, sendError } from './api-error.ts'

export type FederationAdapterOptions = {
  publicOrigin: string
  bodyLimit: number
}

class BodyTooLarge extends Error {}

/**
 * Past the limit, a chunked body is still read (and dropped) up to this many bytes more, so that the
 * client, still sending, reads our 413 instead of a reset connection; beyond it the socket is closed.
 */
const DRAIN_AFTER_LIMIT = 8 * 1024 * 1024

export function installFederation(
  app: FastifyInstance,
  federation: ParleyFederation,
  options: FederationAdapterOptions,
): void {
  app.addHook('onRequest', async (request: FastifyRequest, reply: FastifyReply) => {
    const path = request.url.split('?', 1)[0] ?? '/'
    if (!ParleyFederation.claims(path)) return
    const declared = Number(request.headers['content-length'] ?? 0)
    if (declared > options.bodyLimit) return sendError(reply, new ApiError('body-too-large'))
    const body = lazyBody(request.raw, options.bodyLimit)
    let response: Response | null
    const tooLarge = () => sendError(reply.header('connection', 'close'), new ApiError('body-too-large'))
    try {
      response = await federation.handle(toWebRequest(request, options.publicOrigin, body.stream))
    } catch (error) {
      if (body.tooLarge()) return tooLarge()
      throw error
    }
    if (body.tooLarge()) return tooLarge()
    if (response === null) {
      // Declined after reading the body (cannot happen with Fedify's routing, but then Fastify
      // could not parse it again): answer 404 here rather than hand on a drained request.
      if (body.started()) return sendError(reply, new ApiError('not-found'))
      return
    }
    reply.code(response.status)
    response.headers.forEach((value, name) => {
      if (name !== 'content-length' && name !== 'transfer-encoding') reply.header(name, value)
    })
    const payload = request.method === 'HEAD' ? null : Buffer.from(await response.arrayBuffer())
    return reply.send(payload && payload.length > 0 ? payload : null)
  })
}

function toWebRequest(request: FastifyRequest, publicOrigin: string, body: ReadableStream<Uint8Array>): Request {
  const headers = new Headers()
  for (const [name, value] of Object.entries(request.raw.headers)) {
    if (value === undefined) continue
    for (const one of Array.isArray(value) ? value : [value]) headers.append(name, one)
  }
  const method = request.method
  const hasBody = method !== 'GET' && method !== 'HEAD'
  // The public origin, not the Host header, names our URLs (behind a proxy they differ).
  return new Request(new URL(request.url, publicOrigin), {
    method,
    headers,
    ...(hasBody ? { body, duplex: 'half' } : {}),
  } as RequestInit)
}

/** A web stream over the Node request that touches it only when first read, and stops past `limit`. */
function lazyBody(raw: IncomingMessage, limit: number) {
  let started = false
  let tooLarge = false
  let received = 0
  const stream = new ReadableStream<Uint8Array>(
    {
      pull(controller) {
        if (started) return
        started = true
        raw.on('data', (chunk: Buffer) => {
          received += chunk.length
          if (tooLarge) {
            // Dropped; a client that goes on and on is cut off.
            if (received > limit + DRAIN_AFTER_LIMIT) raw.destroy()
            return
          }
          if (received > limit) {
            tooLarge = true
            controller.error(new BodyTooLarge('request body too large'))
            return
          }
          controller.enqueue(new Uint8Array(chunk.buffer, chunk.byteOffset, chunk.length))
        })
        raw.once('end', () => {
          if (!tooLarge) controller.close()
        })
        raw.once('error', (error) => controller.error(error))
      },
      cancel() {
        raw.resume()
      },
      // No eager pull: with the default high-water mark of 1 the stream would start reading at once.
    },
    { highWaterMark: 0 },
  )
  return { stream, started: () => started, tooLarge: () => tooLarge }
}
