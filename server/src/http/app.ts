/**
 * Builds the Fastify app from its dependencies and never listens: `main.ts` listens, tests `inject`.
 * Several apps can live in one process (tests run two or three instances), so nothing here is global.
 */
import Fastify, { type FastifyBaseLogger, type FastifyInstance } from 'fastify'
import cookie from '@fastify/cookie'
import { TypeBoxValidatorCompiler } from '@fastify/type-provider-typebox'
import type { Config } from '../config/schema.ts'
import type { Store } from '../store/ports.ts'
import type { AccountService } from '../accounts/account-service.ts'
import type { Logger } from '../logger.ts'
import type { ParleyFederation } from '@parley/federation'
import { installErrorHandling } from './api-error.ts'
import { ParleyLogController } from './request-logging.ts'
import { authenticate } from './auth.ts'
import { installMetrics } from './metrics.ts'
import { installOpenApi } from './openapi.ts'
import { healthRoutes } from './routes/health.ts'
import { sessionRoutes } from './routes/session.ts'
import { meRoutes } from './routes/me.ts'
import { adminRoutes } from './routes/admin.ts'
import { callRoutes } from './routes/calls.ts'
import { roomRoutes } from './routes/rooms.ts'
import { openDirectConversationWith, remotePeerOf } from '../federation/direct-conversations.ts'
import { fail } from '../rooms/result.ts'
import { chatRoutes } from './routes/chat.ts'
import { authenticateGuest, isGuestAuthorization } from './caller.ts'
import type { ChatStack } from '../rooms/chat-stack.ts'
import { installRealtime } from '../realtime/gateway.ts'
import type { RealtimeLimits } from '../realtime/gateway-context.ts'
import type { MediaRuntime } from '../media/media-runtime.ts'
import { MeshEngine } from '../media/mesh/mesh-engine.ts'
import { iceServersFor } from '../media/turn/turn-credentials.ts'
import { CallService, type CallFrontDoor } from '../calls/call-service.ts'
import { CallForwarding } from '../calls/call-forwarding.ts'
import type { ClusterCallLeases } from '../calls/call-lease.ts'
import type { Bus } from '../bus/bus.ts'
import { recordingRoutes } from './routes/recordings.ts'
import { actorPageRoutes } from './routes/actor-pages.ts'
import { federationRoutes } from './routes/federation.ts'
import { roomFederationRoutes } from './routes/room-federation.ts'
import { remoteRoomRoutes } from './routes/remote-rooms.ts'
import { installFederation } from './federation-adapter.ts'

export type AppDeps = {
  config: Config
  logger: Logger
  store: Store
  accounts: AccountService
  chat: ChatStack
  /**
   * The media engine calls run on, with each session's ICE servers (`parley serve` passes the
   * MediaRuntime it started). Without it, a mesh engine is made from config; a janus config must
   * pass its runtime (buildApp never starts processes).
   */
  media?: Pick<MediaRuntime, 'engine' | 'iceServers'>
  /** Overrides of the realtime limits derived from config (tests shorten timers). */
  realtimeLimits?: Partial<RealtimeLimits>
  /** When given, ActivityPub, WebFinger, NodeInfo and host-meta are served in front of the API. */
  federation?: ParleyFederation
  /** Several nodes share calls (one runs each room's call, the others forward over the bus); absent on one node. */
  callCluster?: { bus: Bus; leases: ClusterCallLeases }
}

export async function buildApp(deps: AppDeps): Promise<FastifyInstance> {
  const { config, store, accounts } = deps
  const app: FastifyInstance = Fastify({
    loggerInstance: deps.logger.child({ component: 'http' }) as FastifyBaseLogger,
    bodyLimit: config.bodyLimit,
    // X-Forwarded-* is believed only from configured proxies.
    trustProxy: config.trustedProxies.length > 0 ? [...config.trustedProxies] : false,
    onProtoPoisoning: 'error',
    onConstructorPoisoning: 'error',
    logController: new ParleyLogController(),
    return503OnClosing: true,
    forceCloseConnections: 'idle',
  })
  // TypeBox checks bodies strictly (no coercion, unknown fields refused); querystrings and params
  // are converted from strings first.
  app.setValidatorCompiler(TypeBoxValidatorCompiler)
  // JSON is the only body type this API takes; text/plain would otherwise be accepted silently.
  app.removeContentTypeParser('text/plain')

  installErrorHandling(app)
  await app.register(cookie)
  await installOpenApi(app, config.publicOrigin)
  installMetrics(app)
  if (deps.federation) installFederation(app, deps.federation, { publicOrigin: config.publicOrigin, bodyLimit: config.bodyLimit })

  app.decorateRequest('auth', null)
  app.decorateRequest('guest', null)
  app.addHook('preHandler', async (request) => {
    // A guest of a public room authenticates with `Authorization: Guest <secret>` (caller.ts).
    if (isGuestAuthorization(request.headers.authorization)) request.guest = await authenticateGuest(deps.chat.rooms, request)
    else request.auth = await authenticate(accounts, request)
  })

  healthRoutes(app, store)
  sessionRoutes(app, { accounts, secureCookies: config.publicOrigin.startsWith('https:') })
  meRoutes(app, accounts)
  adminRoutes(app, accounts)
  const service = createCalls(deps)
  const calls: CallFrontDoor = deps.callCluster ? await CallForwarding.start({ service, ...deps.callCluster, logger: deps.logger }) : service
  callRoutes(app, config)
  const { federation } = deps
  roomRoutes(app, deps.chat.rooms, {
    // Without federation (some unit tests) no remote account can be found.
    open: async (caller, target) =>
      federation ? openDirectConversationWith({ store, rooms: deps.chat.rooms, federation }, caller, target) : fail('remote-not-found', { target }),
    peerOf: (roomId) => remotePeerOf(store, roomId),
  })
  chatRoutes(app, deps.chat.chat, deps.chat.polls)
  recordingRoutes(app, deps.chat.rooms, store.recordings)
  await installRealtime(app, { ...deps, calls, ...(deps.realtimeLimits ? { limits: deps.realtimeLimits } : {}) })
  app.addHook('onClose', async () => calls.close())
  if (deps.federation) {
    actorPageRoutes(app, { store, publicOrigin: config.publicOrigin })
    federationRoutes(app, { federation: deps.federation, repositories: store.federation, configuredDomainBlocks: config.federationBlockedDomains })
    roomFederationRoutes(app, { rooms: deps.chat.rooms, federation: deps.federation, repositories: store.federation })
    remoteRoomRoutes(app, { federation: deps.federation, repositories: store.federation })
  }
  return app
}

function createCalls(deps: AppDeps): CallService {
  const { config, logger, store, chat } = deps
  let media = deps.media
  if (!media) {
    if (config.mediaEngine !== 'mesh') throw new TypeError('buildApp: mediaEngine janus needs deps.media (the started MediaRuntime)')
    media = {
      engine: new MeshEngine({ maxParticipants: config.meshMaxParticipants, logger }),
      iceServers: (userId, now) => iceServersFor({ stunUrls: config.stunUrls, turnUrls: config.turnUrls, turnSecret: config.turnSecret, ttlSeconds: config.turnCredentialTtlSeconds }, userId, now),
    }
  }
  const { engine, iceServers } = media
  return new CallService({
    engine, store, rooms: chat.rooms, events: chat.events, iceServers: (actorId) => iceServers(actorId), logger,
    ...(deps.callCluster ? { leases: deps.callCluster.leases } : {}),
  })
}
