/**
 * Resumable uploads through the tus protocol (1.0: creation, termination, expiration), served by
 * `@tus/server` behind our own checks. `POST /api/v1/rooms/:roomId/uploads` creates an upload
 * (`Upload-Length` required; `Upload-Metadata` with `filename`, and optionally `filetype`,
 * `caption`, `keepLocation`, `replyTo`), refused with our error codes before anything is kept when
 * the room, the name, the size or the quota say no. `HEAD`/`PATCH`/`DELETE /api/v1/uploads/:id`
 * resume, send chunks, cancel — only for whoever created it. The PATCH that completes the upload
 * turns it into a shared file and answers the file message (201), or the refusal.
 *
 * Chunks are staged on this node's disk (`<dataDir>/uploads`) until complete, then streamed into
 * the blob store; with several nodes, a resumed upload must reach the node that holds its chunks
 * (sticky routing by upload id), or it starts again.
 */
import { join } from 'node:path'
import { Readable } from 'node:stream'
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify'
import Type from 'typebox'
import { ErrorBody, MessageView, RoomParams } from '@parley/protocol'
import type { Server as TusServer } from '@tus/server'
import type { FileStore } from '@tus/file-store'
import type { FileService } from '../../files/file-service.ts'
import type { Caller } from '../../rooms/result.ts'
import { ApiError, sendError, unwrap } from '../api-error.ts'
import { currentCaller, requireCaller } from '../caller.ts'
import { CHUNK_TYPE, TUS_VERSION, chunkTypeRefused, tusRefusal } from './tus-refusals.ts'

const UPLOADS_PATH = '/api/v1/uploads'
/** Keys a client may put in Upload-Metadata; ours (the upload's room and owner) are set by the server. */
const CLIENT_KEYS = new Set(['filename', 'filetype', 'caption', 'keepLocation', 'replyTo'])
const OWNER_KEY = 'parley-caller'
const ROOM_KEY = 'parley-room'

const UploadParams = Type.Object(
  { uploadId: Type.String({ pattern: '^[0-9a-f]{32}$' }) },
  { additionalProperties: false },
)

/** Upload-Metadata: comma-separated `key base64(value)` pairs (a key alone has no value). */
function parseMetadata(header: string | undefined): Map<string, string> {
  const out = new Map<string, string>()
  if (!header) return out
  for (const pair of header.split(',')) {
    const [key, value, extra] = pair.trim().split(' ')
    if (!key || extra !== undefined || !/^[A-Za-z0-9_.-]{1,64}$/.test(key) || out.has(key))
      throw new ApiError('validation-failed', 'Malformed Upload-Metadata', { header: 'upload-metadata' })
    if (value !== undefined && !/^[A-Za-z0-9+/]*={0,2}$/.test(value))
      throw new ApiError('validation-failed', 'Malformed Upload-Metadata value', { key })
    out.set(key, value === undefined ? '' : Buffer.from(value, 'base64').toString('utf8'))
  }
  return out
}

function encodeMetadata(metadata: Map<string, string>): string {
  return [...metadata].map(([key, value]) => `${key} ${Buffer.from(value, 'utf8').toString('base64')}`).join(',')
}

function uploadOptions(metadata: Map<string, string>) {
  const keep = metadata.get('keepLocation')
  const replyTo = metadata.get('replyTo')
  if (keep !== undefined && keep !== 'true' && keep !== 'false')
    throw new ApiError('validation-failed', 'keepLocation must be true or false', { key: 'keepLocation' })
  if (replyTo !== undefined && !/^[1-9][0-9]{0,14}$/.test(replyTo))
    throw new ApiError('validation-failed', 'replyTo must be a message seq', { key: 'replyTo' })
  return {
    name: metadata.get('filename') ?? '',
    declaredType: metadata.get('filetype') ?? null,
    caption: metadata.get('caption'),
    keepLocation: keep === undefined ? undefined : keep === 'true',
    replyTo: replyTo === undefined ? undefined : Number(replyTo),
  }
}

/** Proxy headers tus is told not to use (respectForwardedHeaders: false), but would still validate. */
const FORWARDED = new Set(['forwarded', 'x-forwarded-proto', 'x-forwarded-host'])

function toHeaders(request: FastifyRequest): Headers {
  const headers = new Headers()
  for (const [name, value] of Object.entries(request.headers)) {
    if (FORWARDED.has(name)) continue
    if (typeof value === 'string') headers.set(name, value)
    else if (Array.isArray(value)) headers.set(name, value.join(', '))
  }
  return headers
}

