import type { ErrorBody, ErrorCode } from '@parley/protocol'

/** A refused API call: `code` is the stable code of the protocol's registry. */
export class ParleyApiError extends Error {
  readonly code: ErrorCode
  readonly status: number
  readonly details: Record<string, unknown> | undefined

  constructor(status: number, body: ErrorBody['error']) {
    super(body.message)
    this.name = 'ParleyApiError'
    this.code = body.code
    this.status = status
    this.details = body.details
  }
}

/** A realtime request refused with an error frame: `code` is the stable code of the protocol's registry. */
export class ParleyRealtimeError extends Error {
  readonly code: ErrorCode
  readonly details: Record<string, unknown> | undefined

  constructor(code: ErrorCode, message: string, details?: Record<string, unknown>) {
    super(message)
    this.name = 'ParleyRealtimeError'
    this.code = code
    this.details = details
  }
}
