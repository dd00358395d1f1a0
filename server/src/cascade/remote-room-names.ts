/**
 * Member side: the two names of a room hosted elsewhere. Its actor id on the host
 * (`https://host/rooms/{id}`) is what the call channel speaks; the local mirror room's id (one room
 * model: a room hosted elsewhere is a room like any other here) is what the web client uses. A call
 * frame may name the room either way; replies go back with the name the session used.
 */
import type { Store } from '../store/ports.ts'
import { remoteActorId } from '../store/actor-ids.ts'

export type RemoteRoom = {
  /** The host's origin. */
  host: string
  /** The room's actor id on its host. */
  uri: string
  /** The local mirror room, when there is one. */
  mirror: string | null
}

export class RemoteRoomNames {
  readonly #origin: string
  readonly #store: Pick<Store, 'remoteRooms'>

  constructor(origin: string, store: Pick<Store, 'remoteRooms'>) {
    this.#origin = origin
    this.#store = store
  }

  /** The room a call frame names when it is hosted elsewhere; null for rooms hosted here (or unknown). */
  async resolve(roomId: string): Promise<RemoteRoom | null> {
    const host = remoteHostOf(this.#origin, roomId)
    if (host !== null) return { host, uri: roomId, mirror: await this.#store.remoteRooms.roomOf(roomId) }
    // Only mirror rooms can be hosted elsewhere; anything that is not a plausible id is local.
    if (roomId.length > 128) return null
    const uri = await this.#store.remoteRooms.hostOf(roomId)
    if (uri === null) return null
    const mirrorHost = remoteHostOf(this.#origin, uri)
    return mirrorHost === null ? null : { host: mirrorHost, uri, mirror: roomId }
  }

  /** The local mirror room of a room hosted elsewhere, if any. */
  mirrorOf(uri: string): Promise<string | null> {
    return this.#store.remoteRooms.roomOf(uri)
  }
}

/** The origin of a room's host when the room id is another instance's room actor id; null for local rooms. */
export function remoteHostOf(origin: string, roomId: string): string | null {
  const remote = remoteActorId(roomId)
  if (remote === null) return null
  const url = new URL(remote)
  return url.origin === origin || !url.pathname.startsWith('/rooms/') ? null : url.origin
}
