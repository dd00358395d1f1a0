/** Meetings on SQLite: meetings, changed occurrences, answers, reminders sent and calendar feeds. */
import type { DatabaseSync } from 'node:sqlite'
import type {
  CalendarFeedRecord,
  MeetingExceptionRecord,
  MeetingPatch,
  MeetingRecord,
  MeetingRepository,
  RsvpRecord,
} from '../meeting-records.ts'
import { cached, nullableNumber, transaction, type Row } from './sqlite-util.ts'

const COLUMNS: Record<keyof MeetingPatch, string> = {
  title: 'title',
  description: 'description',
  startsAt: 'starts_at',
  endsAt: 'ends_at',
  startLocal: 'start_local',
  endLocal: 'end_local',
  timeZone: 'time_zone',
  recurrence: 'recurrence',
  reminderMinutes: 'reminder_minutes',
  lastEndsAt: 'last_ends_at',
  sequence: 'sequence',
  updatedAt: 'updated_at',
  cancelledAt: 'cancelled_at',
  joinUrl: 'join_url',
}

function toMeeting(row: Row): MeetingRecord {
  return {
    id: String(row.id),
    roomId: String(row.room_id),
    title: String(row.title),
    description: String(row.description),
    startsAt: Number(row.starts_at),
    endsAt: Number(row.ends_at),
    startLocal: String(row.start_local),
    endLocal: String(row.end_local),
    timeZone: String(row.time_zone),
    recurrence: row.recurrence === null ? null : String(row.recurrence),
    reminderMinutes: Number(row.reminder_minutes),
    lastEndsAt: Number(row.last_ends_at),
    sequence: Number(row.sequence),
    createdBy: String(row.created_by),
    createdAt: Number(row.created_at),
    updatedAt: Number(row.updated_at),
    cancelledAt: nullableNumber(row.cancelled_at),
    origin: row.origin === null ? null : String(row.origin),
    joinUrl: row.join_url === null ? null : String(row.join_url),
  }
}

function toException(row: Row): MeetingExceptionRecord {
  return {
    meetingId: String(row.meeting_id),
    occurrence: Number(row.occurrence),
    cancelled: Number(row.cancelled) === 1,
    startsAt: nullableNumber(row.starts_at),
    endsAt: nullableNumber(row.ends_at),
  }
}

function toRsvp(row: Row): RsvpRecord {
  const response = String(row.response)
  return {
    meetingId: String(row.meeting_id),
    occurrence: Number(row.occurrence),
    actorId: String(row.actor_id),
    name: String(row.name),
    response: response === 'going' || response === 'maybe' ? response : 'declined',
    updatedAt: Number(row.updated_at),
  }
}

function toFeed(row: Row): CalendarFeedRecord {
  return {
    tokenHash: String(row.token_hash),
    userId: String(row.user_id),
    createdAt: Number(row.created_at),
    revokedAt: nullableNumber(row.revoked_at),
  }
}

const placeholders = (n: number) => Array.from({ length: n }, () => '?').join(', ')

export class SqliteMeetingRepository implements MeetingRepository {
  readonly #db: DatabaseSync
  constructor(db: DatabaseSync) {
    this.#db = db
  }

  async create(m: MeetingRecord): Promise<void> {
    cached(
      this.#db,
      `INSERT INTO meetings (id, room_id, title, description, starts_at, ends_at, start_local, end_local, time_zone,
        recurrence, reminder_minutes, last_ends_at, sequence, created_by, created_at, updated_at, cancelled_at, origin, join_url)
       VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`,
    ).run(
      m.id,
      m.roomId,
      m.title,
      m.description,
      m.startsAt,
      m.endsAt,
      m.startLocal,
      m.endLocal,
      m.timeZone,
      m.recurrence,
      m.reminderMinutes,
      m.lastEndsAt,
      m.sequence,
      m.createdBy,
      m.createdAt,
      m.updatedAt,
      m.cancelledAt,
      m.origin,
      m.joinUrl,
    )
  }