/**
 * Where tus stages chunks: `@tus/server` over a folder, made at the first upload (nothing is
 * created on disk, and tus's ~30 modules are not even loaded, for an instance nobody uploads to).
 * `sweep()` removes uploads left unfinished.
 */
export class UploadStaging {
  readonly #directory: string
  readonly #expiryMs: number
  readonly #maxBytes: number
  #tus: Promise<TusServer> | null = null

  constructor(options: { directory: string; expiryMs: number; maxBytes: number }) {
    this.#directory = options.directory
    this.#expiryMs = options.expiryMs
    this.#maxBytes = options.maxBytes
  }

  server(): Promise<TusServer> {
    this.#tus ??= Promise.all([import('@tus/server'), import('@tus/file-store')]).then(
      ([{ Server }, { FileStore }]) =>
        new Server({
          path: UPLOADS_PATH,
          datastore: new FileStore({ directory: this.#directory, expirationPeriodInMilliseconds: this.#expiryMs }),
          relativeLocation: true,
          respectForwardedHeaders: false,
          maxSize: this.#maxBytes,
          disableTerminationForFinishedUploads: true,
        }),
      (error: unknown) => {
        this.#tus = null
        throw error
      },
    )
    return this.#tus
  }

  async store(): Promise<FileStore> {
    return (await this.server()).datastore as FileStore
  }

  /** Removes uploads not finished within the expiry; returns how many. */
  async sweep(): Promise<number> {
    return this.#tus ? (await this.#tus).cleanUpExpiredUploads() : 0
  }
}

export function fileUploadRoutes(
  app: FastifyInstance,
  files: FileService,
  staging: UploadStaging,
  origin: string,
): void {
  const server = () => staging.server()
  const store = () => staging.store()

  /** Hands the request to tus (as a web Request on our own URL) and copies its answer onto the reply. */
  async function forward(request: FastifyRequest, path: string, headers = toHeaders(request)): Promise<Response> {
    const hasBody = request.method === 'PATCH' || request.method === 'POST'
    return (await server()).handleWeb(
      new Request(new URL(path, origin), {
        method: request.method,
        headers,
        ...(hasBody ? { body: Readable.toWeb(request.raw) as ReadableStream, duplex: 'half' } : {}),
      } as RequestInit),
    )
  }

  /**
   * Copies tus's answer onto the reply: its headers (Tus-Resumable, Upload-Offset…) always, its
   * refusals as our JSON errors (tus-refusals.ts), with Tus-Version on a 412 as the protocol asks.
   */
  async function relay(request: FastifyRequest, reply: FastifyReply, response: Response): Promise<FastifyReply> {
    response.headers.forEach((value, name) => {
      if (name !== 'content-length' && name !== 'content-type') reply.header(name, value)
    })
    const text = await response.text()
    if (response.status < 400) return reply.code(response.status).send(text)
    const refusal = await tusRefusal(response.status, text)
    if (refusal.code === 'internal-error') request.log.error({ status: response.status, text }, 'tus failed')
    if (refusal.code === 'tus-version-unsupported') reply.header('tus-version', TUS_VERSION)
    return sendError(reply, refusal)
  }

  /** The caller's upload, or upload-not-found (someone else's looks the same as none). */
  async function ownUpload(request: FastifyRequest) {
    const { uploadId } = request.params as { uploadId: string }
    const caller = currentCaller(request)
    // tus says "no such upload" with a 404 (or 410: its file is gone); anything else is a real
    // failure of the upload store and goes to the error handler (500, logged), not "not found".
    const upload = await (await store()).getUpload(uploadId).catch((error: unknown) => {
      const status = (error as { status_code?: unknown } | null)?.status_code
      if (status === 404 || status === 410) return null
      throw error
    })
    const owner = upload?.metadata?.[OWNER_KEY]
    let parsed: Caller | null = null
    try {
      parsed = owner ? (JSON.parse(owner) as Caller) : null
    } catch {
      parsed = null
    }
    if (!upload || !parsed || parsed.id !== caller.id || parsed.type !== caller.type)
      throw new ApiError('upload-not-found')
    return { uploadId, upload, caller }
  }

  const tags = ['files']
  const err = { '4xx': ErrorBody }
  app.register(async (scope) => {
    // tus chunks are raw bytes, read by tus itself from the request stream.
    scope.addContentTypeParser(CHUNK_TYPE, (_request, _payload, done) => done(null, undefined))
    // Every tus reply names the protocol version, our own refusals too (the tus protocol asks it of
    // every response but OPTIONS).
    scope.addHook('onRequest', async (_request, reply) => {
      reply.header('tus-resumable', TUS_VERSION)
    })

    scope.post(
      '/api/v1/rooms/:roomId/uploads',
      {
        preHandler: requireCaller,
        schema: {
          tags,
          summary:
            'Start a resumable upload (tus 1.0 creation): Upload-Length and Upload-Metadata (filename, filetype, caption, keepLocation, replyTo)',
          description:
            "Answers 201 with Location /api/v1/uploads/{id}; send the bytes with PATCH (application/offset+octet-stream, Upload-Offset). Refused before anything is kept: file-name-invalid, file-too-large, quota-exceeded, and what the room policy refuses. The tus protocol's refusals are JSON errors too, with its statuses: tus-version-unsupported (412, with Tus-Version), upload-offset-conflict (409), upload-not-found (404), upload-gone (410), upload-length-exceeded (413), unsupported-media-type (415); extensions not offered (Upload-Concat, Upload-Defer-Length) are validation-failed.",
          params: RoomParams,
          response: { ...err },
        },
      },
      async (request, reply) => {
        const caller = currentCaller(request)
        const { roomId } = request.params as RoomParams
        const length = request.headers['upload-length']
        if (typeof length !== 'string' || !/^[0-9]{1,15}$/.test(length))
          throw new ApiError('validation-failed', 'Upload-Length (the file size in bytes) is required', {
            header: 'upload-length',
          })
        const metadata = parseMetadata(request.headers['upload-metadata'] as string | undefined)
        for (const key of metadata.keys())
          if (!CLIENT_KEYS.has(key))
            throw new ApiError('validation-failed', `Unknown Upload-Metadata key ${key}`, { key })
        const wanted = uploadOptions(metadata)
        unwrap(await files.preflight(caller, roomId, { name: wanted.name, size: Number(length) }))
        metadata.set(ROOM_KEY, roomId)
        metadata.set(OWNER_KEY, JSON.stringify(caller))
        const headers = toHeaders(request)
        headers.set('upload-metadata', encodeMetadata(metadata))
        return relay(request, reply, await forward(request, UPLOADS_PATH, headers))
      },
    )

    const one = (summary: string) => ({
      preHandler: requireCaller,
      schema: { tags, summary, params: UploadParams, response: { 201: MessageView, ...err } },
    })
    scope.head(
      '/api/v1/uploads/:uploadId',
      one('How much of a resumable upload arrived (Upload-Offset)'),
      async (request, reply) => {
        const { uploadId } = await ownUpload(request)
        return relay(request, reply, await forward(request, `${UPLOADS_PATH}/${uploadId}`))
      },
    )
    scope.delete('/api/v1/uploads/:uploadId', one('Cancel a resumable upload'), async (request, reply) => {
      const { uploadId } = await ownUpload(request)
      return relay(request, reply, await forward(request, `${UPLOADS_PATH}/${uploadId}`))
    })
    scope.patch(
      '/api/v1/uploads/:uploadId',
      {
        ...one('Send the next chunk (Upload-Offset); the last one answers the file message (201)'),
        // Checked before the body is read: JSON would otherwise be parsed (and its errors answered) first.
        onRequest: async (request) => {
          const type = request.headers['content-type']?.split(';')[0]?.trim().toLowerCase()
          if (type !== CHUNK_TYPE) throw chunkTypeRefused()
        },
      },
      async (request, reply) => {
        const { uploadId, upload, caller } = await ownUpload(request)
        const response = await forward(request, `${UPLOADS_PATH}/${uploadId}`)
        if (response.status !== 204) return relay(request, reply, response)
        const now = await (await store()).getUpload(uploadId)
        if (now.size === undefined || now.offset !== now.size) return relay(request, reply, response)
        // Complete: the staged bytes become a shared file, and the staging goes either way.
        const roomId = upload.metadata?.[ROOM_KEY] ?? ''
        const wanted = uploadOptions(new Map(Object.entries(upload.metadata ?? {}).map(([k, v]) => [k, v ?? ''])))
        let shared
        try {
          shared = await files.share(caller, roomId, {
            source: (await store()).read(uploadId),
            name: wanted.name,
            declaredType: wanted.declaredType,
            declaredSize: now.size,
            caption: wanted.caption,
            keepLocation: wanted.keepLocation,
            replyTo: wanted.replyTo,
          })
        } finally {
          await (
            await store()
          )
            .remove(uploadId)
            .catch((error: unknown) => request.log.warn({ err: error }, 'upload staging not removed'))
        }
        response.headers.forEach((value, name) => {
          if (name !== 'content-length') reply.header(name, value)
        })
        if (!shared.ok) return sendError(reply, new ApiError(shared.error.type, undefined, shared.error.details))
        return reply.code(201).send(shared.value)
      },
    )
  })
}

export const uploadsDir = (dataDir: string) => join(dataDir, 'uploads')
