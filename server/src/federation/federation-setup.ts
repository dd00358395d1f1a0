/**
 * Wires @parley/federation for one instance: the store's users as the actor directory, the store's
 * federation repositories, and Fedify's cache and queue — in embedded mode a second SQLite file
 * (`federation.sqlite` in dataDir, WAL), so queue churn never contends with the main store; Redis
 * when `federationQueue` is redis.
 */
import { join } from 'node:path'
import {
  ParleyFederation,
  openQueueBackends,
  type FederationLogger,
  type LocalActorDirectory,
  type LocalRoomDirectory,
} from '@parley/federation'
import type { Config } from '../config/schema.ts'
import type { Store } from '../store/ports.ts'
import type { UserRecord } from '../store/records.ts'
import { avatarPath } from '../http/views.ts'
import type { Logger } from '../logger.ts'
import type { ChatStack } from '../rooms/chat-stack.ts'
import type { RoomEventLog } from '../rooms/event-log.ts'
import type { Bus } from '../bus/bus.ts'
import { RemoteMembership } from './remote-membership.ts'
import { MemberPush } from './member-push.ts'
import { RoomMirror } from './room-mirror.ts'
import { DirectConversations } from './direct-conversations.ts'
import type { FileSharing } from './file-sharing.ts'
import { ReplicaFiles } from './file-sharing.ts'
import { RemoteMeetings } from './remote-meetings.ts'
import serverPackage from '../../package.json' with { type: 'json' }

export type FederationRuntime = {
  readonly federation: ParleyFederation
  /** Rooms hosted on other instances, as local rooms (member side). */
  readonly mirror: RoomMirror
  /** Copies of remote rooms' meetings and remote members' answers. */
  readonly meetings: RemoteMeetings
  /** Copies of the files of rooms hosted elsewhere (kept as files of their mirrors). */
  readonly copies: ReplicaFiles
  /**
   * Hands the room and chat services to the federation (remote members join and chat through them,
   * direct messages become one-to-one conversations through them);
   * with the bus, local users' sessions hear of invitations and rooms on other instances.
   */
  bindRooms(stack: Pick<ChatStack, 'rooms' | 'chat'> & { files?: FileSharing }): void
  /** Messages of the federation queue this thread has handled (SQLite queue; see federation-workers.ts). */
  queueHandled(): number
  /** Stops the queue and closes Fedify's cache and queue backends. Idempotent. */
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

/** What the instance built before the federation, for its member side; CLI commands have neither. */
export type FederationRuntimeOptions = {
  /** Local users' sessions hear of invitations and rooms on other instances through it. */
  bus?: Bus
  /** Mirrors of remote rooms publish their events through it. */
  events?: RoomEventLog
  /** Told after a copy of a remote room's meeting changed (reminders re-plan). */
  onMeetingCopyChanged?: () => void
}

export function createFederationRuntime(
  config: Config,
  store: Store,
  logger?: Logger,
  options: FederationRuntimeOptions = {},
): FederationRuntime {
  const log = (logger?.child({ component: 'federation' }) as FederationLogger | undefined) ?? undefined
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
  const membership = new RemoteMembership(store, config.publicOrigin)
  const replicaFiles = new ReplicaFiles(store, logger)
  const mirror = new RoomMirror({
    store,
    origin: config.publicOrigin,
    files: replicaFiles,
    ...(options.events ? { events: options.events } : {}),
    ...(logger ? { log: logger } : {}),
  })
  const push = new MemberPush(mirror, {
    ...(options.bus ? { bus: options.bus } : {}),
    ...(logger ? { log: logger } : {}),
  })
  const direct = new DirectConversations(store)
  const meetings = new RemoteMeetings(store, {
    ...(options.onMeetingCopyChanged ? { onChange: options.onMeetingCopyChanged } : {}),
  })
  const federation = new ParleyFederation({
    origin: config.publicOrigin,
    kv: backends.kv,
    queue: backends.queue,
    taskQueue: backends.taskQueue,
    directory: storeDirectory(store),
    rooms: storeRoomDirectory(store),
    roomMembership: membership,
    roomChat: membership,
    direct,
    meetings,
    repositories: replicaFiles.wrap(push.wrap(store.federation)),
    signatureWindowSeconds: config.federationSignatureWindowSeconds,
    inboxHandOver: config.federationInboxHandOver,
    circuitRecoverySeconds: config.federationCircuitRecoverySeconds,
    allowPrivateAddress: config.federationAllowPrivateAddress,
    fetchMaxBytes: config.federationFetchMaxBytes,
    fetchTimeoutMs: config.federationFetchTimeoutSeconds * 1000,
    blockedDomains: config.federationBlockedDomains,
    allowedDomains: config.federationAllowedDomains,
    software: { name: 'parley', version: serverPackage.version },
    nodeInfo: async () => ({ users: await store.users.count(), openRegistrations: config.registration === 'open' }),
    ...(log ? { log } : {}),
  })
  let closed = false
  return {
    federation,
    mirror,
    meetings,
    copies: replicaFiles,
    bindRooms: (stack) => {
      membership.bind(stack)
      direct.bind(stack)
      if (stack.files) replicaFiles.bind(stack.files)
    },
    queueHandled: () => backends.handled(),
    async close() {
      if (closed) return
      closed = true
      // Resolves once the queue workers finished what they were doing: the database may go then.
      await federation.close()
      await backends.close()
    },
  }
}
