/** Web Push subscriptions (collection `push_subscriptions`, unique by endpoint) and the VAPID keys (`push_vapid_keys`, one document). */
import type { Collection, Db } from 'mongodb'
import type { PushRepository, PushSubscriptionRecord, VapidKeysRecord } from '../push-records.ts'
import type { Doc } from './mongo-util.ts'
import { isDuplicateKey } from './mongo-util.ts'

type SubscriptionDoc = Doc<PushSubscriptionRecord, 'id'>
type VapidDoc = VapidKeysRecord & { _id: 'vapid' }

export const PUSH_INDEXES = {
  push_subscriptions: [
    { key: { endpoint: 1 }, name: 'endpoint_unique', unique: true },
    { key: { userId: 1, createdAt: 1 }, name: 'user' },
  ],
} as const

function record({ _id, ...rest }: SubscriptionDoc): PushSubscriptionRecord {
  return { id: _id, ...rest }
}

export class MongoPushRepository implements PushRepository {
  readonly #subscriptions: Collection<SubscriptionDoc>
  readonly #vapid: Collection<VapidDoc>
  constructor(db: Db) {
    this.#subscriptions = db.collection('push_subscriptions')
    this.#vapid = db.collection('push_vapid_keys')
  }

  async put({ id, endpoint, ...rest }: PushSubscriptionRecord): Promise<PushSubscriptionRecord> {
    // The endpoint is unique; a second subscribe of the same browser keeps the first id.
    const doc = await this.#subscriptions.findOneAndUpdate(
      { endpoint },
      { $set: rest, $setOnInsert: { _id: id } },
      { upsert: true, returnDocument: 'after' },
    )
    return record(doc as SubscriptionDoc)
  }

  async byEndpoint(endpoint: string): Promise<PushSubscriptionRecord | null> {
    const doc = await this.#subscriptions.findOne({ endpoint })
    return doc ? record(doc) : null
  }

  async listForUser(userId: string): Promise<PushSubscriptionRecord[]> {
    return (await this.#subscriptions.find({ userId }).sort({ createdAt: 1, _id: 1 }).toArray()).map(record)
  }

  countForUser(userId: string): Promise<number> {
    return this.#subscriptions.countDocuments({ userId })
  }

  async delete(userId: string, id: string): Promise<boolean> {
    return (await this.#subscriptions.deleteOne({ _id: id, userId })).deletedCount === 1
  }

  async deleteByEndpoint(endpoint: string): Promise<boolean> {
    return (await this.#subscriptions.deleteOne({ endpoint })).deletedCount === 1
  }

  async vapidKeys(): Promise<VapidKeysRecord | null> {
    const doc = await this.#vapid.findOne({ _id: 'vapid' })
    if (!doc) return null
    const { _id, ...keys } = doc
    return keys
  }

  async initVapidKeys(keys: VapidKeysRecord): Promise<VapidKeysRecord> {
    try {
      await this.#vapid.updateOne({ _id: 'vapid' }, { $setOnInsert: keys }, { upsert: true })
    } catch (error) {
      // Two nodes upserting at once: one insert wins, the other sees a duplicate key.
      if (!isDuplicateKey(error)) throw error
    }
    return (await this.vapidKeys()) as VapidKeysRecord
  }
}
