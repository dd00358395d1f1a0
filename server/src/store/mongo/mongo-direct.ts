/** Direct conversations with remote accounts on MongoDB, mirroring `sqlite/sqlite-direct.ts` (same contract suite). */
import type { Collection, Db } from 'mongodb'
import type {
  DirectConversationRecord,
  DirectConversationRepository,
  DirectNoteRecord,
  DirectNoteRepository,
  DirectRepositories,
} from '../ports.ts'

export const DIRECT_INDEXES = {
  direct_notes: [
    {
      key: { roomId: 1, seq: 1 },
      name: 'room_seq_unique',
      unique: true,
      partialFilterExpression: { seq: { $type: 'number' } },
    },
  ],
} as const

const strip = <T extends object>(doc: T & { _id?: unknown }): T => {
  const { _id, ...rest } = doc
  return rest as T
}

class MongoDirectConversationRepository implements DirectConversationRepository {
  readonly #conversations: Collection<DirectConversationRecord & { _id: string }>
  constructor(db: Db) {
    this.#conversations = db.collection('direct_conversations')
  }

  async put(record: DirectConversationRecord): Promise<void> {
    await this.#conversations.updateOne(
      { _id: record.roomId },
      {
        $set: { account: record.account, updatedAt: record.updatedAt },
        $setOnInsert: { roomId: record.roomId, userId: record.userId, createdAt: record.createdAt },
      },
      { upsert: true },
    )
  }

  async byRoom(roomId: string): Promise<DirectConversationRecord | null> {
    const doc = await this.#conversations.findOne({ _id: roomId }, { projection: { sentSeq: 0 } })
    return doc ? strip(doc) : null
  }

  async cursors(): Promise<{ roomId: string; seq: number }[]> {
    const docs = await this.#conversations
      .find({}, { projection: { sentSeq: 1 } })
      .sort({ _id: 1 })
      .toArray()
    return docs.map((doc) => ({ roomId: doc._id, seq: (doc as { sentSeq?: number }).sentSeq ?? 0 }))
  }

  async advance(roomId: string, seq: number): Promise<void> {
    await this.#conversations.updateOne({ _id: roomId }, { $max: { sentSeq: seq } })
  }
}

class MongoDirectNoteRepository implements DirectNoteRepository {
  readonly #notes: Collection<DirectNoteRecord & { _id: string }>
  constructor(db: Db) {
    this.#notes = db.collection('direct_notes')
  }

  async claim(record: DirectNoteRecord): Promise<boolean> {
    const result = await this.#notes.updateOne(
      { _id: record.noteId },
      { $setOnInsert: { ...record } },
      { upsert: true },
    )
    return result.upsertedCount === 1
  }

  async settle(noteId: string, seq: number): Promise<void> {
    await this.#notes.updateOne({ _id: noteId }, { $set: { seq } })
  }

  async byNote(noteId: string): Promise<DirectNoteRecord | null> {
    const doc = await this.#notes.findOne({ _id: noteId })
    return doc ? strip(doc) : null
  }

  async byMessage(roomId: string, seq: number): Promise<DirectNoteRecord | null> {
    const doc = await this.#notes.findOne({ roomId, seq })
    return doc ? strip(doc) : null
  }
}

export function mongoDirectRepositories(db: Db): DirectRepositories {
  return { conversations: new MongoDirectConversationRepository(db), notes: new MongoDirectNoteRepository(db) }
}
