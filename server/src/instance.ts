/**
 * One Parley instance, wired the one way: store and accounts, the federation, the rooms/chat stack
 * (whose events the federation fans out to member instances), and the Fastify app. `parley serve`,
 * the test helpers, the multi-instance harness, the benchmarks and the spec generator all build
 * through here, so what they run is what production runs. Nothing listens and no queue runs until
 * the caller says so (`app.listen`, `start()`).
 */
import type { FastifyInstance } from 'fastify'
import type { ParleyFederation } from '@parley/federation'
import type { MessageView } from '@parley/protocol'
import type { Config } from './config/schema.ts'
import type { Logger } from './logger.ts'
import type { Store } from './store/ports.ts'
import type { Bus } from './bus/bus.ts'
import { createServices, type BaseServices, type Services } from './services.ts'
import { createChatStack, openBus, openEventLog, type ChatStack } from './rooms/chat-stack.ts'
import { openStore } from './store/open-store.ts'
import { RoomFanoutBridge } from './federation/room-fanout-bridge.ts'
import { DirectOutbox } from './federation/direct-outbox.ts'
import { RemoteRoomWrites } from './federation/remote-room-writes.ts'
import { buildApp, type AppDeps } from './http/app.ts'
import { RedisBus } from './bus/redis-bus.ts'
import { RedisCallLeases } from './calls/call-lease.ts'
import { RedisOnceClaims } from './bus/once-claims.ts'
import type { BlobStore } from './files/blobs/blob-store.ts'
import type { FileService } from './files/file-service.ts'
import type { FileKeeper } from './files/file-keeper.ts'
import {
  createFileKeeper,
  createFileLinks,
  createFileService,
  createRemoteFiles,
  fileLimits,
  openBlobStore,
} from './files/files-setup.ts'
import { attachmentsOf } from './files/file-attachments.ts'
import { ForwardedUploads } from './federation/forwarded-uploads.ts'
import { UploadStaging, uploadsDir } from './http/routes/file-uploads.ts'
import { PeopleService } from './accounts/people-service.ts'
import { userStatusView } from './http/views.ts'
import { MeetingService } from './meetings/meeting-service.ts'
import { CalendarFeeds } from './meetings/calendar-feeds.ts'
import { MeetingReminders } from './meetings/meeting-reminders.ts'
import { meetingFederation } from './federation/meeting-federation.ts'
import { createFederationRuntime, createMemberSide } from './federation/federation-setup.ts'
import { FileCopies } from './files/file-copies.ts'
import type { Timers } from './rooms/message-expiry.ts'
import { PushService } from './push/push-service.ts'
import { PushSender } from './push/push-sender.ts'
import { PushNotices } from './push/push-notices.ts'
import { vapidDetails } from './push/vapid-keys.ts'
import { BackgroundJobs } from './lifecycle/background-jobs.ts'
import { FederationWorkers, type FederationWorkersOptions } from './federation/federation-workers.ts'
import { federationWorkerCount } from './federation/federation-worker-count.ts'
import { ThreadBus } from './bus/thread-bus.ts'

const SESSION_SWEEP_MS = 60 * 60 * 1000
const EXPIRY_SWEEP_MS = 60_000

export type InstanceOptions = {
  logger: Logger
  /** An already opened store (tests keep its path); default: the configured one. */
  store?: Store
  /** The clock of accounts and chat (tests move it). */
  now?: () => number
  /** The bus between nodes; default: Redis when configured, else in-process. */
  bus?: Bus
  media?: AppDeps['media']
  realtimeLimits?: AppDeps['realtimeLimits']
  /** Where shared files are kept; default: the configured blob store. */
  blobs?: BlobStore
  /** How message expiry waits (tests pass a manual clock's timers, with its `now`); default: setTimeout. */
  timers?: Timers
  /**
   * `node` (default): a whole server node, which starts the federation worker threads when
   * `federationWorkers` asks for them. `federation-worker`: one of those threads — start() runs
   * the federation queue only (no jobs, expiry timers, recovery or status timers: the node does).
   */
  role?: 'node' | 'federation-worker'
  /** When federation worker threads start and stop (tests shorten the idle time); default: federation-worker-scaling.ts. */
  federationWorkerScaling?: FederationWorkersOptions['scaling']
}

