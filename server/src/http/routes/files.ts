/**
 * Files in rooms under /api/v1/rooms/:roomId/files: upload one (multipart, streamed to storage),
 * list the room's shared files, download one or its thumbnail; and the caller's quota. Resumable
 * uploads (tus) are in file-uploads.ts, the capability links other instances fetch in file-links.ts.
 */
import type { FastifyInstance, FastifyRequest } from 'fastify'
import multipart from '@fastify/multipart'
import Type from 'typebox'
import {
  ErrorBody,
  FileParams,
  FileQuota,
  MessageView,
  RoomParams,
  SharedFileList,
  SharedFileQuery,
} from '@parley/protocol'
import type { FileService } from '../../files/file-service.ts'
import type { FileVariant } from '../../files/capability.ts'
import { ApiError, unwrap } from '../api-error.ts'
import { currentCaller, requireCaller } from '../caller.ts'
import { serveFile } from '../file-serving.ts'

/** What multipart framing and the option fields may add to a file's bytes. */
const MULTIPART_OVERHEAD = 256 * 1024

const DownloadQuery = Type.Object(
  { download: Type.Optional(Type.String({ description: 'Present: always as an attachment' })) },
  { additionalProperties: false },
)

type Fields = { caption?: string; keepLocation?: boolean; replyTo?: number }

function readField(fields: Fields, name: string, value: string): void {
  switch (name) {
    case 'caption':
      fields.caption = value
      return
    case 'keepLocation':
      if (value !== 'true' && value !== 'false')
        throw new ApiError('validation-failed', 'keepLocation must be true or false', { field: name })
      fields.keepLocation = value === 'true'
      return
    case 'replyTo':
      if (!/^[1-9][0-9]{0,14}$/.test(value))
        throw new ApiError('validation-failed', 'replyTo must be a message seq', { field: name })
      fields.replyTo = Number(value)
      return
    default:
      throw new ApiError('validation-failed', `Unknown field ${JSON.stringify(name.slice(0, 64))}`, { field: name })
  }
}

/** What busboy throws for a body that is not the multipart it says it is (these errors carry no code). */
const MALFORMED_MULTIPART = /^(Unexpected end of multipart data|Multipart: Boundary not found|Malformed part header)$/
const MULTIPART_ERRORS: Record<string, ApiError> = {
  FST_REQ_FILE_TOO_LARGE: new ApiError('file-too-large'),
  FST_FILES_LIMIT: new ApiError('validation-failed', 'One file per upload'),
  FST_PARTS_LIMIT: new ApiError('validation-failed', 'Too many parts'),
  FST_FIELDS_LIMIT: new ApiError('validation-failed', 'Too many fields'),
  FST_INVALID_MULTIPART_CONTENT_TYPE: new ApiError('unsupported-media-type'),
}

