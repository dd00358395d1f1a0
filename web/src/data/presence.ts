/**
 * Who is online in each room of the session and with which status (online, away, do not disturb,
 * a message). Seeded by `welcome` (who is online, without status: the next presence frame of each
 * person brings theirs), kept current by presence frames; my own status by `status` frames.
 */
import type { ServerPresence, ServerWelcome, UserStatus } from '@parley/client/browser'
import { Observable } from './observable.ts'

/** A person's presence in a room: offline (absent), or online with a status when they set one. */
export type Presence = { online: true; status: UserStatus | null }

export class PresenceStore {
  /** Room id → actor id → presence (only those online). */
  readonly rooms = new Observable<ReadonlyMap<string, ReadonlyMap<string, Presence>>>(new Map())
  readonly mine = new Observable<UserStatus | null>(null)

  onWelcome(welcome: ServerWelcome): void {
    const rooms = new Map<string, Map<string, Presence>>()
    for (const [roomId, actors] of Object.entries(welcome.online)) {
      const before = this.rooms.get().get(roomId)
      rooms.set(roomId, new Map(actors.map((a) => [a.id, before?.get(a.id) ?? { online: true, status: null }])))
    }
    this.rooms.set(rooms)
  }

  onPresence(frame: ServerPresence): void {
    this.rooms.update((rooms) => {
      const next = new Map(rooms)
      const room = new Map(next.get(frame.roomId) ?? [])
      if (frame.online) room.set(frame.actor.id, { online: true, status: frame.status ?? null })
      else room.delete(frame.actor.id)
      next.set(frame.roomId, room)
      return next
    })
  }

  of(roomId: string, actorId: string): Presence | null {
    return this.rooms.get().get(roomId)?.get(actorId) ?? null
  }
}
