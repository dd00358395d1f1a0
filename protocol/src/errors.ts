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
  'direct-target-local': { status: 400, message: 'This account is on this instance: open the one-to-one room by its userId' },
  'rate-limited': { status: 429, message: 'Too many attempts; try again later' },
  // Rooms and chat
  'room-not-found': { status: 404, message: 'No such room, or you are not in it' },
  'room-not-public': { status: 409, message: 'Only public rooms post on the Fediverse' },
  'not-a-participant': { status: 403, message: 'You are not a participant of this room' },
  'already-participant': { status: 409, message: 'Already a participant of this room' },
  'participant-not-found': { status: 404, message: 'No such participant in this room' },
  'user-not-found': { status: 404, message: 'No such user' },
  'in-lobby': { status: 403, message: 'You are waiting in the lobby until a moderator admits you' },
  banned: { status: 403, message: 'You are banned from this room' },
  'room-read-only': { status: 403, message: 'The room is read-only' },
  'permission-denied': { status: 403, message: 'Your permissions in this room do not allow this' },
  'role-too-low': { status: 403, message: 'Your role in this room does not allow this' },
  'guest-not-allowed': { status: 403, message: 'Guests cannot do this' },
  'not-author': { status: 403, message: 'Only the author (or a moderator) may do this' },
  'room-kind-forbids': { status: 409, message: 'This kind of room does not allow this (one-to-one rooms cannot be renamed or joined by others)' },
  'last-owner': { status: 409, message: 'The last owner cannot leave or be demoted; hand ownership over first' },
  'room-not-joinable': { status: 403, message: 'This room cannot be joined by link' },
  'room-password-required': { status: 403, message: 'This room needs a password' },
  'room-password-wrong': { status: 403, message: 'Wrong room password' },
  'message-not-found': { status: 404, message: 'No such message in this room' },
  'message-deleted': { status: 409, message: 'The message has been deleted' },
  'message-too-long': { status: 400, message: 'The message is longer than the limit' },
  'message-not-editable': { status: 409, message: 'Only text messages can be edited' },
  'reply-target-invalid': { status: 400, message: 'The message replied to does not exist in this room' },
  'mention-all-forbidden': { status: 403, message: 'Only moderators may mention @all' },
  'cursor-invalid': { status: 400, message: 'Give at most one of before, after and around' },
  'poll-not-found': { status: 404, message: 'No such poll in this room' },
  'poll-closed': { status: 409, message: 'The poll is closed' },
  'vote-invalid': { status: 400, message: 'The vote names an option the poll does not have, or several in a single-choice poll' },
  // Realtime gateway
  'unknown-message-type': { status: 400, message: 'Unknown realtime message type' },
  'invalid-message': { status: 400, message: 'The realtime message does not match its schema' },
  'frame-too-large': { status: 413, message: 'The frame is larger than 64 KiB' },
  'hello-required': { status: 400, message: 'The first message must be hello' },
  'already-hello': { status: 409, message: 'This session has already said hello' },
  'resume-invalid': { status: 400, message: 'The resume position is ahead of the room: reload from the history API' },
  'slow-consumer': { status: 503, message: 'The client reads too slowly; disconnected' },
  'idle-timeout': { status: 408, message: 'No sign of life from the client; disconnected' },
  'session-ended': { status: 401, message: 'The session has ended (logged out, removed or expired)' },
  'store-unavailable': { status: 503, message: 'The store cannot be reached' },
  'call-full': { status: 409, message: 'This call is full for its media engine' },
  'not-in-call': { status: 403, message: 'Only participants of this call can do this' },
  'invalid-sdp': { status: 400, message: 'The session description is not valid SDP' },
  'no-usable-codec': { status: 422, message: 'None of the offered codecs can be used' },
  'media-not-found': { status: 404, message: 'No such published media in this call' },
  'media-not-ready': { status: 409, message: 'The published media is not flowing yet; try again shortly' },
  'media-unavailable': { status: 503, message: 'The media server cannot be reached' },
  'recording-unavailable': { status: 409, message: 'Recording is not possible here' },
  'no-call': { status: 404, message: 'There is no call in this room' },
  'engine-mismatch': { status: 409, message: 'This call uses the other media engine: mesh calls relay call.signal, SFU calls use call.publish and call.subscribe' },
  'e2ee-forbids': { status: 409, message: 'End-to-end encrypted rooms cannot do this (recording, SIP dial-in)' },
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
