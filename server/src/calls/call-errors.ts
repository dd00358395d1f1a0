import type { ErrorCode } from '@parley/protocol'
import type { MediaError } from '../media/engine.ts'
import { mediaErrorCode } from '../media/media-errors.ts'

/** A refusal: an error code for the requesting session (and only for it), with details. */
export type CallRefusal = { code: ErrorCode; details?: Record<string, unknown>; message?: string }

export function fromMedia(error: MediaError): CallRefusal {
  const mapped = mediaErrorCode(error)
  return { code: mapped.code, message: mapped.message, ...(mapped.details ? { details: mapped.details } : {}) }
}