  async byId(id: string): Promise<MeetingRecord | null> {
    const row = cached(this.#db, 'SELECT * FROM meetings WHERE id = ?').get(id)
    return row ? toMeeting(row) : null
  }

  async byOrigin(origin: string): Promise<MeetingRecord | null> {
    const row = cached(this.#db, 'SELECT * FROM meetings WHERE origin = ?').get(origin)
    return row ? toMeeting(row) : null
  }

  async update(id: string, patch: MeetingPatch): Promise<MeetingRecord | null> {
    const entries = Object.entries(patch).filter(([, value]) => value !== undefined) as [keyof MeetingPatch, unknown][]
    if (entries.length > 0)
      cached(
        this.#db,
        `UPDATE meetings SET ${entries.map(([key]) => `${COLUMNS[key]} = ?`).join(', ')} WHERE id = ?`,
      ).run(...(entries.map(([, value]) => value) as (string | number | null)[]), id)
    return this.byId(id)
  }

  async listForRooms(roomIds: readonly string[]): Promise<MeetingRecord[]> {
    if (roomIds.length === 0) return []
    return cached(
      this.#db,
      `SELECT * FROM meetings WHERE room_id IN (${placeholders(roomIds.length)}) ORDER BY starts_at, id`,
    )
      .all(...roomIds)
      .map(toMeeting)
  }

  async active(after: number): Promise<MeetingRecord[]> {
    return cached(
      this.#db,
      'SELECT * FROM meetings WHERE cancelled_at IS NULL AND last_ends_at > ? ORDER BY starts_at, id',
    )
      .all(after)
      .map(toMeeting)
  }

  async putException(e: MeetingExceptionRecord): Promise<void> {
    cached(
      this.#db,
      `INSERT INTO meeting_exceptions (meeting_id, occurrence, cancelled, starts_at, ends_at) VALUES (?, ?, ?, ?, ?)
       ON CONFLICT (meeting_id, occurrence) DO UPDATE SET cancelled = excluded.cancelled,
         starts_at = excluded.starts_at, ends_at = excluded.ends_at`,
    ).run(e.meetingId, e.occurrence, e.cancelled ? 1 : 0, e.startsAt, e.endsAt)
  }

  async exceptions(meetingIds: readonly string[]): Promise<MeetingExceptionRecord[]> {
    if (meetingIds.length === 0) return []
    return cached(
      this.#db,
      `SELECT * FROM meeting_exceptions WHERE meeting_id IN (${placeholders(meetingIds.length)}) ORDER BY occurrence`,
    )
      .all(...meetingIds)
      .map(toException)
  }

  async putRsvp(r: RsvpRecord): Promise<void> {
    cached(
      this.#db,
      `INSERT INTO meeting_rsvps (meeting_id, occurrence, actor_id, name, response, updated_at) VALUES (?, ?, ?, ?, ?, ?)
       ON CONFLICT (meeting_id, occurrence, actor_id) DO UPDATE SET name = excluded.name,
         response = excluded.response, updated_at = excluded.updated_at`,
    ).run(r.meetingId, r.occurrence, r.actorId, r.name, r.response, r.updatedAt)
  }

  async rsvps(meetingId: string, occurrence?: number): Promise<RsvpRecord[]> {
    const rows =
      occurrence === undefined
        ? cached(
            this.#db,
            'SELECT * FROM meeting_rsvps WHERE meeting_id = ? ORDER BY occurrence, updated_at, rowid',
          ).all(meetingId)
        : cached(
            this.#db,
            'SELECT * FROM meeting_rsvps WHERE meeting_id = ? AND occurrence = ? ORDER BY updated_at, rowid',
          ).all(meetingId, occurrence)
    return rows.map(toRsvp)
  }

  async rsvpsOf(actorId: string, meetingIds: readonly string[]): Promise<RsvpRecord[]> {
    if (meetingIds.length === 0) return []
    return cached(
      this.#db,
      `SELECT * FROM meeting_rsvps WHERE actor_id = ? AND meeting_id IN (${placeholders(meetingIds.length)})`,
    )
      .all(actorId, ...meetingIds)
      .map(toRsvp)
  }

  async claimNotice(meetingId: string, occurrence: number, kind: 'reminder' | 'start'): Promise<boolean> {
    const result = cached(
      this.#db,
      'INSERT OR IGNORE INTO meeting_notices (meeting_id, occurrence, kind) VALUES (?, ?, ?)',
    ).run(meetingId, occurrence, kind)
    return Number(result.changes) === 1
  }

  async replaceFeed(feed: CalendarFeedRecord): Promise<void> {
    transaction(this.#db, () => {
      cached(this.#db, 'UPDATE calendar_feeds SET revoked_at = ? WHERE user_id = ? AND revoked_at IS NULL').run(
        feed.createdAt,
        feed.userId,
      )
      cached(
        this.#db,
        'INSERT INTO calendar_feeds (token_hash, user_id, created_at, revoked_at) VALUES (?, ?, ?, ?)',
      ).run(feed.tokenHash, feed.userId, feed.createdAt, feed.revokedAt)
    })
  }

  async feedByHash(tokenHash: string): Promise<CalendarFeedRecord | null> {
    const row = cached(this.#db, 'SELECT * FROM calendar_feeds WHERE token_hash = ?').get(tokenHash)
    return row ? toFeed(row) : null
  }

  async liveFeed(userId: string): Promise<CalendarFeedRecord | null> {
    const row = cached(
      this.#db,
      'SELECT * FROM calendar_feeds WHERE user_id = ? AND revoked_at IS NULL ORDER BY created_at DESC LIMIT 1',
    ).get(userId)
    return row ? toFeed(row) : null
  }

  async revokeFeeds(userId: string, at: number): Promise<number> {
    return Number(
      cached(this.#db, 'UPDATE calendar_feeds SET revoked_at = ? WHERE user_id = ? AND revoked_at IS NULL').run(
        at,
        userId,
      ).changes,
    )
  }
}
