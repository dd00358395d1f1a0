/** Member side on SQLite: replicas of remote rooms' messages, each host event applied once; host side: fan-out cursors. */
import type { DatabaseSync } from 'node:sqlite'
import type {
  ReplicaMessageRecord,
  RoomFanoutCursorRepository,
  RoomFanoutEvent,
  RoomReplicaRepository,
} from '@parley/federation'
import { changedMessageSeq } from '@parley/federation'
import { nullableNumber, type Row } from './sqlite-util.ts'

function toReplica(row: Row): ReplicaMessageRecord {
  return {
    roomId: String(row.room_id),
    seq: Number(row.seq),
    authorId: String(row.author_id),
    authorName: String(row.author_name),
    body: String(row.body),
    replyTo: nullableNumber(row.reply_to),
    createdAt: Number(row.created_at),
    editedAt: nullableNumber(row.edited_at),
    deletedAt: nullableNumber(row.deleted_at),
    reactions: JSON.parse(String(row.reactions)) as ReplicaMessageRecord['reactions'],
  }
}

export class SqliteRoomReplicaRepository implements RoomReplicaRepository {
  readonly #db: DatabaseSync
  constructor(db: DatabaseSync) {
    this.#db = db
  }

  async apply(
    roomId: string,
    eventSeq: number,
    event: RoomFanoutEvent,
  ): Promise<'applied' | 'duplicate' | 'missing-message'> {
    this.#db.exec('BEGIN IMMEDIATE')
    try {
      const fresh =
        Number(
          this.#db
            .prepare('INSERT INTO federation_replica_events (room_id, seq) VALUES (?, ?) ON CONFLICT DO NOTHING')
            .run(roomId, eventSeq).changes,
        ) === 1
      // Read markers, polls (kept by the mirror in the ordinary poll tables) and participants change
      // no message of the replica: only that the event was seen is recorded.
      const changed = changedMessageSeq(event)
      const missing =
        fresh &&
        changed !== null &&
        !this.#db
          .prepare('SELECT 1 FROM federation_replica_messages WHERE room_id = ? AND seq = ?')
          .get(roomId, changed)
      if (missing) {
        this.#db.exec('ROLLBACK')
        return 'missing-message'
      }
      if (fresh) this.#applyChange(roomId, event)
      this.#db.exec('COMMIT')
      return fresh ? 'applied' : 'duplicate'
    } catch (error) {
      this.#db.exec('ROLLBACK')
      throw error
    }
  }

