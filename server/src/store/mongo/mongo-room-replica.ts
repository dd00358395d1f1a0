/** Member side on MongoDB: replicas of remote rooms' messages, mirroring `sqlite/sqlite-room-replica.ts`. */
import type { Collection, Db } from 'mongodb'
import type {
  ReplicaMessageRecord,
  RoomFanoutCursorRepository,
  RoomFanoutEvent,
  RoomReplicaRepository,
} from '@parley/federation'
import { changedMessageSeq } from '@parley/federation'

export const REPLICA_INDEXES = {
  federation_replica_events: [{ key: { roomId: 1, seq: 1 }, name: 'room_seq_unique', unique: true }],
  federation_replica_messages: [{ key: { roomId: 1, seq: 1 }, name: 'room_seq_unique', unique: true }],
  federation_room_fanout: [{ key: { roomId: 1 }, name: 'room_unique', unique: true }],
  federation_replica_heads: [{ key: { roomId: 1 }, name: 'room_unique', unique: true }],
} as const

export class MongoRoomReplicaRepository implements RoomReplicaRepository {
  readonly #events: Collection<{ roomId: string; seq: number }>
  readonly #messages: Collection<ReplicaMessageRecord>
  readonly #heads: Collection<{ roomId: string; seq: number }>
  constructor(db: Db) {
    this.#events = db.collection('federation_replica_events')
    this.#messages = db.collection('federation_replica_messages')
    this.#heads = db.collection('federation_replica_heads')
  }

  async apply(
    roomId: string,
    eventSeq: number,
    event: RoomFanoutEvent,
  ): Promise<'applied' | 'duplicate' | 'missing-message'> {
    // The change first, then the marker: a crash between them re-applies a change that is idempotent.
    if (await this.#events.findOne({ roomId, seq: eventSeq })) return 'duplicate'
    // Read markers, polls (kept by the mirror in the ordinary poll tables) and participants change
    // no message of the replica: only that the event was seen is recorded.
    const key = { roomId, seq: event.type === 'message.new' ? event.messageSeq : (changedMessageSeq(event) ?? 0) }
    if (changedMessageSeq(event) !== null && !(await this.#messages.findOne(key))) return 'missing-message'
    switch (event.type) {
      case 'message.new':
        await this.#messages.updateOne(
          key,
          {
            $setOnInsert: {
              ...key,
              authorId: event.author.id,
              authorName: event.author.name,
              body: event.body,
              replyTo: event.replyTo,
              createdAt: event.createdAt,
              editedAt: event.editedAt,
              deletedAt: null,
              reactions: [],
            },
          },
          { upsert: true },
        )
        break
      case 'message.edited':
        await this.#messages.updateOne(key, { $set: { body: event.body, editedAt: event.editedAt } })
        break
      case 'message.deleted':
        await this.#messages.updateOne(key, { $set: { body: '', deletedAt: event.at, reactions: [] } })
        break
      case 'message.expired':
        await this.#messages.deleteOne({ roomId, seq: event.messageSeq })
        break
      case 'reaction.added':
      case 'reaction.removed':
        await this.#messages.updateOne(key, { $pull: { reactions: { emoji: event.emoji, actorId: event.actor.id } } })
        if (event.type === 'reaction.added')
          await this.#messages.updateOne(key, {
            $push: { reactions: { emoji: event.emoji, actorId: event.actor.id, actorName: event.actor.name } },
          })
        break
    }
    const result = await this.#events.updateOne(
      { roomId, seq: eventSeq },
      { $setOnInsert: { roomId, seq: eventSeq } },
      { upsert: true },
    )
    return result.upsertedCount === 1 ? 'applied' : 'duplicate'
  }

  async messages(roomId: string, afterSeq: number, limit: number): Promise<ReplicaMessageRecord[]> {
    const docs = await this.#messages
      .find({ roomId, seq: { $gt: afterSeq } })
      .sort({ seq: 1 })
      .limit(limit)
      .toArray()
    return docs.map(({ _id, ...rest }) => rest as ReplicaMessageRecord)
  }

  async store(roomId: string, messages: readonly ReplicaMessageRecord[]): Promise<void> {
    if (messages.length === 0) return
    await this.#messages.bulkWrite(
      messages.map((m) => ({
        replaceOne: { filter: { roomId, seq: m.seq }, replacement: { ...m, roomId }, upsert: true },
      })),
      { ordered: true },
    )
  }

  async head(roomId: string): Promise<number> {
    return (await this.#heads.findOne({ roomId }))?.seq ?? 0
  }

  async advanceHead(roomId: string, eventSeq: number): Promise<void> {
    await this.#heads.updateOne({ roomId }, { $max: { seq: eventSeq } }, { upsert: true })
  }

  async drop(roomId: string): Promise<void> {
    await Promise.all([
      this.#messages.deleteMany({ roomId }),
      this.#events.deleteMany({ roomId }),
      this.#heads.deleteMany({ roomId }),
    ])
  }
}

export class MongoRoomFanoutCursorRepository implements RoomFanoutCursorRepository {
  readonly #cursors: Collection<{ roomId: string; seq: number }>
  constructor(db: Db) {
    this.#cursors = db.collection('federation_room_fanout')
  }

  async advance(roomId: string, seq: number): Promise<void> {
    await this.#cursors.updateOne({ roomId }, { $max: { seq } }, { upsert: true })
  }

  async get(roomId: string): Promise<number> {
    return (await this.#cursors.findOne({ roomId }))?.seq ?? 0
  }

  async forget(roomId: string): Promise<void> {
    await this.#cursors.deleteOne({ roomId })
  }

  async list(): Promise<{ roomId: string; seq: number }[]> {
    return (await this.#cursors.find({}).sort({ roomId: 1 }).toArray()).map(({ roomId, seq }) => ({ roomId, seq }))
  }
}
