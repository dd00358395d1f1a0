import type { DatabaseSync, SQLInputValue } from 'node:sqlite'
import type { Created, ParticipantRepository, RoomRepository } from '../ports.ts'
import type { ParticipantPatch, ParticipantRecord, Permission, RoomPatch, RoomRecord } from '../records.ts'
import { cached, isUniqueViolation, nullableNumber, type Row } from './sqlite-util.ts'

const roomColumns =
  'id, kind, name, description, listable, read_only, lobby, password_hash, message_expiry_seconds, last_seq, pair_key, created_by, created_at, deleted_at, e2ee'

function toRoom(row: Row): RoomRecord {
  return {
    id: String(row.id),
    kind: String(row.kind) as RoomRecord['kind'],
    name: String(row.name),
    description: String(row.description),
    listable: String(row.listable) as RoomRecord['listable'],
    readOnly: row.read_only === 1,
    lobby: row.lobby === 1,
    e2ee: row.e2ee === 1,
    passwordHash: row.password_hash === null ? null : String(row.password_hash),
    messageExpirySeconds: nullableNumber(row.message_expiry_seconds),
    lastSeq: Number(row.last_seq),
    pairKey: row.pair_key === null ? null : String(row.pair_key),
    createdBy: String(row.created_by),
    createdAt: Number(row.created_at),
    deletedAt: nullableNumber(row.deleted_at),
  }
}

/** Builds `SET a = ?, b = ?` from a patch; booleans become 0/1 and arrays JSON. */
export function setClause(
  patch: Record<string, unknown>,
  columnOf: Record<string, string>,
): { sql: string; values: SQLInputValue[] } {
  const sets: string[] = []
  const values: SQLInputValue[] = []
  for (const [field, column] of Object.entries(columnOf)) {
    const value = patch[field]
    if (value === undefined) continue
    sets.push(`${column} = ?`)
    values.push(
      typeof value === 'boolean'
        ? Number(value)
        : Array.isArray(value)
          ? JSON.stringify(value)
          : (value as SQLInputValue),
    )
  }
  return { sql: sets.join(', '), values }
}

export class SqliteRoomRepository implements RoomRepository {
  readonly #db: DatabaseSync
  constructor(db: DatabaseSync) {
    this.#db = db
  }

  async create(room: RoomRecord): Promise<Created<RoomRecord>> {
    try {
      cached(this.#db, `INSERT INTO rooms (${roomColumns}) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`).run(
        room.id,
        room.kind,
        room.name,
        room.description,
        room.listable,
        Number(room.readOnly),
        Number(room.lobby),
        room.passwordHash,
        room.messageExpirySeconds,
        room.lastSeq,
        room.pairKey,
        room.createdBy,
        room.createdAt,
        room.deletedAt,
        Number(room.e2ee),
      )
      return { ok: true, value: { ...room } }
    } catch (error) {
      if (isUniqueViolation(error, 'rooms.pair_key'))
        return { ok: false, error: { type: 'conflict', field: 'pairKey' } }
      if (isUniqueViolation(error, 'rooms.id')) return { ok: false, error: { type: 'conflict', field: 'id' } }
      throw error
    }
  }

