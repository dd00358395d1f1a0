import type { DatabaseSync } from 'node:sqlite'
import type { EventDraft, HistoryQuery, MessageRepository, RoomEventRepository } from '../ports.ts'
import type { MessageRecord, ReactionRecord, RoomEventRecord } from '../records.ts'
import { cached, nullableNumber, transaction, type Row } from './sqlite-util.ts'
import { ftsMatch, searchTerms } from '../search-terms.ts'

export const columns =
  'room_id, seq, kind, actor_type, actor_id, actor_name, body, data, reply_to, created_at, edited_at, deleted_at, expires_at'

export function toMessage(row: Row): MessageRecord {
  return {
    roomId: String(row.room_id),
    seq: Number(row.seq),
    kind: String(row.kind) as MessageRecord['kind'],
    actorType: String(row.actor_type) as MessageRecord['actorType'],
    actorId: String(row.actor_id),
    actorName: String(row.actor_name),
    body: String(row.body),
    data: row.data === null ? null : (JSON.parse(String(row.data)) as Record<string, unknown>),
    replyTo: nullableNumber(row.reply_to),
    createdAt: Number(row.created_at),
    editedAt: nullableNumber(row.edited_at),
    deletedAt: nullableNumber(row.deleted_at),
    expiresAt: nullableNumber(row.expires_at),
  }
}

function toReaction(row: Row): ReactionRecord {
  return {
    roomId: String(row.room_id),
    seq: Number(row.seq),
    emoji: String(row.emoji),
    actorType: row.actor_type === 'guest' ? 'guest' : 'user',
    actorId: String(row.actor_id),
    actorName: String(row.actor_name),
    createdAt: Number(row.created_at),
  }
}

type PendingPost = {
  draft: Omit<MessageRecord, 'seq'>
  toEvent: (message: MessageRecord) => EventDraft
  resolve: (posted: { message: MessageRecord; event: RoomEventRecord }) => void
  reject: (error: unknown) => void
}

export class SqliteMessageRepository implements MessageRepository {
  readonly #db: DatabaseSync
  #pending: PendingPost[] = []
  constructor(db: DatabaseSync) {
    this.#db = db
  }

