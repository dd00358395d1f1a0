/**
 * Every error reply is `{ error: { code, message, details } }` with a code from the protocol's
 * registry. Handlers throw `ApiError` (or return a failed Result through `fromResult`); Fastify's own
 * errors (parsing, limits, validation) are mapped here so clients never see Fastify's codes.
 */
import type { FastifyError, FastifyInstance, FastifyReply } from 'fastify'
import { ErrorCodes, type ErrorBody, type ErrorCode } from '@parley/protocol'

export class ApiError extends Error {
  readonly code: ErrorCode
  readonly details: Record<string, unknown> | undefined
  constructor(code: ErrorCode, message?: string, details?: Record<string, unknown>) {
    super(message ?? ErrorCodes[code].message)
    this.name = 'ApiError'
    this.code = code
    this.details = details
  }
}

export function errorBody(code: ErrorCode, message?: string, details?: Record<string, unknown>): ErrorBody {
  return { error: { code, message: message ?? ErrorCodes[code].message, ...(details ? { details } : {}) } }
}

export function sendError(reply: FastifyReply, error: ApiError): FastifyReply {
  if (error.code === 'rate-limited' && typeof error.details?.retryAfterSeconds === 'number') {
    reply.header('retry-after', String(error.details.retryAfterSeconds))
  }
  return reply.code(ErrorCodes[error.code].status).type('application/json').send(errorBody(error.code, error.message, error.details))
}

/** Unwraps a service Result, throwing its error as an ApiError. */
export function unwrap<T>(result: { ok: true; value: T } | { ok: false; error: { type: ErrorCode; details?: Record<string, unknown> } }): T {
  if (result.ok) return result.value
  throw new ApiError(result.error.type, undefined, result.error.details)
}

const fastifyCodes: Partial<Record<string, ErrorCode>> = {
  FST_ERR_CTP_BODY_TOO_LARGE: 'body-too-large',
  FST_ERR_CTP_INVALID_JSON_BODY: 'malformed-json',
  FST_ERR_CTP_EMPTY_JSON_BODY: 'malformed-json',
  FST_ERR_CTP_INVALID_MEDIA_TYPE: 'unsupported-media-type',
  FST_ERR_CTP_INVALID_CONTENT_LENGTH: 'validation-failed',
  FST_ERR_CTP_INVALID_TYPE: 'unsupported-media-type',
}

function toApiError(error: FastifyError): ApiError {
  if (error instanceof ApiError) return error
  if (error.validation) {
    const issues = error.validation.map((issue) => ({
      path: `${error.validationContext ?? 'body'}${issue.instancePath || ''}`,
      message: issue.message ?? 'invalid',
    }))
    return new ApiError('validation-failed', `Invalid ${error.validationContext ?? 'request'}: ${issues.map((i) => `${i.path} ${i.message}`).join('; ')}`, { issues })
  }
  const mapped = error.code ? fastifyCodes[error.code] : undefined
  if (mapped) return new ApiError(mapped)
  // Prototype-poisoning and other client errors Fastify raises with a 4xx status.
  if (error.statusCode && error.statusCode >= 400 && error.statusCode < 500) return new ApiError('validation-failed', error.message)
  return new ApiError('internal-error')
}

export function installErrorHandling(app: FastifyInstance): void {
  app.setErrorHandler((error: FastifyError, request, reply) => {
    const apiError = toApiError(error)
    if (apiError.code === 'internal-error') request.log.error({ err: error }, 'request failed')
    else request.log.debug({ code: apiError.code }, 'request refused')
    return sendError(reply, apiError)
  })
  app.setNotFoundHandler((request, reply) => sendError(reply, new ApiError('route-not-found', `No route ${request.method} ${request.url.split('?')[0]}`)))
}
