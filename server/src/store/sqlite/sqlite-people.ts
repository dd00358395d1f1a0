import type { DatabaseSync } from 'node:sqlite'
import type { AvatarRepository, UserStatusRepository } from '../ports.ts'
import type { AvatarRecord, UserStatusRecord } from '../records.ts'
import { cached, nullableNumber, type Row } from './sqlite-util.ts'

export class SqliteAvatarRepository implements AvatarRepository {
  readonly #db: DatabaseSync
  constructor(db: DatabaseSync) {
    this.#db = db
  }

  async put(avatar: AvatarRecord): Promise<void> {
    cached(
      this.#db,
      `INSERT INTO avatars (user_id, media_type, bytes, etag, updated_at) VALUES (?, ?, ?, ?, ?)
       ON CONFLICT (user_id) DO UPDATE SET media_type = excluded.media_type, bytes = excluded.bytes,
         etag = excluded.etag, updated_at = excluded.updated_at`,
    ).run(avatar.userId, avatar.mediaType, avatar.bytes, avatar.etag, avatar.updatedAt)
  }

  async get(userId: string): Promise<AvatarRecord | null> {
    const row = cached(this.#db, 'SELECT * FROM avatars WHERE user_id = ?').get(userId)
    if (!row) return null
    return {
      userId: String(row.user_id),
      mediaType: String(row.media_type),
      bytes: Buffer.from(row.bytes as Uint8Array),
      etag: String(row.etag),
      updatedAt: Number(row.updated_at),
    }
  }

  async delete(userId: string): Promise<boolean> {
    return Number(cached(this.#db, 'DELETE FROM avatars WHERE user_id = ?').run(userId).changes) > 0
  }
}

export class SqliteUserStatusRepository implements UserStatusRepository {
  readonly #db: DatabaseSync
  constructor(db: DatabaseSync) {
    this.#db = db
  }

  async put(status: UserStatusRecord): Promise<void> {
    cached(
      this.#db,
      `INSERT INTO user_statuses (user_id, availability, message, expires_at, updated_at) VALUES (?, ?, ?, ?, ?)
       ON CONFLICT (user_id) DO UPDATE SET availability = excluded.availability, message = excluded.message,
         expires_at = excluded.expires_at, updated_at = excluded.updated_at`,
    ).run(status.userId, status.availability, status.message, status.expiresAt, status.updatedAt)
  }

  async get(userId: string): Promise<UserStatusRecord | null> {
    const row = cached(this.#db, 'SELECT * FROM user_statuses WHERE user_id = ?').get(userId)
    return row ? statusOf(row) : null
  }

  async expiring(now: number): Promise<UserStatusRecord[]> {
    return cached(this.#db, 'SELECT * FROM user_statuses WHERE expires_at > ? ORDER BY expires_at')
      .all(now)
      .map(statusOf)
  }

  async clear(userId: string): Promise<void> {
    cached(this.#db, 'DELETE FROM user_statuses WHERE user_id = ?').run(userId)
  }
}

function statusOf(row: Row): UserStatusRecord {
  const availability = String(row.availability)
  return {
    userId: String(row.user_id),
    availability: availability === 'away' || availability === 'dnd' ? availability : 'online',
    message: row.message === null ? null : String(row.message),
    expiresAt: nullableNumber(row.expires_at),
    updatedAt: Number(row.updated_at),
  }
}
