/**
 * The production store: MongoDB through the official driver. Indexes (with the unique constraints
 * the domain needs) are created at start by `migrate()`; documents keep the record shapes of
 * `records.ts`, with the record's key as `_id`.
 */
import { MongoClient, type Db } from 'mongodb'
import type { FederationRepositories } from '@parley/federation'
import type { DirectRepositories, Store } from '../ports.ts'
import { FEDERATION_INDEXES, mongoFederationRepositories } from './mongo-federation.ts'
import { ROOM_MEMBERSHIP_INDEXES } from './mongo-room-federation.ts'
import { REPLICA_INDEXES } from './mongo-room-replica.ts'
import { DIRECT_INDEXES, mongoDirectRepositories } from './mongo-direct.ts'
import {
  MongoApiTokenRepository,
  MongoInviteRepository,
  MongoSessionRepository,
  MongoUserRepository,
} from './mongo-repositories.ts'
import { MongoParticipantRepository, MongoRoomRepository } from './mongo-rooms.ts'
import { MongoMessageRepository, MongoRoomEventRepository } from './mongo-messages.ts'
import { MongoGuestSessionRepository, MongoNotificationRepository, MongoPollRepository } from './mongo-chat-extras.ts'
import { MongoRecordingRepository } from './mongo-recordings.ts'
import { MongoRoomActivityRepository } from './mongo-room-activity.ts'
import { MongoAvatarRepository, MongoUserStatusRepository } from './mongo-people.ts'
import { FILE_INDEXES, MongoFileRepository } from './mongo-files.ts'
import { MongoRemoteRoomRepository, REMOTE_ROOM_INDEXES } from './mongo-remote-rooms.ts'
import { MEETING_INDEXES, MongoMeetingRepository } from './mongo-meetings.ts'
import { MongoPushRepository, PUSH_INDEXES } from './mongo-push.ts'

