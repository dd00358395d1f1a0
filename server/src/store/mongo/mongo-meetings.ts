/**
 * Meetings on MongoDB: collections `meetings`, `meeting_exceptions`, `meeting_rsvps`,
 * `meeting_notices` (a unique `_id` per notice makes the claim atomic) and `calendar_feeds`.
 */
import type { Collection, Db } from 'mongodb'
import type {
  CalendarFeedRecord,
  MeetingExceptionRecord,
  MeetingPatch,
  MeetingRecord,
  MeetingRepository,
  RsvpRecord,
} from '../meeting-records.ts'
import { definedOnly, isDuplicateKey, type Doc } from './mongo-util.ts'

type MeetingDoc = Doc<MeetingRecord, 'id'>
type ExceptionDoc = MeetingExceptionRecord & { _id: string }
type RsvpDoc = RsvpRecord & { _id: string }
type FeedDoc = Doc<CalendarFeedRecord, 'tokenHash'>

export const MEETING_INDEXES = {
  meetings: [
    { key: { roomId: 1, startsAt: 1 }, name: 'room' },
    { key: { lastEndsAt: 1 }, name: 'active', partialFilterExpression: { cancelledAt: null } },
    {
      key: { origin: 1 },
      name: 'origin_unique',
      unique: true,
      partialFilterExpression: { origin: { $type: 'string' } },
    },
  ],
  meeting_exceptions: [{ key: { meetingId: 1, occurrence: 1 }, name: 'meeting' }],
  meeting_rsvps: [
    { key: { meetingId: 1, occurrence: 1, updatedAt: 1 }, name: 'meeting' },
    { key: { actorId: 1 }, name: 'actor' },
  ],
  calendar_feeds: [{ key: { userId: 1 }, name: 'user' }],
} as const

const fromMeeting = ({ _id, ...rest }: MeetingDoc): MeetingRecord => ({ id: _id, ...rest })
const strip = <T extends { _id: unknown }>({ _id, ...rest }: T): Omit<T, '_id'> => rest

export class MongoMeetingRepository implements MeetingRepository {
  readonly #meetings: Collection<MeetingDoc>
  readonly #exceptions: Collection<ExceptionDoc>
  readonly #rsvps: Collection<RsvpDoc>
  readonly #notices: Collection<{ _id: string }>
  readonly #feeds: Collection<FeedDoc>
  constructor(db: Db) {
    this.#meetings = db.collection('meetings')
    this.#exceptions = db.collection('meeting_exceptions')
    this.#rsvps = db.collection('meeting_rsvps')
    this.#notices = db.collection('meeting_notices')
    this.#feeds = db.collection('calendar_feeds')
  }

  async create({ id, ...rest }: MeetingRecord): Promise<void> {
    await this.#meetings.insertOne({ _id: id, ...rest })
  }

  async byId(id: string): Promise<MeetingRecord | null> {
    const doc = await this.#meetings.findOne({ _id: id })
    return doc ? fromMeeting(doc) : null
  }

  async byOrigin(origin: string): Promise<MeetingRecord | null> {
    const doc = await this.#meetings.findOne({ origin })
    return doc ? fromMeeting(doc) : null
  }

  async update(id: string, patch: MeetingPatch): Promise<MeetingRecord | null> {
    const doc = await this.#meetings.findOneAndUpdate(
      { _id: id },
      { $set: definedOnly(patch) },
      { returnDocument: 'after' },
    )
    return doc ? fromMeeting(doc) : null
  }

  async listForRooms(roomIds: readonly string[]): Promise<MeetingRecord[]> {
    if (roomIds.length === 0) return []
    const docs = await this.#meetings
      .find({ roomId: { $in: [...roomIds] } })
      .sort({ startsAt: 1, _id: 1 })
      .toArray()
    return docs.map(fromMeeting)
  }

  async active(after: number): Promise<MeetingRecord[]> {
    const docs = await this.#meetings
      .find({ cancelledAt: null, lastEndsAt: { $gt: after } })
      .sort({ startsAt: 1, _id: 1 })
      .toArray()
    return docs.map(fromMeeting)
  }

  async putException(e: MeetingExceptionRecord): Promise<void> {
    const _id = `${e.meetingId} ${e.occurrence}`
    await this.#exceptions.replaceOne({ _id }, { ...e }, { upsert: true })
  }

  async exceptions(meetingIds: readonly string[]): Promise<MeetingExceptionRecord[]> {
    if (meetingIds.length === 0) return []
    const docs = await this.#exceptions
      .find({ meetingId: { $in: [...meetingIds] } })
      .sort({ occurrence: 1 })
      .toArray()
    return docs.map(strip)
  }

  async putRsvp(r: RsvpRecord): Promise<void> {
    const _id = `${r.meetingId} ${r.occurrence} ${r.actorId}`
    await this.#rsvps.replaceOne({ _id }, { ...r }, { upsert: true })
  }

  async rsvps(meetingId: string, occurrence?: number): Promise<RsvpRecord[]> {
    const docs = await this.#rsvps
      .find(occurrence === undefined ? { meetingId } : { meetingId, occurrence })
      .sort({ occurrence: 1, updatedAt: 1, _id: 1 })
      .toArray()
    return docs.map(strip)
  }

  async rsvpsOf(actorId: string, meetingIds: readonly string[]): Promise<RsvpRecord[]> {
    if (meetingIds.length === 0) return []
    const docs = await this.#rsvps.find({ actorId, meetingId: { $in: [...meetingIds] } }).toArray()
    return docs.map(strip)
  }

  async claimNotice(meetingId: string, occurrence: number, kind: 'reminder' | 'start'): Promise<boolean> {
    try {
      await this.#notices.insertOne({ _id: `${meetingId} ${occurrence} ${kind}` })
      return true
    } catch (error) {
      if (isDuplicateKey(error)) return false
      throw error
    }
  }

  async replaceFeed({ tokenHash, ...rest }: CalendarFeedRecord): Promise<void> {
    await this.#feeds.updateMany({ userId: rest.userId, revokedAt: null }, { $set: { revokedAt: rest.createdAt } })
    await this.#feeds.insertOne({ _id: tokenHash, ...rest })
  }

  async feedByHash(tokenHash: string): Promise<CalendarFeedRecord | null> {
    const doc = await this.#feeds.findOne({ _id: tokenHash })
    if (!doc) return null
    const { _id, ...rest } = doc
    return { tokenHash: _id, ...rest }
  }

  async liveFeed(userId: string): Promise<CalendarFeedRecord | null> {
    const doc = await this.#feeds.findOne({ userId, revokedAt: null }, { sort: { createdAt: -1 } })
    if (!doc) return null
    const { _id, ...rest } = doc
    return { tokenHash: _id, ...rest }
  }

  async revokeFeeds(userId: string, at: number): Promise<number> {
    return (await this.#feeds.updateMany({ userId, revokedAt: null }, { $set: { revokedAt: at } })).modifiedCount
  }
}
