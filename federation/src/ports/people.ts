/**
 * Local actors, their keys, follows, blocks and the repositories of the federation state. Ports the server implements (federation/src/ports.ts gathers them).
 */
import type { webcrypto } from 'node:crypto'
import type { RoomFederationRepositories } from './rooms.ts'

/** A local user as the Fediverse sees it. `username` is immutable and names the actor. */
export type LocalActor = {
  userId: string
  username: string
  displayName: string
  createdAt: number
  /** Deleted users answer 410 Gone with a Tombstone. */
  deletedAt: number | null
  /** The avatar (the actor's `icon`): a path on this instance and its type; absent or null: none. */
  avatar?: { path: string; mediaType: string } | null
}

export interface LocalActorDirectory {
  byUsername(username: string): Promise<LocalActor | null>
  /** By user id: a member instance fetches a room's history signed as one of its members. */
  byId(userId: string): Promise<LocalActor | null>
}

export type KeyAlgorithm = 'rsa' | 'ed25519'

/** One stored key pair of an actor, as JWKs. The private JWK is a secret: never log it. */
export type ActorKeyRecord = {
  userId: string
  algorithm: KeyAlgorithm
  publicJwk: webcrypto.JsonWebKey
  privateJwk: webcrypto.JsonWebKey
  createdAt: number
}

export interface ActorKeyRepository {
  /** The actor's key pairs, RSA first (Mastodon takes the first `publicKey`). */
  list(userId: string): Promise<ActorKeyRecord[]>
  /** Stores a pair unless the actor already has one of that algorithm; returns the stored pair. */
  addIfMissing(record: ActorKeyRecord): Promise<ActorKeyRecord>
  /** User ids of the given ones that lack a pair of `algorithm`. */
  missing(userIds: readonly string[], algorithm: KeyAlgorithm): Promise<string[]>
}

/** A remote actor following a local user. */
export type FollowerRecord = {
  userId: string
  actorId: string
  inbox: string
  sharedInbox: string | null
  /** Id of the Follow activity, so an Undo naming only that id can be matched. */
  followId: string
  createdAt: number
}

export type Page<T> = { items: T[]; next: string | null }

export interface FollowerRepository {
  /** Adds or refreshes (same user and actor: inbox and follow id are updated). True when new. */
  upsert(record: FollowerRecord): Promise<boolean>
  /** Removes the follow of `actorId`. True when there was one. */
  remove(userId: string, actorId: string): Promise<boolean>
  /** Removes the follow(s) `actorId` made with the Follow `followId` (an Undo naming only its id). */
  removeByFollowId(actorId: string, followId: string): Promise<boolean>
  /** Forgets a remote actor (its account was deleted) as a follower of anyone; returns how many follows went. */
  removeActor(actorId: string): Promise<number>
  /** Oldest first; `cursor` is opaque (from `next`). */
  list(userId: string, cursor: string | null, limit: number): Promise<Page<FollowerRecord>>
  count(userId: string): Promise<number>
}

export type FollowingState = 'pending' | 'accepted'

/** A local user following a remote actor. */
export type FollowingRecord = {
  userId: string
  actorId: string
  followId: string
  state: FollowingState
  /** Where to send the Undo later without fetching the actor again. */
  inbox: string
  sharedInbox: string | null
  createdAt: number
}

export interface FollowingRepository {
  /** Adds or replaces the follow of `actorId` by `userId`. */
  put(record: FollowingRecord): Promise<void>
  byFollowId(followId: string): Promise<FollowingRecord | null>
  get(userId: string, actorId: string): Promise<FollowingRecord | null>
  /** Marks the follow accepted when `followId` is its current one; returns the updated record. */
  accept(followId: string): Promise<FollowingRecord | null>
  remove(userId: string, actorId: string): Promise<boolean>
  /** Drops every local follow of a remote actor whose account was deleted; returns how many. */
  removeActor(actorId: string): Promise<number>
  /** Accepted follows only, oldest first. */
  list(userId: string, cursor: string | null, limit: number): Promise<Page<FollowingRecord>>
  count(userId: string): Promise<number>
}

/** A direct message from a remote account to local users, as received (sanitising is the consumer's job). */
export type InboundDirectMessage = {
  /** The Create activity's id and the Note's id. */
  activityId: string
  noteId: string
  senderId: string
  /** Local user ids the note is addressed to. */
  recipientUserIds: string[]
  /** HTML as sent. */
  content: string
  inReplyTo: string | null
  published: number | null
  receivedAt: number
}

export interface InboundMessageRepository {
  /** Idempotent by `noteId`: a redelivered note is stored once. Returns false when it was known. */
  receive(message: InboundDirectMessage): Promise<boolean>
  /** Messages to a local user, oldest first. */
  listForUser(userId: string): Promise<InboundDirectMessage[]>
}

/** A local user's block of a remote account: no follows, no messages from it reach the user. */
export type BlockRecord = { userId: string; actorId: string; createdAt: number }

export interface BlockRepository {
  /** True when new. */
  add(record: BlockRecord): Promise<boolean>
  remove(userId: string, actorId: string): Promise<boolean>
  has(userId: string, actorId: string): Promise<boolean>
  /** Newest first. */
  list(userId: string): Promise<BlockRecord[]>
}

/** A report (`Flag`) received from another server, kept for this instance's admins. */
export type ReportRecord = {
  activityId: string
  /** The actor that sent it (often the remote server's instance actor). */
  reporterId: string
  /** Reported local users (ids), and every object named (accounts, messages), as sent. */
  userIds: string[]
  objectIds: string[]
  content: string
  receivedAt: number
}

export interface ReportRepository {
  /** Idempotent by activity id; false when it was known. */
  receive(report: ReportRecord): Promise<boolean>
  /** Newest first. */
  list(limit: number): Promise<ReportRecord[]>
}

/** A domain an admin blocked at run time (on top of the configured block list). */
export type DomainBlockRecord = { domain: string; createdBy: string; createdAt: number }

export interface DomainBlockRepository {
  /** True when new. `domain` is lowercase. */
  add(record: DomainBlockRecord): Promise<boolean>
  remove(domain: string): Promise<boolean>
  /** Oldest first. */
  list(): Promise<DomainBlockRecord[]>
}

/** The federation's storage, one object per store backend. */
export interface FederationRepositories {
  readonly keys: ActorKeyRepository
  /** The instance actor's key pairs (owner id `instance`). */
  readonly instanceKeys: ActorKeyRepository
  readonly followers: FollowerRepository
  readonly following: FollowingRepository
  readonly inboundMessages: InboundMessageRepository
  readonly blocks: BlockRepository
  readonly reports: ReportRepository
  readonly domainBlocks: DomainBlockRepository
  /** Rooms as `Group` actors: their keys, followers and public posts. */
  readonly rooms: RoomFederationRepositories
}
