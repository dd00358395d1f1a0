/**
 * The federation's ports (declared by @parley/federation) on SQLite: actor key pairs, followers,
 * follows and inbound direct messages. Page cursors are offsets, opaque to callers.
 */
import type { DatabaseSync } from 'node:sqlite'
import type {
  ActorKeyRecord,
  ActorKeyRepository,
  BlockRecord,
  BlockRepository,
  DomainBlockRecord,
  DomainBlockRepository,
  FederationRepositories,
  FollowerRecord,
  FollowerRepository,
  FollowingRecord,
  FollowingRepository,
  InboundDirectMessage,
  InboundMessageRepository,
  KeyAlgorithm,
  Page,
  ReportRecord,
  ReportRepository,
  RoomPostRecord,
  RoomPostRepository,
} from '@parley/federation'
import { cached, nullableNumber, type Row } from './sqlite-util.ts'
import { SqliteRoomInvitationRepository, SqliteRoomInviteRepository } from './sqlite-room-federation.ts'
import { SqliteRoomFanoutCursorRepository, SqliteRoomReplicaRepository } from './sqlite-room-replica.ts'

const nullableString = (value: unknown) => (value === null || value === undefined ? null : String(value))

function page<T>(rows: T[], offset: number, limit: number): Page<T> {
  const more = rows.length > limit
  return { items: more ? rows.slice(0, limit) : rows, next: more ? String(offset + limit) : null }
}

function offsetOf(cursor: string | null): number {
  const n = cursor === null ? 0 : Number.parseInt(cursor, 10)
  return Number.isSafeInteger(n) && n >= 0 ? n : 0
}

/** A table of key pairs or followers and the column naming their owner (a user or a room). */
type OwnedTable = { table: string; owner: string }
const USER_KEYS: OwnedTable = { table: 'actor_keys', owner: 'user_id' }
const USER_FOLLOWERS: OwnedTable = { table: 'federation_followers', owner: 'user_id' }
const ROOM_KEYS: OwnedTable = { table: 'federation_room_keys', owner: 'room_id' }
const INSTANCE_KEYS: OwnedTable = { table: 'federation_instance_keys', owner: 'owner_id' }
const ROOM_FOLLOWERS: OwnedTable = { table: 'federation_room_followers', owner: 'room_id' }
const ROOM_MEMBERS: OwnedTable = { table: 'federation_room_members', owner: 'room_id' }

class SqliteActorKeyRepository implements ActorKeyRepository {
  readonly #db: DatabaseSync
  readonly #t: string
  readonly #o: string
  constructor(db: DatabaseSync, table: OwnedTable = USER_KEYS) {
    this.#db = db
    this.#t = table.table
    this.#o = table.owner
  }

