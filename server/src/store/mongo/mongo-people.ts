/** Avatars (collection `avatars`, the image bytes as BSON binary) and statuses (`user_statuses`), keyed by user id. */
import { Binary, type Collection, type Db } from 'mongodb'
import type { AvatarRepository, UserStatusRepository } from '../ports.ts'
import type { AvatarRecord, UserStatusRecord } from '../records.ts'
import type { Doc } from './mongo-util.ts'

type AvatarDoc = Omit<Doc<AvatarRecord, 'userId'>, 'bytes'> & { bytes: Binary }

export class MongoAvatarRepository implements AvatarRepository {
  readonly #avatars: Collection<AvatarDoc>
  constructor(db: Db) {
    this.#avatars = db.collection('avatars')
  }

  async put({ userId, bytes, ...rest }: AvatarRecord): Promise<void> {
    await this.#avatars.replaceOne({ _id: userId }, { ...rest, bytes: new Binary(bytes) }, { upsert: true })
  }

  async get(userId: string): Promise<AvatarRecord | null> {
    const doc = await this.#avatars.findOne({ _id: userId })
    if (!doc) return null
    const { _id, bytes, ...rest } = doc
    return { userId: _id, bytes: Buffer.from(bytes.buffer), ...rest }
  }

  async delete(userId: string): Promise<boolean> {
    return (await this.#avatars.deleteOne({ _id: userId })).deletedCount === 1
  }
}

export class MongoUserStatusRepository implements UserStatusRepository {
  readonly #statuses: Collection<Doc<UserStatusRecord, 'userId'>>
  constructor(db: Db) {
    this.#statuses = db.collection('user_statuses')
  }

  async put({ userId, ...rest }: UserStatusRecord): Promise<void> {
    await this.#statuses.replaceOne({ _id: userId }, rest, { upsert: true })
  }

  async get(userId: string): Promise<UserStatusRecord | null> {
    const doc = await this.#statuses.findOne({ _id: userId })
    if (!doc) return null
    const { _id, ...rest } = doc
    return { userId: _id, ...rest }
  }

  async clear(userId: string): Promise<void> {
    await this.#statuses.deleteOne({ _id: userId })
  }

  async expiring(now: number): Promise<UserStatusRecord[]> {
    const docs = await this.#statuses
      .find({ expiresAt: { $gt: now } })
      .sort({ expiresAt: 1 })
      .toArray()
    return docs.map(({ _id, ...rest }) => ({ userId: _id, ...rest }))
  }
}
