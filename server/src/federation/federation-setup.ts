/**
 * Wires @parley/federation for one instance, in the order the composition root (instance.ts)
 * builds it:
 *
 * 1. `openFederationCore`: Fedify's cache and queue — in embedded mode a second SQLite file
 *    (`federation.sqlite` in dataDir, WAL), so queue churn never contends with the main store;
 *    Redis when `federationQueue` is redis — and the federation's core (keys, fetcher, policy,
 *    the link to other rooms' hosts). CLI commands need no more than this.
 * 2. `createMemberSide`: the member side of rooms hosted elsewhere that the chat stack writes
 *    through (mirror, realtime pushes, copies of their files and meetings, their rosters).
 * 3. `createFederationRuntime`: the inbound side (ParleyFederation), over the chat stack and the
 *    file service built in between: remote members join and chat through them, direct messages
 *    become one-to-one conversations through them.
 */
import { join } from 'node:path'
import {
  FederationCore,
  ParleyFederation,
  openQueueBackends,
  type FederationLogger,
  type LocalActorDirectory,
  type LocalRoomDirectory,
  type QueueBackends,
  type QueuePending,
  type RoomHostLink,
} from '@parley/federation'
import type { Config } from '../config/schema.ts'
import type { Store } from '../store/ports.ts'
import type { UserRecord } from '../store/records.ts'
import { avatarPath } from '../http/views.ts'
import type { Logger } from '../logger.ts'
import type { RoomEventLog } from '../rooms/event-log.ts'
import type { Bus } from '../bus/bus.ts'
import type { FileCopies } from '../files/file-copies.ts'
import { RemoteMembership, type RemoteMembershipServices } from './remote-membership.ts'
import { MemberPush } from './member-push.ts'
import { RoomMirror } from './room-mirror.ts'
import { DirectConversations } from './direct-conversations.ts'
import { ReplicaFiles } from './file-sharing.ts'
import { RemoteMeetings } from './remote-meetings.ts'
import { HostedRosters } from './hosted-rosters.ts'
import serverPackage from '../../package.json' with { type: 'json' }

/** The federation's core and its queue backends (step 1). */
export type FederationBase = {
  readonly core: FederationCore
  readonly backends: QueueBackends
  /** Closes the core's fetcher, then Fedify's cache and queue backends (after the queue stopped). Idempotent. */
  close(): Promise<void>
}

/** The member side of rooms hosted elsewhere (step 2). */
export type MemberSide = {
  /** Rooms hosted on other instances, as local rooms. */
  readonly mirror: RoomMirror
  /** Pushes invitations and replica changes to local users' sessions. */
  readonly push: MemberPush
  /** Copies of remote rooms' meetings and remote members' answers. */
  readonly meetings: RemoteMeetings
  /** Copies of the files of rooms hosted elsewhere (kept as files of their mirrors). */
  readonly copies: ReplicaFiles
  /** The rosters of rooms hosted elsewhere, as their hosts know them (kept briefly). */
  readonly rosters: HostedRosters
}

export type FederationRuntime = MemberSide & {
  readonly federation: ParleyFederation
  /** Messages of the federation queue this thread has handled (SQLite queue; see federation-workers.ts). */
  queueHandled(): number
  /** Messages of the federation's queues not finished yet, by any thread or node (total 0: drained). */
  queuePending(): Promise<QueuePending>
  /** Stops the queue (waiting for its workers), then closes the core and the backends. Idempotent. */
  close(): Promise<void>
}

export function federationDatabasePath(config: Pick<Config, 'dataDir'>): string {
  return join(config.dataDir, 'federation.sqlite')
}

export function storeDirectory(store: Store): LocalActorDirectory {
  const actor = (user: UserRecord | null) =>
    user
      ? {
          userId: user.id,
          username: user.username,
          displayName: user.displayName,
          createdAt: user.createdAt,
          deletedAt: user.deletedAt,
          avatar: avatarPath(user) ? { path: avatarPath(user) as string, mediaType: 'image/webp' } : null,
        }
      : null
  return {
    byUsername: async (username) => actor(await store.users.byUsername(username)),
    byId: async (userId) => actor(await store.users.byId(userId)),
  }
}

/** Group and public rooms are `Group` actors; one-to-one rooms are not. Public rooms may be followed. */
export function storeRoomDirectory(store: Store): LocalRoomDirectory {
  return {
    async byId(roomId) {
      const room = await store.rooms.byId(roomId)
      if (!room || room.kind === 'one-to-one') return null
      return {
        roomId: room.id,
        name: room.name,
        description: room.description,
        public: room.kind === 'public',
        createdAt: room.createdAt,
        deletedAt: room.deletedAt,
      }
    },
  }
}

