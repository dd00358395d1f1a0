/**
 * Wires rooms and chat for one instance: the bus (in-process, or Redis when configured), the event
 * log and the services. Several stacks can live in one process (tests run two nodes).
 */
import type { RoomEvent } from '@parley/protocol'
import type { Config } from '../config/schema.ts'
import type { Logger } from '../logger.ts'
import type { Store } from '../store/ports.ts'
import type { Bus } from '../bus/bus.ts'
import { InProcessBus } from '../bus/in-process-bus.ts'
import { ThreadBus, threadBusName } from '../bus/thread-bus.ts'
import { federationWorkerCount } from '../federation/federation-worker-count.ts'
import { RedisBus } from '../bus/redis-bus.ts'
import { RoomEventLog } from './event-log.ts'
import { RoomService } from './room-service.ts'
import { ChatService, type ChatServiceDeps, type ForwardedWrites } from './chat-service.ts'
import { PollService } from './poll-service.ts'
import { PasswordAttemptLimiter } from './guest-limiter.ts'
import { PostLimiter } from './post-limiter.ts'
import { MessageExpiry, type Timers } from './message-expiry.ts'

export type ChatStack = {
  bus: Bus
  events: RoomEventLog
  rooms: RoomService
  chat: ChatService
  polls: PollService
  /** Started by the instance (`start()`), closed with it. */
  expiry: MessageExpiry
}

export type ChatStackOptions = {
  bus?: Bus
  /** The event log, when the caller built it first (instance.ts: the federation's mirror needs it); on `bus`. */
  events?: RoomEventLog
  now?: () => number
  /** Makes a new room's actor key pairs ahead of first use (the federation's `rooms.prepareRoom`). */
  prepareRoomActor?: (roomId: string) => Promise<void>
  /** Told of every durable room event, in room order (the federation's fan-out to member instances). */
  onRoomEvent?: (roomId: string, seq: number, event: RoomEvent) => void
  /** How message expiry waits (tests pass a manual clock's timers); default: setTimeout. */
  timers?: Timers
  /** Writes in rooms hosted on other instances go to their host (federation/remote-room-writes.ts). */
  forwarded?: ForwardedWrites
  /** Told of the mention and reply notifications each message made (Web Push sends them on). */
  onNotified?: ChatServiceDeps['onNotified']
}

function busErrorLogger(logger: Logger): (error: unknown) => void {
  const log = logger.child({ component: 'bus' })
  return (error: unknown) => log.warn({ err: error }, 'bus error')
}

/**
 * The bus between nodes: Redis when configured; else between the threads of this process when
 * federation work runs on several (federation-workers.ts); else in-process.
 */
export function openBus(config: Config, logger: Logger): Bus {
  const onError = busErrorLogger(logger)
  if (config.redisUrl) return new RedisBus({ url: config.redisUrl, onError })
  return federationWorkerCount(config) > 1 ? new ThreadBus(threadBusName(config), onError) : new InProcessBus(onError)
}

/** The durable room event log on `bus` (built before the chat stack when the federation's mirror needs it). */
export function openEventLog(store: Store, bus: Bus, logger: Logger, now: () => number = Date.now): RoomEventLog {
  return new RoomEventLog({ store, bus, now, onError: busErrorLogger(logger), hostedElsewhere: hostedElsewhere(store) })
}

/** A mirror of a room hosted elsewhere takes only its host's events (the room mirror publishes them). */
function hostedElsewhere(store: Store): (roomId: string) => Promise<boolean> {
  return async (roomId) => (await store.remoteRooms.hostOf(roomId)) !== null
}

export function createChatStack(
  config: Config,
  store: Store,
  logger: Logger,
  options: ChatStackOptions = {},
): ChatStack {
  const bus = options.bus ?? openBus(config, logger)
  const now = options.now ?? Date.now
  const events =
    options.events ??
    new RoomEventLog({
      store,
      bus,
      now,
      onError: busErrorLogger(logger),
      hostedElsewhere: hostedElsewhere(store),
      ...(options.onRoomEvent ? { onEvent: options.onRoomEvent } : {}),
    })
  if (options.events && options.onRoomEvent) options.events.subscribe(options.onRoomEvent)
  const prepare = options.prepareRoomActor
  const onRoomCreated = prepare
    ? (room: { id: string; kind: string }) => {
        if (room.kind !== 'one-to-one')
          prepare(room.id).catch((error: unknown) =>
            logger.warn({ err: error, roomId: room.id, component: 'federation' }, 'room key pairs not made'),
          )
      }
    : undefined
  const rooms = new RoomService({
    store,
    events,
    attempts: new PasswordAttemptLimiter(now),
    guestSessionTtlMs: config.guestSessionHours * 3600_000,
    now,
    ...(onRoomCreated ? { onRoomCreated } : {}),
  })
  const postLimiter = new PostLimiter(config.chatPostsPerSecond, now)
  const chat: ChatService = new ChatService({
    store,
    rooms,
    events,
    postLimiter,
    now,
    ...(options.forwarded ? { forwarded: options.forwarded } : {}),
    ...(options.onNotified ? { onNotified: options.onNotified } : {}),
    onExpiring: (at) => expiry.scheduled(at),
  })
  const expiry = new MessageExpiry({
    expireDue: () => chat.expireDue(),
    nextExpiry: () => store.messages.nextExpiry(),
    now,
    logger,
    ...(options.timers ? { timers: options.timers } : {}),
  })
  const polls = new PollService({ store, rooms, chat, events, now })
  return { bus, events, rooms, chat, polls, expiry }
}
