/** Polls, mention notifications and guest sessions. */
import type { Collection, Db } from 'mongodb'
import type { GuestSessionRepository, NotificationRepository, PollRepository } from '../ports.ts'
import type { GuestSessionRecord, NotificationRecord, PollRecord, VoteRecord } from '../records.ts'
import { withoutId, type Doc } from './mongo-util.ts'

export class MongoPollRepository implements PollRepository {
  readonly #polls: Collection<Doc<PollRecord, 'id'>>
  readonly #votes: Collection<VoteRecord & { _id: string; at: number }>
  constructor(db: Db) {
    this.#polls = db.collection('polls')
    this.#votes = db.collection('poll_votes')
  }

  async create(poll: PollRecord): Promise<void> {
    const { id, ...rest } = poll
    await this.#polls.insertOne({ _id: id, ...rest })
  }

  async byId(id: string): Promise<PollRecord | null> {
    const doc = await this.#polls.findOne({ _id: id })
    if (!doc) return null
    const { _id, ...rest } = doc
    return { id: _id, ...rest }
  }

  async close(id: string, at: number): Promise<boolean> {
    return (await this.#polls.updateOne({ _id: id, closedAt: null }, { $set: { closedAt: at } })).modifiedCount === 1
  }

  async vote(vote: VoteRecord): Promise<boolean> {
    // MongoDB has no cross-collection condition without a transaction: a vote racing the close may
    // land; the close is still final for every vote after it.
    if (!(await this.#polls.findOne({ _id: vote.pollId, closedAt: null }))) return false
    const existing = await this.#votes.findOne({ _id: `${vote.pollId} ${vote.actorId}` })
    await this.#votes.replaceOne(
      { _id: `${vote.pollId} ${vote.actorId}` },
      { ...vote, at: existing?.at ?? Date.now() },
      { upsert: true },
    )
    return true
  }

  async replaceVotes(pollId: string, votes: readonly VoteRecord[]): Promise<void> {
    // Not one transaction: a reader between the two may see fewer votes, never foreign ones.
    await this.#votes.deleteMany({ pollId })
    const seen = new Set<string>()
    const docs = votes
      .filter((v) => !seen.has(v.actorId) && seen.add(v.actorId))
      .map((v, i) => ({
        _id: `${pollId} ${v.actorId}`,
        pollId,
        actorId: v.actorId,
        actorName: v.actorName,
        options: v.options,
        at: i,
      }))
    if (docs.length > 0) await this.#votes.insertMany(docs)
  }

  async votes(pollId: string): Promise<VoteRecord[]> {
    const docs = await this.#votes.find({ pollId }).sort({ at: 1, _id: 1 }).toArray()
    return docs.map((doc) => ({
      pollId: doc.pollId,
      actorId: doc.actorId,
      actorName: doc.actorName,
      options: doc.options,
    }))
  }
}

export class MongoNotificationRepository implements NotificationRepository {
  readonly #notifications: Collection<Doc<NotificationRecord, 'id'>>
  readonly #messages: Collection<{ roomId: string; seq: number; expiresAt: number | null }>
  constructor(db: Db) {
    this.#notifications = db.collection('notifications')
    this.#messages = db.collection('messages')
  }

  async createMany(list: NotificationRecord[]): Promise<void> {
    if (list.length === 0) return
    await this.#notifications.insertMany(list.map(({ id, ...rest }) => ({ _id: id, ...rest })))
  }

  async listForUser(userId: string, limit: number, now: number): Promise<NotificationRecord[]> {
    const docs = await this.#notifications.find({ userId }).sort({ createdAt: -1, _id: -1 }).limit(limit).toArray()
    if (docs.length === 0) return []
    // Expired messages not swept yet: their notifications are hidden already.
    const expired = await this.#messages
      .find(
        { $or: docs.map((d) => ({ roomId: d.roomId, seq: d.seq })), expiresAt: { $ne: null, $lte: now } },
        { projection: { roomId: 1, seq: 1 } },
      )
      .toArray()
    const gone = new Set(expired.map((m) => `${m.roomId} ${m.seq}`))
    return docs.filter((d) => !gone.has(`${d.roomId} ${d.seq}`)).map(({ _id, ...rest }) => ({ id: _id, ...rest }))
  }

  async markRead(userId: string, ids: string[], at: number): Promise<number> {
    if (ids.length === 0) return 0
    return (await this.#notifications.updateMany({ _id: { $in: ids }, userId, readAt: null }, { $set: { readAt: at } }))
      .modifiedCount
  }
}

export class MongoGuestSessionRepository implements GuestSessionRepository {
  readonly #guests: Collection<GuestSessionRecord & { _id: string }>
  constructor(db: Db) {
    this.#guests = db.collection('guest_sessions')
  }

  async create(session: GuestSessionRecord): Promise<void> {
    await this.#guests.insertOne({ _id: session.idHash, ...session })
  }

  async byIdHash(idHash: string): Promise<GuestSessionRecord | null> {
    return withoutId(await this.#guests.findOne({ _id: idHash }))
  }

  async deleteForGuest(guestId: string): Promise<number> {
    return (await this.#guests.deleteMany({ guestId })).deletedCount
  }

  async deleteExpired(now: number): Promise<number> {
    return (await this.#guests.deleteMany({ expiresAt: { $lte: now } })).deletedCount
  }
}
