import type { ErrorBody, ErrorCode } from '@parley/protocol'

/**
 * A refused or failed API call: `code` is a stable code of the protocol's registry, whatever went
 * wrong — a refusal by Parley, a network failure (`server-unreachable`), or a reply that did not
 * come from Parley, such as a proxy's HTML 502 page (`bad-gateway`).
 */
export class ParleyApiError extends Error {
  readonly code: ErrorCode
  /** The HTTP status; 0 when no reply arrived. */
  readonly status: number
  /** What the code refers to (fields, limits, ids); empty when there is nothing to add. */
  readonly details: Record<string, unknown>

  constructor(
    status: number,
    body: Omit<ErrorBody['error'], 'details'> & { details?: Record<string, unknown> },
    options?: { cause?: unknown },
  ) {
    super(body.message, options)
    this.name = 'ParleyApiError'
    this.code = body.code
    this.status = status
    this.details = body.details ?? {}
  }

  /** The error of a reply that is not ok: Parley's error body, or `bad-gateway` for anything else. */
  static fromReply(status: number, contentType: string | null, text: string): ParleyApiError {
    const body = parseErrorBody(contentType, text)
    if (body) return new ParleyApiError(status, body)
    return new ParleyApiError(status, {
      code: 'bad-gateway',
      message: `The server answered ${status} with something that is not Parley's (${contentType ?? 'no content type'}); a proxy may be failing: try again shortly`,
      details: { status, contentType },
    })
  }
}

/** A realtime request that failed: refused with an error frame, or cut off (`connection-closed`, `request-timeout`). */
export class ParleyRealtimeError extends Error {
  readonly code: ErrorCode
  readonly details: Record<string, unknown>

  constructor(code: ErrorCode, message: string, details?: Record<string, unknown>) {
    super(message)
    this.name = 'ParleyRealtimeError'
    this.code = code
    this.details = details ?? {}
  }
}

function parseErrorBody(contentType: string | null, text: string): ErrorBody['error'] | null {
  if (!contentType?.includes('json')) return null
  try {
    const payload = JSON.parse(text) as { error?: { code?: unknown; message?: unknown; details?: unknown } }
    const error = payload?.error
    // Any code a Parley server sends is from the registry (a newer server's new code passes as is).
    if (!error || typeof error.code !== 'string' || typeof error.message !== 'string') return null
    return {
      code: error.code as ErrorCode,
      message: error.message,
      details: error.details && typeof error.details === 'object' ? (error.details as Record<string, unknown>) : {},
    }
  } catch {
    return null
  }
}
