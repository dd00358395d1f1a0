import type { DatabaseSync } from 'node:sqlite'
import type { PushRepository, PushSubscriptionRecord, VapidKeysRecord } from '../push-records.ts'
import { cached, type Row } from './sqlite-util.ts'

function subscription(row: Row): PushSubscriptionRecord {
  return {
    id: String(row.id),
    userId: String(row.user_id),
    endpoint: String(row.endpoint),
    p256dh: String(row.p256dh),
    auth: String(row.auth),
    owner: String(row.owner),
    createdAt: Number(row.created_at),
  }
}

export class SqlitePushRepository implements PushRepository {
  readonly #db: DatabaseSync
  constructor(db: DatabaseSync) {
    this.#db = db
  }

  async put(record: PushSubscriptionRecord): Promise<PushSubscriptionRecord> {
    const row = cached(
      this.#db,
      `INSERT INTO push_subscriptions (id, user_id, endpoint, p256dh, auth, owner, created_at) VALUES (?, ?, ?, ?, ?, ?, ?)
       ON CONFLICT (endpoint) DO UPDATE SET user_id = excluded.user_id, p256dh = excluded.p256dh,
         auth = excluded.auth, owner = excluded.owner, created_at = excluded.created_at
       RETURNING *`,
    ).get(record.id, record.userId, record.endpoint, record.p256dh, record.auth, record.owner, record.createdAt) as Row
    return subscription(row)
  }

  async byEndpoint(endpoint: string): Promise<PushSubscriptionRecord | null> {
    const row = cached(this.#db, 'SELECT * FROM push_subscriptions WHERE endpoint = ?').get(endpoint)
    return row ? subscription(row) : null
  }

  async listForUser(userId: string): Promise<PushSubscriptionRecord[]> {
    return cached(this.#db, 'SELECT * FROM push_subscriptions WHERE user_id = ? ORDER BY created_at, id')
      .all(userId)
      .map(subscription)
  }

  async countForUser(userId: string): Promise<number> {
    const row = cached(this.#db, 'SELECT COUNT(*) AS n FROM push_subscriptions WHERE user_id = ?').get(userId)
    return Number(row?.n ?? 0)
  }

  async delete(userId: string, id: string): Promise<boolean> {
    const result = cached(this.#db, 'DELETE FROM push_subscriptions WHERE id = ? AND user_id = ?').run(id, userId)
    return Number(result.changes) > 0
  }

  async deleteByEndpoint(endpoint: string): Promise<boolean> {
    return Number(cached(this.#db, 'DELETE FROM push_subscriptions WHERE endpoint = ?').run(endpoint).changes) > 0
  }

  async vapidKeys(): Promise<VapidKeysRecord | null> {
    const row = cached(this.#db, 'SELECT * FROM push_vapid_keys WHERE id = 1').get()
    return row
      ? { publicKey: String(row.public_key), privateKey: String(row.private_key), createdAt: Number(row.created_at) }
      : null
  }

  async initVapidKeys(keys: VapidKeysRecord): Promise<VapidKeysRecord> {
    cached(
      this.#db,
      'INSERT INTO push_vapid_keys (id, public_key, private_key, created_at) VALUES (1, ?, ?, ?) ON CONFLICT (id) DO NOTHING',
    ).run(keys.publicKey, keys.privateKey, keys.createdAt)
    return (await this.vapidKeys()) as VapidKeysRecord
  }
}
