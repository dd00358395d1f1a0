/** Member side on MongoDB, mirroring `sqlite/sqlite-remote-rooms.ts`: mirrors of remote rooms, writes waiting for their host. */
import type { Collection, Db } from 'mongodb'
import type { QueuedRoomWriteRecord, RemoteRoomRepository } from '../ports.ts'

export const REMOTE_ROOM_INDEXES = {
  remote_rooms: [{ key: { roomUri: 1 }, name: 'room_uri_unique', unique: true }],
  remote_room_writes: [{ key: { roomId: 1, ord: 1 }, name: 'room_ord' }],
} as const

type LinkDoc = { _id: string; roomUri: string }
type WriteDoc = QueuedRoomWriteRecord & { _id: string; ord: number }

export class MongoRemoteRoomRepository implements RemoteRoomRepository {
  readonly #links: Collection<LinkDoc>
  readonly #writes: Collection<WriteDoc>
  readonly #rooms: Collection<{ _id: string; lastSeq: number }>
  /** Insertion order within this process, after the time: writes of one user come from one node. */
  #ord = 0

  constructor(db: Db) {
    this.#links = db.collection('remote_rooms')
    this.#writes = db.collection('remote_room_writes')
    this.#rooms = db.collection('rooms')
  }

  async link(roomId: string, roomUri: string): Promise<boolean> {
    try {
      await this.#links.insertOne({ _id: roomId, roomUri })
      return true
    } catch (error) {
      if ((error as { code?: number }).code === 11000) return false
      throw error
    }
  }

  async roomOf(roomUri: string): Promise<string | null> {
    return (await this.#links.findOne({ roomUri }))?._id ?? null
  }

  async hostOf(roomId: string): Promise<string | null> {
    return (await this.#links.findOne({ _id: roomId }))?.roomUri ?? null
  }

  async list(): Promise<{ roomId: string; roomUri: string }[]> {
    return (await this.#links.find().sort({ _id: 1 }).toArray()).map((d) => ({ roomId: d._id, roomUri: d.roomUri }))
  }

  async unlink(roomId: string): Promise<void> {
    await this.#links.deleteOne({ _id: roomId })
  }

  async advanceSeq(roomId: string, seq: number): Promise<void> {
    await this.#rooms.updateOne({ _id: roomId }, { $max: { lastSeq: seq } })
  }

  async enqueue(write: QueuedRoomWriteRecord): Promise<void> {
    const ord = write.createdAt * 1000 + (this.#ord++ % 1000)
    await this.#writes.updateOne({ _id: write.actionId }, { $setOnInsert: { ...write, ord } }, { upsert: true })
  }

  async queued(roomId?: string): Promise<QueuedRoomWriteRecord[]> {
    const docs = await this.#writes
      .find(roomId === undefined ? {} : { roomId })
      .sort({ ord: 1 })
      .toArray()
    return docs.map(({ actionId, roomId, userId, action, createdAt, attempts }) => ({
      actionId,
      roomId,
      userId,
      action,
      createdAt,
      attempts,
    }))
  }

  async attempted(actionId: string): Promise<void> {
    await this.#writes.updateOne({ _id: actionId }, { $inc: { attempts: 1 } })
  }

  async dequeue(actionId: string): Promise<void> {
    await this.#writes.deleteOne({ _id: actionId })
  }
}
