/**
 * Meetings, reached as `client.meetings`: schedule, change and cancel meetings of a room (and
 * single occurrences), see what comes up in a room or across my rooms, answer each occurrence,
 * and get calendars: a meeting's or my agenda's iCalendar text, and my private feed URL.
 * Reminders arrive on the realtime client as `meeting.reminder` and `meeting.started`.
 */
import type {
  CalendarFeedStatus,
  CalendarFeedView,
  MeetingCreate,
  MeetingList,
  MeetingUpdate,
  MeetingView,
  OccurrenceChange,
  OccurrenceList,
  OccurrenceView,
  RsvpList,
  RsvpResponse,
  RsvpView,
} from '@parley/protocol'
import { ParleyApiError } from './errors.ts'

/** What a MeetingsClient needs of the REST client (ParleyClient). */
export type MeetingSender = {
  readonly baseUrl: string
  request<T>(method: string, path: string, body?: unknown): Promise<T>
  send(method: string, path: string, init?: { headers?: Record<string, string> }): Promise<Response>
}

export type UpcomingQuery = {
  /** One room's meetings; default: all my rooms. */
  roomId?: string
  /** Window start and end (Date or RFC 3339); default: now and 30 days later. */
  from?: Date | string
  to?: Date | string
  limit?: number
  /** Show startLocal/endLocal in this IANA zone (default: each meeting's own). */
  timeZone?: string
}

const enc = encodeURIComponent
const iso = (at: Date | string) => (typeof at === 'string' ? at : at.toISOString())

export class MeetingsClient {
  readonly #rest: MeetingSender

  constructor(rest: MeetingSender) {
    this.#rest = rest
  }

  /** Schedules a meeting in the room (moderators). Times are wall clocks in `timeZone`. */
  schedule(roomId: string, meeting: MeetingCreate): Promise<MeetingView> {
    return this.#rest.request('POST', `/api/v1/rooms/${enc(roomId)}/meetings`, meeting)
  }

  /** The room's meetings, cancelled ones flagged. */
  async list(roomId: string): Promise<MeetingView[]> {
    return (await this.#rest.request<MeetingList>('GET', `/api/v1/rooms/${enc(roomId)}/meetings`)).meetings
  }

  get(roomId: string, meetingId: string): Promise<MeetingView> {
    return this.#rest.request('GET', `/api/v1/rooms/${enc(roomId)}/meetings/${enc(meetingId)}`)
  }

  /** Changes a meeting (moderators); every occurrence follows. */
  update(roomId: string, meetingId: string, change: MeetingUpdate): Promise<MeetingView> {
    return this.#rest.request('PATCH', `/api/v1/rooms/${enc(roomId)}/meetings/${enc(meetingId)}`, change)
  }

  /** Cancels the meeting and every occurrence (moderators). */
  async cancel(roomId: string, meetingId: string): Promise<void> {
    await this.#rest.request('DELETE', `/api/v1/rooms/${enc(roomId)}/meetings/${enc(meetingId)}`)
  }

  /** Cancels (`{ cancelled: true }`) or moves (`{ start, end }`) one occurrence (moderators). */
  changeOccurrence(
    roomId: string,
    meetingId: string,
    occurrence: string,
    change: OccurrenceChange,
  ): Promise<MeetingView> {
    return this.#rest.request(
      'PUT',
      `/api/v1/rooms/${enc(roomId)}/meetings/${enc(meetingId)}/occurrences/${enc(occurrence)}`,
      change,
    )
  }

  /** Occurrences coming up in one room, or across my rooms, with my answer to each. */
  async upcoming(query: UpcomingQuery = {}): Promise<OccurrenceView[]> {
    const params = new URLSearchParams()
    if (query.from !== undefined) params.set('from', iso(query.from))
    if (query.to !== undefined) params.set('to', iso(query.to))
    if (query.limit !== undefined) params.set('limit', String(query.limit))
    if (query.timeZone !== undefined) params.set('timeZone', query.timeZone)
    const path = query.roomId ? `/api/v1/rooms/${enc(query.roomId)}/occurrences` : '/api/v1/me/occurrences'
    const search = params.size > 0 ? `?${params}` : ''
    return (await this.#rest.request<OccurrenceList>('GET', path + search)).occurrences
  }

  /** Answers one occurrence: going, maybe or declined. */
  rsvp(roomId: string, meetingId: string, occurrence: string, response: RsvpResponse): Promise<RsvpView> {
    return this.#rest.request(
      'PUT',
      `/api/v1/rooms/${enc(roomId)}/meetings/${enc(meetingId)}/occurrences/${enc(occurrence)}/rsvp`,
      { response },
    )
  }

  /**
   * Answers one occurrence by the meeting's id alone (as `upcoming()` lists it): works for meetings
   * of rooms hosted on other instances too, whose host then hears the answer.
   */
  answer(meetingId: string, occurrence: string, response: RsvpResponse): Promise<RsvpView> {
    return this.#rest.request('PUT', `/api/v1/meetings/${enc(meetingId)}/occurrences/${enc(occurrence)}/rsvp`, {
      response,
    })
  }

  /** Everyone's answers for one occurrence. */
  async rsvps(roomId: string, meetingId: string, occurrence: string): Promise<RsvpView[]> {
    return (
      await this.#rest.request<RsvpList>(
        'GET',
        `/api/v1/rooms/${enc(roomId)}/meetings/${enc(meetingId)}/occurrences/${enc(occurrence)}/rsvps`,
      )
    ).rsvps
  }

  /** One meeting as iCalendar text (an invitation to save as .ics). */
  invitation(roomId: string, meetingId: string): Promise<string> {
    return this.#text(`/api/v1/rooms/${enc(roomId)}/meetings/${enc(meetingId)}/calendar.ics`)
  }

  /**
   * Where one meeting's iCalendar invitation is downloaded from: for a link in a page signed in with
   * the session cookie (`<a href download>`); with a token, {@link MeetingsClient.invitation} gives the text.
   */
  invitationUrl(roomId: string, meetingId: string): string {
    return `${this.#rest.baseUrl}/api/v1/rooms/${enc(roomId)}/meetings/${enc(meetingId)}/calendar.ics`
  }

  /** My agenda (the meetings of all my rooms) as iCalendar text. */
  agenda(): Promise<string> {
    return this.#text('/api/v1/me/calendar.ics')
  }

  /** Whether my calendar feed URL works, and since when (its secret is shown only by createFeed()). */
  feedStatus(): Promise<CalendarFeedStatus> {
    return this.#rest.request('GET', '/api/v1/me/calendar-feed')
  }

  /** A new private feed URL of my agenda for calendar apps; the earlier URL stops working. */
  createFeed(): Promise<CalendarFeedView> {
    return this.#rest.request('POST', '/api/v1/me/calendar-feed')
  }

  /** Ends my calendar feed URL. */
  async revokeFeed(): Promise<void> {
    await this.#rest.request('DELETE', '/api/v1/me/calendar-feed')
  }

  async #text(path: string): Promise<string> {
    const response = await this.#rest.send('GET', path, { headers: { accept: 'text/calendar' } })
    const text = await response.text()
    if (!response.ok) throw ParleyApiError.fromReply(response.status, response.headers.get('content-type'), text)
    return text
  }
}
