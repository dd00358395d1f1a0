import type { DatabaseSync } from 'node:sqlite'
import type { ApiTokenRepository } from '../ports.ts'
import type { ApiTokenRecord } from '../records.ts'
import { cached, nullableNumber, type Row } from './sqlite-util.ts'

function toToken(row: Row): ApiTokenRecord {
  return {
    id: String(row.id),
    userId: String(row.user_id),
    name: String(row.name),
    secretHash: String(row.secret_hash),
    createdAt: Number(row.created_at),
    expiresAt: nullableNumber(row.expires_at),
    lastUsedAt: nullableNumber(row.last_used_at),
    revokedAt: nullableNumber(row.revoked_at),
  }
}

export class SqliteApiTokenRepository implements ApiTokenRepository {
  readonly #db: DatabaseSync
  constructor(db: DatabaseSync) {
    this.#db = db
  }

  async create(token: ApiTokenRecord): Promise<void> {
    cached(
      this.#db,
      `INSERT INTO api_tokens (id, user_id, name, secret_hash, created_at, expires_at, last_used_at, revoked_at)
         VALUES (?, ?, ?, ?, ?, ?, ?, ?)`,
    ).run(
      token.id,
      token.userId,
      token.name,
      token.secretHash,
      token.createdAt,
      token.expiresAt,
      token.lastUsedAt,
      token.revokedAt,
    )
  }

  async bySecretHash(secretHash: string): Promise<ApiTokenRecord | null> {
    const row = cached(this.#db, 'SELECT * FROM api_tokens WHERE secret_hash = ?').get(secretHash)
    return row ? toToken(row) : null
  }

  async listForUser(userId: string): Promise<ApiTokenRecord[]> {
    return cached(this.#db, 'SELECT * FROM api_tokens WHERE user_id = ? AND revoked_at IS NULL ORDER BY created_at, id')
      .all(userId)
      .map(toToken)
  }

  async revoke(id: string, userId: string, at: number): Promise<boolean> {
    const result = cached(
      this.#db,
      'UPDATE api_tokens SET revoked_at = ? WHERE id = ? AND user_id = ? AND revoked_at IS NULL',
    ).run(at, id, userId)
    return Number(result.changes) === 1
  }

  async touch(id: string, at: number): Promise<void> {
    cached(this.#db, 'UPDATE api_tokens SET last_used_at = ? WHERE id = ?').run(at, id)
  }
}
