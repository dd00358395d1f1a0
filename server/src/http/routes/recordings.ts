/** Call recordings of a room: the list, and each file (webm video, ogg/opus audio). */
import { createReadStream } from 'node:fs'
import type { FastifyInstance } from 'fastify'
import Type from 'typebox'
import { ErrorBody, Id, RecordingList, RoomParams } from '@parley/protocol'
import type { RoomService } from '../../rooms/room-service.ts'
import type { CallRecorder } from '../../calls/call-recorder.ts'
import { ApiError, unwrap } from '../api-error.ts'
import { currentCaller, requireCaller } from '../caller.ts'

const RecordingParams = Type.Object({ roomId: Id, recordingId: Id }, { additionalProperties: false })
type RecordingParams = { roomId: string; recordingId: string }

export function recordingRoutes(app: FastifyInstance, rooms: RoomService, recorder: CallRecorder): void {
  const tags = ['calls']
  app.get(
    '/api/v1/rooms/:roomId/recordings',
    { preHandler: requireCaller, schema: { tags, summary: 'Recordings of this room\'s calls', params: RoomParams, response: { 200: RecordingList, '4xx': ErrorBody } } },
    async (request) => {
      const { roomId } = request.params as RoomParams
      unwrap(await rooms.access(currentCaller(request), roomId, 'chat.read'))
      return { recordings: recorder.list(roomId).map(({ path: _path, ...view }) => view) }
    },
  )
  app.get(
    '/api/v1/rooms/:roomId/recordings/:recordingId',
    { preHandler: requireCaller, schema: { tags, summary: 'One recording file', params: RecordingParams, response: { '4xx': ErrorBody } } },
    async (request, reply) => {
      const { roomId, recordingId } = request.params as RecordingParams
      unwrap(await rooms.access(currentCaller(request), roomId, 'chat.read'))
      const found = recorder.list(roomId).find((r) => r.id === recordingId)
      if (!found) throw new ApiError('not-found')
      return reply.type(found.mimeType).header('cache-control', 'private, no-store').send(createReadStream(found.path))
    },
  )
}
