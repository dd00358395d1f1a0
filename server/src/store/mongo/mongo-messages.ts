import type { Collection, Db } from 'mongodb'
import type { EventDraft, HistoryQuery, MessageRepository, RoomEventRepository } from '../ports.ts'
import type { MessageRecord, ReactionRecord, RoomEventRecord } from '../records.ts'
import { withoutId } from './mongo-util.ts'
import { mongoTextFilter } from './mongo-search.ts'

type MessageDoc = MessageRecord & { _id: string }
type ReactionDoc = ReactionRecord & { _id: string }
type EventDoc = RoomEventRecord & { _id: string }

const key = (roomId: string, seq: number) => `${roomId} ${seq}`

/**
 * The room's next seq ($inc on the room document: atomic on the server). Without a multi-document
 * transaction the message and event writes that follow are separate; a crash between them leaves a
 * gap in the numbering, which clients tolerate (seqs are increasing, not dense).
 */
async function nextSeq(rooms: Collection<{ _id: string; lastSeq: number }>, roomId: string): Promise<number> {
  const doc = await rooms.findOneAndUpdate(
    { _id: roomId },
    { $inc: { lastSeq: 1 } },
    { returnDocument: 'after', projection: { lastSeq: 1 } },
  )
  if (!doc) throw new TypeError(`no room ${roomId}`)
  return doc.lastSeq
}

export class MongoMessageRepository implements MessageRepository {
  readonly #messages: Collection<MessageDoc>
  readonly #reactions: Collection<ReactionDoc>
  readonly #rooms: Collection<{ _id: string; lastSeq: number }>
  readonly #events: Collection<EventDoc>
  readonly #notifications: Collection<{ _id: string; roomId: string; seq: number }>
  constructor(db: Db) {
    this.#messages = db.collection('messages')
    this.#reactions = db.collection('reactions')
    this.#rooms = db.collection('rooms')
    this.#events = db.collection('room_events')
    this.#notifications = db.collection('notifications')
  }

