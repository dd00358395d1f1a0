/**
 * The host's end of the call channel: a WebSocket at CASCADE_CHANNEL_PATH whose upgrade must carry
 * a valid HTTP Message Signature (RFC 9421) by the connecting instance's actor. It is verified
 * before the upgrade, against our own public URL of the path (what the peer signed), like an inbox
 * request; a missing or wrong signature is a 401 and no socket is ever opened.
 */
import type { FastifyInstance, FastifyRequest } from 'fastify'
import { CASCADE_CHANNEL_PATH, ErrorCodes } from '@parley/protocol'
import type { ChannelPeer, ParleyFederation } from '@parley/federation'
import type { Logger } from '../logger.ts'
import type { CascadeHost } from './cascade-host.ts'

declare module 'fastify' {
  interface FastifyRequest {
    cascadePeer: ChannelPeer | null
  }
}

export function cascadeChannelRoute(
  app: FastifyInstance,
  deps: { federation: ParleyFederation; host: CascadeHost; publicOrigin: string; logger: Logger },
): void {
  const log = deps.logger.child({ component: 'cascade-host' })
  const origin = new URL(deps.publicOrigin).origin
  app.decorateRequest('cascadePeer', null)
  app.get(
    CASCADE_CHANNEL_PATH,
    {
      websocket: true,
      preValidation: async (request, reply) => {
        const verified = await deps.federation.callChannels.verify(asFetchRequest(request, origin))
        if (verified.ok) {
          request.cascadePeer = verified.peer
          return
        }
        // The inbox's stable codes for the same refusals (protocol/src/errors.ts); the reason says which check failed.
        const { code, message } = verified.refusal
        log.info({ code, reason: message, ip: request.ip }, 'call channel refused')
        await reply
          .code(ErrorCodes[code].status)
          .send({ error: { code, message: ErrorCodes[code].message, details: { reason: message } } })
      },
      schema: { hide: true },
    },
    (socket, request) => {
      const peer = request.cascadePeer
      if (!peer) return socket.close(1008, 'unauthenticated')
      deps.host.accept(socket, peer)
    },
  )
}

/** The upgrade as the peer signed it: our public URL of the path, and the headers received. */
function asFetchRequest(request: FastifyRequest, origin: string): Request {
  const headers = new Headers()
  for (const [name, value] of Object.entries(request.headers)) {
    if (value === undefined) continue
    headers.set(name, Array.isArray(value) ? value.join(', ') : value)
  }
  return new Request(`${origin}${request.url}`, { method: 'GET', headers })
}
