/** Direct conversations with remote accounts on SQLite: the account of each room, and note ↔ message. */
import type { DatabaseSync } from 'node:sqlite'
import type {
  DirectConversationRecord,
  DirectConversationRepository,
  DirectNoteRecord,
  DirectNoteRepository,
  DirectRepositories,
} from '../ports.ts'
import { cached, nullableNumber, type Row } from './sqlite-util.ts'

const nullableString = (value: unknown) => (value === null || value === undefined ? null : String(value))

class SqliteDirectConversationRepository implements DirectConversationRepository {
  readonly #db: DatabaseSync
  constructor(db: DatabaseSync) {
    this.#db = db
  }

  async put(r: DirectConversationRecord): Promise<void> {
    const a = r.account
    cached(
      this.#db,
      `INSERT INTO direct_conversations (room_id, user_id, actor_id, actor_name, actor_handle, actor_url, avatar_url, inbox, shared_inbox, created_at, updated_at)
       VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)
       ON CONFLICT (room_id) DO UPDATE SET actor_name = excluded.actor_name, actor_handle = excluded.actor_handle, actor_url = excluded.actor_url,
         avatar_url = excluded.avatar_url, inbox = excluded.inbox, shared_inbox = excluded.shared_inbox, updated_at = excluded.updated_at`,
    ).run(
      r.roomId,
      r.userId,
      a.id,
      a.name,
      a.handle,
      a.url,
      a.avatarUrl,
      a.inbox,
      a.sharedInbox,
      r.createdAt,
      r.updatedAt,
    )
  }

  async byRoom(roomId: string): Promise<DirectConversationRecord | null> {
    const row = cached(this.#db, 'SELECT * FROM direct_conversations WHERE room_id = ?').get(roomId)
    return row ? toConversation(row) : null
  }

  async cursors(): Promise<{ roomId: string; seq: number }[]> {
    return cached(this.#db, 'SELECT room_id, sent_seq FROM direct_conversations ORDER BY room_id')
      .all()
      .map((row) => ({ roomId: String(row.room_id), seq: Number(row.sent_seq) }))
  }

  async advance(roomId: string, seq: number): Promise<void> {
    cached(this.#db, 'UPDATE direct_conversations SET sent_seq = ? WHERE room_id = ? AND sent_seq < ?').run(
      seq,
      roomId,
      seq,
    )
  }
}

function toConversation(row: Row): DirectConversationRecord {
  return {
    roomId: String(row.room_id),
    userId: String(row.user_id),
    account: {
      id: String(row.actor_id),
      name: String(row.actor_name),
      handle: nullableString(row.actor_handle),
      url: nullableString(row.actor_url),
      avatarUrl: nullableString(row.avatar_url),
      inbox: String(row.inbox),
      sharedInbox: nullableString(row.shared_inbox),
    },
    createdAt: Number(row.created_at),
    updatedAt: Number(row.updated_at),
  }
}

class SqliteDirectNoteRepository implements DirectNoteRepository {
  readonly #db: DatabaseSync
  constructor(db: DatabaseSync) {
    this.#db = db
  }

  async claim(r: DirectNoteRecord): Promise<boolean> {
    const result = cached(
      this.#db,
      'INSERT INTO direct_notes (note_id, room_id, seq, author_id, created_at) VALUES (?, ?, ?, ?, ?) ON CONFLICT DO NOTHING',
    ).run(r.noteId, r.roomId, r.seq, r.authorId, r.createdAt)
    return Number(result.changes) === 1
  }

  async settle(noteId: string, seq: number): Promise<void> {
    cached(this.#db, 'UPDATE direct_notes SET seq = ? WHERE note_id = ?').run(seq, noteId)
  }

  async byNote(noteId: string): Promise<DirectNoteRecord | null> {
    const row = cached(this.#db, 'SELECT * FROM direct_notes WHERE note_id = ?').get(noteId)
    return row ? toNote(row) : null
  }

  async byMessage(roomId: string, seq: number): Promise<DirectNoteRecord | null> {
    const row = cached(this.#db, 'SELECT * FROM direct_notes WHERE room_id = ? AND seq = ?').get(roomId, seq)
    return row ? toNote(row) : null
  }
}

function toNote(row: Row): DirectNoteRecord {
  return {
    noteId: String(row.note_id),
    roomId: String(row.room_id),
    seq: nullableNumber(row.seq),
    authorId: String(row.author_id),
    createdAt: Number(row.created_at),
  }
}

export function sqliteDirectRepositories(db: DatabaseSync): DirectRepositories {
  return { conversations: new SqliteDirectConversationRepository(db), notes: new SqliteDirectNoteRepository(db) }
}
