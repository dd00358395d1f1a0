/**
 * Every error reply is `{ error: { code, message, details } }` with a code from the protocol's
 * registry. Handlers throw `ApiError` (or return a failed Result through `fromResult`); Fastify's own
 * errors (parsing, limits, validation) are mapped here so clients never see Fastify's codes.
 */
import type { FastifyError, FastifyInstance, FastifyReply } from 'fastify'
import { ErrorCodes, type ErrorBody, type ErrorCode } from '@parley/protocol'
import { readableIssues } from '../validation/readable-issues.ts'
import { HostedElsewhereError } from '../rooms/event-log.ts'

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
  // `details` is always present (empty when there is nothing to add), so clients can read it unguarded.
  return { error: { code, message: message ?? ErrorCodes[code].message, details: details ?? {} } }
}

export function sendError(reply: FastifyReply, error: ApiError): FastifyReply {
  if (error.code === 'rate-limited' && typeof error.details?.retryAfterSeconds === 'number') {
    reply.header('retry-after', String(error.details.retryAfterSeconds))
  }
  return reply
    .code(ErrorCodes[error.code].status)
    .type('application/json')
    .send(errorBody(error.code, error.message, error.details))
}

/** Unwraps a service Result, throwing its error as an ApiError. */
export function unwrap<T>(
  result: { ok: true; value: T } | { ok: false; error: { type: ErrorCode; details?: Record<string, unknown> } },
): T {
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
  if (error instanceof HostedElsewhereError) return new ApiError('room-hosted-elsewhere')
  if (error.validation) {
    const part = error.validationContext ?? 'body'
    const issues = readableIssues(error.validation, part)
    return new ApiError('validation-failed', issues.map((i) => i.message).join('; '), { in: part, issues })
  }
  const mapped = error.code ? fastifyCodes[error.code] : undefined
  if (mapped) return new ApiError(mapped)
  // Prototype-poisoning and other client errors Fastify raises with a 4xx status.
  if (error.statusCode && error.statusCode >= 400 && error.statusCode < 500)
    return new ApiError('validation-failed', error.message)
  return new ApiError('internal-error')
}

export function installErrorHandling(app: FastifyInstance): void {
  app.setErrorHandler((error: FastifyError, request, reply) => {
    const apiError = toApiError(error)
    if (apiError.code === 'internal-error') request.log.error({ err: error }, 'request failed')
    else request.log.debug({ code: apiError.code }, 'request refused')
    return sendError(reply, apiError)
  })
  app.setNotFoundHandler((request, reply) =>
    sendError(reply, new ApiError('route-not-found', `No route ${request.method} ${request.url.split('?')[0]}`)),
  )
}

/**
 * Errors the router raises before any route or hook runs (Fastify's `frameworkErrors`): a path
 * parameter over `maxParamLength`, a percent-escape that does not decode. They bypass the error
 * handler, so without this they would leave in Fastify's own shape.
 */
export function frameworkErrorReply(error: FastifyError, _request: unknown, reply: FastifyReply): void {
  const code: ErrorCode =
    error.code === 'FST_ERR_MAX_PARAM_LENGTH'
      ? 'path-parameter-too-long'
      : error.code === 'FST_ERR_BAD_URL'
        ? 'url-invalid'
        : (fastifyCodes[error.code] ?? 'validation-failed')
  void sendError(reply, new ApiError(code))
}