export class MongoStore implements Store {
  readonly backend = 'mongodb' as const
  readonly users: MongoUserRepository
  readonly sessions: MongoSessionRepository
  readonly tokens: MongoApiTokenRepository
  readonly invites: MongoInviteRepository
  readonly avatars: MongoAvatarRepository
  readonly statuses: MongoUserStatusRepository
  readonly rooms: MongoRoomRepository
  readonly participants: MongoParticipantRepository
  readonly messages: MongoMessageRepository
  readonly events: MongoRoomEventRepository
  readonly polls: MongoPollRepository
  readonly notifications: MongoNotificationRepository
  readonly activity: MongoRoomActivityRepository
  readonly guests: MongoGuestSessionRepository
  readonly recordings: MongoRecordingRepository
  readonly files: MongoFileRepository
  readonly meetings: MongoMeetingRepository
  readonly push: MongoPushRepository
  readonly federation: FederationRepositories
  readonly direct: DirectRepositories
  readonly remoteRooms: MongoRemoteRoomRepository
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
    this.avatars = new MongoAvatarRepository(this.#db)
    this.statuses = new MongoUserStatusRepository(this.#db)
    this.rooms = new MongoRoomRepository(this.#db)
    this.participants = new MongoParticipantRepository(this.#db)
    this.messages = new MongoMessageRepository(this.#db)
    this.events = new MongoRoomEventRepository(this.#db)
    this.polls = new MongoPollRepository(this.#db)
    this.notifications = new MongoNotificationRepository(this.#db)
    this.activity = new MongoRoomActivityRepository(this.#db)
    this.guests = new MongoGuestSessionRepository(this.#db)
    this.recordings = new MongoRecordingRepository(this.#db)
    this.files = new MongoFileRepository(this.#db)
    this.meetings = new MongoMeetingRepository(this.#db)
    this.push = new MongoPushRepository(this.#db)
    this.federation = mongoFederationRepositories(this.#db)
    this.direct = mongoDirectRepositories(this.#db)
    this.remoteRooms = new MongoRemoteRoomRepository(this.#db)
  }

  async migrate(): Promise<string[]> {
    const created = [
      ...(await this.#db
        .collection('users')
        .createIndexes([{ key: { username: 1 }, name: 'username_unique', unique: true }])),
      ...(await this.#db.collection('sessions').createIndexes([
        { key: { userId: 1 }, name: 'user' },
        { key: { expiresAt: 1 }, name: 'expiry' },
      ])),
      ...(await this.#db.collection('api_tokens').createIndexes([
        { key: { secretHash: 1 }, name: 'secret_unique', unique: true },
        { key: { userId: 1, createdAt: 1 }, name: 'user' },
      ])),
      ...(await this.#db.collection('rooms').createIndexes([
        // Unique only where set: group and public rooms have no pair.
        {
          key: { pairKey: 1 },
          name: 'pair_unique',
          unique: true,
          partialFilterExpression: { pairKey: { $type: 'string' } },
        },
        { key: { listable: 1, createdAt: 1 }, name: 'listable' },
      ])),
      ...(await this.#db.collection('participants').createIndexes([
        { key: { roomId: 1, joinedAt: 1 }, name: 'room' },
        { key: { actorId: 1 }, name: 'actor' },
      ])),
      ...(await this.#db.collection('messages').createIndexes([
        { key: { roomId: 1, seq: 1 }, name: 'room_seq', unique: true },
        { key: { expiresAt: 1 }, name: 'expiry', partialFilterExpression: { expiresAt: { $type: 'number' } } },
        { key: { body: 'text' }, name: 'body_text', default_language: 'none' },
      ])),
      ...(await this.#db.collection('reactions').createIndexes([{ key: { roomId: 1, seq: 1 }, name: 'message' }])),
      ...(await this.#db.collection('room_events').createIndexes([
        { key: { roomId: 1, seq: 1 }, name: 'room_seq', unique: true },
        { key: { createdAt: 1 }, name: 'created' },
        { key: { expiresAt: 1 }, name: 'expiry', partialFilterExpression: { expiresAt: { $type: 'number' } } },
        // The forwarded action an event applied: one per room (a replay finds it; see room-actions.ts).
        {
          key: { roomId: 1, actionId: 1 },
          name: 'room_action',
          unique: true,
          partialFilterExpression: { actionId: { $type: 'string' } },
        },
      ])),
      ...(await this.#db.collection('poll_votes').createIndexes([{ key: { pollId: 1 }, name: 'poll' }])),
      ...(await this.#db
        .collection('notifications')
        .createIndexes([{ key: { userId: 1, createdAt: -1 }, name: 'user' }])),
      ...(await this.#db.collection('guest_sessions').createIndexes([{ key: { guestId: 1 }, name: 'guest' }])),
      ...(await this.#db.collection('recordings').createIndexes([{ key: { roomId: 1, createdAt: 1 }, name: 'room' }])),
    ]
    for (const [collection, indexes] of [
      ...Object.entries(FEDERATION_INDEXES),
      ...Object.entries(ROOM_MEMBERSHIP_INDEXES),
      ...Object.entries(REPLICA_INDEXES),
      ...Object.entries(DIRECT_INDEXES),
      ...Object.entries(FILE_INDEXES),
      ...Object.entries(REMOTE_ROOM_INDEXES),
      ...Object.entries(MEETING_INDEXES),
      ...Object.entries(PUSH_INDEXES),
    ]) {
      created.push(...(await this.#db.collection(collection).createIndexes(indexes.map((index) => ({ ...index })))))
    }
    // As SQLite's migration 151: copies of remote rooms' files belong to the local room mirroring them (idempotent).
    for await (const link of this.#db.collection<{ _id: string; roomUri: string }>('remote_rooms').find()) {
      const moved = await this.#db
        .collection('files')
        .updateMany({ roomId: link.roomUri }, { $set: { roomId: link._id } })
      if (moved.modifiedCount > 0) created.push(`files of ${link.roomUri} moved to room ${link._id}`)
    }
    return created.map((name) => (name.startsWith('files of ') ? name : `index ${name}`))
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
