import type { DatabaseSync } from 'node:sqlite'
import type { SessionRepository } from '../ports.ts'
import type { SessionRecord } from '../records.ts'
import { cached, type Row } from './sqlite-util.ts'

function toSession(row: Row): SessionRecord {
  return {
    idHash: String(row.id_hash),
    userId: String(row.user_id),
    csrfToken: String(row.csrf_token),
    createdAt: Number(row.created_at),
    expiresAt: Number(row.expires_at),
    userAgent: row.user_agent === null || row.user_agent === undefined ? null : String(row.user_agent),
  }
}

export class SqliteSessionRepository implements SessionRepository {
  readonly #db: DatabaseSync
  constructor(db: DatabaseSync) {
    this.#db = db
  }

  async create(session: SessionRecord): Promise<void> {
    cached(
      this.#db,
      'INSERT INTO sessions (id_hash, user_id, csrf_token, created_at, expires_at, user_agent) VALUES (?, ?, ?, ?, ?, ?)',
    ).run(session.idHash, session.userId, session.csrfToken, session.createdAt, session.expiresAt, session.userAgent)
  }

  async byIdHash(idHash: string): Promise<SessionRecord | null> {
    const row = cached(this.#db, 'SELECT * FROM sessions WHERE id_hash = ?').get(idHash)
    return row ? toSession(row) : null
  }

  async delete(idHash: string): Promise<void> {
    cached(this.#db, 'DELETE FROM sessions WHERE id_hash = ?').run(idHash)
  }

  async deleteForUser(userId: string): Promise<number> {
    return Number(cached(this.#db, 'DELETE FROM sessions WHERE user_id = ?').run(userId).changes)
  }

  async deleteExpired(now: number): Promise<number> {
    return Number(cached(this.#db, 'DELETE FROM sessions WHERE expires_at <= ?').run(now).changes)
  }

  async listForUser(userId: string, now: number): Promise<SessionRecord[]> {
    return cached(this.#db, 'SELECT * FROM sessions WHERE user_id = ? AND expires_at > ? ORDER BY created_at, id_hash')
      .all(userId, now)
      .map(toSession)
  }
}