  async byId(id: string): Promise<RoomRecord | null> {
    const row = cached(this.#db, `SELECT ${roomColumns} FROM rooms WHERE id = ?`).get(id)
    return row ? toRoom(row) : null
  }

  async byPairKey(pairKey: string): Promise<RoomRecord | null> {
    const row = cached(this.#db, `SELECT ${roomColumns} FROM rooms WHERE pair_key = ?`).get(pairKey)
    return row ? toRoom(row) : null
  }

  async update(id: string, patch: RoomPatch): Promise<RoomRecord | null> {
    const { sql, values } = setClause(patch, {
      name: 'name',
      description: 'description',
      listable: 'listable',
      readOnly: 'read_only',
      lobby: 'lobby',
      passwordHash: 'password_hash',
      messageExpirySeconds: 'message_expiry_seconds',
      deletedAt: 'deleted_at',
    })
    if (sql) cached(this.#db, `UPDATE rooms SET ${sql} WHERE id = ?`).run(...values, id)
    return this.byId(id)
  }

  async nextSeq(id: string): Promise<number> {
    // One UPDATE … RETURNING: atomic even when several processes share the file.
    const row = cached(this.#db, 'UPDATE rooms SET last_seq = last_seq + 1 WHERE id = ? RETURNING last_seq').get(id)
    if (!row) throw new TypeError(`no room ${id}`)
    return Number(row.last_seq)
  }

  async listable(): Promise<RoomRecord[]> {
    return cached(
      this.#db,
      `SELECT ${roomColumns} FROM rooms WHERE listable != 'none' AND deleted_at IS NULL ORDER BY created_at, id`,
    )
      .all()
      .map(toRoom)
  }

  async withExpiry(): Promise<RoomRecord[]> {
    return cached(
      this.#db,
      `SELECT ${roomColumns} FROM rooms WHERE message_expiry_seconds IS NOT NULL AND deleted_at IS NULL`,
    )
      .all()
      .map(toRoom)
  }
}

const participantColumns =
  'room_id, actor_type, actor_id, display_name, role, state, permissions, last_read_seq, favourite, archived, notification_level, joined_at'

function toParticipant(row: Row): ParticipantRecord {
  return {
    roomId: String(row.room_id),
    actorType: row.actor_type === 'guest' ? 'guest' : 'user',
    actorId: String(row.actor_id),
    displayName: String(row.display_name),
    role: String(row.role) as ParticipantRecord['role'],
    state: String(row.state) as ParticipantRecord['state'],
    permissions: row.permissions === null ? null : (JSON.parse(String(row.permissions)) as Permission[]),
    lastReadSeq: Number(row.last_read_seq),
    favourite: row.favourite === 1,
    archived: row.archived === 1,
    notificationLevel: String(row.notification_level) as ParticipantRecord['notificationLevel'],
    joinedAt: Number(row.joined_at),
  }
}

export class SqliteParticipantRepository implements ParticipantRepository {
  readonly #db: DatabaseSync
  constructor(db: DatabaseSync) {
    this.#db = db
  }

  async put(p: ParticipantRecord): Promise<void> {
    cached(
      this.#db,
      `INSERT OR REPLACE INTO participants (${participantColumns}) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`,
    ).run(
      p.roomId,
      p.actorType,
      p.actorId,
      p.displayName,
      p.role,
      p.state,
      p.permissions === null ? null : JSON.stringify(p.permissions),
      p.lastReadSeq,
      Number(p.favourite),
      Number(p.archived),
      p.notificationLevel,
      p.joinedAt,
    )
  }

  async get(roomId: string, actorId: string): Promise<ParticipantRecord | null> {
    const row = cached(
      this.#db,
      `SELECT ${participantColumns} FROM participants WHERE room_id = ? AND actor_id = ?`,
    ).get(roomId, actorId)
    return row ? toParticipant(row) : null
  }

  async list(roomId: string): Promise<ParticipantRecord[]> {
    return cached(
      this.#db,
      `SELECT ${participantColumns} FROM participants WHERE room_id = ? ORDER BY joined_at, actor_id`,
    )
      .all(roomId)
      .map(toParticipant)
  }

  async roomsOf(actorId: string): Promise<string[]> {
    return cached(
      this.#db,
      "SELECT room_id FROM participants WHERE actor_id = ? AND state != 'banned' ORDER BY joined_at, room_id",
    )
      .all(actorId)
      .map((row) => String(row.room_id))
  }

  async update(roomId: string, actorId: string, patch: ParticipantPatch): Promise<ParticipantRecord | null> {
    const { sql, values } = setClause(patch, {
      displayName: 'display_name',
      role: 'role',
      state: 'state',
      permissions: 'permissions',
      favourite: 'favourite',
      archived: 'archived',
      notificationLevel: 'notification_level',
    })
    if (sql)
      cached(this.#db, `UPDATE participants SET ${sql} WHERE room_id = ? AND actor_id = ?`).run(
        ...values,
        roomId,
        actorId,
      )
    return this.get(roomId, actorId)
  }

  async markRead(roomId: string, actorId: string, seq: number): Promise<ParticipantRecord | null> {
    cached(
      this.#db,
      'UPDATE participants SET last_read_seq = MAX(last_read_seq, ?) WHERE room_id = ? AND actor_id = ?',
    ).run(seq, roomId, actorId)
    return this.get(roomId, actorId)
  }

  async remove(roomId: string, actorId: string): Promise<boolean> {
    return (
      Number(
        cached(this.#db, 'DELETE FROM participants WHERE room_id = ? AND actor_id = ?').run(roomId, actorId).changes,
      ) === 1
    )
  }
}
