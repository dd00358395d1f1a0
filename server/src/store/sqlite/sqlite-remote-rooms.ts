/** Member side on SQLite: which local room mirrors which remote room, and writes waiting for their host. */
import type { DatabaseSync } from 'node:sqlite'
import type { QueuedRoomWriteRecord, RemoteRoomRepository } from '../ports.ts'
import { cached, isUniqueViolation, type Row } from './sqlite-util.ts'

function toWrite(row: Row): QueuedRoomWriteRecord {
  return {
    actionId: String(row.action_id),
    roomId: String(row.room_id),
    userId: String(row.user_id),
    action: JSON.parse(String(row.action)) as Record<string, unknown>,
    createdAt: Number(row.created_at),
    attempts: Number(row.attempts),
  }
}

export class SqliteRemoteRoomRepository implements RemoteRoomRepository {
  readonly #db: DatabaseSync
  constructor(db: DatabaseSync) {
    this.#db = db
  }

  async link(roomId: string, roomUri: string): Promise<boolean> {
    try {
      cached(this.#db, 'INSERT INTO remote_rooms (room_id, room_uri) VALUES (?, ?)').run(roomId, roomUri)
      return true
    } catch (error) {
      if (isUniqueViolation(error, 'remote_rooms.')) return false
      throw error
    }
  }

  async roomOf(roomUri: string): Promise<string | null> {
    const row = cached(this.#db, 'SELECT room_id FROM remote_rooms WHERE room_uri = ?').get(roomUri)
    return row ? String(row.room_id) : null
  }

  async hostOf(roomId: string): Promise<string | null> {
    const row = cached(this.#db, 'SELECT room_uri FROM remote_rooms WHERE room_id = ?').get(roomId)
    return row ? String(row.room_uri) : null
  }

  async list(): Promise<{ roomId: string; roomUri: string }[]> {
    return cached(this.#db, 'SELECT room_id, room_uri FROM remote_rooms ORDER BY room_id')
      .all()
      .map((row) => ({ roomId: String(row.room_id), roomUri: String(row.room_uri) }))
  }

  async unlink(roomId: string): Promise<void> {
    cached(this.#db, 'DELETE FROM remote_rooms WHERE room_id = ?').run(roomId)
  }

  async advanceSeq(roomId: string, seq: number): Promise<void> {
    cached(this.#db, 'UPDATE rooms SET last_seq = max(last_seq, ?) WHERE id = ?').run(seq, roomId)
  }

  async enqueue(write: QueuedRoomWriteRecord): Promise<void> {
    cached(
      this.#db,
      'INSERT INTO remote_room_writes (action_id, room_id, user_id, action, created_at, attempts) VALUES (?, ?, ?, ?, ?, ?) ON CONFLICT (action_id) DO NOTHING',
    ).run(write.actionId, write.roomId, write.userId, JSON.stringify(write.action), write.createdAt, write.attempts)
  }

  async queued(roomId?: string): Promise<QueuedRoomWriteRecord[]> {
    return (
      roomId === undefined
        ? cached(this.#db, 'SELECT * FROM remote_room_writes ORDER BY ord').all()
        : cached(this.#db, 'SELECT * FROM remote_room_writes WHERE room_id = ? ORDER BY ord').all(roomId)
    ).map(toWrite)
  }

  async attempted(actionId: string): Promise<void> {
    cached(this.#db, 'UPDATE remote_room_writes SET attempts = attempts + 1 WHERE action_id = ?').run(actionId)
  }

  async dequeue(actionId: string): Promise<void> {
    cached(this.#db, 'DELETE FROM remote_room_writes WHERE action_id = ?').run(actionId)
  }
}
