import type { Collection, Db } from 'mongodb'
import type { Created, ParticipantRepository, RoomRepository } from '../ports.ts'
import type { ParticipantPatch, ParticipantRecord, RoomPatch, RoomRecord } from '../records.ts'
import { definedOnly, isDuplicateKey, duplicateField, withoutId, type Doc } from './mongo-util.ts'

export class MongoRoomRepository implements RoomRepository {
  readonly #rooms: Collection<Doc<RoomRecord, 'id'>>
  constructor(db: Db) {
    this.#rooms = db.collection('rooms')
  }

  async create(room: RoomRecord): Promise<Created<RoomRecord>> {
    const { id, ...rest } = room
    try {
      await this.#rooms.insertOne({ _id: id, ...rest })
      return { ok: true, value: { ...room } }
    } catch (error) {
      if (isDuplicateKey(error)) return { ok: false, error: { type: 'conflict', field: duplicateField(error) } }
      throw error
    }
  }

  async byId(id: string): Promise<RoomRecord | null> {
    return fromRoom(await this.#rooms.findOne({ _id: id }))
  }

  async byPairKey(pairKey: string): Promise<RoomRecord | null> {
    return fromRoom(await this.#rooms.findOne({ pairKey }))
  }

  async update(id: string, patch: RoomPatch): Promise<RoomRecord | null> {
    const set = definedOnly(patch)
    if (Object.keys(set).length > 0) await this.#rooms.updateOne({ _id: id }, { $set: set })
    return this.byId(id)
  }

  async nextSeq(id: string): Promise<number> {
    // One findOneAndUpdate with $inc: atomic on the server, whatever the number of nodes.
    const doc = await this.#rooms.findOneAndUpdate({ _id: id }, { $inc: { lastSeq: 1 } }, { returnDocument: 'after' })
    if (!doc) throw new TypeError(`no room ${id}`)
    return doc.lastSeq
  }

  async listable(): Promise<RoomRecord[]> {
    const docs = await this.#rooms
      .find({ listable: { $ne: 'none' }, deletedAt: null })
      .sort({ createdAt: 1, _id: 1 })
      .toArray()
    return docs.map((doc) => fromRoom(doc) as RoomRecord)
  }

  async withExpiry(): Promise<RoomRecord[]> {
    const docs = await this.#rooms.find({ messageExpirySeconds: { $ne: null }, deletedAt: null }).toArray()
    return docs.map((doc) => fromRoom(doc) as RoomRecord)
  }
}

function fromRoom(doc: Doc<RoomRecord, 'id'> | null): RoomRecord | null {
  if (!doc) return null
  const { _id, ...rest } = doc
  // Rooms stored before the e2ee flag existed are not end-to-end encrypted.
  return { id: _id, ...rest, e2ee: rest.e2ee ?? false }
}

type ParticipantDoc = ParticipantRecord & { _id: string }
const participantKey = (roomId: string, actorId: string) => `${roomId} ${actorId}`

export class MongoParticipantRepository implements ParticipantRepository {
  readonly #participants: Collection<ParticipantDoc>
  constructor(db: Db) {
    this.#participants = db.collection('participants')
  }

  async put(p: ParticipantRecord): Promise<void> {
    await this.#participants.replaceOne({ _id: participantKey(p.roomId, p.actorId) }, { ...p }, { upsert: true })
  }

  async get(roomId: string, actorId: string): Promise<ParticipantRecord | null> {
    return withoutId(await this.#participants.findOne({ _id: participantKey(roomId, actorId) }))
  }

  async list(roomId: string): Promise<ParticipantRecord[]> {
    const docs = await this.#participants.find({ roomId }).sort({ joinedAt: 1, actorId: 1 }).toArray()
    return docs.map((doc) => withoutId(doc) as ParticipantRecord)
  }

  async roomsOf(actorId: string): Promise<string[]> {
    const docs = await this.#participants
      .find({ actorId, state: { $ne: 'banned' } })
      .sort({ joinedAt: 1, roomId: 1 })
      .toArray()
    return docs.map((doc) => doc.roomId)
  }

  async update(roomId: string, actorId: string, patch: ParticipantPatch): Promise<ParticipantRecord | null> {
    const set = definedOnly(patch)
    if (Object.keys(set).length > 0)
      await this.#participants.updateOne({ _id: participantKey(roomId, actorId) }, { $set: set })
    return this.get(roomId, actorId)
  }

  async markRead(roomId: string, actorId: string, seq: number): Promise<ParticipantRecord | null> {
    await this.#participants.updateOne({ _id: participantKey(roomId, actorId) }, { $max: { lastReadSeq: seq } })
    return this.get(roomId, actorId)
  }

  async remove(roomId: string, actorId: string): Promise<boolean> {
    return (await this.#participants.deleteOne({ _id: participantKey(roomId, actorId) })).deletedCount === 1
  }
}
