/** Meetings of a room, their occurrences and answers, and what comes up across my rooms. */
import type { FastifyInstance } from 'fastify'
import {
  ErrorBody,
  MeetingCreate,
  MeetingList,
  MeetingOccurrenceParams,
  MeetingParams,
  MeetingUpdate,
  MeetingView,
  OccurrenceChange,
  OccurrenceList,
  OccurrenceParams,
  OccurrenceQuery,
  RoomParams,
  RsvpList,
  RsvpSet,
  RsvpView,
} from '@parley/protocol'
import type { MeetingService, MeetingWithExceptions } from '../../meetings/meeting-service.ts'
import { meetingView, occurrenceView, rsvpView } from '../../meetings/meeting-views.ts'
import { canonicalTimeZone } from '../../meetings/time-zones.ts'
import { ApiError, unwrap } from '../api-error.ts'
import { currentCaller, requireCaller } from '../caller.ts'

const tags = ['meetings']

function windowOf(query: OccurrenceQuery) {
  const at = (text: string | undefined) => {
    if (text === undefined) return undefined
    const ms = Date.parse(text)
    if (Number.isNaN(ms)) throw new ApiError('occurrence-window-invalid')
    return ms
  }
  let timeZone: string | undefined
  if (query.timeZone !== undefined) {
    const known = canonicalTimeZone(query.timeZone)
    if (!known) throw new ApiError('time-zone-unknown', undefined, { timeZone: query.timeZone })
    timeZone = known
  }
  return { window: { from: at(query.from), to: at(query.to), limit: query.limit }, timeZone }
}

