/** Call recordings of a room: the list, each file (webm video, ogg/opus audio), and deleting one. */
import { createReadStream } from 'node:fs'
import { rm, stat } from 'node:fs/promises'
import type { FastifyInstance } from 'fastify'
import Type from 'typebox'
import { ErrorBody, Id, RecordingList, RoomParams, type RecordingView } from '@parley/protocol'
import type { RoomService } from '../../rooms/room-service.ts'
import type { RecordingRepository } from '../../store/ports.ts'
import type { RecordingRecord } from '../../store/records.ts'
import { ApiError, unwrap } from '../api-error.ts'
import { currentCaller, requireCaller } from '../caller.ts'
import { serveBytes } from '../file-serving.ts'
import { iso } from '../views.ts'

const RecordingParams = Type.Object({ roomId: Id, recordingId: Id }, { additionalProperties: false })
type RecordingParams = { roomId: string; recordingId: string }

function recordingView({ path: _path, roomId: _roomId, createdAt, ...rest }: RecordingRecord): RecordingView {
  return { ...rest, createdAt: iso(createdAt) }
}

/** e.g. "recording 2026-12-04 18.40 Alice camera video.webm": when, whose, what, a type players know. */
function recordingFileName(recording: RecordingRecord): string {
  const when = iso(recording.createdAt).slice(0, 16).replace('T', ' ').replace(':', '.')
  const whose = recording.actor ? ` ${recording.actor.name}` : ''
  const extension = recording.kind === 'video' ? 'webm' : 'opus'
  return `recording ${when}${whose} ${recording.source} ${recording.kind}.${extension}`
}

export function recordingRoutes(app: FastifyInstance, rooms: RoomService, recordings: RecordingRepository): void {
  const tags = ['calls']
  app.get(
    '/api/v1/rooms/:roomId/recordings',
    {
      preHandler: requireCaller,
      schema: {
        tags,
        summary: "Recordings of this room's calls, oldest first",
        params: RoomParams,
        response: { 200: RecordingList, '4xx': ErrorBody },
      },
    },
    async (request) => {
      const { roomId } = request.params as RoomParams
      unwrap(await rooms.access(currentCaller(request), roomId, 'chat.read'))
      return { recordings: (await recordings.listForRoom(roomId)).map(recordingView) }
    },
  )
  app.get(
    '/api/v1/rooms/:roomId/recordings/:recordingId',
    {
      preHandler: requireCaller,
      schema: {
        tags,
        summary: 'One recording file',
        description:
          'Served like a shared file: one byte range (Range: bytes=…) gives 206, so players can seek; a range outside the file 416 (range-not-satisfiable). Inline for playback, as an attachment with ?download.',
        params: RecordingParams,
        response: { '4xx': ErrorBody },
      },
    },
    async (request, reply) => {
      const { roomId, recordingId } = request.params as RecordingParams
      unwrap(await rooms.access(currentCaller(request), roomId, 'chat.read'))
      const found = await recordings.byId(roomId, recordingId)
      if (!found) throw new ApiError('not-found')
      const size = await stat(found.path).then(
        (s) => s.size,
        () => null,
      )
      if (size === null) throw new ApiError('not-found')
      return serveBytes(
        request,
        reply,
        {
          size,
          mediaType: found.mimeType,
          name: recordingFileName(found),
          open: async (range) => createReadStream(found.path, range ?? {}),
        },
        { crossOrigin: false, cacheControl: 'private, no-store' },
      )
    },
  )
  app.delete(
    '/api/v1/rooms/:roomId/recordings/:recordingId',
    {
      preHandler: requireCaller,
      schema: {
        tags,
        summary: 'Delete a recording and its file (those who may record)',
        params: RecordingParams,
        response: { '4xx': ErrorBody },
      },
    },
    async (request, reply) => {
      const { roomId, recordingId } = request.params as RecordingParams
      unwrap(await rooms.access(currentCaller(request), roomId, 'call.record'))
      const found = await recordings.byId(roomId, recordingId)
      if (!found || !(await recordings.delete(roomId, recordingId))) throw new ApiError('not-found')
      // The row goes first: a file left behind by a failed unlink is harmless, a listed missing file is not.
      await rm(found.path, { force: true })
      return reply.code(204).send()
    },
  )
}
