/**
 * The error codes each route documents in the OpenAPI document. Every route answers errors with
 * `ErrorBody`, whose schema lists every code of the registry (about 150): the document repeated
 * that list for each of the ~110 operations, and a reader could not tell what one route may answer.
 * Here each operation's `4xx` response lists only the codes of its kind of route — the request
 * checks every route has, authentication when it needs a caller, then what its area decides
 * (rooms, chat, files, meetings…). The table is by area, so a route may document a code it
 * happens never to send; it never leaves out one it sends (error-docs.test.ts checks routes'
 * real refusals against their lists).
 *
 * Only the document changes (@fastify/swagger's `transform`): replies are still serialised with
 * the full `ErrorBody`, so a code missing here could never break a reply.
 */
import Type from 'typebox'
import { ErrorBody, ErrorCodes, type ErrorCode } from '@parley/protocol'
import type { FastifySchema, RouteOptions } from 'fastify'

/**
 * Every route: what the request itself may get wrong, the rate limit, and credentials sent with
 * it (a token or session is checked on every request that carries one, signed-in route or not).
 */
const REQUEST: ErrorCode[] = [
  'validation-failed',
  'path-parameter-too-long',
  'url-invalid',
  'invalid-utf8',
  'rate-limited',
  'token-invalid',
  'token-expired',
  'token-revoked',
  'session-expired',
  'account-disabled',
]
/** Routes that take a body. */
const BODY: ErrorCode[] = ['malformed-json', 'body-too-large', 'unsupported-media-type']
/** Routes that need a signed-in caller. */
const AUTH: ErrorCode[] = ['unauthenticated']
/** Anything under a room: the room policy's refusals. */
const ROOM: ErrorCode[] = [
  'room-not-found',
  'banned',
  'forbidden',
  'not-a-participant',
  'permission-denied',
  'role-too-low',
  'guest-not-allowed',
  'in-lobby',
  'room-kind-forbids',
]
const FEDERATED_LOOKUP: ErrorCode[] = [
  'remote-not-found',
  'invalid-follow-target',
  'domain-blocked',
  'person-not-local',
  'user-not-found',
]
const UPLOAD: ErrorCode[] = [
  'file-too-large',
  'quota-exceeded',
  'file-name-invalid',
  'file-type-mismatch',
  'file-missing',
  'image-too-large',
  'image-invalid',
  'upload-not-found',
  'room-read-only',
  'reply-target-invalid',
  'message-too-long',
]
const MEETING: ErrorCode[] = [
  'meeting-not-found',
  'meeting-cancelled',
  'meeting-ends-before-start',
  'time-zone-unknown',
  'recurrence-invalid',
  'recurrence-unbounded',
  'occurrence-not-found',
  'occurrence-window-invalid',
]
const MESSAGE: ErrorCode[] = [
  'message-not-found',
  'message-deleted',
  'message-too-long',
  'message-not-editable',
  'not-author',
  'reply-target-invalid',
  'mention-all-forbidden',
  'cursor-invalid',
  'room-read-only',
]

