import type { ErrorCode, HelloAuth } from '@parley/protocol'
import type { Logger } from '../logger.ts'
import type { Store } from '../store/ports.ts'
import type { RoomService } from '../rooms/room-service.ts'
import type { RoomEventLog } from '../rooms/event-log.ts'
import type { Caller } from '../rooms/result.ts'
import type { RealtimeHub } from './hub.ts'
import type { CallFrontDoor } from '../calls/call-service.ts'
import type { PeopleService } from '../accounts/people-service.ts'
import type { PresenceRegistry } from './presence-registry.ts'

export type RealtimeLimits = {
  messagesPerSecond: number
  pingIntervalMs: number
  helloTimeoutMs: number
  sendBufferBytes: number
  /** Events replayed on resume at most; further behind gets a resync. */
  maxReplay: number
  /** How long a session waits for an out-of-order event before reading it from the log. */
  gapWaitMs: number
  /** How often a session checks that its credentials still hold (logout, revocation, removal). */
  reauthIntervalMs: number
}

/** Checks again whether the credentials a session was opened with are still good. */
export type StillValid = () => Promise<boolean>

/**
 * Typing in rooms hosted on other instances (cascade-member.ts): it goes to the room's host over
 * the call channel, and comes back from it (everyone's, ours included) as the room's typing frames.
 */
export interface HostedRoomTyping {
  /** A session streams `roomId`: when the room is hosted elsewhere, its typing news is followed. */
  watch(caller: Caller, roomId: string): void
  /** Sends the caller's typing to the room's host; false when the room is hosted here. */
  typing(caller: Caller, roomId: string, typing: boolean): Promise<boolean>
}

/** What every session of one gateway shares. */
export type GatewayContext = {
  store: Store
  rooms: RoomService
  events: RoomEventLog
  /** Users' statuses, carried by their presence frames. */
  people: PeopleService
  hub: RealtimeHub
  /** Who is online in which room, on every node. */
  presence: PresenceRegistry
  /** The CallService, or (several nodes) the CallForwarding in front of it. */
  calls: CallFrontDoor
  /** Absent without federation. */
  hostedTyping?: HostedRoomTyping
  flusher: Flusher
  log: Logger
  limits: RealtimeLimits
  authenticate(
    auth: HelloAuth,
  ): Promise<{ ok: true; caller: Caller; stillValid: StillValid } | { ok: false; error: ErrorCode }>
}

/** Flushes the sessions that queued frames, once per event-loop turn. */
export class Flusher {
  readonly #pending = new Set<{ flush(): void }>()
  #scheduled = false

  schedule(session: { flush(): void }): void {
    this.#pending.add(session)
    if (this.#scheduled) return
    this.#scheduled = true
    setImmediate(() => {
      this.#scheduled = false
      const sessions = [...this.#pending]
      this.#pending.clear()
      for (const s of sessions) {
        try {
          s.flush()
        } catch {
          // A socket that fails here closes itself; the others still get their frames.
        }
      }
    })
  }
}
