import type { DatabaseSync } from 'node:sqlite'
import type { InviteRepository } from '../ports.ts'
import type { InviteRecord } from '../records.ts'
import { cached } from './sqlite-util.ts'

export class SqliteInviteRepository implements InviteRepository {
  readonly #db: DatabaseSync
  constructor(db: DatabaseSync) {
    this.#db = db
  }

  async create(invite: InviteRecord): Promise<void> {
    cached(
      this.#db,
      'INSERT INTO invites (code_hash, created_by, created_at, expires_at, used_by, used_at) VALUES (?, ?, ?, ?, ?, ?)',
    ).run(invite.codeHash, invite.createdBy, invite.createdAt, invite.expiresAt, invite.usedBy, invite.usedAt)
  }

  async consume(codeHash: string, usedBy: string, now: number): Promise<boolean> {
    // One conditional UPDATE: two registrations racing for one code cannot both win.
    const result = cached(
      this.#db,
      'UPDATE invites SET used_by = ?, used_at = ? WHERE code_hash = ? AND used_at IS NULL AND expires_at > ?',
    ).run(usedBy, now, codeHash, now)
    return Number(result.changes) === 1
  }

  async release(codeHash: string): Promise<void> {
    cached(this.#db, 'UPDATE invites SET used_by = NULL, used_at = NULL WHERE code_hash = ?').run(codeHash)
  }
}
