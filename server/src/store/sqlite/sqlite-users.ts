import type { DatabaseSync } from 'node:sqlite'
import type { Created, UserPatch, UserRepository } from '../ports.ts'
import type { UserRecord } from '../records.ts'
import { cached, isUniqueViolation, type Row } from './sqlite-util.ts'

const columns = 'id, username, display_name, role, password_hash, disabled, created_at, deleted_at, hidden, avatar_etag'

function toUser(row: Row): UserRecord {
  return {
    id: String(row.id),
    username: String(row.username),
    displayName: String(row.display_name),
    role: row.role === 'admin' ? 'admin' : 'user',
    passwordHash: row.password_hash === null ? null : String(row.password_hash),
    disabled: row.disabled === 1,
    createdAt: Number(row.created_at),
    deletedAt: row.deleted_at === null ? null : Number(row.deleted_at),
    hidden: row.hidden === 1,
    avatarEtag: row.avatar_etag === null ? null : String(row.avatar_etag),
  }
}

export class SqliteUserRepository implements UserRepository {
  readonly #db: DatabaseSync
  constructor(db: DatabaseSync) {
    this.#db = db
  }

  async create(user: UserRecord): Promise<Created<UserRecord>> {
    try {
      cached(this.#db, `INSERT INTO users (${columns}) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`).run(
        user.id,
        user.username,
        user.displayName,
        user.role,
        user.passwordHash,
        user.disabled ? 1 : 0,
        user.createdAt,
        user.deletedAt,
        user.hidden ? 1 : 0,
        user.avatarEtag,
      )
      return { ok: true, value: { ...user } }
    } catch (error) {
      if (isUniqueViolation(error, 'users.username'))
        return { ok: false, error: { type: 'conflict', field: 'username' } }
      if (isUniqueViolation(error, 'users.id')) return { ok: false, error: { type: 'conflict', field: 'id' } }
      throw error
    }
  }

  async byId(id: string): Promise<UserRecord | null> {
    const row = cached(this.#db, `SELECT ${columns} FROM users WHERE id = ?`).get(id)
    return row ? toUser(row) : null
  }

  async byUsername(username: string): Promise<UserRecord | null> {
    const row = cached(this.#db, `SELECT ${columns} FROM users WHERE username = ?`).get(username)
    return row ? toUser(row) : null
  }

  async list(): Promise<UserRecord[]> {
    return cached(this.#db, `SELECT ${columns} FROM users ORDER BY created_at, username`).all().map(toUser)
  }

  async count(): Promise<number> {
    const row = cached(this.#db, 'SELECT COUNT(*) AS n FROM users WHERE deleted_at IS NULL').get()
    return Number(row?.n ?? 0)
  }

  async update(id: string, patch: UserPatch): Promise<UserRecord | null> {
    const columnOf = {
      displayName: 'display_name',
      role: 'role',
      disabled: 'disabled',
      passwordHash: 'password_hash',
      deletedAt: 'deleted_at',
      hidden: 'hidden',
      avatarEtag: 'avatar_etag',
    } as const
    const sets: string[] = []
    const values: (string | number | null)[] = []
    for (const [field, column] of Object.entries(columnOf) as [keyof typeof columnOf, string][]) {
      const value = patch[field]
      if (value === undefined) continue
      sets.push(`${column} = ?`)
      values.push(typeof value === 'boolean' ? Number(value) : value)
    }
    if (sets.length > 0) cached(this.#db, `UPDATE users SET ${sets.join(', ')} WHERE id = ?`).run(...values, id)
    return this.byId(id)
  }

  async search(prefix: string, after: string | null, limit: number): Promise<UserRecord[]> {
    // LIKE is case-insensitive for ASCII; the prefix's own wildcards are escaped.
    const like = `${prefix.toLowerCase().replace(/[\\%_]/g, (c) => `\\${c}`)}%`
    return cached(
      this.#db,
      `SELECT ${columns} FROM users
       WHERE deleted_at IS NULL AND disabled = 0 AND hidden = 0 AND username > ?
         AND (username LIKE ? ESCAPE '\\' OR ' ' || display_name LIKE ? ESCAPE '\\')
       ORDER BY username LIMIT ?`,
    )
      .all(after ?? '', like, `% ${like}`, limit)
      .map(toUser)
  }
}
