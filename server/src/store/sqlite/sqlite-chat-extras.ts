/** Polls, mention notifications and guest sessions. */
import type { DatabaseSync } from 'node:sqlite'
import type { GuestSessionRepository, NotificationRepository, PollRepository } from '../ports.ts'
import type { GuestSessionRecord, NotificationRecord, PollRecord, VoteRecord } from '../records.ts'
import { cached, nullableNumber, type Row } from './sqlite-util.ts'

function toPoll(row: Row): PollRecord {
  return {
    id: String(row.id),
    roomId: String(row.room_id),
    question: String(row.question),
    options: JSON.parse(String(row.options)) as string[],
    multiple: row.multiple === 1,
    anonymous: row.anonymous === 1,
    createdBy: String(row.created_by),
    createdAt: Number(row.created_at),
    closedAt: nullableNumber(row.closed_at),
  }
}

export class SqlitePollRepository implements PollRepository {
  readonly #db: DatabaseSync
  constructor(db: DatabaseSync) {
    this.#db = db
  }

  async create(p: PollRecord): Promise<void> {
    cached(
      this.#db,
      'INSERT INTO polls (id, room_id, question, options, multiple, anonymous, created_by, created_at, closed_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)',
    ).run(
      p.id,
      p.roomId,
      p.question,
      JSON.stringify(p.options),
      Number(p.multiple),
      Number(p.anonymous),
      p.createdBy,
      p.createdAt,
      p.closedAt,
    )
  }

  async byId(id: string): Promise<PollRecord | null> {
    const row = cached(this.#db, 'SELECT * FROM polls WHERE id = ?').get(id)
    return row ? toPoll(row) : null
  }

  async close(id: string, at: number): Promise<boolean> {
    return (
      Number(
        cached(this.#db, 'UPDATE polls SET closed_at = ? WHERE id = ? AND closed_at IS NULL').run(at, id).changes,
      ) === 1
    )
  }

  async vote(v: VoteRecord): Promise<boolean> {
    // The open check and the write happen in one statement, so a vote cannot land after the close.
    const result = cached(
      this.#db,
      `INSERT INTO poll_votes (poll_id, actor_id, actor_name, options)
        SELECT ?, ?, ?, ? WHERE EXISTS (SELECT 1 FROM polls WHERE id = ? AND closed_at IS NULL)
        ON CONFLICT (poll_id, actor_id) DO UPDATE SET options = excluded.options, actor_name = excluded.actor_name`,
    ).run(v.pollId, v.actorId, v.actorName, JSON.stringify(v.options), v.pollId)
    return Number(result.changes) === 1
  }

  async replaceVotes(pollId: string, votes: readonly VoteRecord[]): Promise<void> {
    this.#db.exec('BEGIN IMMEDIATE')
    try {
      cached(this.#db, 'DELETE FROM poll_votes WHERE poll_id = ?').run(pollId)
      const insert = cached(
        this.#db,
        'INSERT INTO poll_votes (poll_id, actor_id, actor_name, options) VALUES (?, ?, ?, ?) ON CONFLICT DO NOTHING',
      )
      for (const v of votes) insert.run(pollId, v.actorId, v.actorName, JSON.stringify(v.options))
      this.#db.exec('COMMIT')
    } catch (error) {
      this.#db.exec('ROLLBACK')
      throw error
    }
  }

  async votes(pollId: string): Promise<VoteRecord[]> {
    return cached(this.#db, 'SELECT * FROM poll_votes WHERE poll_id = ? ORDER BY rowid')
      .all(pollId)
      .map((row) => ({
        pollId: String(row.poll_id),
        actorId: String(row.actor_id),
        actorName: String(row.actor_name),
        options: JSON.parse(String(row.options)) as number[],
      }))
  }
}

export class SqliteNotificationRepository implements NotificationRepository {
  readonly #db: DatabaseSync
  constructor(db: DatabaseSync) {
    this.#db = db
  }

  async createMany(list: NotificationRecord[]): Promise<void> {
    const insert = cached(
      this.#db,
      'INSERT INTO notifications (id, user_id, room_id, seq, kind, actor_name, created_at, read_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?)',
    )
    for (const n of list) insert.run(n.id, n.userId, n.roomId, n.seq, n.kind, n.actorName, n.createdAt, n.readAt)
  }

  async listForUser(userId: string, limit: number, now: number): Promise<NotificationRecord[]> {
    return cached(
      this.#db,
      `SELECT n.* FROM notifications n WHERE n.user_id = ? AND NOT EXISTS (
         SELECT 1 FROM messages m WHERE m.room_id = n.room_id AND m.seq = n.seq AND m.expires_at <= ?)
       ORDER BY n.created_at DESC, n.rowid DESC LIMIT ?`,
    )
      .all(userId, now, limit)
      .map((row) => ({
        id: String(row.id),
        userId: String(row.user_id),
        roomId: String(row.room_id),
        seq: Number(row.seq),
        kind: row.kind === 'reply' ? ('reply' as const) : ('mention' as const),
        actorName: String(row.actor_name),
        createdAt: Number(row.created_at),
        readAt: nullableNumber(row.read_at),
      }))
  }

  async markRead(userId: string, ids: string[], at: number): Promise<number> {
    if (ids.length === 0) return 0
    return Number(
      cached(
        this.#db,
        `UPDATE notifications SET read_at = ? WHERE user_id = ? AND read_at IS NULL AND id IN (${ids.map(() => '?').join(', ')})`,
      ).run(at, userId, ...ids).changes,
    )
  }
}

export class SqliteGuestSessionRepository implements GuestSessionRepository {
  readonly #db: DatabaseSync
  constructor(db: DatabaseSync) {
    this.#db = db
  }

  async create(g: GuestSessionRecord): Promise<void> {
    cached(
      this.#db,
      'INSERT INTO guest_sessions (id_hash, guest_id, room_id, display_name, created_at, expires_at) VALUES (?, ?, ?, ?, ?, ?)',
    ).run(g.idHash, g.guestId, g.roomId, g.displayName, g.createdAt, g.expiresAt)
  }

  async byIdHash(idHash: string): Promise<GuestSessionRecord | null> {
    const row = cached(this.#db, 'SELECT * FROM guest_sessions WHERE id_hash = ?').get(idHash)
    if (!row) return null
    return {
      idHash: String(row.id_hash),
      guestId: String(row.guest_id),
      roomId: String(row.room_id),
      displayName: String(row.display_name),
      createdAt: Number(row.created_at),
      expiresAt: Number(row.expires_at),
    }
  }

  async deleteForGuest(guestId: string): Promise<number> {
    return Number(cached(this.#db, 'DELETE FROM guest_sessions WHERE guest_id = ?').run(guestId).changes)
  }

  async deleteExpired(now: number): Promise<number> {
    return Number(cached(this.#db, 'DELETE FROM guest_sessions WHERE expires_at <= ?').run(now).changes)
  }
}