/** Area rules: a route whose path matches (and method, when given) documents these codes too. */
const AREAS: { path: RegExp; methods?: string[]; codes: ErrorCode[] }[] = [
  {
    path: /^\/api\/v1\/account\/register$/,
    codes: ['registration-closed', 'invite-required', 'invite-invalid', 'username-taken'],
  },
  { path: /^\/api\/v1\/session$/, methods: ['POST'], codes: ['invalid-credentials', 'account-disabled'] },
  {
    path: /^\/api\/v1\/admin\//,
    codes: [
      'forbidden',
      'permission-denied',
      'user-not-found',
      'username-taken',
      'not-found',
      'domain-blocked',
      'last-admin',
    ],
  },
  { path: /^\/api\/v1\/me\/password$/, codes: ['current-password-wrong'] },
  {
    path: /^\/api\/v1\/me\/avatar$/,
    methods: ['PUT'],
    codes: ['avatar-too-large', 'image-invalid', 'image-too-large', 'file-type-mismatch'],
  },
  { path: /^\/api\/v1\/(me\/(blocks|follows)|federation\/lookup)$/, codes: FEDERATED_LOOKUP },
  { path: /^\/api\/v1\/me\/room-invitations/, codes: ['not-found', 'room-not-found', 'already-participant'] },
  { path: /^\/api\/v1\/me\/(sessions|tokens)\/\{id\}$/, codes: ['not-found'] },
  {
    path: /^\/api\/v1\/(calendar\/feed\.ics|me\/calendar-feed)$/,
    codes: ['calendar-feed-invalid', 'calendar-feed-revoked'],
  },
  { path: /^\/api\/v1\/me\/occurrences$/, codes: ['occurrence-window-invalid'] },
  { path: /^\/api\/v1\/(notifications|rooms\/search|users)$/, codes: ['cursor-invalid'] },
  { path: /^\/api\/v1\/users\/\{userId\}\/avatar$/, codes: ['not-found', 'user-not-found'] },
  { path: /^\/api\/v1\/rooms\/one-to-one$/, codes: ['user-not-found', 'direct-target-local', ...FEDERATED_LOOKUP] },
  { path: /^\/api\/v1\/rooms\/\{roomId\}/, codes: ROOM },
  { path: /^\/api\/v1\/rooms\/\{roomId\}$/, methods: ['PATCH', 'DELETE'], codes: ['last-owner'] },
  {
    path: /^\/api\/v1\/rooms\/\{roomId\}\/(join|guests)$/,
    codes: [
      'room-not-joinable',
      'room-not-public',
      'room-password-required',
      'room-password-wrong',
      'already-participant',
    ],
  },
  {
    path: /^\/api\/v1\/rooms\/\{roomId\}\/(leave|owner|participants)/,
    codes: ['participant-not-found', 'last-owner', 'already-participant', 'user-not-found', 'person-not-local'],
  },
  // A participant named by another instance's handle is looked up on the Fediverse (participant-refs.ts).
  { path: /^\/api\/v1\/rooms\/\{roomId\}\/participants\/\{actorId\}/, codes: FEDERATED_LOOKUP },
  { path: /^\/api\/v1\/rooms\/\{roomId\}\/remote-invites$/, codes: [...FEDERATED_LOOKUP, 'already-participant'] },
  { path: /^\/api\/v1\/rooms\/\{roomId\}\/(messages|read|announcements|mention-candidates)/, codes: MESSAGE },
  {
    path: /^\/api\/v1\/rooms\/\{roomId\}\/polls/,
    codes: ['poll-not-found', 'poll-closed', 'vote-invalid', 'room-read-only', 'message-too-long', 'not-author'],
  },
  {
    path: /^\/api\/v1\/(rooms\/\{roomId\}\/(files|uploads)|uploads\/)/,
    methods: ['POST', 'PATCH', 'DELETE'],
    codes: UPLOAD,
  },
  // Resumable uploads: tus's own refusals (tus-refusals.ts), with the statuses tus clients act on.
  {
    path: /^\/api\/v1\/(rooms\/\{roomId\}\/uploads|uploads\/)/,
    codes: [
      'tus-version-unsupported',
      'upload-offset-conflict',
      'upload-not-found',
      'upload-gone',
      'upload-length-exceeded',
    ],
  },
  {
    path: /^\/api\/v1\/rooms\/\{roomId\}\/files/,
    methods: ['GET'],
    codes: ['not-found', 'range-not-satisfiable', 'cursor-invalid'],
  },
  {
    path: /^\/files\/\{fileId\}\/\{variant\}$/,
    codes: ['capability-invalid', 'capability-expired', 'not-found', 'range-not-satisfiable'],
  },
  { path: /^\/api\/v1\/rooms\/\{roomId\}\/recordings/, codes: ['recording-unavailable', 'not-found'] },
  { path: /^\/api\/v1\/(rooms\/\{roomId\}\/)?(meetings|occurrences|calendar\.ics)/, codes: MEETING },
  {
    path: /^\/api\/v1\/me\/push-subscriptions$/,
    methods: ['POST'],
    codes: ['push-endpoint-invalid', 'push-keys-invalid', 'push-subscription-limit'],
  },
  { path: /^\/api\/v1\/me\/push-subscriptions\/\{id\}$/, codes: ['not-found'] },
  { path: /^\/users\/\{username\}$/, codes: ['not-found', 'user-not-found'] },
]

const MUTATING = new Set(['POST', 'PUT', 'PATCH', 'DELETE'])

/** The 4xx codes route `method url` documents; `authenticated`: it needs a caller. */
export function routeErrorCodes(method: string, url: string, authenticated: boolean): ErrorCode[] {
  const codes = new Set<ErrorCode>(REQUEST)
  if (method === 'POST' || method === 'PUT' || method === 'PATCH') for (const c of BODY) codes.add(c)
  // A session changing anything needs the CSRF header (checked wherever a session cookie comes along).
  if (MUTATING.has(method)) codes.add('csrf-failed')
  if (authenticated) for (const c of AUTH) codes.add(c)
  for (const area of AREAS)
    if (area.path.test(url) && (!area.methods || area.methods.includes(method)))
      for (const c of area.codes) codes.add(c)
  return [...codes].filter((c) => ErrorCodes[c].status >= 400 && ErrorCodes[c].status < 500).sort()
}

/** ErrorBody with the code restricted to `codes` (for the document only). */
export function errorBodyOf(codes: readonly ErrorCode[]) {
  return Type.Object(
    {
      error: Type.Object(
        {
          code: Type.Union(
            codes.map((c) => Type.Literal(c)),
            { description: 'Stable error code: clients switch on this, never on the message' },
          ),
          message: Type.String(),
          details: ErrorBody.properties.error.properties.details,
        },
        { additionalProperties: false },
      ),
    },
    { additionalProperties: false, title: 'ErrorBody', description: 'Every error reply has this shape' },
  )
}

const guards = (route: RouteOptions): string[] =>
  [route.preHandler, route.onRequest].flat().flatMap((hook) => (typeof hook === 'function' ? [hook.name] : []))

/** @fastify/swagger's `transform`: each operation's 4xx response lists its own codes. */
export function documentRouteErrors({
  schema,
  url,
  route,
}: {
  schema: FastifySchema
  url: string
  route: RouteOptions
}) {
  const response = (schema as { response?: Record<string, unknown> } | undefined)?.response
  if (!response || !('4xx' in response)) return { schema, url }
  const method = [route.method].flat()[0] ?? 'GET'
  const authenticated = guards(route).some((name) => /^require(User|Admin|Caller)$/.test(name))
  const openApiUrl = url.replace(/:([A-Za-z0-9_]+)/g, '{$1}')
  const codes = routeErrorCodes(method, openApiUrl, authenticated)
  return { schema: { ...schema, response: { ...response, '4xx': errorBodyOf(codes) } }, url }
}
