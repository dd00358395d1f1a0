/**
 * The server's side of remote room membership (the federation's `RoomMembershipPort`): remote
 * accounts become participants through the room service, so local clients see them join. The
 * federation is built before the chat stack, so the room service is bound once both exist; until
 * then a call fails and Fedify's inbox queue retries it.
 */
import type { RoomMembershipPort } from '@parley/federation'
import type { RoomService } from '../rooms/room-service.ts'
import type { Store } from '../store/ports.ts'

export class RemoteMembership implements RoomMembershipPort {
  readonly #store: Store
  #rooms: RoomService | null = null

  constructor(store: Store) {
    this.#store = store
  }

  bind(rooms: RoomService): void {
    this.#rooms = rooms
  }

  async addRemoteMember(roomId: string, member: { actorId: string; displayName: string }): Promise<void> {
    if (!this.#rooms) throw new Error('remote membership: no room service bound yet')
    await this.#rooms.addRemoteMember(roomId, member.actorId, member.displayName)
  }

  async removeRemoteMember(roomId: string, actorId: string): Promise<boolean> {
    return this.#store.participants.remove(roomId, actorId)
  }
}
