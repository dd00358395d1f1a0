/**
 * Where each person's avatar is, by actor id. Messages and participants name people without their
 * avatar, so the book is filled from what does carry one: my profile, a room's mention candidates
 * (its participants, remote ones included), directory results and one-to-one rooms' remote peers.
 */
import type { Parley } from '@parley/client/browser'
import { Observable } from './observable.ts'

export class AvatarBook {
  readonly urls = new Observable<ReadonlyMap<string, string | null>>(new Map())
  /** Room id → the other person of a one-to-one room (the room list shows their picture). */
  readonly peers = new Observable<ReadonlyMap<string, string>>(new Map())
  readonly #parley: Parley
  readonly #me: () => string
  readonly #loadedRooms = new Map<string, Promise<void>>()

  constructor(parley: Parley, me: () => string) {
    this.#parley = parley
    this.#me = me
  }

  set(entries: Iterable<readonly [string, string | null]>): void {
    const list = [...entries]
    const known = this.urls.get()
    if (list.every(([id, url]) => known.has(id) && known.get(id) === url)) return
    this.urls.update((urls) => new Map([...urls, ...list]))
  }

  /** The avatars of a room's participants (once per room until `forgetRoom`). */
  loadRoom(roomId: string): Promise<void> {
    let loading = this.#loadedRooms.get(roomId)
    if (!loading) {
      loading = this.#parley.rest
        .mentionCandidates(roomId, '', 50)
        .then(({ candidates }) => {
          const inRoom = candidates.filter((c) => c.inRoom)
          this.set(inRoom.map((c) => [c.actorId, c.avatarUrl] as const))
          const other = inRoom.find((c) => c.actorId !== this.#me())
          if (other && inRoom.length === 2) this.peers.update((peers) => new Map([...peers, [roomId, other.actorId]]))
        })
        .catch((error: unknown) => {
          this.#loadedRooms.delete(roomId)
          console.warn('avatars of the room could not be loaded', error)
        })
      this.#loadedRooms.set(roomId, loading)
    }
    return loading
  }

  /** A participant joined or changed: their avatar is looked up again. */
  forgetRoom(roomId: string): void {
    this.#loadedRooms.delete(roomId)
  }
}
