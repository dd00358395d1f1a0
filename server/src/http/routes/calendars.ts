/**
 * Meetings as iCalendar files: one meeting's invitation, a room's meetings, my agenda, and my
 * private feed (a secret URL for calendar apps, which cannot sign in; revocable).
 */
import type { FastifyInstance, FastifyReply } from 'fastify'
import {
  CalendarFeedQuery,
  CalendarFeedStatus,
  CalendarFeedView,
  ErrorBody,
  MeetingParams,
  RoomParams,
} from '@parley/protocol'
import type { MeetingService } from '../../meetings/meeting-service.ts'
import type { CalendarFeeds } from '../../meetings/calendar-feeds.ts'
import { calendarOf, ICS_MEDIA_TYPE } from '../../meetings/calendar-export.ts'
import { unwrap } from '../api-error.ts'
import { currentAuth, requireUser } from '../auth.ts'
import { currentCaller, requireCaller } from '../caller.ts'

const tags = ['meetings']

function sendCalendar(reply: FastifyReply, body: string, filename: string): FastifyReply {
  return reply
    .type(ICS_MEDIA_TYPE)
    .header('content-disposition', `attachment; filename="${filename}"`)
    .header('cache-control', 'private, no-store')
    .header('x-content-type-options', 'nosniff')
    .send(body)
}

export function calendarRoutes(
  app: FastifyInstance,
  deps: { meetings: MeetingService; feeds: CalendarFeeds; publicOrigin: string },
): void {
  const { meetings, feeds, publicOrigin } = deps
  app.get(
    '/api/v1/rooms/:roomId/meetings/:meetingId/calendar.ics',
    {
      preHandler: requireCaller,
      schema: {
        tags,
        summary: 'One meeting as an iCalendar invitation (every occurrence, with the join link)',
        params: MeetingParams,
        response: { '4xx': ErrorBody },
      },
    },
    async (request, reply) => {
      const { roomId, meetingId } = request.params as MeetingParams
      const entry = unwrap(await meetings.get(currentCaller(request), roomId, meetingId))
      return sendCalendar(reply, calendarOf([entry], { name: entry.meeting.title, publicOrigin }), 'meeting.ics')
    },
  )
  app.get(
    '/api/v1/rooms/:roomId/calendar.ics',
    {
      preHandler: requireCaller,
      schema: {
        tags,
        summary: "The room's meetings as an iCalendar file",
        params: RoomParams,
        response: { '4xx': ErrorBody },
      },
    },
    async (request, reply) => {
      const { roomId } = request.params as RoomParams
      const entries = unwrap(await meetings.list(currentCaller(request), roomId))
      return sendCalendar(reply, calendarOf(entries, { name: 'Parley meetings', publicOrigin }), 'room.ics')
    },
  )
  app.get(
    '/api/v1/me/calendar.ics',
    {
      preHandler: requireUser,
      schema: {
        tags,
        summary: 'My agenda: the meetings of all my rooms as an iCalendar file',
        response: { '4xx': ErrorBody },
      },
    },
    async (request, reply) => {
      const entries = await meetings.agenda(currentCaller(request))
      return sendCalendar(reply, calendarOf(entries, { name: 'Parley', publicOrigin }), 'agenda.ics')
    },
  )
  app.get(
    '/api/v1/me/calendar-feed',
    {
      preHandler: requireUser,
      schema: {
        tags,
        summary: 'Whether my calendar feed URL works, and since when (the URL itself is shown only when made)',
        response: { 200: CalendarFeedStatus, '4xx': ErrorBody },
      },
    },
    async (request) => {
      const since = await feeds.live(currentAuth(request).user.id)
      return { active: since !== null, createdAt: since === null ? null : new Date(since).toISOString() }
    },
  )
  app.post(
    '/api/v1/me/calendar-feed',
    {
      preHandler: requireUser,
      schema: {
        tags,
        summary: 'A new secret feed URL of my agenda for calendar apps (the earlier URL stops working)',
        response: { 201: CalendarFeedView, '4xx': ErrorBody },
      },
    },
    async (request, reply) => {
      const made = await feeds.create(currentAuth(request).user.id)
      return reply.code(201).send({ url: made.url, createdAt: new Date(made.createdAt).toISOString() })
    },
  )
  app.delete(
    '/api/v1/me/calendar-feed',
    {
      preHandler: requireUser,
      schema: { tags, summary: 'Revoke my calendar feed URL', response: { '4xx': ErrorBody } },
    },
    async (request, reply) => {
      await feeds.revoke(currentAuth(request).user.id)
      return reply.code(204).send()
    },
  )
  app.get(
    '/api/v1/calendar/feed.ics',
    {
      schema: {
        tags,
        summary: "A user's agenda for calendar apps, opened by the secret token of the feed URL (no sign-in)",
        querystring: CalendarFeedQuery,
        response: { '4xx': ErrorBody },
      },
    },
    async (request, reply) => {
      const { token } = request.query as CalendarFeedQuery
      const user = unwrap(await feeds.resolve(token))
      const entries = await meetings.agenda({ type: 'user', id: user.id, name: user.displayName })
      return sendCalendar(reply, calendarOf(entries, { name: 'Parley', publicOrigin }), 'parley.ics')
    },
  )
}
