/**
 * The federation's ports on MongoDB, mirroring `sqlite/sqlite-federation.ts` (same contract suite).
 * Compound keys are unique indexes created by `MongoStore.migrate()`; page cursors are offsets.
 */
import type { Collection, Db } from 'mongodb'
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
import { MongoRoomInvitationRepository, MongoRoomInviteRepository } from './mongo-room-federation.ts'
import { MongoRoomFanoutCursorRepository, MongoRoomReplicaRepository } from './mongo-room-replica.ts'

export const FEDERATION_INDEXES = {
  actor_keys: [{ key: { userId: 1, algorithm: 1 }, name: 'user_algorithm_unique', unique: true }],
  federation_followers: [
    { key: { userId: 1, actorId: 1 }, name: 'user_actor_unique', unique: true },
    { key: { userId: 1, createdAt: 1, actorId: 1 }, name: 'order' },
    { key: { actorId: 1, followId: 1 }, name: 'follow' },
  ],
  federation_following: [
    { key: { userId: 1, actorId: 1 }, name: 'user_actor_unique', unique: true },
    { key: { actorId: 1 }, name: 'actor' },
    { key: { followId: 1 }, name: 'follow_unique', unique: true },
    { key: { userId: 1, state: 1, createdAt: 1, actorId: 1 }, name: 'order' },
  ],
  federation_room_keys: [{ key: { userId: 1, algorithm: 1 }, name: 'user_algorithm_unique', unique: true }],
  federation_instance_keys: [{ key: { userId: 1, algorithm: 1 }, name: 'user_algorithm_unique', unique: true }],
  federation_room_followers: [
    { key: { userId: 1, actorId: 1 }, name: 'user_actor_unique', unique: true },
    { key: { userId: 1, createdAt: 1, actorId: 1 }, name: 'order' },
    { key: { actorId: 1, followId: 1 }, name: 'follow' },
  ],
  federation_room_posts: [
    { key: { roomId: 1, postId: 1 }, name: 'room_post_unique', unique: true },
    { key: { roomId: 1, createdAt: -1, postId: 1 }, name: 'order' },
  ],
  federation_blocks: [{ key: { userId: 1, actorId: 1 }, name: 'user_actor_unique', unique: true }],
  federation_reports: [{ key: { receivedAt: -1 }, name: 'received' }],
  federation_inbound_messages: [{ key: { recipientUserIds: 1, receivedAt: 1 }, name: 'recipient' }],
} as const

const strip = <T extends object>(doc: T & { _id?: unknown }): T => {
  const { _id, ...rest } = doc
  return rest as T
}

function offsetOf(cursor: string | null): number {
  const n = cursor === null ? 0 : Number.parseInt(cursor, 10)
  return Number.isSafeInteger(n) && n >= 0 ? n : 0
}

async function pageOf<T extends object>(
  collection: Collection<T>,
  filter: object,
  cursor: string | null,
  limit: number,
): Promise<Page<T>> {
  const offset = offsetOf(cursor)
  const docs = await collection
    .find(filter)
    .sort({ createdAt: 1, actorId: 1 })
    .skip(offset)
    .limit(limit + 1)
    .toArray()
  const rows = docs.map((doc) => strip(doc as T & { _id?: unknown }))
  const more = rows.length > limit
  return { items: more ? rows.slice(0, limit) : rows, next: more ? String(offset + limit) : null }
}

class MongoActorKeyRepository implements ActorKeyRepository {
  readonly #keys: Collection<ActorKeyRecord>
  /** `collection`: `actor_keys` for users, `federation_room_keys` for rooms (the room id in `userId`). */
  constructor(db: Db, collection = 'actor_keys') {
    this.#keys = db.collection(collection)
  }

  async list(userId: string): Promise<ActorKeyRecord[]> {
    const docs = (await this.#keys.find({ userId }).toArray()).map((doc) => strip(doc))
    return docs.sort((a, b) => (a.algorithm === 'rsa' ? 0 : 1) - (b.algorithm === 'rsa' ? 0 : 1))
  }

  async addIfMissing(record: ActorKeyRecord): Promise<ActorKeyRecord> {
    await this.#keys.updateOne(
      { userId: record.userId, algorithm: record.algorithm },
      { $setOnInsert: { ...record } },
      { upsert: true },
    )
    const stored = await this.#keys.findOne({ userId: record.userId, algorithm: record.algorithm })
    if (!stored) throw new Error(`key pair for ${record.userId} was not stored`)
    return strip(stored)
  }

