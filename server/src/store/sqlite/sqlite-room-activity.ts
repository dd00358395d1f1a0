import type { DatabaseSync } from 'node:sqlite'
import type { RoomActivity, RoomActivityRepository } from '../ports.ts'
import { cached } from './sqlite-util.ts'
import { columns, toMessage } from './sqlite-messages.ts'

export class SqliteRoomActivityRepository implements RoomActivityRepository {
  readonly #db: DatabaseSync
  constructor(db: DatabaseSync) {
    this.#db = db
  }

  async of(roomId: string, reader: { actorId: string; lastReadSeq: number }, now: number): Promise<RoomActivity> {
    const unread = cached(
      this.#db,
      `SELECT COUNT(*) AS n FROM messages
       WHERE room_id = ? AND seq > ? AND kind != 'system' AND deleted_at IS NULL AND actor_id != ?
         AND (expires_at IS NULL OR expires_at > ?)`,
    ).get(roomId, reader.lastReadSeq, reader.actorId, now)
    const mentions = cached(
      this.#db,
      `SELECT COUNT(*) AS n FROM notifications n
       JOIN messages m ON m.room_id = n.room_id AND m.seq = n.seq
       WHERE n.user_id = ? AND n.room_id = ? AND n.seq > ? AND m.deleted_at IS NULL
         AND (m.expires_at IS NULL OR m.expires_at > ?)`,
    ).get(reader.actorId, roomId, reader.lastReadSeq, now)
    const last = cached(
      this.#db,
      `SELECT ${columns} FROM messages WHERE room_id = ? AND (expires_at IS NULL OR expires_at > ?)
       ORDER BY seq DESC LIMIT 1`,
    ).get(roomId, now)
    return {
      unreadCount: Number(unread?.n ?? 0),
      unreadMentions: Number(mentions?.n ?? 0),
      lastMessage: last ? toMessage(last) : null,
    }
  }
}