export type Instance = {
  config: Config
  logger: Logger
  services: Services
  people: PeopleService
  store: Store
  federation: ParleyFederation
  chat: ChatStack
  fanout: RoomFanoutBridge
  /** What local users do in one-to-one rooms with remote accounts, out as direct messages. */
  directOutbox: DirectOutbox
  /** Writes in rooms hosted elsewhere, and those waiting for their host. */
  remoteWrites: RemoteRoomWrites
  files: FileService
  fileKeeper: FileKeeper
  /** Copies of the files of rooms hosted elsewhere. */
  fileCopies: FileCopies
  meetings: MeetingService
  /** Meeting reminders and start notices (timer-driven; started by start()). */
  reminders: MeetingReminders
  /** Resumable uploads in progress (tus staging on this node's disk). */
  uploads: UploadStaging
  /** Sweeps and key sweeps, run from start() until close(). */
  jobs: BackgroundJobs
  /** Web Push: subscriptions and the queue of pushes (tests wait on `push.idle()`). */
  push: PushService
  /**
   * The other threads that may run the federation queue (none unless `federationWorkers` allows
   * them): start() begins watching the queue, and they start when a backlog builds.
   */
  workers: FederationWorkers | null
  app: FastifyInstance
  /**
   * Starts the federation queue and the background jobs (sweeps of sessions, expired messages, old
   * events, guests, files and uploads; key pairs for the instance actor and for accounts lacking
   * them), and resumes room fan-out and direct messages stored but not handed over when the last
   * process stopped; resolves once that recovery is queued. Returns how many events it handed over.
   */
  start(): Promise<number>
  /**
   * Stops in the reverse order of start: the app, the background jobs (waiting for runs in
   * progress), the relays, the bus, then the federation (waiting for its queue workers) and the
   * store. Idempotent.
   */
  close(): Promise<void>
}

