/**
 * The realtime gateway at /api/v1/realtime (@fastify/websocket): one WebSocket per client session.
 * The upgrade request may already be authenticated (session cookie, bearer token or guest header,
 * by the app's preHandler); otherwise the hello carries a token or guest secret. A cookie-
 * authenticated upgrade must come from our own origin (no cross-site WebSocket hijacking).
 */
import type { FastifyInstance } from 'fastify'
import websocket from '@fastify/websocket'
import { MAX_FRAME_BYTES, type HelloAuth } from '@parley/protocol'
import type { Config } from '../config/schema.ts'
import type { Logger } from '../logger.ts'
import type { Store } from '../store/ports.ts'
import type { AccountService } from '../accounts/account-service.ts'
import type { ChatStack } from '../rooms/chat-stack.ts'
import type { Caller } from '../rooms/result.ts'
import type { CallFrontDoor } from '../calls/call-service.ts'
import type { PeopleService } from '../accounts/people-service.ts'
import { RealtimeHub } from './hub.ts'
import { RealtimeSession } from './session.ts'
import {
  Flusher,
  type GatewayContext,
  type HostedRoomTyping,
  type RealtimeLimits,
  type StillValid,
} from './gateway-context.ts'
import { SESSION_COOKIE } from '../http/auth.ts'
import type { ClusterCallLeases } from '../calls/call-lease.ts'
import { RedisBus } from '../bus/redis-bus.ts'
import { LocalPresence, RedisPresence, type PresenceRegistry } from './presence-registry.ts'

declare module 'fastify' {
  interface FastifyInstance {
    realtimeSessionCount(): number
  }
}

export type GatewayDeps = {
  config: Config
  logger: Logger
  store: Store
  accounts: AccountService
  chat: ChatStack
  people: PeopleService
  calls: CallFrontDoor
  hostedTyping?: HostedRoomTyping
  limits?: Partial<RealtimeLimits>
  /** Several nodes: presence is kept in the bus's Redis, with the call leases' node heartbeats. */
  callCluster?: { leases: ClusterCallLeases }
}

export async function installRealtime(app: FastifyInstance, deps: GatewayDeps): Promise<void> {
  const { config, store, accounts, chat } = deps
  const log = deps.logger.child({ component: 'realtime' })
  const hub = new RealtimeHub(chat.bus, (error) => log.warn({ err: error }, 'realtime listener failed'))
  const sessions = new Set<RealtimeSession>()
  const presence: PresenceRegistry =
    deps.callCluster && chat.bus instanceof RedisBus
      ? new RedisPresence({
          url: chat.bus.url,
          prefix: chat.bus.prefix,
          leases: deps.callCluster.leases,
          onError: (error) => log.warn({ err: error }, 'presence store error'),
        })
      : new LocalPresence()
  const guestStillValid =
    (secret: string): StillValid =>
    async () =>
      (await chat.rooms.authenticateGuest(secret)).ok
  const tokenStillValid =
    (secret: string): StillValid =>
    async () =>
      (await accounts.authenticateToken(secret)).ok
  const cookieStillValid =
    (secret: string): StillValid =>
    async () =>
      (await accounts.authenticateSession(secret)).ok
  const ctx: GatewayContext = {
    store,
    rooms: chat.rooms,
    events: chat.events,
    people: deps.people,
    hub,
    presence,
    calls: deps.calls,
    ...(deps.hostedTyping ? { hostedTyping: deps.hostedTyping } : {}),
    flusher: new Flusher(),
    log,
    limits: {
      messagesPerSecond: config.realtimeMessagesPerSecond,
      pingIntervalMs: config.realtimePingSeconds * 1000,
      helloTimeoutMs: 10_000,
      sendBufferBytes: config.realtimeSendBufferKib * 1024,
      maxReplay: 1000,
      gapWaitMs: 25,
      reauthIntervalMs: 60_000,
      ...deps.limits,
    },
    async authenticate(auth: HelloAuth) {
      if (auth.type === 'guest') {
        const guest = await chat.rooms.authenticateGuest(auth.secret)
        return guest.ok
          ? { ok: true, caller: guest.value, stillValid: guestStillValid(auth.secret) }
          : { ok: false, error: guest.error.type }
      }
      const user = await accounts.authenticateToken(auth.token)
      if (!user.ok) return { ok: false, error: user.error.type }
      return {
        ok: true,
        caller: { type: 'user', id: user.value.user.id, name: user.value.user.displayName },
        stillValid: tokenStillValid(auth.token),
      }
    },
  }

  // Frames up to 1 MiB are read and refused politely (frame-too-large keeps the session); larger
  // ones make ws close the connection with 1009 before they are buffered.
  // UTF-8 is checked per frame by the session (invalid-utf8), not by ws, which would close with 1007.
  await app.register(websocket, {
    options: { maxPayload: Math.max(MAX_FRAME_BYTES * 16, 1024 * 1024), skipUTF8Validation: true },
  })

  app.get('/api/v1/realtime', { websocket: true }, (socket, request) => {
    let caller: Caller | null = request.guest ?? null
    const secret = /^\S+ (\S+)$/.exec(request.headers.authorization ?? '')?.[1]
    let stillValid: StillValid | null = request.guest && secret ? guestStillValid(secret) : null
    if (request.auth) {
      const origin = request.headers.origin
      // A page of this instance, reached at its public origin or at the address it was opened with
      // (http://127.0.0.1:8080 while publicOrigin says localhost): only other sites are refused.
      const ownOrigin = origin === config.publicOrigin || origin === `${request.protocol}://${request.headers.host}`
      if (request.auth.via === 'session' && origin !== undefined && !ownOrigin) {
        socket.send(
          JSON.stringify({
            type: 'error',
            error: {
              code: 'csrf-failed',
              // Says which origin was expected: a mismatched PARLEY_PUBLIC_ORIGIN is the usual cause.
              message: `Cookie-authenticated realtime connections must come from this instance's origin: expected ${config.publicOrigin}, got ${origin.slice(0, 200)}`,
              details: { expectedOrigin: config.publicOrigin, origin: origin.slice(0, 200) },
            },
          }),
        )
        socket.close(4003, 'csrf-failed')
        return
      }
      caller = { type: 'user', id: request.auth.user.id, name: request.auth.user.displayName }
      const cookie = request.cookies[SESSION_COOKIE]
      stillValid =
        request.auth.via === 'session' && cookie ? cookieStillValid(cookie) : secret ? tokenStillValid(secret) : null
    }
    const session = new RealtimeSession(socket, ctx, caller, stillValid, (s) => sessions.delete(s))
    sessions.add(session)
    log.debug({ sessionId: session.id }, 'realtime session opened')
  })

  // For tests and metrics: how many realtime sessions this node holds.
  app.decorate('realtimeSessionCount', () => sessions.size)

  app.addHook('preClose', async () => {
    for (const session of [...sessions]) session.close('server-closing')
  })
  app.addHook('onClose', async () => presence.close())
}
