/**
 * Repository ports. Every backend (SQLite, MongoDB) implements these and passes the contract suite
 * in `contract/`. Expected outcomes are values (`Created`), not exceptions.
 */
import type { FederationRepositories } from '@parley/federation'
import type { ApiTokenRecord, InviteRecord, SessionRecord, UserRecord } from './records.ts'

export type Created<T> = { ok: true; value: T } | { ok: false; error: { type: 'conflict'; field: string } }

export interface UserRepository {
  /** Fails with a conflict on `username` when the name is taken, including by a deleted user. */
  create(user: UserRecord): Promise<Created<UserRecord>>
  byId(id: string): Promise<UserRecord | null>
  byUsername(username: string): Promise<UserRecord | null>
  list(): Promise<UserRecord[]>
  count(): Promise<number>
  update(id: string, patch: Partial<Pick<UserRecord, 'displayName' | 'role' | 'disabled' | 'passwordHash' | 'deletedAt'>>): Promise<UserRecord | null>
}

export interface SessionRepository {
  create(session: SessionRecord): Promise<void>
  byIdHash(idHash: string): Promise<SessionRecord | null>
  delete(idHash: string): Promise<void>
  deleteForUser(userId: string): Promise<number>
  deleteExpired(now: number): Promise<number>
}

export interface ApiTokenRepository {
  create(token: ApiTokenRecord): Promise<void>
  bySecretHash(secretHash: string): Promise<ApiTokenRecord | null>
  listForUser(userId: string): Promise<ApiTokenRecord[]>
  /** Marks the token revoked; false when it does not exist, is someone else's, or was revoked already. */
  revoke(id: string, userId: string, at: number): Promise<boolean>
  touch(id: string, at: number): Promise<void>
}

export interface InviteRepository {
  create(invite: InviteRecord): Promise<void>
  /** Atomically marks an unused, unexpired invite as used; false when it cannot be used. */
  consume(codeHash: string, usedBy: string, now: number): Promise<boolean>
  /** Gives back an invite whose registration then failed. */
  release(codeHash: string): Promise<void>
}

export type StoreBackend = 'sqlite' | 'mongodb'

export interface Store {
  readonly backend: StoreBackend
  readonly users: UserRepository
  readonly sessions: SessionRepository
  readonly tokens: ApiTokenRepository
  readonly invites: InviteRepository
  /** The ports @parley/federation declares: actor keys, followers, follows, inbound direct messages. */
  readonly federation: FederationRepositories
  /** Applies pending migrations (SQLite) or creates indexes (MongoDB); returns what it did. */
  migrate(): Promise<string[]>
  /** Resolves when the store answers a trivial query; rejects otherwise. */
  ping(): Promise<void>
  close(): Promise<void>
}
