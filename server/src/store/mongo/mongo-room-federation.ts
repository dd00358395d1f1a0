/** Room membership across instances on MongoDB, mirroring `sqlite/sqlite-room-federation.ts` (same contract suite). */
import type { Collection, Db } from 'mongodb'
import type {
  RoomInvitationRecord,
  RoomInvitationRepository,
  RoomInviteRecord,
  RoomInviteRepository,
  RoomInviteState,
} from '@parley/federation'

export const ROOM_MEMBERSHIP_INDEXES = {
  federation_room_members: [
    { key: { userId: 1, actorId: 1 }, name: 'user_actor_unique', unique: true },
    { key: { userId: 1, createdAt: 1, actorId: 1 }, name: 'order' },
    { key: { actorId: 1, followId: 1 }, name: 'follow' },
  ],
  federation_room_invites: [
    { key: { inviteId: 1 }, name: 'invite_unique', unique: true },
    { key: { roomId: 1, state: 1, createdAt: 1 }, name: 'room' },
  ],
  federation_room_invitations: [
    { key: { inviteId: 1 }, name: 'invite_unique', unique: true },
    { key: { userId: 1, state: 1, createdAt: 1 }, name: 'user' },
    { key: { roomId: 1, state: 1 }, name: 'room' },
  ],
} as const

const strip = <T extends object>(doc: T & { _id?: unknown }): T => {
  const { _id, ...rest } = doc
  return rest as T
}

export class MongoRoomInviteRepository implements RoomInviteRepository {
  readonly #invites: Collection<RoomInviteRecord>
  constructor(db: Db) {
    this.#invites = db.collection('federation_room_invites')
  }

  async add(invite: RoomInviteRecord): Promise<void> {
    await this.#invites.insertOne({ ...invite })
  }

  async get(inviteId: string): Promise<RoomInviteRecord | null> {
    const doc = await this.#invites.findOne({ inviteId })
    return doc ? strip(doc) : null
  }

  async answer(inviteId: string, state: 'accepted' | 'rejected'): Promise<boolean> {
    return (await this.#invites.updateOne({ inviteId, state: 'pending' }, { $set: { state } })).modifiedCount === 1
  }

  async pendingFor(roomId: string): Promise<RoomInviteRecord[]> {
    return (await this.#invites.find({ roomId, state: 'pending' }).sort({ createdAt: 1, inviteId: 1 }).toArray()).map(
      (doc) => strip(doc),
    )
  }
}

export class MongoRoomInvitationRepository implements RoomInvitationRepository {
  readonly #invitations: Collection<RoomInvitationRecord>
  constructor(db: Db) {
    this.#invitations = db.collection('federation_room_invitations')
  }

  async receive(invitation: RoomInvitationRecord): Promise<boolean> {
    const result = await this.#invitations.updateOne(
      { inviteId: invitation.inviteId },
      { $setOnInsert: { ...invitation } },
      { upsert: true },
    )
    return result.upsertedCount === 1
  }

  async get(inviteId: string): Promise<RoomInvitationRecord | null> {
    const doc = await this.#invitations.findOne({ inviteId })
    return doc ? strip(doc) : null
  }

  async listForUser(userId: string, state: RoomInviteState): Promise<RoomInvitationRecord[]> {
    return (await this.#invitations.find({ userId, state }).sort({ createdAt: 1, inviteId: 1 }).toArray()).map((doc) =>
      strip(doc),
    )
  }

  async rename(roomId: string, name: string): Promise<void> {
    await this.#invitations.updateMany({ roomId }, { $set: { roomName: name } })
  }

  async remove(inviteId: string): Promise<boolean> {
    return (await this.#invitations.deleteOne({ inviteId })).deletedCount === 1
  }

  async acceptedFor(roomId: string): Promise<RoomInvitationRecord[]> {
    return (
      await this.#invitations.find({ roomId, state: 'accepted' }).sort({ createdAt: 1, inviteId: 1 }).toArray()
    ).map((doc) => strip(doc))
  }

  async answer(inviteId: string, state: 'accepted' | 'rejected'): Promise<boolean> {
    return (await this.#invitations.updateOne({ inviteId, state: 'pending' }, { $set: { state } })).modifiedCount === 1
  }

  async forgetRoom(roomId: string): Promise<RoomInvitationRecord[]> {
    const gone = (await this.#invitations.find({ roomId }).sort({ createdAt: 1, inviteId: 1 }).toArray()).map((doc) =>
      strip(doc),
    )
    await this.#invitations.deleteMany({ roomId, inviteId: { $in: gone.map((i) => i.inviteId) } })
    return gone
  }
}
