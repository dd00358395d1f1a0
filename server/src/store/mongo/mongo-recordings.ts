/** Call recordings on MongoDB (collection `recordings`, indexed by room and time). */
import type { Collection, Db } from 'mongodb'
import type { RecordingRepository } from '../ports.ts'
import type { RecordingRecord } from '../records.ts'
import type { Doc } from './mongo-util.ts'

/** Documents kept before recordings named their actor have no `actor` field. */
function toRecording({ _id, actor, ...rest }: Doc<RecordingRecord, 'id'>): RecordingRecord {
  return { id: _id, ...rest, actor: actor ?? null }
}

export class MongoRecordingRepository implements RecordingRepository {
  readonly #recordings: Collection<Doc<RecordingRecord, 'id'>>
  constructor(db: Db) {
    this.#recordings = db.collection('recordings')
  }

  async add({ id, ...rest }: RecordingRecord): Promise<void> {
    await this.#recordings.insertOne({ _id: id, ...rest })
  }

  async listForRoom(roomId: string): Promise<RecordingRecord[]> {
    const docs = await this.#recordings.find({ roomId }).sort({ createdAt: 1, _id: 1 }).toArray()
    return docs.map(toRecording)
  }

  async byId(roomId: string, id: string): Promise<RecordingRecord | null> {
    const doc = await this.#recordings.findOne({ _id: id, roomId })
    return doc ? toRecording(doc) : null
  }

  async delete(roomId: string, id: string): Promise<boolean> {
    return (await this.#recordings.deleteOne({ _id: id, roomId })).deletedCount === 1
  }
}
