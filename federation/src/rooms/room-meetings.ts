/**
 * Meetings as ActivityPub `Event`s (the shape Mobilizon uses: `name`, `startTime`, `endTime`, a
 * `location` whose `url` is the join link), attributed to their room and sent by the room: `Create`
 * when scheduled, `Update` when changed, `Delete` when cancelled. Mastodon shows an Event it
 * receives as a post with its name and link, so a public room's followers see the announcement.
 *
 * The zone is Mobilizon's `timezone` (mz:timezone) on the Event — Fedify would drop it, so the Event
 * and its Create/Update are our subclasses that keep it (event-timezone.ts). It also travels, with
 * the recurrence rule, as `PropertyValue` attachments (`timezone`, `rrule`) for Parley instances
 * that predate that, and is named in `content` for people; `summary` holds the description.
 */
import { Temporal } from '@js-temporal/polyfill'
import type { Create, Event, Update } from '@fedify/fedify/vocab'
import {
  Accept,
  Delete,
  Place,
  PropertyValue,
  PUBLIC_COLLECTION,
  TentativeAccept,
  Tombstone,
  type Reject,
} from '@fedify/fedify/vocab'
import type { FollowerRepository, MeetingsPort } from '../ports.ts'
import type { DomainPolicy } from '../domain-policy.ts'
import type { FederationLogger } from '../log.ts'
import { memberRecipients } from './room-fanout.ts'
import { escapeHtml } from './room-documents.ts'
import { TimedEvent, ZonedCreate, ZonedUpdate } from './event-timezone.ts'

/** What a room's Event says about a meeting. */
export type RoomMeeting = {
  id: string
  title: string
  description: string
  startsAt: number
  endsAt: number
  timeZone: string
  /** The RRULE of a recurring meeting (startTime/endTime are its first occurrence), or null. */
  recurrence: string | null
  joinUrl: string
  /** Cancelled and moved occurrences (by their rule-given start). */
  exceptions: MeetingExceptionData[]
  sequence: number
  updatedAt: number
}

export type MeetingExceptionData = {
  occurrence: number
  cancelled: boolean
  startsAt: number | null
  endsAt: number | null
}

/** At most this many exceptions travel with an Event (a moderator changes occurrences one by one). */
export const MAX_EVENT_EXCEPTIONS = 500

const compact = (ms: number) =>
  new Date(ms)
    .toISOString()
    .replace(/[-:]/g, '')
    .replace(/\.\d{3}/, '')

/**
 * Exceptions as one text value: `;`-separated, each `20260323T080000Z` (cancelled) or
 * `20260330T070000Z=20260331T070000Z/20260331T071500Z` (moved to that start and end), UTC.
 */
export function formatExceptions(exceptions: readonly MeetingExceptionData[]): string {
  return exceptions
    .slice(0, MAX_EVENT_EXCEPTIONS)
    .map((e) =>
      e.cancelled || e.startsAt === null || e.endsAt === null
        ? compact(e.occurrence)
        : `${compact(e.occurrence)}=${compact(e.startsAt)}/${compact(e.endsAt)}`,
    )
    .join(';')
}

const UTC = /^(\d{4})(\d{2})(\d{2})T(\d{2})(\d{2})(\d{2})Z$/
const parseUtc = (text: string): number | null => {
  const m = UTC.exec(text)
  if (!m) return null
  const at = Date.UTC(+m[1]!, +m[2]! - 1, +m[3]!, +m[4]!, +m[5]!, +m[6]!)
  return Number.isFinite(at) ? at : null
}

/** The exceptions of `formatExceptions` text; malformed entries are left out, at most MAX_EVENT_EXCEPTIONS. */
export function parseExceptions(text: string): MeetingExceptionData[] {
  const found: MeetingExceptionData[] = []
  for (const entry of text.split(';').slice(0, MAX_EVENT_EXCEPTIONS)) {
    const [occurrenceText = '', moved] = entry.split('=')
    const occurrence = parseUtc(occurrenceText)
    if (occurrence === null) continue
    if (moved === undefined) {
      found.push({ occurrence, cancelled: true, startsAt: null, endsAt: null })
      continue
    }
    const [startText = '', endText = ''] = moved.split('/')
    const startsAt = parseUtc(startText)
    const endsAt = parseUtc(endText)
    if (startsAt !== null && endsAt !== null && endsAt > startsAt)
      found.push({ occurrence, cancelled: false, startsAt, endsAt })
  }
  return found
}

export type MeetingChange = 'scheduled' | 'updated' | 'cancelled'

const instant = (ms: number) => Temporal.Instant.fromEpochMilliseconds(ms)