export async function createInstance(config: Config, options: InstanceOptions): Promise<Instance> {
  const { logger } = options
  // Built once, in order, each part with what it needs — nothing is bound afterwards:
  // the store, the bus between nodes and the room event log; the accounts and the federation's core
  // (keys, fetcher, queue backends, the link to other rooms' hosts); the member side of rooms hosted
  // elsewhere (mirror, file copies); the chat stack, which forwards writes through that link; the
  // file service; then the federation's inbound side over the chat stack and the file service; then
  // the relays that hand the chat's events out through it.
  const openedStore = options.store ?? (await openStore(config))
  const bus = options.bus ?? openBus(config, logger)
  const events = openEventLog(openedStore, bus, logger, options.now)
  // Reminders push frames on the bus; they run once start() says so. Copies of remote rooms'
  // meetings (the federation's) re-plan them as they change.
  const reminders = new MeetingReminders({
    store: openedStore,
    bus,
    publicOrigin: config.publicOrigin,
    log: logger,
    ...(options.now ? { now: options.now } : {}),
  })
  let base: BaseServices
  try {
    base = await createServices(config, { logger, store: openedStore, ...(options.now ? { now: options.now } : {}) })
  } catch (error) {
    await bus.close()
    throw error
  }
  const { store, accounts } = base
  const { core } = base.federationBase
  // Files: where their bytes are kept, the links other servers fetch them by, and the fetcher of theirs.
  const now = options.now ? { now: options.now } : {}
  const blobs = options.blobs ?? (await openBlobStore(config))
  const fileKeeper = createFileKeeper(config, { store, blobs, logger, ...now })
  const fileLinks = createFileLinks(config, store, options.now)
  const { remote: remoteFiles, fetcher: fileFetcher } = createRemoteFiles(config, { store, blobs, logger, ...now })
  const attachments = (message: MessageView) => attachmentsOf(message, fileLinks, fileLimits(config).linkTtlMs)
  // Rooms hosted elsewhere: their mirrors, and copies of their files.
  const fileCopies = new FileCopies({ store, keeper: fileKeeper, remote: remoteFiles, ...now })
  const member = createMemberSide(config, {
    store,
    fileCopies,
    events,
    bus,
    onMeetingCopyChanged: () => reminders.changed(),
    hosts: core.hosts,
    logger,
  })
  // Writes in rooms hosted elsewhere go to their host, queued while it cannot be reached.
  const remoteWrites = new RemoteRoomWrites({ store, hosts: core.hosts, mirror: member.mirror, log: logger, ...now })
  // Web Push: one VAPID key pair for the instance (configured, or made once and kept in the store).
  const vapid = await vapidDetails(config, store, options.now ?? Date.now)
  const push = new PushService({
    store,
    sender: new PushSender({
      vapid,
      timeoutMs: config.pushTimeoutSeconds * 1000,
      allowPrivate: config.pushAllowPrivateEndpoints,
    }),
    publicKey: vapid.publicKey,
    logger,
    maxPerUser: config.pushMaxSubscriptionsPerUser,
    allowPrivate: config.pushAllowPrivateEndpoints,
    ...now,
  })
  const pushNotices = new PushNotices({
    push,
    store,
    ...now,
    onError: (error) => logger.warn({ err: error, component: 'push' }, 'push not queued'),
  })
  const chat = createChatStack(config, store, logger, {
    forwarded: remoteWrites,
    onNotified: (notifications, message, roomName) => pushNotices.notified(notifications, message, roomName),
    prepareRoomActor: (roomId) => core.prepareRoom(roomId),
    bus,
    events,
    ...(options.now ? { now: options.now } : {}),
    ...(options.timers ? { timers: options.timers } : {}),
  })
  const files = createFileService(config, {
    store,
    chat,
    logger,
    blobs,
    keeper: fileKeeper,
    links: fileLinks,
    remote: remoteFiles,
    forwarded: new ForwardedUploads({
      store,
      hosts: core.hosts,
      mirror: member.mirror,
      copies: member.copies,
      log: logger,
    }),
    ...now,
  })
  // The federation's inbound side: remote members and senders of direct messages act through the
  // chat stack and the file service, as callers named by their actor URLs.
  const runtime = createFederationRuntime(config, {
    store,
    base: base.federationBase,
    member,
    services: { rooms: chat.rooms, chat: chat.chat, events: chat.events, polls: chat.polls, files },
  })
  const { federation } = runtime
  const services: Services = {
    store,
    accounts,
    federationBase: base.federationBase,
    federation: runtime,
    async close() {
      await runtime.close()
      await base.close()
    },
  }
  const fanout = new RoomFanoutBridge({ store, federation, log: logger, attachments })
  // One-to-one rooms with remote accounts: what local users do there goes out as direct messages.
  const directOutbox = new DirectOutbox({ store, federation, log: logger, attachments, ...now })
  // Every durable room event, in room order: fanned out to member instances, sent as direct messages,
  // and the files of deleted messages let go. Nothing has happened yet: no request is served and no
  // queue runs before start().
  chat.events.subscribe((roomId, seq, event) => {
    fanout.onEvent(roomId, seq, event)
    directOutbox.onEvent(roomId, seq, event)
    fileKeeper.onRoomEvent(roomId, seq, event)
  })
  const people = new PeopleService({
    store,
    host: new URL(config.publicOrigin).host,
    maxImagePixels: config.filesMaxImagePixels,
    ...now,
    onProfileChanged: async (user) => void (await federation.profileChanged(user.username)),
    // The user's sessions (any node) hear it, and tell the rooms they are online in.
    onStatusChanged: (status) => chat.events.toUser(status.userId, { type: 'status', status: userStatusView(status) }),
    // Every node arms each status's expiry timer; with Redis, one of them announces it.
    bus: chat.bus,
    ...(chat.bus instanceof RedisBus
      ? {
          claims: new RedisOnceClaims({
            url: chat.bus.url,
            prefix: chat.bus.prefix,
            onError: (error) => logger.warn({ err: error, component: 'people' }, 'claims store error'),
          }),
        }
      : {}),
    ...(options.timers ? { timers: options.timers } : {}),
    onError: (error) => logger.warn({ err: error, component: 'people' }, 'status expiry not announced'),
  })
  const sendMeeting = meetingFederation({ federation, store, logger, publicOrigin: config.publicOrigin })
  const meetings = new MeetingService({
    store,
    rooms: chat.rooms,
    onChange: (meeting, change) => {
      reminders.changed()
      sendMeeting(meeting, change)
    },
    // A local user's answer to a remote room's meeting goes to the room's host (queued there).
    onRemoteRsvp: (meeting, rsvp, username) =>
      void federation.roomMembers
        .answerMeeting(username, meeting.roomId, {
          meeting: meeting.origin as string,
          occurrence: rsvp.occurrence,
          response: rsvp.response,
        })
        .then((result) => {
          if (!result.ok)
            logger.warn({ component: 'meetings', meetingId: meeting.id, error: result.error }, 'answer not sent')
        })
        .catch((error: unknown) =>
          logger.warn({ err: error, component: 'meetings', meetingId: meeting.id }, 'answer not sent'),
        ),
    ...now,
  })
  const calendarFeeds = new CalendarFeeds({ store, publicOrigin: config.publicOrigin, ...now })
  const uploads = new UploadStaging({
    directory: uploadsDir(config.dataDir),
    expiryMs: config.filesUploadExpiryHours * 3600_000,
    maxBytes: config.filesMaxBytes,
  })
  // Nodes sharing a Redis bus share calls: one runs each room's call, on a lease kept in that same
  // Redis under the bus's prefix. The in-process bus means one node: nothing of this runs.
  const callLeases =
    chat.bus instanceof RedisBus
      ? new RedisCallLeases({
          url: chat.bus.url,
          prefix: chat.bus.prefix,
          nodeId: config.nodeId,
          leaseMs: config.callLeaseSeconds * 1000,
          onError: (error) => logger.warn({ err: error, component: 'calls' }, 'call lease store error'),
        })
      : undefined
  let app: FastifyInstance
  try {
    app = await buildApp({
      config,
      logger,
      store,
      accounts,
      people,
      chat,
      federation,
      rosters: member.rosters,
      files,
      uploads,
      meetings: { service: meetings, feeds: calendarFeeds },
      push: { service: push, notices: pushNotices },
      ...(options.media ? { media: options.media } : {}),
      ...(options.realtimeLimits ? { realtimeLimits: options.realtimeLimits } : {}),
      ...(callLeases ? { callCluster: { bus: chat.bus, leases: callLeases } } : {}),
    })
  } catch (error) {
    await callLeases?.close()
    await people.close()
    await push.close()
    await chat.bus.close()
    await fileFetcher.close()
    await blobs.close()
    await services.close()
    throw error
  }
  const worker = options.role === 'federation-worker'
  // Messages expire at their expiresAt (the minute sweep below only catches up); the node's timers do it.
  if (!worker) await chat.expiry.start()
  const jobs = new BackgroundJobs(logger.child({ component: 'jobs' }))
    // The instance actor signs call channels: its keys are made ahead of the first call.
    .add({ name: 'instance actor keys', everyMs: null, run: () => federation.prepareInstanceActor() })
    // Key pairs for accounts made before federation existed (or whose creation hook failed).
    .add({
      name: 'actor key sweep',
      everyMs: null,
      run: async () => {
        const users = await accounts.listUsers()
        const made = await federation.prepareActors(users.filter((u) => u.deletedAt === null).map((u) => u.id))
        if (made > 0) logger.info({ component: 'federation', users: made }, 'made actor key pairs')
      },
    })
    .add({
      name: 'session sweep',
      everyMs: SESSION_SWEEP_MS,
      run: () => store.sessions.deleteExpired((options.now ?? Date.now)()),
    })
    // Expired messages, old realtime events and guest sessions, then the files of what expired and
    // resumable uploads left unfinished.
    .add({
      name: 'expiry sweep',
      everyMs: EXPIRY_SWEEP_MS,
      run: async () => {
        await chat.chat.sweep(config.eventRetentionHours * 3600_000)
        await Promise.all([fileKeeper.sweep(), uploads.sweep()])
      },
    })
  if (!worker) await people.start()
  // Other threads share the queue only where what they store reaches this thread's clients: over
  // Redis or the thread bus (a bus handed in by a test is neither, and keeps everything here).
  const threads = worker ? 0 : federationWorkerCount(config) - 1
  const workers =
    threads > 0 && (chat.bus instanceof ThreadBus || chat.bus instanceof RedisBus)
      ? new FederationWorkers(config, logger, {
          threads,
          ready: async () => (await base.federationBase.backends.queue.getDepth?.())?.ready ?? 0,
          ...(options.federationWorkerScaling ? { scaling: options.federationWorkerScaling } : {}),
        })
      : null
  let closed = false
  return {
    config,
    logger,
    services,
    people,
    store,
    federation,
    chat,
    fanout,
    directOutbox,
    remoteWrites,
    files,
    fileKeeper,
    fileCopies,
    meetings,
    reminders,
    uploads,
    jobs,
    push,
    workers,
    app,
    async start() {
      // What the previous version left in the rooms' own queue goes into the one queue first.
      const adopted = await base.federationBase.backends.adoptLegacyQueues()
      if (adopted > 0)
        logger.info(
          { component: 'federation', messages: adopted },
          "the previous version's room queue moved into the queue",
        )
      federation.start()
      if (worker) return 0
      workers?.start()
      jobs.start()
      remoteWrites.start()
      reminders.start()
      const [rooms, direct] = await Promise.all([fanout.recover(), directOutbox.recover()])
      return rooms + direct
    },
    async close() {
      if (closed) return
      closed = true
      await people.close()
      chat.expiry.close()
      await app.close()
      await workers?.close()
      await jobs.stop()
      await reminders.close()
      await remoteWrites.stop()
      await fanout.stop()
      await directOutbox.stop()
      await fileKeeper.idle()
      await push.close()
      await chat.bus.close()
      await fileFetcher.close()
      await blobs.close()
      await services.close()
    },
  }
}