  #applyChange(roomId: string, event: RoomFanoutEvent): void {
    switch (event.type) {
      case 'message.new':
        this.#db
          .prepare(
            `INSERT INTO federation_replica_messages (room_id, seq, author_id, author_name, body, reply_to, created_at, edited_at, deleted_at, reactions)
             VALUES (?, ?, ?, ?, ?, ?, ?, ?, NULL, '[]') ON CONFLICT DO NOTHING`,
          )
          .run(
            roomId,
            event.messageSeq,
            event.author.id,
            event.author.name,
            event.body,
            event.replyTo,
            event.createdAt,
            event.editedAt,
          )
        return
      case 'message.edited':
        this.#db
          .prepare('UPDATE federation_replica_messages SET body = ?, edited_at = ? WHERE room_id = ? AND seq = ?')
          .run(event.body, event.editedAt, roomId, event.messageSeq)
        return
      case 'message.deleted':
        this.#db
          .prepare(
            "UPDATE federation_replica_messages SET body = '', deleted_at = ?, reactions = '[]' WHERE room_id = ? AND seq = ?",
          )
          .run(event.at, roomId, event.messageSeq)
        return
      case 'message.expired':
        this.#db
          .prepare('DELETE FROM federation_replica_messages WHERE room_id = ? AND seq = ?')
          .run(roomId, event.messageSeq)
        return
      case 'reaction.added':
      case 'reaction.removed': {
        const row = this.#db
          .prepare('SELECT reactions FROM federation_replica_messages WHERE room_id = ? AND seq = ?')
          .get(roomId, event.messageSeq)
        if (!row) return
        const reactions = (JSON.parse(String(row.reactions)) as ReplicaMessageRecord['reactions']).filter(
          (r) => !(r.emoji === event.emoji && r.actorId === event.actor.id),
        )
        if (event.type === 'reaction.added')
          reactions.push({ emoji: event.emoji, actorId: event.actor.id, actorName: event.actor.name })
        this.#db
          .prepare('UPDATE federation_replica_messages SET reactions = ? WHERE room_id = ? AND seq = ?')
          .run(JSON.stringify(reactions), roomId, event.messageSeq)
        return
      }
    }
  }

  async messages(roomId: string, afterSeq: number, limit: number): Promise<ReplicaMessageRecord[]> {
    return this.#db
      .prepare('SELECT * FROM federation_replica_messages WHERE room_id = ? AND seq > ? ORDER BY seq LIMIT ?')
      .all(roomId, afterSeq, limit)
      .map(toReplica)
  }

  async store(roomId: string, messages: readonly ReplicaMessageRecord[]): Promise<void> {
    const upsert = this.#db.prepare(
      `INSERT INTO federation_replica_messages (room_id, seq, author_id, author_name, body, reply_to, created_at, edited_at, deleted_at, reactions)
       VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)
       ON CONFLICT (room_id, seq) DO UPDATE SET author_id = excluded.author_id, author_name = excluded.author_name, body = excluded.body, reply_to = excluded.reply_to,
         created_at = excluded.created_at, edited_at = excluded.edited_at, deleted_at = excluded.deleted_at, reactions = excluded.reactions`,
    )
    this.#db.exec('BEGIN IMMEDIATE')
    try {
      for (const m of messages)
        upsert.run(
          roomId,
          m.seq,
          m.authorId,
          m.authorName,
          m.body,
          m.replyTo,
          m.createdAt,
          m.editedAt,
          m.deletedAt,
          JSON.stringify(m.reactions),
        )
      this.#db.exec('COMMIT')
    } catch (error) {
      this.#db.exec('ROLLBACK')
      throw error
    }
  }

  async head(roomId: string): Promise<number> {
    const row = this.#db.prepare('SELECT seq FROM federation_replica_heads WHERE room_id = ?').get(roomId)
    return row ? Number(row.seq) : 0
  }

  async advanceHead(roomId: string, eventSeq: number): Promise<void> {
    this.#db
      .prepare(
        'INSERT INTO federation_replica_heads (room_id, seq) VALUES (?, ?) ON CONFLICT (room_id) DO UPDATE SET seq = max(seq, excluded.seq)',
      )
      .run(roomId, eventSeq)
  }

  async drop(roomId: string): Promise<void> {
    this.#db.exec('BEGIN IMMEDIATE')
    try {
      for (const table of ['federation_replica_messages', 'federation_replica_events', 'federation_replica_heads'])
        this.#db.prepare(`DELETE FROM ${table} WHERE room_id = ?`).run(roomId)
      this.#db.exec('COMMIT')
    } catch (error) {
      this.#db.exec('ROLLBACK')
      throw error
    }
  }
}

export class SqliteRoomFanoutCursorRepository implements RoomFanoutCursorRepository {
  readonly #db: DatabaseSync
  constructor(db: DatabaseSync) {
    this.#db = db
  }

  async advance(roomId: string, seq: number): Promise<void> {
    this.#db
      .prepare(
        'INSERT INTO federation_room_fanout (room_id, seq) VALUES (?, ?) ON CONFLICT (room_id) DO UPDATE SET seq = max(seq, excluded.seq)',
      )
      .run(roomId, seq)
  }

  async get(roomId: string): Promise<number> {
    const row = this.#db.prepare('SELECT seq FROM federation_room_fanout WHERE room_id = ?').get(roomId)
    return row ? Number(row.seq) : 0
  }

  async forget(roomId: string): Promise<void> {
    this.#db.prepare('DELETE FROM federation_room_fanout WHERE room_id = ?').run(roomId)
  }

  async list(): Promise<{ roomId: string; seq: number }[]> {
    return this.#db
      .prepare('SELECT * FROM federation_room_fanout ORDER BY room_id')
      .all()
      .map((row) => ({ roomId: String(row.room_id), seq: Number(row.seq) }))
  }
}
