import type { ErrorCode, HelloAuth } from '@parley/protocol'
import type { Logger } from '../logger.ts'
import type { Store } from '../store/ports.ts'
import type { RoomService } from '../rooms/room-service.ts'
import type { RoomEventLog } from '../rooms/event-log.ts'
import type { Caller } from '../rooms/result.ts'
import type { RealtimeHub } from './hub.ts'

export type RealtimeLimits = {
  messagesPerSecond: number
  pingIntervalMs: number
  helloTimeoutMs: number
  sendBufferBytes: number
  /** Events replayed on resume at most; further behind gets a resync. */
  maxReplay: number
}

/** What every session of one gateway shares. */
export type GatewayContext = {
  store: Store
  rooms: RoomService
  events: RoomEventLog
  hub: RealtimeHub
  log: Logger
  limits: RealtimeLimits
  authenticate(auth: HelloAuth): Promise<{ ok: true; caller: Caller } | { ok: false; error: ErrorCode }>
}
