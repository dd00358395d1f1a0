/** What is new in a room for one reader, from the `messages` and `notifications` collections. */
import type { Collection, Db } from 'mongodb'
import type { RoomActivity, RoomActivityRepository } from '../ports.ts'
import type { MessageRecord, NotificationRecord } from '../records.ts'
import { withoutId } from './mongo-util.ts'

export class MongoRoomActivityRepository implements RoomActivityRepository {
  readonly #messages: Collection<MessageRecord & { _id: string }>
  readonly #notifications: Collection<NotificationRecord & { _id: string }>
  constructor(db: Db) {
    this.#messages = db.collection('messages')
    this.#notifications = db.collection('notifications')
  }

  async of(roomId: string, reader: { actorId: string; lastReadSeq: number }, now: number): Promise<RoomActivity> {
    const live = { $or: [{ expiresAt: null }, { expiresAt: { $gt: now } }] }
    const unreadCount = await this.#messages.countDocuments({
      roomId,
      seq: { $gt: reader.lastReadSeq },
      kind: { $ne: 'system' },
      deletedAt: null,
      actorId: { $ne: reader.actorId },
      ...live,
    })
    const mentioned = await this.#notifications
      .find({ userId: reader.actorId, roomId, seq: { $gt: reader.lastReadSeq } }, { projection: { seq: 1 } })
      .toArray()
    const unreadMentions =
      mentioned.length === 0
        ? 0
        : await this.#messages.countDocuments({
            roomId,
            seq: { $in: mentioned.map((n) => n.seq) },
            deletedAt: null,
            ...live,
          })
    const last = await this.#messages
      .find({ roomId, ...live })
      .sort({ seq: -1 })
      .limit(1)
      .next()
    return { unreadCount, unreadMentions, lastMessage: withoutId(last) }
  }
}
