import { MongoServerError, type Collection, type Db } from 'mongodb'
import type {
  ApiTokenRepository,
  Created,
  InviteRepository,
  SessionRepository,
  UserPatch,
  UserRepository,
} from '../ports.ts'
import type { ApiTokenRecord, InviteRecord, SessionRecord, UserRecord } from '../records.ts'

type Doc<T, K extends keyof T> = Omit<T, K> & { _id: T[K] }

function isDuplicateKey(error: unknown): error is MongoServerError {
  return error instanceof MongoServerError && error.code === 11000
}

function duplicateField(error: MongoServerError): string {
  const pattern = (error as { keyPattern?: Record<string, unknown> }).keyPattern
  const field = pattern ? Object.keys(pattern)[0] : undefined
  return field === undefined || field === '_id' ? 'id' : field
}

export class MongoUserRepository implements UserRepository {
  readonly #users: Collection<Doc<UserRecord, 'id'>>
  constructor(db: Db) {
    this.#users = db.collection('users')
  }

  async create(user: UserRecord): Promise<Created<UserRecord>> {
    const { id, ...rest } = user
    try {
      await this.#users.insertOne({ _id: id, ...rest })
      return { ok: true, value: { ...user } }
    } catch (error) {
      if (isDuplicateKey(error)) return { ok: false, error: { type: 'conflict', field: duplicateField(error) } }
      throw error
    }
  }

  async byId(id: string): Promise<UserRecord | null> {
    return fromUser(await this.#users.findOne({ _id: id }))
  }

  async byUsername(username: string): Promise<UserRecord | null> {
    return fromUser(await this.#users.findOne({ username }))
  }

  async list(): Promise<UserRecord[]> {
    const docs = await this.#users.find().sort({ createdAt: 1, username: 1 }).toArray()
    return docs.map((doc) => fromUser(doc) as UserRecord)
  }

  async count(): Promise<number> {
    return this.#users.countDocuments({ deletedAt: null })
  }

  async update(id: string, patch: UserPatch): Promise<UserRecord | null> {
    const set = Object.fromEntries(Object.entries(patch).filter(([, value]) => value !== undefined))
    if (Object.keys(set).length > 0) await this.#users.updateOne({ _id: id }, { $set: set })
    return this.byId(id)
  }

  async search(prefix: string, after: string | null, limit: number): Promise<UserRecord[]> {
    const escaped = prefix.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')
    const docs = await this.#users
      .find({
        deletedAt: null,
        disabled: false,
        hidden: { $ne: true },
        username: { $gt: after ?? '' },
        $or: [
          { username: { $regex: `^${escaped}`, $options: 'i' } },
          { displayName: { $regex: `(^|\\s)${escaped}`, $options: 'i' } },
        ],
      })
      .sort({ username: 1 })
      .limit(limit)
      .toArray()
    return docs.map((doc) => fromUser(doc) as UserRecord)
  }
}

function fromUser(doc: Doc<UserRecord, 'id'> | null): UserRecord | null {
  if (!doc) return null
  const { _id, ...rest } = doc
  // Accounts stored before directories and avatars existed lack these fields.
  return { id: _id, ...rest, hidden: rest.hidden ?? false, avatarEtag: rest.avatarEtag ?? null }
}

export class MongoSessionRepository implements SessionRepository {
  readonly #sessions: Collection<Doc<SessionRecord, 'idHash'>>
  constructor(db: Db) {
    this.#sessions = db.collection('sessions')
  }

  async create(session: SessionRecord): Promise<void> {
    const { idHash, ...rest } = session
    await this.#sessions.insertOne({ _id: idHash, ...rest })
  }

  async byIdHash(idHash: string): Promise<SessionRecord | null> {
    const doc = await this.#sessions.findOne({ _id: idHash })
    if (!doc) return null
    const { _id, ...rest } = doc
    return { idHash: _id, ...rest, userAgent: rest.userAgent ?? null }
  }

  async delete(idHash: string): Promise<void> {
    await this.#sessions.deleteOne({ _id: idHash })
  }

  async deleteForUser(userId: string): Promise<number> {
    return (await this.#sessions.deleteMany({ userId })).deletedCount
  }

  async deleteExpired(now: number): Promise<number> {
    return (await this.#sessions.deleteMany({ expiresAt: { $lte: now } })).deletedCount
  }

  async listForUser(userId: string, now: number): Promise<SessionRecord[]> {
    const docs = await this.#sessions
      .find({ userId, expiresAt: { $gt: now } })
      .sort({ createdAt: 1, _id: 1 })
      .toArray()
    return docs.map(({ _id, ...rest }) => ({ idHash: _id, ...rest, userAgent: rest.userAgent ?? null }))
  }
}

export class MongoApiTokenRepository implements ApiTokenRepository {
  readonly #tokens: Collection<Doc<ApiTokenRecord, 'id'>>
  constructor(db: Db) {
    this.#tokens = db.collection('api_tokens')
  }

  async create(token: ApiTokenRecord): Promise<void> {
    const { id, ...rest } = token
    await this.#tokens.insertOne({ _id: id, ...rest })
  }

  async bySecretHash(secretHash: string): Promise<ApiTokenRecord | null> {
    return fromToken(await this.#tokens.findOne({ secretHash }))
  }

  async listForUser(userId: string): Promise<ApiTokenRecord[]> {
    const docs = await this.#tokens.find({ userId, revokedAt: null }).sort({ createdAt: 1, _id: 1 }).toArray()
    return docs.map((doc) => fromToken(doc) as ApiTokenRecord)
  }

  async revoke(id: string, userId: string, at: number): Promise<boolean> {
    const result = await this.#tokens.updateOne({ _id: id, userId, revokedAt: null }, { $set: { revokedAt: at } })
    return result.modifiedCount === 1
  }

  async touch(id: string, at: number): Promise<void> {
    await this.#tokens.updateOne({ _id: id }, { $set: { lastUsedAt: at } })
  }
}

function fromToken(doc: Doc<ApiTokenRecord, 'id'> | null): ApiTokenRecord | null {
  if (!doc) return null
  const { _id, ...rest } = doc
  return { id: _id, ...rest }
}

export class MongoInviteRepository implements InviteRepository {
  readonly #invites: Collection<Doc<InviteRecord, 'codeHash'>>
  constructor(db: Db) {
    this.#invites = db.collection('invites')
  }

  async create(invite: InviteRecord): Promise<void> {
    const { codeHash, ...rest } = invite
    await this.#invites.insertOne({ _id: codeHash, ...rest })
  }

  async consume(codeHash: string, usedBy: string, now: number): Promise<boolean> {
    // One conditional update: two registrations racing for one code cannot both win.
    const result = await this.#invites.updateOne(
      { _id: codeHash, usedAt: null, expiresAt: { $gt: now } },
      { $set: { usedBy, usedAt: now } },
    )
    return result.modifiedCount === 1
  }

  async release(codeHash: string): Promise<void> {
    await this.#invites.updateOne({ _id: codeHash }, { $set: { usedBy: null, usedAt: null } })
  }
}
