/**
 * Wires @parley/federation for one instance: the store's users as the actor directory, the store's
 * federation repositories, and Fedify's cache and queue — in embedded mode a second SQLite file
 * (`federation.sqlite` in dataDir, WAL), so queue churn never contends with the main store; Redis
 * when `federationQueue` is redis.
 */
import { join } from 'node:path'
import { ParleyFederation, openQueueBackends, type FederationLogger, type LocalActorDirectory, type LocalRoomDirectory } from '@parley/federation'
import type { Config } from '../config/schema.ts'
import type { Store } from '../store/ports.ts'
import type { UserRecord } from '../store/records.ts'
import type { Logger } from '../logger.ts'
import type { ChatStack } from '../rooms/chat-stack.ts'
import { RemoteMembership } from './remote-membership.ts'
import { MemberPush } from './member-push.ts'
import { DirectConversations } from './direct-conversations.ts'
import serverPackage from '../../package.json' with { type: 'json' }

export type FederationRuntime = {
  readonly federation: ParleyFederation
  /**
   * Hands the room and chat services to the federation (remote members join and chat through them,
   * direct messages become one-to-one conversations through them);
   * with the bus, local users' sessions hear of invitations and rooms on other instances.
   */
  bindRooms(stack: Pick<ChatStack, 'rooms' | 'chat'> & Partial<Pick<ChatStack, 'bus'>>): void
  /** Stops the queue and closes Fedify's cache and queue backends. Idempotent. */
  close(): Promise<void>
}

export function federationDatabasePath(config: Pick<Config, 'dataDir'>): string {
  return join(config.dataDir, 'federation.sqlite')
}

export function storeDirectory(store: Store): LocalActorDirectory {
  const actor = (user: UserRecord | null) => (user ? { userId: user.id, username: user.username, displayName: user.displayName, createdAt: user.createdAt, deletedAt: user.deletedAt } : null)
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
      return { roomId: room.id, name: room.name, description: room.description, public: room.kind === 'public', createdAt: room.createdAt, deletedAt: room.deletedAt }
    },
  }
}

export function createFederationRuntime(config: Config, store: Store, logger?: Logger): FederationRuntime {
  const log = (logger?.child({ component: 'federation' }) as FederationLogger | undefined) ?? undefined
  const onError = (error: unknown) => log?.error({ err: error }, 'federation queue or cache failed')
  const backends = openQueueBackends(
    config.federationQueue === 'redis'
      ? { backend: 'redis', url: config.redisUrl, prefix: `parley:${new URL(config.publicOrigin).host}:fedify:`, onError }
      : { backend: 'sqlite', path: federationDatabasePath(config), onError },
  )
  const membership = new RemoteMembership(store, config.publicOrigin)
  const push = new MemberPush(logger)
  const direct = new DirectConversations(store)
  const federation = new ParleyFederation({
    origin: config.publicOrigin,
    kv: backends.kv,
    queue: backends.queue,
    roomQueue: backends.roomQueue,
    taskQueue: backends.taskQueue,
    directory: storeDirectory(store),
    rooms: storeRoomDirectory(store),
    roomMembership: membership,
    roomChat: membership,
    direct,
    repositories: push.wrap(store.federation),
    signatureWindowSeconds: config.federationSignatureWindowSeconds,
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
    bindRooms: (stack) => {
      membership.bind(stack)
      direct.bind(stack)
      if (stack.bus) push.bind(stack.bus)
    },
    async close() {
      if (closed) return
      closed = true
      federation.close()
      // Let workers that were mid-task see the abort before the database goes away.
      await new Promise((resolve) => setTimeout(resolve, 20))
      await backends.close()
    },
  }
}
