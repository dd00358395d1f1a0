/**
 * The embedded store: one SQLite file through Node's built-in `node:sqlite`, in WAL mode so readers
 * never wait for the writer. Statements are synchronous (SQLite is in-process); the ports are async
 * so that MongoDB fits the same shape.
 */
import { mkdirSync } from 'node:fs'
import { dirname } from 'node:path'
import { DatabaseSync } from 'node:sqlite'
import type { FederationRepositories } from '@parley/federation'
import type { DirectRepositories, Store } from '../ports.ts'
import { migrations } from './migrations.ts'
import { SqliteUserRepository } from './sqlite-users.ts'
import { SqliteSessionRepository } from './sqlite-sessions.ts'
import { SqliteApiTokenRepository } from './sqlite-tokens.ts'
import { SqliteInviteRepository } from './sqlite-invites.ts'
import { SqliteAvatarRepository, SqliteUserStatusRepository } from './sqlite-people.ts'
import { SqliteParticipantRepository, SqliteRoomRepository } from './sqlite-rooms.ts'
import { SqliteMessageRepository, SqliteRoomEventRepository } from './sqlite-messages.ts'
import {
  SqliteGuestSessionRepository,
  SqliteNotificationRepository,
  SqlitePollRepository,
} from './sqlite-chat-extras.ts'
import { SqliteRecordingRepository } from './sqlite-recordings.ts'
import { SqliteRoomActivityRepository } from './sqlite-room-activity.ts'
import { SqliteFileRepository } from './sqlite-files.ts'
import { SqliteMeetingRepository } from './sqlite-meetings.ts'
import { sqliteFederationRepositories } from './sqlite-federation.ts'
import { sqliteDirectRepositories } from './sqlite-direct.ts'
import { SqliteRemoteRoomRepository } from './sqlite-remote-rooms.ts'
import { SqlitePushRepository } from './sqlite-push.ts'

export class SqliteStore implements Store {
  readonly backend = 'sqlite' as const
  readonly users: SqliteUserRepository
  readonly sessions: SqliteSessionRepository
  readonly tokens: SqliteApiTokenRepository
  readonly invites: SqliteInviteRepository
  readonly avatars: SqliteAvatarRepository
  readonly statuses: SqliteUserStatusRepository
  readonly rooms: SqliteRoomRepository
  readonly participants: SqliteParticipantRepository
  readonly messages: SqliteMessageRepository
  readonly events: SqliteRoomEventRepository
  readonly polls: SqlitePollRepository
  readonly notifications: SqliteNotificationRepository
  readonly activity: SqliteRoomActivityRepository
  readonly guests: SqliteGuestSessionRepository
  readonly recordings: SqliteRecordingRepository
  readonly files: SqliteFileRepository
  readonly meetings: SqliteMeetingRepository
  readonly push: SqlitePushRepository
  readonly federation: FederationRepositories
  readonly direct: DirectRepositories
  readonly remoteRooms: SqliteRemoteRoomRepository
  readonly #db: DatabaseSync
  #closed = false

  /** Opens (creating when missing) the file at `path`; `:memory:` gives a private in-memory store. */
  constructor(path: string) {
    if (path !== ':memory:') mkdirSync(dirname(path), { recursive: true })
    this.#db = new DatabaseSync(path)
    this.#db.exec(
      'PRAGMA journal_mode = WAL; PRAGMA foreign_keys = ON; PRAGMA busy_timeout = 5000; PRAGMA synchronous = NORMAL;',
    )
    this.users = new SqliteUserRepository(this.#db)
    this.sessions = new SqliteSessionRepository(this.#db)
    this.tokens = new SqliteApiTokenRepository(this.#db)
    this.invites = new SqliteInviteRepository(this.#db)
    this.avatars = new SqliteAvatarRepository(this.#db)
    this.statuses = new SqliteUserStatusRepository(this.#db)
    this.rooms = new SqliteRoomRepository(this.#db)
    this.participants = new SqliteParticipantRepository(this.#db)
    this.messages = new SqliteMessageRepository(this.#db)
    this.events = new SqliteRoomEventRepository(this.#db)
    this.polls = new SqlitePollRepository(this.#db)
    this.notifications = new SqliteNotificationRepository(this.#db)
    this.activity = new SqliteRoomActivityRepository(this.#db)
    this.guests = new SqliteGuestSessionRepository(this.#db)
    this.recordings = new SqliteRecordingRepository(this.#db)
    this.files = new SqliteFileRepository(this.#db)
    this.meetings = new SqliteMeetingRepository(this.#db)
    this.push = new SqlitePushRepository(this.#db)
    this.federation = sqliteFederationRepositories(this.#db)
    this.direct = sqliteDirectRepositories(this.#db)
    this.remoteRooms = new SqliteRemoteRoomRepository(this.#db)
  }

  async migrate(): Promise<string[]> {
    this.#db.exec(`CREATE TABLE IF NOT EXISTS schema_migrations (
      version INTEGER PRIMARY KEY, name TEXT NOT NULL, applied_at INTEGER NOT NULL) STRICT`)
    const done = new Set(
      this.#db
        .prepare('SELECT version FROM schema_migrations')
        .all()
        .map((row) => Number(row.version)),
    )
    const applied: string[] = []
    for (const migration of migrations) {
      if (done.has(migration.version)) continue
      this.#db.exec('BEGIN IMMEDIATE')
      try {
        this.#db.exec(migration.sql)
        this.#db
          .prepare('INSERT INTO schema_migrations (version, name, applied_at) VALUES (?, ?, ?)')
          .run(migration.version, migration.name, Date.now())
        this.#db.exec('COMMIT')
      } catch (error) {
        this.#db.exec('ROLLBACK')
        throw new Error(`migration ${migration.version} (${migration.name}) failed: ${(error as Error).message}`, {
          cause: error,
        })
      }
      applied.push(`${migration.version} ${migration.name}`)
    }
    return applied
  }

  /** Versions applied so far, for `parley doctor`. */
  appliedVersions(): number[] {
    const exists = this.#db
      .prepare("SELECT 1 FROM sqlite_master WHERE type = 'table' AND name = 'schema_migrations'")
      .get()
    if (!exists) return []
    return this.#db
      .prepare('SELECT version FROM schema_migrations ORDER BY version')
      .all()
      .map((row) => Number(row.version))
  }

  async ping(): Promise<void> {
    if (this.#closed) throw new Error('store is closed')
    this.#db.prepare('SELECT 1').get()
  }

  async close(): Promise<void> {
    if (this.#closed) return
    this.#closed = true
    this.#db.close()
  }
}

export const latestSqliteVersion = Math.max(...migrations.map((m) => m.version))
