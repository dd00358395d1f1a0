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
