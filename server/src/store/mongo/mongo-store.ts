/**
 * The production store: MongoDB through the official driver. Indexes (with the unique constraints
 * the domain needs) are created at start by `migrate()`; documents keep the record shapes of
 * `records.ts`, with the record's key as `_id`.
 */
import { MongoClient, type Db } from 'mongodb'
import type { FederationRepositories } from '@parley/federation'
import type { Store } from '../ports.ts'
import { FEDERATION_INDEXES, mongoFederationRepositories } from './mongo-federation.ts'
import { MongoApiTokenRepository, MongoInviteRepository, MongoSessionRepository, MongoUserRepository } from './mongo-repositories.ts'

export class MongoStore implements Store {
  readonly backend = 'mongodb' as const
  readonly users: MongoUserRepository
  readonly sessions: MongoSessionRepository
  readonly tokens: MongoApiTokenRepository
  readonly invites: MongoInviteRepository
  readonly federation: FederationRepositories
  readonly #client: MongoClient
  readonly #db: Db
  #closed = false

  /** `database` defaults to the one named in the URL (or `parley`). */
  constructor(url: string, database?: string) {
    this.#client = new MongoClient(url, { serverSelectionTimeoutMS: 5000 })
    this.#db = this.#client.db(database ?? (new URL(url).pathname.slice(1) || 'parley'))
    this.users = new MongoUserRepository(this.#db)
    this.sessions = new MongoSessionRepository(this.#db)
    this.tokens = new MongoApiTokenRepository(this.#db)
    this.invites = new MongoInviteRepository(this.#db)
    this.federation = mongoFederationRepositories(this.#db)
  }

  async migrate(): Promise<string[]> {
    const created = [
      ...(await this.#db.collection('users').createIndexes([{ key: { username: 1 }, name: 'username_unique', unique: true }])),
      ...(await this.#db.collection('sessions').createIndexes([
        { key: { userId: 1 }, name: 'user' },
        { key: { expiresAt: 1 }, name: 'expiry' },
      ])),
      ...(await this.#db.collection('api_tokens').createIndexes([
        { key: { secretHash: 1 }, name: 'secret_unique', unique: true },
        { key: { userId: 1, createdAt: 1 }, name: 'user' },
      ])),
    ]
    for (const [collection, indexes] of Object.entries(FEDERATION_INDEXES)) {
      created.push(...(await this.#db.collection(collection).createIndexes(indexes.map((index) => ({ ...index })))))
    }
    return created.map((name) => `index ${name}`)
  }

  async ping(): Promise<void> {
    if (this.#closed) throw new Error('store is closed')
    await this.#db.command({ ping: 1 })
  }

  /** Drops every collection: for tests against a throwaway database only. */
  async dropDatabase(): Promise<void> {
    await this.#db.dropDatabase()
  }

  async close(): Promise<void> {
    if (this.#closed) return
    this.#closed = true
    await this.#client.close()
  }
}