  async post(
    draft: Omit<MessageRecord, 'seq'>,
    toEvent: (message: MessageRecord) => EventDraft,
  ): Promise<{ message: MessageRecord; event: RoomEventRecord }> {
    const message = { ...draft, seq: await nextSeq(this.#rooms, draft.roomId) }
    await this.create(message)
    const event = {
      roomId: message.roomId,
      seq: message.seq,
      ...toEvent(message),
      createdAt: message.createdAt,
      expiresAt: message.expiresAt,
    }
    try {
      await this.#events.insertOne({ _id: key(event.roomId, event.seq), ...event })
    } catch (error) {
      // Its event refused (an action id applied already): no message without its event.
      await this.#messages.deleteOne({ _id: key(message.roomId, message.seq) })
      throw error
    }
    return { message, event }
  }

  async create(m: MessageRecord): Promise<void> {
    await this.#messages.insertOne({ _id: key(m.roomId, m.seq), ...m })
  }

  async get(roomId: string, seq: number): Promise<MessageRecord | null> {
    return withoutId(await this.#messages.findOne({ _id: key(roomId, seq) }))
  }

  async history(query: HistoryQuery): Promise<MessageRecord[]> {
    if ('before' in query) {
      const docs = await this.#messages
        .find({ roomId: query.roomId, seq: { $lt: query.before } })
        .sort({ seq: -1 })
        .limit(query.limit)
        .toArray()
      return docs.map((doc) => withoutId(doc) as MessageRecord).reverse()
    }
    const docs = await this.#messages
      .find({ roomId: query.roomId, seq: { $gt: query.after } })
      .sort({ seq: 1 })
      .limit(query.limit)
      .toArray()
    return docs.map((doc) => withoutId(doc) as MessageRecord)
  }

  async edit(roomId: string, seq: number, body: string, at: number): Promise<MessageRecord | null> {
    await this.#messages.updateOne({ _id: key(roomId, seq), deletedAt: null }, { $set: { body, editedAt: at } })
    return this.get(roomId, seq)
  }

  async tombstone(roomId: string, seq: number, at: number): Promise<MessageRecord | null> {
    await this.#messages.updateOne(
      { _id: key(roomId, seq), deletedAt: null },
      { $set: { body: '', data: null, deletedAt: at } },
    )
    await this.#reactions.deleteMany({ roomId, seq })
    return this.get(roomId, seq)
  }

  async search(roomIds: string[], query: string, limit: number, now: number): Promise<MessageRecord[]> {
    const text = mongoTextFilter(query)
    if (!text || roomIds.length === 0) return []
    const docs = await this.#messages
      .find({
        ...text,
        kind: 'text',
        deletedAt: null,
        roomId: { $in: roomIds },
        $or: [{ expiresAt: null }, { expiresAt: { $gt: now } }],
      })
      .sort({ createdAt: -1, seq: -1 })
      .limit(limit)
      .toArray()
    return docs.map((doc) => withoutId(doc) as MessageRecord)
  }

  async deleteExpired(now: number): Promise<{ roomId: string; seq: number }[]> {
    const expired = await this.#messages
      .find({ expiresAt: { $ne: null, $lte: now } }, { projection: { roomId: 1, seq: 1 } })
      .toArray()
    const removed: { roomId: string; seq: number }[] = []
    // One by one: when several nodes sweep at once, each message is claimed (and announced) by one.
    for (const m of expired) {
      if ((await this.#messages.deleteOne({ _id: m._id })).deletedCount !== 1) continue
      await this.#reactions.deleteMany({ roomId: m.roomId, seq: m.seq })
      await this.#notifications.deleteMany({ roomId: m.roomId, seq: m.seq })
      removed.push({ roomId: m.roomId, seq: m.seq })
    }
    return removed
  }

  async remove(roomId: string, seq: number): Promise<boolean> {
    if ((await this.#messages.deleteOne({ roomId, seq })).deletedCount !== 1) return false
    await this.#reactions.deleteMany({ roomId, seq })
    await this.#notifications.deleteMany({ roomId, seq })
    return true
  }

  async nextExpiry(): Promise<number | null> {
    const [first] = await this.#messages
      .find({ expiresAt: { $ne: null } }, { projection: { expiresAt: 1 } })
      .sort({ expiresAt: 1 })
      .limit(1)
      .toArray()
    return first?.expiresAt ?? null
  }

  async addReaction(r: ReactionRecord): Promise<boolean> {
    const result = await this.#reactions.updateOne(
      { _id: `${r.roomId} ${r.seq} ${r.emoji} ${r.actorId}` },
      { $setOnInsert: { ...r } },
      { upsert: true },
    )
    return result.upsertedCount === 1
  }

  async removeReaction(roomId: string, seq: number, emoji: string, actorId: string): Promise<boolean> {
    return (await this.#reactions.deleteOne({ _id: `${roomId} ${seq} ${emoji} ${actorId}` })).deletedCount === 1
  }

  async reactions(roomId: string, seqs: number[]): Promise<ReactionRecord[]> {
    if (seqs.length === 0) return []
    const docs = await this.#reactions
      .find({ roomId, seq: { $in: seqs } })
      .sort({ createdAt: 1, _id: 1 })
      .toArray()
    return docs.map((doc) => withoutId(doc) as ReactionRecord)
  }
}

export class MongoRoomEventRepository implements RoomEventRepository {
  readonly #events: Collection<EventDoc>
  readonly #rooms: Collection<{ _id: string; lastSeq: number }>
  constructor(db: Db) {
    this.#events = db.collection('room_events')
    this.#rooms = db.collection('rooms')
  }

  async appendNext(
    roomId: string,
    build: (seq: number) => EventDraft,
    createdAt: number,
    expiresAt: number | null,
  ): Promise<RoomEventRecord> {
    const seq = await nextSeq(this.#rooms, roomId)
    const event = { roomId, seq, ...build(seq), createdAt, expiresAt }
    await this.append(event)
    return event
  }

  async append(e: RoomEventRecord): Promise<void> {
    await this.#events.insertOne({ _id: key(e.roomId, e.seq), ...e })
  }

  async since(roomId: string, afterSeq: number, limit: number): Promise<RoomEventRecord[]> {
    const docs = await this.#events
      .find({ roomId, seq: { $gt: afterSeq } })
      .sort({ seq: 1 })
      .limit(limit)
      .toArray()
    return docs.map((doc) => withoutId(doc) as RoomEventRecord)
  }

  async oldestSeq(roomId: string): Promise<number | null> {
    const doc = await this.#events.findOne({ roomId }, { sort: { seq: 1 }, projection: { seq: 1 } })
    return doc ? doc.seq : null
  }

  async byAction(roomId: string, actionId: string): Promise<number | null> {
    const doc = await this.#events.findOne({ roomId, actionId }, { projection: { seq: 1 } })
    return doc ? doc.seq : null
  }

  async prune(before: number, now: number): Promise<number> {
    return (
      await this.#events.deleteMany({ $or: [{ createdAt: { $lt: before } }, { expiresAt: { $ne: null, $lte: now } }] })
    ).deletedCount
  }
}
