/**
 * The one registry of stable error codes. Every error reply over HTTP and every realtime error
 * frame uses a code from here, so clients can switch on it; messages are for humans and may change.
 * Model: fastify/fastify lib/errors.js — one table, looked up by code.
 */
import Type, { type Static } from 'typebox'

export const ErrorCodes = {
  'validation-failed': { status: 400, message: 'The request does not match its schema' },
  'malformed-json': { status: 400, message: 'The request body is not valid JSON' },
  'body-too-large': { status: 413, message: 'The request body is larger than the configured limit' },
  'unsupported-media-type': { status: 415, message: 'The request body has an unsupported content type' },
  'route-not-found': { status: 404, message: 'No such route' },
  'not-found': { status: 404, message: 'No such resource' },
  'method-not-allowed': { status: 405, message: 'Method not allowed' },
  unauthenticated: { status: 401, message: 'Authentication is required' },
  'token-invalid': { status: 401, message: 'The API token is not valid' },
  'token-expired': { status: 401, message: 'The API token has expired' },
  'token-revoked': { status: 401, message: 'The API token has been revoked' },
  'session-expired': { status: 401, message: 'The session has expired; log in again' },
  'invalid-credentials': { status: 401, message: 'Wrong username or password' },
  'account-disabled': { status: 403, message: 'This account is disabled' },
  'csrf-failed': { status: 403, message: 'Missing or wrong CSRF token for a cookie-authenticated request' },
  forbidden: { status: 403, message: 'You are not allowed to do this' },
  'registration-closed': { status: 403, message: 'Registration is closed on this instance' },
  'invite-required': { status: 403, message: 'Registration on this instance needs an invite code' },
  'invite-invalid': { status: 403, message: 'The invite code is unknown, used or expired' },
  'username-taken': { status: 409, message: 'This username is taken or was used before' },
  'remote-not-found': { status: 404, message: 'No such account on the Fediverse, or its server cannot be reached' },
  'invalid-follow-target': { status: 400, message: 'This account cannot be followed over the Fediverse' },
  'domain-blocked': { status: 403, message: 'This domain is blocked on this instance' },
  'rate-limited': { status: 429, message: 'Too many attempts; try again later' },
  'store-unavailable': { status: 503, message: 'The store cannot be reached' },
  'internal-error': { status: 500, message: 'Internal error' },
} as const satisfies Record<string, { status: number; message: string }>

export type ErrorCode = keyof typeof ErrorCodes

export const ErrorCodeSchema = Type.Unsafe<ErrorCode>(
  Type.Union(
    (Object.keys(ErrorCodes) as ErrorCode[]).map((code) => Type.Literal(code)),
    { description: 'Stable error code: clients switch on this, never on the message' },
  ),
)

export const ErrorBody = Type.Object(
  {
    error: Type.Object(
      {
        code: ErrorCodeSchema,
        message: Type.String(),
        details: Type.Optional(Type.Record(Type.String(), Type.Unknown())),
      },
      { additionalProperties: false },
    ),
  },
  { additionalProperties: false, title: 'ErrorBody', description: 'Every error reply has this shape' },
)
export type ErrorBody = Static<typeof ErrorBody>

export function isErrorCode(value: unknown): value is ErrorCode {
  return typeof value === 'string' && Object.hasOwn(ErrorCodes, value)
}
