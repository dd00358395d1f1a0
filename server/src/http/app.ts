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
import { ApiError, frameworkErrorReply, installErrorHandling } from './api-error.ts'
import { installStrictInput } from './strict-input.ts'
import { ParleyLogController } from './request-logging.ts'
import { lazySerializerFactory, lazyValidatorCompiler } from './lazy-schema-compilers.ts'
import { authenticate, servesPage, startsSession } from './auth.ts'
import { installMetrics } from './metrics.ts'
import { installOpenApi } from './openapi.ts'
import { healthRoutes } from './routes/health.ts'
import { sessionRoutes } from './routes/session.ts'
import { meRoutes } from './routes/me.ts'
import { mySessionRoutes } from './routes/my-sessions.ts'
import { peopleRoutes } from './routes/people.ts'
import type { PeopleService } from '../accounts/people-service.ts'
import { adminRoutes } from './routes/admin.ts'
import { callRoutes } from './routes/calls.ts'
import { roomRoutes } from './routes/rooms.ts'
import { openDirectConversationWith, remotePeerOf } from '../federation/direct-conversations.ts'
import { fail, ok } from '../rooms/result.ts'
import { chatRoutes } from './routes/chat.ts'
import { authenticateGuest, isGuestAuthorization } from './caller.ts'
import type { ChatStack } from '../rooms/chat-stack.ts'
import { installRealtime } from '../realtime/gateway.ts'
import type { RealtimeLimits } from '../realtime/gateway-context.ts'
import type { MediaRuntime } from '../media/media-runtime.ts'
import { MeshEngine } from '../media/mesh/mesh-engine.ts'
import { iceServersFor } from '../media/turn/turn-credentials.ts'
import { CallService, type CallFrontDoor, type CallRunner } from '../calls/call-service.ts'
import { CallForwarding } from '../calls/call-forwarding.ts'
import { cascadeFrontDoor, installCascadeHost } from '../cascade/cascade-setup.ts'
import type { BridgedCalls } from '../cascade/bridged-calls.ts'
import type { HostedRosters } from '../federation/hosted-rosters.ts'
import type { ClusterCallLeases } from '../calls/call-lease.ts'
import { MIRRORS_TOPIC, type Bus } from '../bus/bus.ts'
import { recordingRoutes } from './routes/recordings.ts'
import { actorPageRoutes } from './routes/actor-pages.ts'
import { federationRoutes, toApiError as federationApiError } from './routes/federation.ts'
import { roomFederationRoutes } from './routes/room-federation.ts'
import { installFederation } from './federation-adapter.ts'
import { installWebClient } from './web-client.ts'
import type { FileService } from '../files/file-service.ts'
import { fileRoutes } from './routes/files.ts'
import { fileLinkRoutes } from './routes/file-links.ts'
import { fileUploadRoutes, UploadStaging, uploadsDir } from './routes/file-uploads.ts'
import type { MeetingService } from '../meetings/meeting-service.ts'
import { meetingRoutes } from './routes/meetings.ts'
import { calendarRoutes } from './routes/calendars.ts'
import type { CalendarFeeds } from '../meetings/calendar-feeds.ts'
import type { PushService } from '../push/push-service.ts'
import type { PushNotices } from '../push/push-notices.ts'
import { pushRoutes } from './routes/push.ts'

declare module 'fastify' {
  interface FastifyInstance {
    /** The calls hosted elsewhere that run through our own SFU (for tests and metrics); null without one. */
    bridgedCalls(): BridgedCalls | null
    /** The call channels this node holds: to hosts of rooms our people are in, and from their members' instances. */
    cascadeChannels(): { toHosts: string[]; fromPeers: string[] }
  }
}