  async missing(userIds: readonly string[], algorithm: KeyAlgorithm): Promise<string[]> {
    const present = new Set(
      (
        await this.#keys.find({ userId: { $in: [...userIds] }, algorithm }, { projection: { userId: 1 } }).toArray()
      ).map((d) => d.userId),
    )
    return userIds.filter((id) => !present.has(id))
  }
}

class MongoFollowerRepository implements FollowerRepository {
  readonly #followers: Collection<FollowerRecord>
  /** `collection`: `federation_followers` for users, `federation_room_followers` for rooms. */
  constructor(db: Db, collection = 'federation_followers') {
    this.#followers = db.collection(collection)
  }

  async upsert(record: FollowerRecord): Promise<boolean> {
    const { inbox, sharedInbox, followId, ...key } = record
    const result = await this.#followers.updateOne(
      { userId: key.userId, actorId: key.actorId },
      { $set: { inbox, sharedInbox, followId }, $setOnInsert: { createdAt: key.createdAt } },
      { upsert: true },
    )
    return result.upsertedCount === 1
  }

  async remove(userId: string, actorId: string): Promise<boolean> {
    return (await this.#followers.deleteOne({ userId, actorId })).deletedCount > 0
  }

  async removeByFollowId(actorId: string, followId: string): Promise<boolean> {
    return (await this.#followers.deleteMany({ actorId, followId })).deletedCount > 0
  }

  async removeActor(actorId: string): Promise<number> {
    return (await this.#followers.deleteMany({ actorId })).deletedCount
  }

  async list(userId: string, cursor: string | null, limit: number): Promise<Page<FollowerRecord>> {
    return pageOf(this.#followers, { userId }, cursor, limit)
  }

  async count(userId: string): Promise<number> {
    return this.#followers.countDocuments({ userId })
  }
}

class MongoFollowingRepository implements FollowingRepository {
  readonly #following: Collection<FollowingRecord>
  constructor(db: Db) {
    this.#following = db.collection('federation_following')
  }

  async put(record: FollowingRecord): Promise<void> {
    await this.#following.replaceOne(
      { userId: record.userId, actorId: record.actorId },
      { ...record },
      { upsert: true },
    )
  }

  async byFollowId(followId: string): Promise<FollowingRecord | null> {
    const doc = await this.#following.findOne({ followId })
    return doc ? strip(doc) : null
  }

  async get(userId: string, actorId: string): Promise<FollowingRecord | null> {
    const doc = await this.#following.findOne({ userId, actorId })
    return doc ? strip(doc) : null
  }

  async accept(followId: string): Promise<FollowingRecord | null> {
    await this.#following.updateOne({ followId }, { $set: { state: 'accepted' } })
    return this.byFollowId(followId)
  }

  async remove(userId: string, actorId: string): Promise<boolean> {
    return (await this.#following.deleteOne({ userId, actorId })).deletedCount > 0
  }

  async removeActor(actorId: string): Promise<number> {
    return (await this.#following.deleteMany({ actorId })).deletedCount
  }

  async list(userId: string, cursor: string | null, limit: number): Promise<Page<FollowingRecord>> {
    return pageOf(this.#following, { userId, state: 'accepted' }, cursor, limit)
  }

  async count(userId: string): Promise<number> {
    return this.#following.countDocuments({ userId, state: 'accepted' })
  }
}

class MongoInboundMessageRepository implements InboundMessageRepository {
  readonly #messages: Collection<InboundDirectMessage & { _id: string }>
  constructor(db: Db) {
    this.#messages = db.collection('federation_inbound_messages')
  }

  async receive(message: InboundDirectMessage): Promise<boolean> {
    const result = await this.#messages.updateOne(
      { _id: message.noteId },
      { $setOnInsert: { ...message } },
      { upsert: true },
    )
    return result.upsertedCount === 1
  }

  async listForUser(userId: string): Promise<InboundDirectMessage[]> {
    const docs = await this.#messages.find({ recipientUserIds: userId }).sort({ receivedAt: 1, _id: 1 }).toArray()
    return docs.map((doc) => strip(doc))
  }
}

class MongoBlockRepository implements BlockRepository {
  readonly #blocks: Collection<BlockRecord>
  constructor(db: Db) {
    this.#blocks = db.collection('federation_blocks')
  }

  async add(record: BlockRecord): Promise<boolean> {
    const result = await this.#blocks.updateOne(
      { userId: record.userId, actorId: record.actorId },
      { $setOnInsert: { createdAt: record.createdAt } },
      { upsert: true },
    )
    return result.upsertedCount === 1
  }

  async remove(userId: string, actorId: string): Promise<boolean> {
    return (await this.#blocks.deleteOne({ userId, actorId })).deletedCount > 0
  }

  async has(userId: string, actorId: string): Promise<boolean> {
    return (await this.#blocks.countDocuments({ userId, actorId }, { limit: 1 })) > 0
  }

  async list(userId: string): Promise<BlockRecord[]> {
    const docs = await this.#blocks.find({ userId }).sort({ createdAt: -1, actorId: 1 }).toArray()
    return docs.map((doc) => strip(doc))
  }
}

class MongoReportRepository implements ReportRepository {
  readonly #reports: Collection<ReportRecord & { _id: string }>
  constructor(db: Db) {
    this.#reports = db.collection('federation_reports')
  }

  async receive(report: ReportRecord): Promise<boolean> {
    const result = await this.#reports.updateOne(
      { _id: report.activityId },
      { $setOnInsert: { ...report } },
      { upsert: true },
    )
    return result.upsertedCount === 1
  }

  async list(limit: number): Promise<ReportRecord[]> {
    const docs = await this.#reports.find().sort({ receivedAt: -1, _id: 1 }).limit(limit).toArray()
    return docs.map((doc) => strip(doc))
  }
}

class MongoDomainBlockRepository implements DomainBlockRepository {
  readonly #blocks: Collection<DomainBlockRecord & { _id: string }>
  constructor(db: Db) {
    this.#blocks = db.collection('federation_domain_blocks')
  }

  async add(record: DomainBlockRecord): Promise<boolean> {
    const result = await this.#blocks.updateOne(
      { _id: record.domain },
      { $setOnInsert: { ...record } },
      { upsert: true },
    )
    return result.upsertedCount === 1
  }

  async remove(domain: string): Promise<boolean> {
    return (await this.#blocks.deleteOne({ _id: domain })).deletedCount > 0
  }

  async list(): Promise<DomainBlockRecord[]> {
    const docs = await this.#blocks.find().sort({ createdAt: 1, _id: 1 }).toArray()
    return docs.map((doc) => strip(doc))
  }
}

class MongoRoomPostRepository implements RoomPostRepository {
  readonly #posts: Collection<RoomPostRecord>
  constructor(db: Db) {
    this.#posts = db.collection('federation_room_posts')
  }

  async add(post: RoomPostRecord): Promise<void> {
    await this.#posts.insertOne({ ...post })
  }

  async get(roomId: string, postId: string): Promise<RoomPostRecord | null> {
    const doc = await this.#posts.findOne({ roomId, postId })
    return doc ? strip(doc) : null
  }

  async list(roomId: string, cursor: string | null, limit: number): Promise<Page<RoomPostRecord>> {
    const offset = offsetOf(cursor)
    const docs = await this.#posts
      .find({ roomId })
      .sort({ createdAt: -1, postId: 1 })
      .skip(offset)
      .limit(limit + 1)
      .toArray()
    const rows = docs.map((doc) => strip(doc))
    const more = rows.length > limit
    return { items: more ? rows.slice(0, limit) : rows, next: more ? String(offset + limit) : null }
  }

  async count(roomId: string): Promise<number> {
    return this.#posts.countDocuments({ roomId })
  }
}

export function mongoFederationRepositories(db: Db): FederationRepositories {
  return {
    keys: new MongoActorKeyRepository(db),
    instanceKeys: new MongoActorKeyRepository(db, 'federation_instance_keys'),
    followers: new MongoFollowerRepository(db),
    following: new MongoFollowingRepository(db),
    inboundMessages: new MongoInboundMessageRepository(db),
    blocks: new MongoBlockRepository(db),
    reports: new MongoReportRepository(db),
    domainBlocks: new MongoDomainBlockRepository(db),
    rooms: {
      keys: new MongoActorKeyRepository(db, 'federation_room_keys'),
      followers: new MongoFollowerRepository(db, 'federation_room_followers'),
      posts: new MongoRoomPostRepository(db),
      members: new MongoFollowerRepository(db, 'federation_room_members'),
      invites: new MongoRoomInviteRepository(db),
      invitations: new MongoRoomInvitationRepository(db),
      replicas: new MongoRoomReplicaRepository(db),
      fanoutCursors: new MongoRoomFanoutCursorRepository(db),
    },
  }
}
