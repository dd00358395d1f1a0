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
import { RedisBus } from '../bus/redis-bus.ts'
import { RoomEventLog } from './event-log.ts'
import { RoomService } from './room-service.ts'
import { ChatService } from './chat-service.ts'
import { PollService } from './poll-service.ts'
import { PasswordAttemptLimiter } from './guest-limiter.ts'
import { PostLimiter } from './post-limiter.ts'

export type ChatStack = { bus: Bus; events: RoomEventLog; rooms: RoomService; chat: ChatService; polls: PollService }

export type ChatStackOptions = {
  bus?: Bus
  now?: () => number
  /** Makes a new room's actor key pairs ahead of first use (the federation's `rooms.prepareRoom`). */
  prepareRoomActor?: (roomId: string) => Promise<void>
  /** Told of every durable room event, in room order (the federation's fan-out to member instances). */
  onRoomEvent?: (roomId: string, seq: number, event: RoomEvent) => void
}

export function createChatStack(config: Config, store: Store, logger: Logger, options: ChatStackOptions = {}): ChatStack {
  const log = logger.child({ component: 'bus' })
  const onError = (error: unknown) => log.warn({ err: error }, 'bus error')
  const bus = options.bus ?? (config.redisUrl ? new RedisBus({ url: config.redisUrl, onError }) : new InProcessBus(onError))
  const now = options.now ?? Date.now
  const events = new RoomEventLog({ store, bus, now, onError, ...(options.onRoomEvent ? { onEvent: options.onRoomEvent } : {}) })
  const prepare = options.prepareRoomActor
  const onRoomCreated = prepare
    ? (room: { id: string; kind: string }) => {
        if (room.kind !== 'one-to-one') prepare(room.id).catch((error: unknown) => logger.warn({ err: error, roomId: room.id, component: 'federation' }, 'room key pairs not made'))
      }
    : undefined
  const rooms = new RoomService({ store, events, attempts: new PasswordAttemptLimiter(now), guestSessionTtlMs: config.guestSessionHours * 3600_000, now, ...(onRoomCreated ? { onRoomCreated } : {}) })
  const postLimiter = new PostLimiter(config.chatPostsPerSecond, now)
  const chat = new ChatService({ store, rooms, events, postLimiter, now })
  const polls = new PollService({ store, rooms, chat, events, now })
  return { bus, events, rooms, chat, polls }
}