export type AppDeps = {
  config: Config
  logger: Logger
  store: Store
  accounts: AccountService
  /** The user directory, avatars and statuses. */
  people: PeopleService
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
  /** The rosters of rooms hosted elsewhere (the federation's member side); without them, local members are shown. */
  rosters?: HostedRosters
  /** Several nodes share calls (one runs each room's call, the others forward over the bus); absent on one node. */
  callCluster?: { bus: Bus; leases: ClusterCallLeases }
  /** Files in rooms (uploads, downloads, capability links); without it there are no file routes. */
  files?: FileService
  /** Where resumable uploads are staged; default: `<dataDir>/uploads`. */
  uploads?: UploadStaging
  /** Meetings in rooms and their calendars; without them there are no meeting routes. */
  meetings?: { service: MeetingService; feeds: CalendarFeeds }
  /** Web Push: subscriptions and the pushes for calls starting; without it there are no push routes. */
  push?: { service: PushService; notices: PushNotices }
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
    frameworkErrors: frameworkErrorReply,
    // Response serializers are compiled at each route's first response (lazy-schema-compilers.ts).
    schemaController: { compilersFactory: { buildSerializer: lazySerializerFactory() } },
  })
  // TypeBox checks bodies strictly (no coercion, unknown fields refused); querystrings and params
  // are converted from strings first.
  // Compiled at each route's first request, not at startup (lazy-schema-compilers.ts).
  app.setValidatorCompiler(lazyValidatorCompiler(TypeBoxValidatorCompiler))
  // JSON is the only body type this API takes; text/plain would otherwise be accepted silently.
  app.removeContentTypeParser('text/plain')
  installStrictInput(app)

  installErrorHandling(app)
  await app.register(cookie)
  installOpenApi(app, config.publicOrigin)
  installMetrics(app)
  if (deps.federation)
    installFederation(app, deps.federation, { publicOrigin: config.publicOrigin, bodyLimit: config.bodyLimit })

  app.decorateRequest('auth', null)
  app.decorateRequest('guest', null)
  app.addHook('preHandler', async (request) => {
    // A guest of a public room authenticates with `Authorization: Guest <secret>` (caller.ts).
    if (isGuestAuthorization(request.headers.authorization))
      request.guest = await authenticateGuest(deps.chat.rooms, request)
    // Logging in or registering starts a new session: whatever cookie the browser still holds
    // (expired, revoked) is no reason to refuse that (see STARTS_SESSION in auth.ts).
    else if (startsSession(request) || servesPage(request)) request.auth = null
    else request.auth = await authenticate(accounts, request)
  })

  healthRoutes(app, store)
  sessionRoutes(app, { accounts, secureCookies: config.publicOrigin.startsWith('https:') })
  meRoutes(app, accounts)
  mySessionRoutes(app, accounts)
  await peopleRoutes(app, deps.people, deps.chat.rooms)
  adminRoutes(app, accounts)
  const { service, media } = createCalls(deps)
  callRoutes(app, config)
  const { federation } = deps
  // Calls of rooms hosted on other instances go to their hosts (spec/cascade.md); on several nodes,
  // through the node that holds the room's call lease, which alone speaks for us to its host.
  const member = federation
    ? cascadeFrontDoor({
        publicOrigin: config.publicOrigin,
        federation,
        store,
        bus: deps.chat.bus,
        local: service,
        logger: deps.logger,
        ...(deps.callCluster ? { leases: deps.callCluster.leases } : {}),
        // A call starting in a room hosted elsewhere rings our members there, as a local call does.
        ...(deps.push
          ? {
              onCallStarted: (roomId: string, caller: { id: string; name: string }) =>
                deps.push?.notices.callStarted(roomId, caller),
            }
          : {}),
        // With our own SFU, calls hosted elsewhere run through it, bridged to the host's.
        ...(media.engine.topology === 'sfu'
          ? {
              bridging: {
                engine: media.engine,
                iceServers: (userId: string) => media.iceServers(userId),
                hostAddresses: config.bridgeAddresses,
              },
            }
          : {}),
      })
    : null
  const runner: CallRunner = member ?? service
  // Several nodes: each call frame goes to the node that runs the room's call (ours or a remote room's).
  const calls: CallFrontDoor = deps.callCluster
    ? await CallForwarding.start({ service: runner, ...deps.callCluster, logger: deps.logger })
    : runner
  app.decorate('bridgedCalls', () => member?.bridged ?? null)
  // Rooms hosted elsewhere: their hosts' rosters, kept briefly, forgotten when they change.
  const rosters = deps.rosters ?? null
  if (rosters) {
    const forgetRosters = await deps.chat.bus.subscribe(MIRRORS_TOPIC, (raw) => {
      const room = (JSON.parse(raw) as { room?: unknown }).room
      if (typeof room === 'string') rosters.forget(room)
    })
    app.addHook('onClose', async () => forgetRosters())
  }
  roomRoutes(
    app,
    deps.chat.rooms,
    {
      // Without federation (some unit tests) no remote account can be found.
      open: async (caller, target) =>
        federation
          ? openDirectConversationWith({ store, rooms: deps.chat.rooms, federation }, caller, target)
          : fail('remote-not-found', { target }),
      peerOf: (roomId) => remotePeerOf(store, roomId),
      hostOf: (roomId) => store.remoteRooms.hostOf(roomId),
      hostedParticipants: async (caller, roomUri) => (rosters ? rosters.get(caller, roomUri) : null),
      leaveHosted: async (caller, roomUri) => {
        const user = caller.type === 'user' ? await store.users.byId(caller.id) : null
        if (!user || !federation) return fail('room-not-found')
        const left = await federation.roomMembers.leave(user.username, roomUri)
        return left.ok ? ok(true as const) : fail('room-not-found')
      },
      remoteActorId: async (handle) => {
        // Without federation (some unit tests) no remote account can be found.
        if (!federation) throw new ApiError('remote-not-found')
        const found = await federation.lookup(handle)
        if (!found.ok) throw federationApiError(found.error)
        return found.value.id
      },
    },
    deps.people,
  )
  chatRoutes(app, deps.chat.chat, deps.chat.polls)
  if (deps.files) {
    await fileRoutes(app, deps.files)
    const staging =
      deps.uploads ??
      new UploadStaging({
        directory: uploadsDir(config.dataDir),
        expiryMs: config.filesUploadExpiryHours * 3600_000,
        maxBytes: config.filesMaxBytes,
      })
    fileUploadRoutes(app, deps.files, staging, config.publicOrigin)
    fileLinkRoutes(app, deps.files)
  }
  recordingRoutes(app, deps.chat.rooms, store.recordings)
  if (deps.push) pushRoutes(app, deps.push.service)
  if (deps.meetings) {
    meetingRoutes(app, deps.meetings.service, config.publicOrigin)
    calendarRoutes(app, {
      meetings: deps.meetings.service,
      feeds: deps.meetings.feeds,
      publicOrigin: config.publicOrigin,
    })
  }
  await installWebClient(app, { dir: config.webClientDir })
  await installRealtime(app, {
    ...deps,
    calls,
    // Typing in rooms hosted elsewhere goes to their hosts over the same channel as their calls.
    ...(member ? { hostedTyping: member } : {}),
    ...(deps.realtimeLimits ? { limits: deps.realtimeLimits } : {}),
  })
  const cascadeHost = federation
    ? await installCascadeHost(app, {
        publicOrigin: config.publicOrigin,
        federation,
        store,
        bus: deps.chat.bus,
        local: calls,
        service,
        logger: deps.logger,
        ...(deps.callCluster ? { leases: deps.callCluster.leases } : {}),
      })
    : null
  app.decorate('cascadeChannels', () => ({ toHosts: member?.hosts() ?? [], fromPeers: cascadeHost?.peers() ?? [] }))
  app.addHook('onClose', async () => calls.close())
  if (deps.federation) {
    actorPageRoutes(app, { store, publicOrigin: config.publicOrigin })
    federationRoutes(app, {
      federation: deps.federation,
      repositories: store.federation,
      configuredDomainBlocks: config.federationBlockedDomains,
    })
    roomFederationRoutes(app, { rooms: deps.chat.rooms, federation: deps.federation, repositories: store.federation })
  }
  return app
}