export function meetingRoutes(app: FastifyInstance, meetings: MeetingService, publicOrigin: string): void {
  const view = ({ meeting, exceptions }: MeetingWithExceptions) => meetingView(meeting, exceptions, publicOrigin)

  app.post(
    '/api/v1/rooms/:roomId/meetings',
    {
      preHandler: requireCaller,
      schema: {
        tags,
        summary: 'Schedule a meeting in the room (moderators)',
        params: RoomParams,
        body: MeetingCreate,
        response: { 201: MeetingView, '4xx': ErrorBody },
      },
    },
    async (request, reply) => {
      const { roomId } = request.params as RoomParams
      const made = unwrap(await meetings.schedule(currentCaller(request), roomId, request.body as MeetingCreate))
      return reply.code(201).send(view(made))
    },
  )
  app.get(
    '/api/v1/rooms/:roomId/meetings',
    {
      preHandler: requireCaller,
      schema: {
        tags,
        summary: "The room's meetings (cancelled ones flagged), by first start",
        params: RoomParams,
        response: { 200: MeetingList, '4xx': ErrorBody },
      },
    },
    async (request) => {
      const { roomId } = request.params as RoomParams
      return { meetings: unwrap(await meetings.list(currentCaller(request), roomId)).map(view) }
    },
  )
  app.get(
    '/api/v1/rooms/:roomId/meetings/:meetingId',
    {
      preHandler: requireCaller,
      schema: { tags, summary: 'One meeting', params: MeetingParams, response: { 200: MeetingView, '4xx': ErrorBody } },
    },
    async (request) => {
      const { roomId, meetingId } = request.params as MeetingParams
      return view(unwrap(await meetings.get(currentCaller(request), roomId, meetingId)))
    },
  )
  app.patch(
    '/api/v1/rooms/:roomId/meetings/:meetingId',
    {
      preHandler: requireCaller,
      schema: {
        tags,
        summary: 'Change a meeting (moderators): every occurrence follows',
        params: MeetingParams,
        body: MeetingUpdate,
        response: { 200: MeetingView, '4xx': ErrorBody },
      },
    },
    async (request) => {
      const { roomId, meetingId } = request.params as MeetingParams
      return view(
        unwrap(await meetings.update(currentCaller(request), roomId, meetingId, request.body as MeetingUpdate)),
      )
    },
  )
  app.delete(
    '/api/v1/rooms/:roomId/meetings/:meetingId',
    {
      preHandler: requireCaller,
      schema: {
        tags,
        summary: 'Cancel a meeting and all its occurrences (moderators)',
        params: MeetingParams,
        response: { '4xx': ErrorBody },
      },
    },
    async (request, reply) => {
      const { roomId, meetingId } = request.params as MeetingParams
      unwrap(await meetings.cancel(currentCaller(request), roomId, meetingId))
      return reply.code(204).send()
    },
  )
  app.put(
    '/api/v1/rooms/:roomId/meetings/:meetingId/occurrences/:occurrence',
    {
      preHandler: requireCaller,
      schema: {
        tags,
        summary: 'Cancel or move one occurrence (moderators)',
        params: OccurrenceParams,
        body: OccurrenceChange,
        response: { 200: MeetingView, '4xx': ErrorBody },
      },
    },
    async (request) => {
      const { roomId, meetingId, occurrence } = request.params as OccurrenceParams
      return view(
        unwrap(
          await meetings.changeOccurrence(
            currentCaller(request),
            roomId,
            meetingId,
            occurrence,
            request.body as OccurrenceChange,
          ),
        ),
      )
    },
  )
  app.put(
    '/api/v1/rooms/:roomId/meetings/:meetingId/occurrences/:occurrence/rsvp',
    {
      preHandler: requireCaller,
      schema: {
        tags,
        summary: 'Answer one occurrence: going, maybe or declined (participants)',
        params: OccurrenceParams,
        body: RsvpSet,
        response: { 200: RsvpView, '4xx': ErrorBody },
      },
    },
    async (request) => {
      const { roomId, meetingId, occurrence } = request.params as OccurrenceParams
      const { response } = request.body as RsvpSet
      return rsvpView(unwrap(await meetings.rsvp(currentCaller(request), roomId, meetingId, occurrence, response)))
    },
  )
  app.put(
    '/api/v1/meetings/:meetingId/occurrences/:occurrence/rsvp',
    {
      preHandler: requireCaller,
      schema: {
        tags,
        summary:
          "Answer one occurrence by the meeting's id alone: also meetings of rooms on other instances (the answer goes to the room's host)",
        params: MeetingOccurrenceParams,
        body: RsvpSet,
        response: { 200: RsvpView, '4xx': ErrorBody },
      },
    },
    async (request) => {
      const { meetingId, occurrence } = request.params as MeetingOccurrenceParams
      const { response } = request.body as RsvpSet
      return rsvpView(unwrap(await meetings.rsvpById(currentCaller(request), meetingId, occurrence, response)))
    },
  )
  app.get(
    '/api/v1/rooms/:roomId/meetings/:meetingId/occurrences/:occurrence/rsvps',
    {
      preHandler: requireCaller,
      schema: {
        tags,
        summary: "Everyone's answers for one occurrence",
        params: OccurrenceParams,
        response: { 200: RsvpList, '4xx': ErrorBody },
      },
    },
    async (request) => {
      const { roomId, meetingId, occurrence } = request.params as OccurrenceParams
      return {
        rsvps: unwrap(await meetings.rsvps(currentCaller(request), roomId, meetingId, occurrence)).map(rsvpView),
      }
    },
  )
  app.get(
    '/api/v1/rooms/:roomId/occurrences',
    {
      preHandler: requireCaller,
      schema: {
        tags,
        summary: "Upcoming occurrences of the room's meetings (default: the next 30 days)",
        params: RoomParams,
        querystring: OccurrenceQuery,
        response: { 200: OccurrenceList, '4xx': ErrorBody },
      },
    },
    async (request) => {
      const { roomId } = request.params as RoomParams
      const { window, timeZone } = windowOf(request.query as OccurrenceQuery)
      const found = unwrap(await meetings.upcoming(currentCaller(request), roomId, window))
      return { occurrences: found.map((o) => occurrenceView(o.occurrence, publicOrigin, o.rsvp, timeZone)) }
    },
  )
  app.get(
    '/api/v1/me/occurrences',
    {
      preHandler: requireCaller,
      schema: {
        tags,
        summary: 'Upcoming occurrences of meetings in all my rooms (default: the next 30 days)',
        querystring: OccurrenceQuery,
        response: { 200: OccurrenceList, '4xx': ErrorBody },
      },
    },
    async (request) => {
      const { window, timeZone } = windowOf(request.query as OccurrenceQuery)
      const found = unwrap(await meetings.upcoming(currentCaller(request), null, window))
      return { occurrences: found.map((o) => occurrenceView(o.occurrence, publicOrigin, o.rsvp, timeZone)) }
    },
  )
}