export function meetingUri(roomUri: URL, meetingId: string): URL {
  return new URL(`${roomUri.href}/meetings/${encodeURIComponent(meetingId)}`)
}

export function meetingEvent(roomUri: URL, meeting: RoomMeeting, audience: { public: boolean }): Event {
  const lines = [
    meeting.description ? `<p>${escapeHtml(meeting.description).replace(/\r?\n/g, '<br>')}</p>` : '',
    `<p>${escapeHtml(meeting.timeZone)}${meeting.recurrence ? ` · ${escapeHtml(meeting.recurrence)}` : ''}</p>`,
    `<p><a href="${escapeHtml(meeting.joinUrl)}">${escapeHtml(meeting.joinUrl)}</a></p>`,
  ]
  return new TimedEvent({
    timeZone: meeting.timeZone,
    id: meetingUri(roomUri, meeting.id),
    name: meeting.title,
    content: lines.join(''),
    summary: meeting.description ? escapeHtml(meeting.description) : null,
    attachments: [
      new PropertyValue({ name: 'timezone', value: meeting.timeZone }),
      ...(meeting.recurrence ? [new PropertyValue({ name: 'rrule', value: meeting.recurrence })] : []),
      ...(meeting.exceptions.length > 0
        ? [new PropertyValue({ name: 'exceptions', value: formatExceptions(meeting.exceptions) })]
        : []),
    ],
    startTime: instant(meeting.startsAt),
    endTime: instant(meeting.endsAt),
    location: new Place({ name: meeting.title, url: new URL(meeting.joinUrl) }),
    url: new URL(meeting.joinUrl),
    attribution: roomUri,
    contexts: [roomUri],
    published: instant(meeting.updatedAt),
    updated: instant(meeting.updatedAt),
    ...(audience.public ? { to: PUBLIC_COLLECTION, cc: new URL(`${roomUri.href}/followers`) } : { to: roomUri }),
  })
}

/** The activity of one change, by the room; its id names the meeting's revision. */
export function meetingActivity(
  roomUri: URL,
  meeting: RoomMeeting,
  change: MeetingChange,
  audience: { public: boolean },
): Create | Update | Delete {
  const event = meetingEvent(roomUri, meeting, audience)
  const id = new URL(`${event.id!.href}/activities/${meeting.sequence}`)
  const addressed = audience.public
    ? { to: PUBLIC_COLLECTION, cc: new URL(`${roomUri.href}/followers`) }
    : { to: roomUri }
  const common = { id, actor: roomUri, published: instant(meeting.updatedAt), ...addressed }
  switch (change) {
    case 'scheduled':
      return new ZonedCreate({ ...common, object: event })
    case 'updated':
      return new ZonedUpdate({ ...common, object: event })
    case 'cancelled':
      return new Delete({
        ...common,
        object: new Tombstone({ id: event.id, deleted: instant(meeting.updatedAt) }),
      })
  }
}

/**
 * Host side: a remote member answers one occurrence of a room's meeting with `Accept` (going),
 * `TentativeAccept` (maybe) or `Reject` (declined) of the Event; the occurrence is the activity's
 * `startTime` (the start the rule gives it). Only remote members of the room are heard. Handles
 * the activity when it names a meeting of the room (true), so invitation answers go on elsewhere.
 */
export async function onMeetingAnswer(
  deps: {
    meetings?: MeetingsPort
    members: FollowerRepository
    policy: DomainPolicy
    log: FederationLogger
  },
  roomUri: URL,
  roomId: string,
  answer: Accept | Reject,
): Promise<boolean> {
  const object = answer.objectId
  const actor = answer.actorId
  const prefix = `${roomUri.href}/meetings/`
  if (!object || !object.href.startsWith(prefix)) return false
  if (!actor || deps.policy.blocks(actor) || !deps.meetings) return true
  const occurrence = answer.startTime?.epochMilliseconds
  const members = await memberRecipients(deps.members, roomId, deps.policy)
  if (occurrence === undefined || !members.some((m) => m.id?.href === actor.href)) {
    deps.log.warn(
      { roomId, by: actor.href },
      'meeting answer from someone not in the room, or without an occurrence, refused',
    )
    return true
  }
  const meetingId = decodeURIComponent(object.href.slice(prefix.length).split('/')[0] ?? '')
  const response = answer instanceof TentativeAccept ? 'maybe' : answer instanceof Accept ? 'going' : 'declined'
  const name = `${actor.pathname.split('/').filter(Boolean).at(-1) ?? 'someone'}@${actor.host}`
  await deps.meetings.answered({ roomId, meetingId, actorId: actor.href, name, occurrence, response })
  return true
}