function createCalls(deps: AppDeps): { service: CallService; media: Pick<MediaRuntime, 'engine' | 'iceServers'> } {
  const { config, logger, store, chat } = deps
  let media = deps.media
  if (!media) {
    if (config.mediaEngine !== 'mesh')
      throw new TypeError('buildApp: mediaEngine janus needs deps.media (the started MediaRuntime)')
    media = {
      engine: new MeshEngine({ maxParticipants: config.meshMaxParticipants, logger }),
      iceServers: (userId, now) =>
        iceServersFor(
          {
            stunUrls: config.stunUrls,
            turnUrls: config.turnUrls,
            turnSecret: config.turnSecret,
            ttlSeconds: config.turnCredentialTtlSeconds,
          },
          userId,
          now,
        ),
    }
  }
  const { engine, iceServers } = media
  const service = new CallService({
    engine,
    store,
    rooms: chat.rooms,
    events: chat.events,
    iceServers: (actorId) => iceServers(actorId),
    logger,
    ...(deps.callCluster ? { leases: deps.callCluster.leases } : {}),
    ...(deps.meetings ? { meetingInProgress: meetingOn(deps.meetings.service) } : {}),
    ...(deps.push
      ? {
          onCallStarted: (roomId: string, caller: { id: string; name: string }) =>
            deps.push?.notices.callStarted(roomId, caller),
        }
      : {}),
  })
  return { service, media }
}

/** Whether a meeting of the room is on now, for the call service (one store read per call start). */
const meetingOn = (meetings: MeetingService) => async (roomId: string) => (await meetings.runningIn(roomId)).length > 0