export async function fileRoutes(app: FastifyInstance, files: FileService): Promise<void> {
  const tags = ['files']
  const err = { '4xx': ErrorBody }

  // Multipart is taken only here (everywhere else the API takes JSON only).
  await app.register(async (scope) => {
    await scope.register(multipart, {
      // The name as sent (busboy would cut it to its last path segment): a name with a path is refused, not rewritten.
      preservePath: true,
      limits: {
        // One byte more than the largest file: the ingest meter (which drops what it stored) trips first.
        fileSize: files.limits.maxBytes + 1,
        files: 1,
        fields: 8,
        fieldSize: 128 * 1024,
        parts: 9,
        headerPairs: 50,
      },
      throwFileSizeLimit: true,
    })
    scope.post(
      '/api/v1/rooms/:roomId/files',
      {
        preHandler: requireCaller,
        schema: {
          tags,
          summary:
            'Share a file: multipart/form-data with optional fields (caption, keepLocation, replyTo) before one file part',
          description:
            'The file becomes a chat message (kind text, with `file`). Its type is detected from its content; a declared part type that disagrees is refused (file-type-mismatch). Photos lose their location data unless keepLocation is true. Refused before anything is stored: a Content-Length past filesMaxBytes (file-too-large) or past the quota (quota-exceeded).',
          params: RoomParams,
          consumes: ['multipart/form-data'],
          response: { 201: MessageView, ...err },
        },
      },
      async (request, reply) => {
        const caller = currentCaller(request)
        const { roomId } = request.params as RoomParams
        // A refused upload's unread body is not waited for: the connection closes after the answer.
        reply.header('connection', 'close')
        if (!request.isMultipart()) throw new ApiError('unsupported-media-type', 'Send multipart/form-data')
        // Refused before a byte is read: the room's policy, and a body that cannot fit the limits.
        const length = Number(request.headers['content-length'])
        const bound = Number.isFinite(length) ? Math.max(0, length - MULTIPART_OVERHEAD) : null
        unwrap(await files.preflight(caller, roomId, { name: 'upload', size: bound }))
        const fields: Fields = {}
        let shared: MessageView | null = null
        try {
          for await (const part of request.parts()) {
            if (part.type === 'field') {
              if (shared) continue
              readField(fields, part.fieldname, String(part.value))
              continue
            }
            if (shared) {
              part.file.resume()
              continue
            }
            // Names are decoded as UTF-8; bytes that are not come out as U+FFFD, a name nobody gave.
            if (part.filename.includes('\uFFFD')) throw new ApiError('invalid-utf8', undefined, { in: 'file name' })
            shared = unwrap(
              await files.share(caller, roomId, {
                source: part.file,
                name: part.filename,
                declaredType: part.mimetype,
                declaredSize: null,
                caption: fields.caption,
                keepLocation: fields.keepLocation,
                replyTo: fields.replyTo,
              }),
            )
          }
        } catch (error) {
          const code = (error as { code?: string }).code
          // One file per upload: parts past the limits after it are ignored, the file stays shared.
          const extraParts = code === 'FST_FILES_LIMIT' || code === 'FST_PARTS_LIMIT' || code === 'FST_FIELDS_LIMIT'
          if (!(shared && extraParts)) {
            if (code && MULTIPART_ERRORS[code]) throw MULTIPART_ERRORS[code]
            if (MALFORMED_MULTIPART.test((error as Error).message) && !(error instanceof ApiError))
              throw new ApiError('validation-failed', `The multipart body is malformed: ${(error as Error).message}`)
            throw error
          }
        }
        if (!shared) throw new ApiError('file-missing')
        reply.removeHeader('connection')
        return reply.code(201).send(shared)
      },
    )
  })

  app.get(
    '/api/v1/rooms/:roomId/files',
    {
      preHandler: requireCaller,
      schema: {
        tags,
        summary: "The room's shared files, newest first",
        params: RoomParams,
        querystring: SharedFileQuery,
        response: { 200: SharedFileList, ...err },
      },
    },
    async (request) =>
      unwrap(
        await files.list(
          currentCaller(request),
          (request.params as RoomParams).roomId,
          request.query as SharedFileQuery,
        ),
      ),
  )

  const download =
    (variant: FileVariant) => async (request: FastifyRequest, reply: Parameters<typeof serveFile>[1]) => {
      const { roomId, fileId } = request.params as FileParams
      const servable = unwrap(await files.open(currentCaller(request), roomId, fileId, variant))
      return serveFile(request, reply, files.blobs, servable, {
        crossOrigin: false,
        cacheControl: 'private, max-age=86400',
      })
    }
  const downloadSchema = (summary: string) => ({
    preHandler: requireCaller,
    schema: {
      tags,
      summary,
      description:
        'Participants and guests of the room. One byte range (Range: bytes=…) gives 206; a range outside the file 416 (range-not-satisfiable). Served with nosniff, a sandboxing CSP, and Content-Disposition attachment unless the type is safe inline (raster images, audio, video, plain text) and ?download is absent.',
      params: FileParams,
      querystring: DownloadQuery,
      response: { ...err },
    },
  })
  app.get('/api/v1/rooms/:roomId/files/:fileId', downloadSchema('Download a shared file'), download('original'))
  app.get(
    '/api/v1/rooms/:roomId/files/:fileId/thumbnail',
    downloadSchema("A shared image's thumbnail (WebP, at most 320 pixels a side)"),
    download('thumbnail'),
  )

  app.get(
    '/api/v1/me/file-quota',
    {
      preHandler: requireCaller,
      schema: {
        tags,
        summary: 'What you keep shared, your quota and the largest file',
        response: { 200: FileQuota, ...err },
      },
    },
    async (request) => files.quota(currentCaller(request)),
  )
}
