/**
 * Sends a kept file to whoever may have it, safely: the bytes are streamed from the blob store (a
 * single byte range when asked); the type is what the content was detected as, except that types a
 * browser would run, or that fetchers would take for one of our documents (HTML, SVG, XML,
 * JavaScript, ActivityStreams/JSON-LD), go out as opaque bytes; `nosniff` keeps browsers from
 * guessing otherwise; a sandboxing CSP leaves any document opened from it without scripts, forms
 * or same-origin access; and only types that cannot run anything (raster images, audio, video,
 * plain text) are offered inline, everything else as an attachment.
 */
import type { Readable } from 'node:stream'
import type { FastifyReply, FastifyRequest } from 'fastify'
import type { BlobStore } from '../files/blobs/blob-store.ts'
import type { Servable } from '../files/file-service.ts'
import { contentDisposition } from '../files/file-names.ts'
import { isInline, servedType } from '../files/media-types.ts'
import { parseRange } from '../files/http-range.ts'
import { ApiError, sendError } from './api-error.ts'

export const FILE_CSP = "default-src 'none'; sandbox; frame-ancestors 'none'"

export type ServeOptions = {
  /** Room routes answer only this site's pages; capability links answer other servers. */
  crossOrigin: boolean
  cacheControl: string
}

/** What serveBytes sends: its size, its detected type, the name offered, and how to read it. */
export type ServedBytes = {
  size: number
  mediaType: string
  name: string
  /** The bytes, or the inclusive range asked for; null when they are gone. */
  open: (range?: { start: number; end: number }) => Promise<Readable | null>
}

/** A file shared in a room (or its thumbnail), from the blob store. */
export function serveFile(
  request: FastifyRequest,
  reply: FastifyReply,
  blobs: BlobStore,
  servable: Servable,
  options: ServeOptions,
): Promise<FastifyReply> {
  const { size, mediaType, file, variant } = servable
  return serveBytes(
    request,
    reply,
    {
      size,
      mediaType,
      name: variant === 'thumbnail' ? `${file.name}.webp` : file.name,
      open: (range) => blobs.get(servable.key, range),
    },
    options,
  )
}

/** Any kept bytes (a shared file, a call recording) with the headers and range handling above. */
export async function serveBytes(
  request: FastifyRequest,
  reply: FastifyReply,
  served: ServedBytes,
  options: ServeOptions,
): Promise<FastifyReply> {
  const { size, mediaType, name } = served
  reply.header('x-content-type-options', 'nosniff')
  reply.header('content-security-policy', FILE_CSP)
  reply.header('cross-origin-resource-policy', options.crossOrigin ? 'cross-origin' : 'same-origin')
  reply.header('referrer-policy', 'no-referrer')
  reply.header('cache-control', options.cacheControl)
  reply.header('accept-ranges', 'bytes')
  const range = parseRange(request.headers.range, size)
  if (range.type === 'unsatisfiable') {
    reply.header('content-range', `bytes */${size}`)
    return sendError(reply, new ApiError('range-not-satisfiable', undefined, { size }))
  }
  const wantsDownload = (request.query as { download?: unknown } | undefined)?.download !== undefined
  const inline = isInline(mediaType) && !wantsDownload
  reply.header('content-disposition', contentDisposition(inline ? 'inline' : 'attachment', name))
  reply.type(servedType(mediaType))
  if (size === 0) return reply.header('content-length', '0').send('')
  const stream = await served.open(range.type === 'partial' ? range : undefined)
  if (!stream) throw new ApiError('not-found')
  if (range.type === 'partial') {
    reply.code(206)
    reply.header('content-range', `bytes ${range.start}-${range.end}/${size}`)
    reply.header('content-length', String(range.end - range.start + 1))
  } else reply.header('content-length', String(size))
  return reply.send(stream)
}