  /**
   * Group commit: posts arriving in the same event-loop turn share one transaction (a busy room
   * pays one WAL commit for several messages). If the shared transaction fails, each post is
   * retried alone so one bad post cannot fail the others.
   */
  post(
    draft: Omit<MessageRecord, 'seq'>,
    toEvent: (message: MessageRecord) => EventDraft,
  ): Promise<{ message: MessageRecord; event: RoomEventRecord }> {
    return new Promise((resolve, reject) => {
      this.#pending.push({ draft, toEvent, resolve, reject })
      if (this.#pending.length === 1) setImmediate(() => this.#commitPending())
    })
  }

  #commitPending(): void {
    const batch = this.#pending
    this.#pending = []
    try {
      const results = transaction(this.#db, () => batch.map((p) => this.#postOne(p.draft, p.toEvent)))
      batch.forEach((p, i) => p.resolve(results[i] as { message: MessageRecord; event: RoomEventRecord }))
    } catch {
      for (const p of batch) {
        try {
          p.resolve(transaction(this.#db, () => this.#postOne(p.draft, p.toEvent)))
        } catch (error) {
          p.reject(error)
        }
      }
    }
  }

  #postOne(
    draft: Omit<MessageRecord, 'seq'>,
    toEvent: (message: MessageRecord) => EventDraft,
  ): { message: MessageRecord; event: RoomEventRecord } {
    const message = { ...draft, seq: nextSeq(this.#db, draft.roomId) }
    this.#insert(message)
    const event = {
      roomId: message.roomId,
      seq: message.seq,
      ...toEvent(message),
      createdAt: message.createdAt,
      expiresAt: message.expiresAt,
    }
    insertEvent(this.#db, event)
    return { message, event }
  }

  async create(m: MessageRecord): Promise<void> {
    this.#insert(m)
  }

  #insert(m: MessageRecord): void {
    cached(this.#db, `INSERT INTO messages (${columns}) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`).run(
      m.roomId,
      m.seq,
      m.kind,
      m.actorType,
      m.actorId,
      m.actorName,
      m.body,
      m.data === null ? null : JSON.stringify(m.data),
      m.replyTo,
      m.createdAt,
      m.editedAt,
      m.deletedAt,
      m.expiresAt,
    )
  }

  async get(roomId: string, seq: number): Promise<MessageRecord | null> {
    const row = cached(this.#db, `SELECT ${columns} FROM messages WHERE room_id = ? AND seq = ?`).get(roomId, seq)
    return row ? toMessage(row) : null
  }

  async history(query: HistoryQuery): Promise<MessageRecord[]> {
    if ('before' in query) {
      const rows = cached(
        this.#db,
        `SELECT ${columns} FROM messages WHERE room_id = ? AND seq < ? ORDER BY seq DESC LIMIT ?`,
      ).all(query.roomId, query.before, query.limit)
      return rows.map(toMessage).reverse()
    }
    return cached(this.#db, `SELECT ${columns} FROM messages WHERE room_id = ? AND seq > ? ORDER BY seq ASC LIMIT ?`)
      .all(query.roomId, query.after, query.limit)
      .map(toMessage)
  }

  async edit(roomId: string, seq: number, body: string, at: number): Promise<MessageRecord | null> {
    cached(
      this.#db,
      'UPDATE messages SET body = ?, edited_at = ? WHERE room_id = ? AND seq = ? AND deleted_at IS NULL',
    ).run(body, at, roomId, seq)
    return this.get(roomId, seq)
  }

  async tombstone(roomId: string, seq: number, at: number): Promise<MessageRecord | null> {
    cached(
      this.#db,
      "UPDATE messages SET body = '', data = NULL, deleted_at = ? WHERE room_id = ? AND seq = ? AND deleted_at IS NULL",
    ).run(at, roomId, seq)
    cached(this.#db, 'DELETE FROM reactions WHERE room_id = ? AND seq = ?').run(roomId, seq)
    return this.get(roomId, seq)
  }

  async search(roomIds: string[], query: string, limit: number, now: number): Promise<MessageRecord[]> {
    const match = ftsMatch(searchTerms(query))
    if (!match || roomIds.length === 0) return []
    const prefixed = columns
      .split(', ')
      .map((c) => `m.${c}`)
      .join(', ')
    return cached(
      this.#db,
      `SELECT ${prefixed} FROM messages_fts JOIN messages m ON m.rowid = messages_fts.rowid
        WHERE messages_fts MATCH ? AND m.deleted_at IS NULL AND (m.expires_at IS NULL OR m.expires_at > ?)
          AND m.room_id IN (${roomIds.map(() => '?').join(', ')})
        ORDER BY m.created_at DESC, m.seq DESC LIMIT ?`,
    )
      .all(match, now, ...roomIds, limit)
      .map(toMessage)
  }

  async deleteExpired(now: number): Promise<{ roomId: string; seq: number }[]> {
    // Reactions go by their foreign key, notifications and the full-text entry by triggers.
    return cached(
      this.#db,
      'DELETE FROM messages WHERE expires_at IS NOT NULL AND expires_at <= ? RETURNING room_id, seq',
    )
      .all(now)
      .map((row) => ({ roomId: String(row.room_id), seq: Number(row.seq) }))
  }

  async remove(roomId: string, seq: number): Promise<boolean> {
    // Reactions go by their foreign key, notifications and the full-text entry by triggers.
    const result = cached(this.#db, 'DELETE FROM messages WHERE room_id = ? AND seq = ?').run(roomId, seq)
    return Number(result.changes) === 1
  }

  async nextExpiry(): Promise<number | null> {
    const row = cached(this.#db, 'SELECT MIN(expires_at) AS at FROM messages WHERE expires_at IS NOT NULL').get()
    return nullableNumber(row?.at)
  }

  async addReaction(r: ReactionRecord): Promise<boolean> {
    const result = cached(
      this.#db,
      'INSERT OR IGNORE INTO reactions (room_id, seq, emoji, actor_type, actor_id, actor_name, created_at) VALUES (?, ?, ?, ?, ?, ?, ?)',
    ).run(r.roomId, r.seq, r.emoji, r.actorType, r.actorId, r.actorName, r.createdAt)
    return Number(result.changes) === 1
  }

  async removeReaction(roomId: string, seq: number, emoji: string, actorId: string): Promise<boolean> {
    const result = cached(
      this.#db,
      'DELETE FROM reactions WHERE room_id = ? AND seq = ? AND emoji = ? AND actor_id = ?',
    ).run(roomId, seq, emoji, actorId)
    return Number(result.changes) === 1
  }

  async reactions(roomId: string, seqs: number[]): Promise<ReactionRecord[]> {
    if (seqs.length === 0) return []
    return cached(
      this.#db,
      `SELECT * FROM reactions WHERE room_id = ? AND seq IN (${seqs.map(() => '?').join(', ')}) ORDER BY created_at, rowid`,
    )
      .all(roomId, ...seqs)
      .map(toReaction)
  }
}

function nextSeq(db: DatabaseSync, roomId: string): number {
  const row = cached(db, 'UPDATE rooms SET last_seq = last_seq + 1 WHERE id = ? RETURNING last_seq').get(roomId)
  if (!row) throw new TypeError(`no room ${roomId}`)
  return Number(row.last_seq)
}

function insertEvent(db: DatabaseSync, e: RoomEventRecord): void {
  cached(
    db,
    'INSERT INTO room_events (room_id, seq, type, data, created_at, expires_at, action_id) VALUES (?, ?, ?, ?, ?, ?, ?)',
  ).run(e.roomId, e.seq, e.type, JSON.stringify(e.data), e.createdAt, e.expiresAt, e.actionId ?? null)
}

export class SqliteRoomEventRepository implements RoomEventRepository {
  readonly #db: DatabaseSync
  constructor(db: DatabaseSync) {
    this.#db = db
  }

  async append(e: RoomEventRecord): Promise<void> {
    insertEvent(this.#db, e)
  }

  async appendNext(
    roomId: string,
    build: (seq: number) => EventDraft,
    createdAt: number,
    expiresAt: number | null,
  ): Promise<RoomEventRecord> {
    return transaction(this.#db, () => {
      const seq = nextSeq(this.#db, roomId)
      const event = { roomId, seq, ...build(seq), createdAt, expiresAt }
      insertEvent(this.#db, event)
      return event
    })
  }

  async since(roomId: string, afterSeq: number, limit: number): Promise<RoomEventRecord[]> {
    return cached(this.#db, 'SELECT * FROM room_events WHERE room_id = ? AND seq > ? ORDER BY seq LIMIT ?')
      .all(roomId, afterSeq, limit)
      .map((row) => ({
        roomId: String(row.room_id),
        seq: Number(row.seq),
        type: String(row.type),
        data: JSON.parse(String(row.data)) as Record<string, unknown>,
        createdAt: Number(row.created_at),
        expiresAt: nullableNumber(row.expires_at),
      }))
  }

  async oldestSeq(roomId: string): Promise<number | null> {
    const row = cached(this.#db, 'SELECT MIN(seq) AS seq FROM room_events WHERE room_id = ?').get(roomId)
    return nullableNumber(row?.seq)
  }

  async byAction(roomId: string, actionId: string): Promise<number | null> {
    const row = cached(this.#db, 'SELECT seq FROM room_events WHERE room_id = ? AND action_id = ?').get(
      roomId,
      actionId,
    )
    return nullableNumber(row?.seq)
  }

  async prune(before: number, now: number): Promise<number> {
    return Number(
      cached(
        this.#db,
        'DELETE FROM room_events WHERE created_at < ? OR (expires_at IS NOT NULL AND expires_at <= ?)',
      ).run(before, now).changes,
    )
  }
}