  async list(userId: string): Promise<ActorKeyRecord[]> {
    // RSA first: Mastodon reads the first publicKey.
    return cached(
      this.#db,
      `SELECT * FROM ${this.#t} WHERE ${this.#o} = ? ORDER BY CASE algorithm WHEN 'rsa' THEN 0 ELSE 1 END`,
    )
      .all(userId)
      .map((row) => ({
        userId: String(row[this.#o]),
        algorithm: String(row.algorithm) as KeyAlgorithm,
        publicJwk: JSON.parse(String(row.public_jwk)),
        privateJwk: JSON.parse(String(row.private_jwk)),
        createdAt: Number(row.created_at),
      }))
  }

  async addIfMissing(record: ActorKeyRecord): Promise<ActorKeyRecord> {
    cached(
      this.#db,
      `INSERT INTO ${this.#t} (${this.#o}, algorithm, public_jwk, private_jwk, created_at) VALUES (?, ?, ?, ?, ?) ON CONFLICT DO NOTHING`,
    ).run(
      record.userId,
      record.algorithm,
      JSON.stringify(record.publicJwk),
      JSON.stringify(record.privateJwk),
      record.createdAt,
    )
    const stored = (await this.list(record.userId)).find((r) => r.algorithm === record.algorithm)
    if (!stored) throw new Error(`key pair for ${record.userId} was not stored`)
    return stored
  }

  async missing(userIds: readonly string[], algorithm: KeyAlgorithm): Promise<string[]> {
    const has = cached(this.#db, `SELECT 1 FROM ${this.#t} WHERE ${this.#o} = ? AND algorithm = ?`)
    return userIds.filter((id) => has.get(id, algorithm) === undefined)
  }
}

function toFollower(row: Row, owner = 'user_id'): FollowerRecord {
  return {
    userId: String(row[owner]),
    actorId: String(row.actor_id),
    inbox: String(row.inbox),
    sharedInbox: nullableString(row.shared_inbox),
    followId: String(row.follow_id),
    createdAt: Number(row.created_at),
  }
}

class SqliteFollowerRepository implements FollowerRepository {
  readonly #db: DatabaseSync
  readonly #t: string
  readonly #o: string
  constructor(db: DatabaseSync, table: OwnedTable = USER_FOLLOWERS) {
    this.#db = db
    this.#t = table.table
    this.#o = table.owner
  }

  async upsert(record: FollowerRecord): Promise<boolean> {
    const existed = cached(this.#db, `SELECT 1 FROM ${this.#t} WHERE ${this.#o} = ? AND actor_id = ?`).get(
      record.userId,
      record.actorId,
    )
    cached(
      this.#db,
      `INSERT INTO ${this.#t} (${this.#o}, actor_id, inbox, shared_inbox, follow_id, created_at) VALUES (?, ?, ?, ?, ?, ?)
         ON CONFLICT (${this.#o}, actor_id) DO UPDATE SET inbox = excluded.inbox, shared_inbox = excluded.shared_inbox, follow_id = excluded.follow_id`,
    ).run(record.userId, record.actorId, record.inbox, record.sharedInbox, record.followId, record.createdAt)
    return existed === undefined
  }

  async remove(userId: string, actorId: string): Promise<boolean> {
    return (
      Number(
        cached(this.#db, `DELETE FROM ${this.#t} WHERE ${this.#o} = ? AND actor_id = ?`).run(userId, actorId).changes,
      ) > 0
    )
  }

  async removeByFollowId(actorId: string, followId: string): Promise<boolean> {
    return (
      Number(
        cached(this.#db, `DELETE FROM ${this.#t} WHERE actor_id = ? AND follow_id = ?`).run(actorId, followId).changes,
      ) > 0
    )
  }

  async removeActor(actorId: string): Promise<number> {
    return Number(cached(this.#db, `DELETE FROM ${this.#t} WHERE actor_id = ?`).run(actorId).changes)
  }

  async list(userId: string, cursor: string | null, limit: number): Promise<Page<FollowerRecord>> {
    const offset = offsetOf(cursor)
    const rows = cached(
      this.#db,
      `SELECT * FROM ${this.#t} WHERE ${this.#o} = ? ORDER BY created_at, actor_id LIMIT ? OFFSET ?`,
    )
      .all(userId, limit + 1, offset)
      .map((row) => toFollower(row, this.#o))
    return page(rows, offset, limit)
  }

  async count(userId: string): Promise<number> {
    return Number(cached(this.#db, `SELECT COUNT(*) AS n FROM ${this.#t} WHERE ${this.#o} = ?`).get(userId)?.n ?? 0)
  }
}

function toFollowing(row: Row): FollowingRecord {
  return {
    userId: String(row.user_id),
    actorId: String(row.actor_id),
    followId: String(row.follow_id),
    state: row.state === 'accepted' ? 'accepted' : 'pending',
    inbox: String(row.inbox),
    sharedInbox: nullableString(row.shared_inbox),
    createdAt: Number(row.created_at),
  }
}

class SqliteFollowingRepository implements FollowingRepository {
  readonly #db: DatabaseSync
  constructor(db: DatabaseSync) {
    this.#db = db
  }

  async put(record: FollowingRecord): Promise<void> {
    cached(
      this.#db,
      `INSERT INTO federation_following (user_id, actor_id, follow_id, state, inbox, shared_inbox, created_at) VALUES (?, ?, ?, ?, ?, ?, ?)
         ON CONFLICT (user_id, actor_id) DO UPDATE SET follow_id = excluded.follow_id, state = excluded.state,
           inbox = excluded.inbox, shared_inbox = excluded.shared_inbox, created_at = excluded.created_at`,
    ).run(
      record.userId,
      record.actorId,
      record.followId,
      record.state,
      record.inbox,
      record.sharedInbox,
      record.createdAt,
    )
  }

  async byFollowId(followId: string): Promise<FollowingRecord | null> {
    const row = cached(this.#db, 'SELECT * FROM federation_following WHERE follow_id = ?').get(followId)
    return row ? toFollowing(row) : null
  }

  async get(userId: string, actorId: string): Promise<FollowingRecord | null> {
    const row = cached(this.#db, 'SELECT * FROM federation_following WHERE user_id = ? AND actor_id = ?').get(
      userId,
      actorId,
    )
    return row ? toFollowing(row) : null
  }

  async accept(followId: string): Promise<FollowingRecord | null> {
    cached(this.#db, "UPDATE federation_following SET state = 'accepted' WHERE follow_id = ?").run(followId)
    return this.byFollowId(followId)
  }

  async remove(userId: string, actorId: string): Promise<boolean> {
    return (
      Number(
        cached(this.#db, 'DELETE FROM federation_following WHERE user_id = ? AND actor_id = ?').run(userId, actorId)
          .changes,
      ) > 0
    )
  }

  async removeActor(actorId: string): Promise<number> {
    return Number(cached(this.#db, 'DELETE FROM federation_following WHERE actor_id = ?').run(actorId).changes)
  }

  async list(userId: string, cursor: string | null, limit: number): Promise<Page<FollowingRecord>> {
    const offset = offsetOf(cursor)
    const rows = cached(
      this.#db,
      "SELECT * FROM federation_following WHERE user_id = ? AND state = 'accepted' ORDER BY created_at, actor_id LIMIT ? OFFSET ?",
    )
      .all(userId, limit + 1, offset)
      .map(toFollowing)
    return page(rows, offset, limit)
  }

  async count(userId: string): Promise<number> {
    return Number(
      cached(this.#db, "SELECT COUNT(*) AS n FROM federation_following WHERE user_id = ? AND state = 'accepted'").get(
        userId,
      )?.n ?? 0,
    )
  }
}

class SqliteInboundMessageRepository implements InboundMessageRepository {
  readonly #db: DatabaseSync
  constructor(db: DatabaseSync) {
    this.#db = db
  }

  async receive(m: InboundDirectMessage): Promise<boolean> {
    const result = cached(
      this.#db,
      `INSERT INTO federation_inbound_messages (note_id, activity_id, sender_id, recipient_user_ids, content, in_reply_to, published, received_at)
         VALUES (?, ?, ?, ?, ?, ?, ?, ?) ON CONFLICT (note_id) DO NOTHING`,
    ).run(
      m.noteId,
      m.activityId,
      m.senderId,
      JSON.stringify(m.recipientUserIds),
      m.content,
      m.inReplyTo,
      m.published,
      m.receivedAt,
    )
    return Number(result.changes) === 1
  }

  async listForUser(userId: string): Promise<InboundDirectMessage[]> {
    return cached(
      this.#db,
      `SELECT m.* FROM federation_inbound_messages AS m
         WHERE EXISTS (SELECT 1 FROM json_each(m.recipient_user_ids) WHERE value = ?) ORDER BY received_at, note_id`,
    )
      .all(userId)
      .map((row) => ({
        noteId: String(row.note_id),
        activityId: String(row.activity_id),
        senderId: String(row.sender_id),
        recipientUserIds: JSON.parse(String(row.recipient_user_ids)) as string[],
        content: String(row.content),
        inReplyTo: nullableString(row.in_reply_to),
        published: nullableNumber(row.published),
        receivedAt: Number(row.received_at),
      }))
  }
}

class SqliteBlockRepository implements BlockRepository {
  readonly #db: DatabaseSync
  constructor(db: DatabaseSync) {
    this.#db = db
  }

  async add(record: BlockRecord): Promise<boolean> {
    const result = cached(
      this.#db,
      'INSERT INTO federation_blocks (user_id, actor_id, created_at) VALUES (?, ?, ?) ON CONFLICT DO NOTHING',
    ).run(record.userId, record.actorId, record.createdAt)
    return Number(result.changes) === 1
  }

  async remove(userId: string, actorId: string): Promise<boolean> {
    return (
      Number(
        cached(this.#db, 'DELETE FROM federation_blocks WHERE user_id = ? AND actor_id = ?').run(userId, actorId)
          .changes,
      ) > 0
    )
  }

  async has(userId: string, actorId: string): Promise<boolean> {
    return (
      cached(this.#db, 'SELECT 1 FROM federation_blocks WHERE user_id = ? AND actor_id = ?').get(userId, actorId) !==
      undefined
    )
  }

  async list(userId: string): Promise<BlockRecord[]> {
    return cached(this.#db, 'SELECT * FROM federation_blocks WHERE user_id = ? ORDER BY created_at DESC, actor_id')
      .all(userId)
      .map((row) => ({ userId: String(row.user_id), actorId: String(row.actor_id), createdAt: Number(row.created_at) }))
  }
}

class SqliteReportRepository implements ReportRepository {
  readonly #db: DatabaseSync
  constructor(db: DatabaseSync) {
    this.#db = db
  }

  async receive(r: ReportRecord): Promise<boolean> {
    const result = cached(
      this.#db,
      `INSERT INTO federation_reports (activity_id, reporter_id, user_ids, object_ids, content, received_at)
         VALUES (?, ?, ?, ?, ?, ?) ON CONFLICT (activity_id) DO NOTHING`,
    ).run(r.activityId, r.reporterId, JSON.stringify(r.userIds), JSON.stringify(r.objectIds), r.content, r.receivedAt)
    return Number(result.changes) === 1
  }

  async list(limit: number): Promise<ReportRecord[]> {
    return cached(this.#db, 'SELECT * FROM federation_reports ORDER BY received_at DESC, activity_id LIMIT ?')
      .all(limit)
      .map((row) => ({
        activityId: String(row.activity_id),
        reporterId: String(row.reporter_id),
        userIds: JSON.parse(String(row.user_ids)) as string[],
        objectIds: JSON.parse(String(row.object_ids)) as string[],
        content: String(row.content),
        receivedAt: Number(row.received_at),
      }))
  }
}

class SqliteDomainBlockRepository implements DomainBlockRepository {
  readonly #db: DatabaseSync
  constructor(db: DatabaseSync) {
    this.#db = db
  }

  async add(record: DomainBlockRecord): Promise<boolean> {
    const result = cached(
      this.#db,
      'INSERT INTO federation_domain_blocks (domain, created_by, created_at) VALUES (?, ?, ?) ON CONFLICT DO NOTHING',
    ).run(record.domain, record.createdBy, record.createdAt)
    return Number(result.changes) === 1
  }

  async remove(domain: string): Promise<boolean> {
    return Number(cached(this.#db, 'DELETE FROM federation_domain_blocks WHERE domain = ?').run(domain).changes) > 0
  }

  async list(): Promise<DomainBlockRecord[]> {
    return cached(this.#db, 'SELECT * FROM federation_domain_blocks ORDER BY created_at, domain')
      .all()
      .map((row) => ({
        domain: String(row.domain),
        createdBy: String(row.created_by),
        createdAt: Number(row.created_at),
      }))
  }
}

class SqliteRoomPostRepository implements RoomPostRepository {
  readonly #db: DatabaseSync
  constructor(db: DatabaseSync) {
    this.#db = db
  }

  async add(post: RoomPostRecord): Promise<void> {
    cached(this.#db, 'INSERT INTO federation_room_posts (room_id, post_id, text, created_at) VALUES (?, ?, ?, ?)').run(
      post.roomId,
      post.postId,
      post.text,
      post.createdAt,
    )
  }

  async get(roomId: string, postId: string): Promise<RoomPostRecord | null> {
    const row = cached(this.#db, 'SELECT * FROM federation_room_posts WHERE room_id = ? AND post_id = ?').get(
      roomId,
      postId,
    )
    return row ? toRoomPost(row) : null
  }

  async list(roomId: string, cursor: string | null, limit: number): Promise<Page<RoomPostRecord>> {
    const offset = offsetOf(cursor)
    const rows = cached(
      this.#db,
      'SELECT * FROM federation_room_posts WHERE room_id = ? ORDER BY created_at DESC, post_id LIMIT ? OFFSET ?',
    )
      .all(roomId, limit + 1, offset)
      .map(toRoomPost)
    return page(rows, offset, limit)
  }

  async count(roomId: string): Promise<number> {
    return Number(
      cached(this.#db, 'SELECT COUNT(*) AS n FROM federation_room_posts WHERE room_id = ?').get(roomId)?.n ?? 0,
    )
  }
}

function toRoomPost(row: Row): RoomPostRecord {
  return {
    roomId: String(row.room_id),
    postId: String(row.post_id),
    text: String(row.text),
    createdAt: Number(row.created_at),
  }
}

export function sqliteFederationRepositories(db: DatabaseSync): FederationRepositories {
  return {
    keys: new SqliteActorKeyRepository(db),
    instanceKeys: new SqliteActorKeyRepository(db, INSTANCE_KEYS),
    followers: new SqliteFollowerRepository(db),
    following: new SqliteFollowingRepository(db),
    inboundMessages: new SqliteInboundMessageRepository(db),
    blocks: new SqliteBlockRepository(db),
    reports: new SqliteReportRepository(db),
    domainBlocks: new SqliteDomainBlockRepository(db),
    rooms: {
      keys: new SqliteActorKeyRepository(db, ROOM_KEYS),
      followers: new SqliteFollowerRepository(db, ROOM_FOLLOWERS),
      posts: new SqliteRoomPostRepository(db),
      members: new SqliteFollowerRepository(db, ROOM_MEMBERS),
      invites: new SqliteRoomInviteRepository(db),
      invitations: new SqliteRoomInvitationRepository(db),
      replicas: new SqliteRoomReplicaRepository(db),
      fanoutCursors: new SqliteRoomFanoutCursorRepository(db),
    },
  }
}
