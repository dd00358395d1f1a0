/**
 * One Parley instance, wired the one way: store and accounts, the federation, the rooms/chat stack
 * (whose events the federation fans out to member instances), and the Fastify app. `parley serve`,
 * the test helpers, the multi-instance harness, the benchmarks and the spec generator all build
 * through here, so what they run is what production runs. Nothing listens and no queue runs until
 * the caller says so (`app.listen`, `start()`).
 */
import type { FastifyInstance } from 'fastify'
import type { ParleyFederation } from '@parley/federation'
import type { Config } from './config/schema.ts'
import type { Logger } from './logger.ts'
import type { Store } from './store/ports.ts'
import type { Bus } from './bus/bus.ts'
import { createServices, type Services } from './services.ts'
import { createChatStack, type ChatStack } from './rooms/chat-stack.ts'
import { RoomFanoutBridge } from './federation/room-fanout-bridge.ts'
import { DirectOutbox } from './federation/direct-outbox.ts'
import { buildApp, type AppDeps } from './http/app.ts'
import { RedisBus } from './bus/redis-bus.ts'
import { RedisCallLeases } from './calls/call-lease.ts'

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
}

export type Instance = {
  config: Config
  logger: Logger
  services: Services
  store: Store
  federation: ParleyFederation
  chat: ChatStack
  fanout: RoomFanoutBridge
  app: FastifyInstance
  /**
   * Starts the federation queue and resumes room fan-out and direct messages stored but not handed
   * over when the last process stopped; resolves once that recovery is queued. Returns how many
   * events it handed over.
   */
  start(): Promise<number>
  /** Closes the app, the bus, the federation and the store. Idempotent. */
  close(): Promise<void>
}

export async function createInstance(config: Config, options: InstanceOptions): Promise<Instance> {
  const { logger } = options
  const services = await createServices(config, { logger, ...(options.store ? { store: options.store } : {}), ...(options.now ? { now: options.now } : {}) })
  const { store, accounts } = services
  const { federation } = services.federation
  const fanout = new RoomFanoutBridge({ store, federation, log: logger })
  // One-to-one rooms with remote accounts: what local users do there goes out as direct messages.
  const directOutbox = new DirectOutbox({ store, federation, log: logger, ...(options.now ? { now: options.now } : {}) })
  const chat = createChatStack(config, store, logger, {
    prepareRoomActor: (roomId) => federation.rooms.prepareRoom(roomId),
    onRoomEvent: (roomId, seq, event) => {
      fanout.onEvent(roomId, seq, event)
      directOutbox.onEvent(roomId, seq, event)
    },
    ...(options.bus ? { bus: options.bus } : {}),
    ...(options.now ? { now: options.now } : {}),
  })
  services.federation.bindRooms(chat)
  // Nodes sharing a Redis bus share calls: one runs each room's call, on a lease kept in that same
  // Redis under the bus's prefix. The in-process bus means one node: nothing of this runs.
  const callLeases = chat.bus instanceof RedisBus
    ? new RedisCallLeases({
        url: chat.bus.url, prefix: chat.bus.prefix, nodeId: config.nodeId, leaseMs: config.callLeaseSeconds * 1000,
        onError: (error) => logger.warn({ err: error, component: 'calls' }, 'call lease store error'),
      })
    : undefined
  let app: FastifyInstance
  try {
    app = await buildApp({
      config, logger, store, accounts, chat, federation,
      ...(options.media ? { media: options.media } : {}),
      ...(options.realtimeLimits ? { realtimeLimits: options.realtimeLimits } : {}),
      ...(callLeases ? { callCluster: { bus: chat.bus, leases: callLeases } } : {}),
    })
  } catch (error) {
    await callLeases?.close()
    await chat.bus.close()
    await services.close()
    throw error
  }
  let closed = false
  return {
    config, logger, services, store, federation, chat, fanout, app,
    async start() {
      federation.start()
      const [rooms, direct] = await Promise.all([fanout.recover(), directOutbox.recover()])
      return rooms + direct
    },
    async close() {
      if (closed) return
      closed = true
      await app.close()
      await fanout.idle()
      await directOutbox.idle()
      await chat.bus.close()
      await services.close()
    },
  }
}
