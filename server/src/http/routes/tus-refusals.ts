/**
 * tus's refusals in Parley's error shape. `@tus/server` answers a refused request itself, as
 * text/plain, with the statuses of the tus 1.0 protocol (412 no or another Tus-Resumable, 409
 * offset conflict, 404/410 no such upload, 413 too large) and a few of its own choosing (403 for a
 * missing Upload-Offset or Content-Type, 400 "Invalid <header>", 501 for Upload-Concat). Here each
 * becomes `{ error: { code, message, details } }` with a code from the registry.
 *
 * Statuses that tus clients act on stay: tus-js-client retries a PATCH refused with 409 (asking HEAD
 * where to go on), and starts over when HEAD answers 404/410. The others become what the protocol
 * asks for: 412 (with Tus-Version) for a version we do not speak, 415 for a chunk that is not
 * application/offset+octet-stream; and 400, not 501, for an extension we do not offer (a client's
 * request, not a server failure).
 *
 * The error is recognised by its body, compared with the library's own table (`ERRORS`): the table
 * below names every entry, so an upgrade of @tus/server that adds one fails the typecheck here.
 */
import type { ERRORS } from '@tus/server'
import type { ErrorCode } from '@parley/protocol'
import { ApiError } from '../api-error.ts'

/** The tus version we speak: what a 412 lists in Tus-Version. */
export const TUS_VERSION = '1.0.0'
export const CHUNK_TYPE = 'application/offset+octet-stream'

type Refusal = { code: ErrorCode; message?: string; details?: Record<string, unknown> }

const header = (name: string, message: string): Refusal => ({
  code: 'validation-failed',
  message,
  details: { header: name },
})
const versionRefused: Refusal = {
  code: 'tus-version-unsupported',
  details: { header: 'tus-resumable', supported: [TUS_VERSION] },
}
const notChunk: Refusal = {
  code: 'unsupported-media-type',
  message: `Chunks are sent as ${CHUNK_TYPE}`,
  details: { header: 'content-type', expected: CHUNK_TYPE },
}
/** Another request for the same upload took it over (or this one broke off): its offset is unknown here. */
const tookOver: Refusal = {
  code: 'upload-offset-conflict',
  message: 'Another request for this upload took it over: ask with HEAD and resume from there',
}
const serverFailure: Refusal = { code: 'internal-error' }

const BY_ERROR: Record<keyof typeof ERRORS, Refusal> = {
  MISSING_OFFSET: header('upload-offset', 'Upload-Offset (where this chunk starts) is required'),
  INVALID_CONTENT_TYPE: notChunk,
  INVALID_OFFSET: { code: 'upload-offset-conflict' },
  ABORTED: tookOver,
  ERR_LOCK_TIMEOUT: tookOver,
  FILE_NOT_FOUND: { code: 'upload-not-found' },
  FILE_NO_LONGER_EXISTS: { code: 'upload-gone' },
  INVALID_TERMINATION: { code: 'upload-gone', message: 'The upload is complete: there is nothing left to cancel' },
  ERR_SIZE_EXCEEDED: { code: 'upload-length-exceeded' },
  ERR_MAX_SIZE_EXCEEDED: { code: 'file-too-large' },
  INVALID_LENGTH: header(
    'upload-length',
    'Upload-Length is given once, when the upload is created (Upload-Defer-Length is not offered)',
  ),
  INVALID_METADATA: header('upload-metadata', 'Malformed Upload-Metadata'),
  UNSUPPORTED_CONCATENATION_EXTENSION: header(
    'upload-concat',
    'Concatenation (Upload-Concat, parallel uploads) is not offered: send the file as one upload',
  ),
  UNSUPPORTED_CREATION_DEFER_LENGTH_EXTENSION: header(
    'upload-defer-length',
    'Upload-Defer-Length is not offered: give Upload-Length',
  ),
  UNSUPPORTED_EXPIRATION_EXTENSION: serverFailure,
  UNKNOWN_ERROR: serverFailure,
  FILE_WRITE_ERROR: serverFailure,
}

/** A refusal tus wrote outside its table: the Tus-Resumable check and the header validators. */
function unlisted(status: number, text: string): Refusal {
  if (status === 412) return versionRefused
  // "Invalid <name> <name>…": the headers that failed tus's validators.
  const invalid = /^Invalid ([a-z0-9 -]+)$/i.exec(text)
  if (status === 400 && invalid) {
    const names = invalid[1]!.toLowerCase().split(' ')
    if (names.includes('tus-resumable')) return versionRefused
    if (names.includes('content-type')) return notChunk
    return { code: 'validation-failed', message: `Invalid ${names.join(', ')}`, details: { headers: names } }
  }
  if (status === 404 || status === 410) return { code: status === 404 ? 'upload-not-found' : 'upload-gone' }
  if (status >= 500) return serverFailure
  return { code: 'validation-failed', message: text || undefined }
}

/** A PATCH whose body is not a chunk: refused before Fastify would parse it as anything else. */
export function chunkTypeRefused(): ApiError {
  return new ApiError(notChunk.code, notChunk.message, notChunk.details)
}

/**
 * The ApiError for a refusal `@tus/server` answered (status ≥ 400, its text body). `internal-error`
 * means tus itself failed (the store, the disk): the caller logs `text`.
 */
export async function tusRefusal(status: number, text: string): Promise<ApiError> {
  // Loaded by now: only a response of tus's gets here (and tus stays unloaded until the first upload).
  const { ERRORS: table } = await import('@tus/server')
  const name = (Object.keys(table) as (keyof typeof ERRORS)[]).find((key) => table[key].body === text)
  const refusal = name ? BY_ERROR[name] : unlisted(status, text.trim())
  return new ApiError(refusal.code, refusal.message, refusal.details)
}
