/**
 * The host's end of the call channel: a WebSocket at CASCADE_CHANNEL_PATH whose upgrade must carry
 * a valid HTTP Message Signature (RFC 9421) of an actor of the connecting instance. It is verified
 * before the upgrade, against our own public URL of the path (what the peer signed), like an inbox
 * request; a missing or wrong signature is a 401 and no socket is ever opened.
 */
import type { FastifyInstance, FastifyRequest } from 'fastify'
import { CASCADE_CHANNEL_PATH, ErrorCodes, type ErrorCode } from '@parley/protocol'
import type { ChannelAuthFailure, ChannelPeer, ParleyFederation } from '@parley/federation'
import type { Logger } from '../logger.ts'
import type { CascadeHost } from './cascade-host.ts'

declare module 'fastify' {
  interface FastifyRequest {
    cascadePeer: ChannelPeer | null
  }
}

/** The inbox's stable codes for the same refusals (protocol/src/errors.ts). */
const REFUSALS = {
  'no-signature': 'signature-missing',
  'invalid-signature': 'signature-invalid',
  // Signed by a user's key: a channel speaks for the instance, so only its instance actor may open one.
  'not-instance-actor': 'signature-actor-mismatch',
  'key-unavailable': 'signature-key-unavailable',
  replayed: 'signature-replayed',
  blocked: 'domain-blocked',
} as const satisfies Record<ChannelAuthFailure, ErrorCode>

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
        log.info({ reason: verified.reason, ip: request.ip }, 'call channel refused')
        const code = REFUSALS[verified.reason]
        await reply
          .code(ErrorCodes[code].status)
          .send({ error: { code, message: ErrorCodes[code].message, details: { reason: verified.reason } } })
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
