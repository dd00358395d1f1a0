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
  'path-parameter-too-long': {
    status: 414,
    message: 'A path parameter is longer than the server accepts (ids and names are at most 100 characters)',
  },
  'url-invalid': { status: 400, message: 'The URL has a malformed percent-escape or one that is not UTF-8' },
  'invalid-utf8': { status: 400, message: 'The text is not valid UTF-8; nothing was changed' },
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
  'last-admin': {
    status: 409,
    message: 'This is the last active administrator: make another account an administrator first',
  },
  'current-password-wrong': { status: 403, message: 'The current password is wrong' },
  'avatar-too-large': { status: 413, message: 'The avatar image is larger than 2 MiB' },
  'push-endpoint-invalid': {
    status: 400,
    message:
      'The push endpoint must be an https URL on a public address (a push service), not a private or loopback one',
  },
  'push-keys-invalid': {
    status: 400,
    message: 'The subscription keys are not a P-256 public key (p256dh, 65 bytes) and a 16-byte auth secret',
  },
  'push-subscription-limit': {
    status: 409,
    message: 'You have as many push subscriptions as allowed; remove one first',
  },
  'person-not-local': {
    status: 400,
    message: 'This handle names an account on another instance: invite it through the federation API',
  },
  'remote-not-found': { status: 404, message: 'No such account on the Fediverse, or its server cannot be reached' },
  'invalid-follow-target': { status: 400, message: 'This account cannot be followed over the Fediverse' },
  'domain-blocked': { status: 403, message: 'This domain is blocked on this instance' },
  'direct-target-local': {
    status: 400,
    message: 'This account is on this instance: open the one-to-one room by its userId',
  },
  'rate-limited': { status: 429, message: 'Too many attempts; try again later' },
  // Inbound federation: why a signed request to an inbox was refused (docs/security.md)
  'signature-missing': { status: 401, message: 'Inbox requests must carry an HTTP signature' },
  'signature-malformed': {
    status: 401,
    message:
      'The HTTP signature cannot be read, its keyId is not a URL, there is more than one, or it does not cover the request target, host, date and body digest',
  },
  'signature-digest-missing': { status: 401, message: 'The signed request has no SHA-256 digest of its body' },
  'signature-digest-mismatch': { status: 401, message: 'The SHA-256 digest does not match the body' },
  'signature-expired': { status: 401, message: 'The signature was made more than the allowed window from now' },
  'signature-actor-mismatch': {
    status: 401,
    message: "The signing key is not one the activity's actor lists on its own server",
  },
  'signature-key-unavailable': { status: 401, message: 'The signing key could not be fetched' },
  'signature-key-invalid': {
    status: 401,
    message: 'The key document has no id, an id other than the keyId, or another owner than the actor',
  },
  'signature-algorithm-mismatch': {
    status: 401,
    message: 'The signature names an algorithm that the key does not use',
  },
  'signature-invalid': { status: 401, message: 'The signature does not verify with the key' },
  'signature-replayed': { status: 401, message: 'This signed request was already received' },
  'activity-invalid': { status: 400, message: 'The body is not an activity with exactly one actor' },
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
  'room-kind-forbids': {
    status: 409,
    message: 'This kind of room does not allow this (one-to-one rooms cannot be renamed or joined by others)',
  },
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
  'vote-invalid': {
    status: 400,
    message: 'The vote names an option the poll does not have, or several in a single-choice poll',
  },
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
  'engine-mismatch': {
    status: 409,
    message:
      'This call uses the other media engine: mesh calls relay call.signal, SFU calls use call.publish and call.subscribe',
  },
  'e2ee-forbids': {
    status: 409,
    message: "This room's calls are end-to-end encrypted: the server cannot read their media, so it cannot record them",
  },
  // Server-to-server call channel (spec/cascade.md)
  'not-owner': {
    status: 403,
    message: 'A call channel may speak only for participants whose accounts live on its own instance',
  },
  'host-unreachable': {
    status: 503,
    message: "The room's host instance cannot be reached for its call; it is tried again shortly",
  },
  // Files
  'file-too-large': { status: 413, message: 'The file is larger than the largest file this instance takes' },
  'quota-exceeded': { status: 413, message: 'This file would take you past your storage quota' },
  'file-name-invalid': {
    status: 400,
    message: 'The file name is empty, too long, or has path separators or control characters',
  },
  'file-type-mismatch': { status: 415, message: 'The declared type of the file does not match its content' },
  'file-missing': { status: 400, message: 'The upload carries no file' },
  'image-too-large': {
    status: 422,
    message: 'The image has more pixels than this instance decodes (a decompression bomb?)',
  },
  'image-invalid': { status: 422, message: 'The file says it is an image but cannot be decoded' },
  'range-not-satisfiable': { status: 416, message: 'The requested byte range is outside the file' },
  'capability-invalid': { status: 403, message: 'This file link is not valid (forged, altered or for another file)' },
  'capability-expired': { status: 403, message: 'This file link has expired' },
  'upload-not-found': { status: 404, message: 'No such upload, or it is not yours' },
  // Resumable (tus 1.0) uploads: statuses as the tus protocol gives them, which tus clients act on.
  'tus-version-unsupported': {
    status: 412,
    message: 'Tus-Resumable is missing or names a tus version this server does not speak (Tus-Version lists it)',
  },
  'upload-offset-conflict': {
    status: 409,
    message: 'Upload-Offset is not where the upload stands: ask with HEAD and resume from there',
  },
  'upload-gone': { status: 410, message: 'The upload has expired or is no longer there: start it again' },
  'upload-length-exceeded': {
    status: 413,
    message: 'The chunk goes past the Upload-Length given when the upload was created',
  },
  'remote-file-unavailable': { status: 502, message: 'The file could not be fetched from its instance' },
  'e2ee-required': {
    status: 409,
    message:
      "This room's calls are end-to-end encrypted: only clients that encrypt media may join (call.join with e2ee; browsers need WebRTC encoded transforms)",
  },
  'meeting-awaits-moderator': {
    status: 409,
    message:
      "One of this room's meetings is on: its call is started by the first moderator to arrive; join once it runs",
  },
  'call-not-e2ee': {
    status: 409,
    message: 'This call is not end-to-end encrypted: there are no media keys to exchange',
  },
  'write-queued': {
    status: 202,
    message:
      "The room's host cannot be reached: the write is kept here and sent to the host, in order, when it is back; it appears as a room event once the host accepts it (do not send it again)",
  },
  'action-replayed': { status: 409, message: 'This forwarded action was received before: it is not applied twice' },
  'remote-refused': { status: 502, message: "The room's host refused the action" },
  'room-hosted-elsewhere': {
    status: 409,
    message:
      "This room is hosted on another instance: its events are the host's to make, and this change has no way there yet",
  },
  'room-host-unreachable': {
    status: 503,
    message: "The room's host cannot be reached, and a file is not kept waiting for it: try again shortly",
  },
  // Meetings
  'meeting-not-found': { status: 404, message: 'No such meeting in this room' },
  'meeting-cancelled': { status: 409, message: 'The meeting is cancelled' },
  'meeting-ends-before-start': { status: 400, message: 'The meeting must end after it starts' },
  'time-zone-unknown': { status: 400, message: 'Unknown time zone: give an IANA name such as Europe/Berlin' },
  'recurrence-invalid': {
    status: 400,
    message: 'The recurrence rule is not a valid RRULE (FREQ=DAILY|WEEKLY|MONTHLY|YEARLY with known parts only)',
  },
  'recurrence-unbounded': {
    status: 400,
    message: 'The recurrence rule must end (COUNT or UNTIL) and give at most 1000 occurrences',
  },
  'occurrence-not-found': { status: 404, message: 'The meeting has no such occurrence' },
  'occurrence-window-invalid': {
    status: 400,
    message: 'The window must have from before to and span at most 400 days',
  },
  'calendar-feed-invalid': { status: 404, message: 'No such calendar feed' },
  'calendar-feed-revoked': { status: 410, message: 'This calendar feed has been revoked; ask for a new URL' },
  'internal-error': { status: 500, message: 'Internal error' },
  // Raised by clients (@parley/client), never sent by a Parley server: failures on the way to it.
  'server-unreachable': { status: 503, message: 'The server cannot be reached: check the connection and try again' },
  'bad-gateway': {
    status: 502,
    message: 'The reply did not come from Parley (a proxy or gateway answered instead); try again shortly',
  },
  'connection-closed': {
    status: 503,
    message: 'The realtime connection closed before the server answered; it reconnects by itself',
  },
  'request-timeout': { status: 504, message: 'The server did not answer in time; try again' },
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
        details: Type.Record(Type.String(), Type.Unknown(), {
          description: 'What the code refers to (fields, limits, ids); an empty object when there is nothing to add',
        }),
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
