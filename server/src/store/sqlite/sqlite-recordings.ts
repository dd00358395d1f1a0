/** Call recordings on SQLite: the converted files of each room's calls, so the list survives restarts. */
import type { DatabaseSync } from 'node:sqlite'
import type { RecordingRepository } from '../ports.ts'
import type { RecordingRecord } from '../records.ts'
import { cached, type Row } from './sqlite-util.ts'

function toRecording(row: Row): RecordingRecord {
  return {
    id: String(row.id),
    roomId: String(row.room_id),
    callId: String(row.call_id),
    kind: row.kind === 'audio' ? 'audio' : 'video',
    source: row.source === 'screen' ? 'screen' : 'camera',
    participantId: String(row.participant_id),
    actor:
      row.actor_type === 'user' || row.actor_type === 'guest'
        ? { type: row.actor_type, id: String(row.actor_id), name: String(row.actor_name) }
        : null,
    mimeType: String(row.mime_type),
    bytes: Number(row.bytes),
    path: String(row.path),
    createdAt: Number(row.created_at),
  }
}

export class SqliteRecordingRepository implements RecordingRepository {
  readonly #db: DatabaseSync
  constructor(db: DatabaseSync) {
    this.#db = db
  }

  async add(r: RecordingRecord): Promise<void> {
    cached(
      this.#db,
      `INSERT INTO recordings (id, room_id, call_id, kind, source, participant_id, actor_type, actor_id, actor_name,
         mime_type, bytes, path, created_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`,
    ).run(
      r.id,
      r.roomId,
      r.callId,
      r.kind,
      r.source,
      r.participantId,
      r.actor?.type ?? null,
      r.actor?.id ?? null,
      r.actor?.name ?? null,
      r.mimeType,
      r.bytes,
      r.path,
      r.createdAt,
    )
  }

  async listForRoom(roomId: string): Promise<RecordingRecord[]> {
    return cached(this.#db, 'SELECT * FROM recordings WHERE room_id = ? ORDER BY created_at, rowid')
      .all(roomId)
      .map(toRecording)
  }

  async byId(roomId: string, id: string): Promise<RecordingRecord | null> {
    const row = cached(this.#db, 'SELECT * FROM recordings WHERE room_id = ? AND id = ?').get(roomId, id)
    return row ? toRecording(row) : null
  }

  async delete(roomId: string, id: string): Promise<boolean> {
    return Number(cached(this.#db, 'DELETE FROM recordings WHERE room_id = ? AND id = ?').run(roomId, id).changes) === 1
  }
}