function federationLog(logger: Logger | undefined): FederationLogger | undefined {
  return (logger?.child({ component: 'federation' }) as FederationLogger | undefined) ?? undefined
}

/** Step 1: the queue backends and the federation's core. Nothing runs until the federation starts. */
export function openFederationCore(config: Config, store: Store, logger?: Logger): FederationBase {
  const log = federationLog(logger)
  const onError = (error: unknown) => log?.error({ err: error }, 'federation queue or cache failed')
  const backends = openQueueBackends(
    config.federationQueue === 'redis'
      ? {
          backend: 'redis',
          url: config.redisUrl,
          prefix: `parley:${new URL(config.publicOrigin).host}:fedify:`,
          onError,
        }
      : { backend: 'sqlite', path: federationDatabasePath(config), onError },
  )
  const core = new FederationCore({
    origin: config.publicOrigin,
    kv: backends.kv,
    queue: backends.queue,
    taskQueue: backends.taskQueue,
    directory: storeDirectory(store),
    repositories: store.federation,
    signatureWindowSeconds: config.federationSignatureWindowSeconds,
    // One switch with the inbox hand-over (federation.ts): the security suite runs both parsers.
    compactReader: config.federationInboxHandOver,
    circuitRecoverySeconds: config.federationCircuitRecoverySeconds,
    allowPrivateAddress: config.federationAllowPrivateAddress,
    fetchMaxBytes: config.federationFetchMaxBytes,
    fetchTimeoutMs: config.federationFetchTimeoutSeconds * 1000,
    blockedDomains: config.federationBlockedDomains,
    allowedDomains: config.federationAllowedDomains,
    software: { name: 'parley', version: serverPackage.version },
    ...(log ? { log } : {}),
  })
  let closed = false
  return {
    core,
    backends,
    async close() {
      if (closed) return
      closed = true
      await core.close()
      await backends.close()
    },
  }
}

/** Step 2: what the chat stack needs of rooms hosted elsewhere. */
export function createMemberSide(
  config: Config,
  deps: {
    store: Store
    /** Keeps copies of remote rooms' files (the file service's fetcher and keeper). */
    fileCopies: FileCopies
    /** Mirrors of remote rooms publish their events through it. */
    events: RoomEventLog
    /** Local users' sessions hear of invitations and rooms on other instances through it. */
    bus: Bus
    /** Told after a copy of a remote room's meeting changed (reminders re-plan). */
    onMeetingCopyChanged?: () => void
    /** Rosters are asked of hosts through it (the federation core's link to hosts). */
    hosts: Pick<RoomHostLink, 'participants'>
    logger?: Logger
  },
): MemberSide {
  const { store, logger } = deps
  const copies = new ReplicaFiles({ store, copies: deps.fileCopies, logger })
  const rosters = new HostedRosters({
    store,
    hosts: deps.hosts,
    origin: config.publicOrigin,
    ...(logger ? { log: logger } : {}),
  })
  const mirror = new RoomMirror({
    store,
    origin: config.publicOrigin,
    files: copies,
    events: deps.events,
    rosters,
    ...(logger ? { log: logger } : {}),
  })
  const push = new MemberPush(mirror, { bus: deps.bus, ...(logger ? { log: logger } : {}) })
  const meetings = new RemoteMeetings(store, {
    ...(deps.onMeetingCopyChanged ? { onChange: deps.onMeetingCopyChanged } : {}),
  })
  return { copies, mirror, push, meetings, rosters }
}

/** Step 3: the federation's inbound side, over the services remote members and senders act through. */
export function createFederationRuntime(
  config: Config,
  deps: {
    store: Store
    base: FederationBase
    member: MemberSide
    services: RemoteMembershipServices
    now?: () => number
  },
): FederationRuntime {
  const { store, base, member } = deps
  const membership = new RemoteMembership({ store, origin: config.publicOrigin, services: deps.services })
  const federation = new ParleyFederation({
    core: base.core,
    rooms: storeRoomDirectory(store),
    roomMembership: membership,
    roomChat: membership,
    direct: new DirectConversations({ store, services: deps.services, ...(deps.now ? { now: deps.now } : {}) }),
    meetings: member.meetings,
    inboxHandOver: config.federationInboxHandOver,
    repositories: member.copies.wrap(member.push.wrap(store.federation)),
    nodeInfo: async () => ({ users: await store.users.count(), openRegistrations: config.registration === 'open' }),
  })
  let closed = false
  return {
    ...member,
    federation,
    queueHandled: () => base.backends.handled(),
    queuePending: () => base.backends.pending(),
    async close() {
      if (closed) return
      closed = true
      // Resolves once the queue workers finished what they were doing: the database may go then.
      await federation.close()
      await base.close()
    },
  }
}
