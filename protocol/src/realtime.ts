/**
 * The realtime gateway's messages (spec/realtime.md). Every frame is one JSON object with a `type`;
 * client frames may carry an `id` that the server's reply (or error) repeats.
 */
import Type, { type Static } from 'typebox'
import { Id } from './common.ts'
import { ErrorCodeSchema } from './errors.ts'
import { MessageView, NotificationView, PollView, Seq } from './chat.ts'
import { Actor, ParticipantView, RoomView } from './rooms.ts'
import { CLIENT_CALL_MESSAGES, CLIENT_CALL_TYPES, SERVER_CALL_MESSAGES } from './calls.ts'
import { RoomInvitationView } from './room-federation.ts'
import { UserStatus } from './people.ts'
import { ServerMeetingReminder, ServerMeetingStarted } from './meetings.ts'

export const REALTIME_VERSION = 1
/** Largest frame a client may send, in bytes. */
export const MAX_FRAME_BYTES = 64 * 1024
export const REALTIME_FEATURES = ['resume', 'typing', 'presence', 'chat', 'polls', 'calls'] as const

const FrameId = Type.Optional(Type.String({ maxLength: 64, description: 'Echoed in the reply' }))

export const HelloAuth = Type.Union([
  Type.Object(
    { type: Type.Literal('token'), token: Type.String({ minLength: 1, maxLength: 200 }) },
    { additionalProperties: false },
  ),
  Type.Object(
    { type: Type.Literal('guest'), secret: Type.String({ minLength: 1, maxLength: 200 }) },
    { additionalProperties: false },
  ),
])
export type HelloAuth = Static<typeof HelloAuth>

export const ClientHello = Type.Object(
  {
    type: Type.Literal('hello'),
    id: FrameId,
    version: Type.Literal(REALTIME_VERSION),
    features: Type.Optional(Type.Array(Type.String({ maxLength: 32 }), { maxItems: 32 })),
    auth: Type.Optional(HelloAuth),
    resume: Type.Optional(
      Type.Record(Type.String({ maxLength: 64 }), Type.Integer({ minimum: 0 }), {
        description: 'Room id → last sequence number the client has seen; events after it are replayed',
        maxProperties: 1000,
      }),
    ),
  },
  { additionalProperties: false, title: 'ClientHello' },
)
export type ClientHello = Static<typeof ClientHello>

export const ClientPing = Type.Object(
  { type: Type.Literal('ping'), id: FrameId },
  { additionalProperties: false, title: 'ClientPing' },
)
export type ClientPing = Static<typeof ClientPing>

export const ClientTyping = Type.Object(
  { type: Type.Literal('typing'), id: FrameId, roomId: Id, typing: Type.Boolean() },
  { additionalProperties: false, title: 'ClientTyping' },
)
export type ClientTyping = Static<typeof ClientTyping>

export const ClientMessage = Type.Union([ClientHello, ClientPing, ClientTyping, ...CLIENT_CALL_MESSAGES], {
  title: 'ClientMessage',
})
export type ClientMessage = Static<typeof ClientMessage>
export const CLIENT_MESSAGE_TYPES = ['hello', 'ping', 'typing', ...CLIENT_CALL_TYPES] as const

/** What happened in a room; durable, so each carries the room's sequence number. */
export const RoomEvent = Type.Union(
  [
    Type.Object({ type: Type.Literal('message.new'), message: MessageView }, { additionalProperties: false }),
    Type.Object({ type: Type.Literal('message.edited'), message: MessageView }, { additionalProperties: false }),
    Type.Object({ type: Type.Literal('message.deleted'), message: MessageView }, { additionalProperties: false }),
    Type.Object(
      { type: Type.Literal('message.expired'), messageSeq: Seq },
      {
        additionalProperties: false,
        description:
          'The message reached its expiresAt and is gone everywhere (history, search, reactions, notifications): clients drop it',
      },
    ),
    Type.Object(
      { type: Type.Literal('reaction.added'), messageSeq: Seq, emoji: Type.String(), actor: Actor },
      { additionalProperties: false },
    ),
    Type.Object(
      { type: Type.Literal('reaction.removed'), messageSeq: Seq, emoji: Type.String(), actor: Actor },
      { additionalProperties: false },
    ),
    Type.Object(
      {
        type: Type.Literal('read'),
        actorId: Type.String(),
        lastReadSeq: Type.Integer({ minimum: 0 }),
        everyoneReadSeq: Type.Integer({ minimum: 0 }),
      },
      { additionalProperties: false },
    ),
    Type.Object(
      { type: Type.Literal('room.updated'), room: Type.Omit(RoomView, ['me']) },
      { additionalProperties: false },
    ),
    Type.Object({ type: Type.Literal('room.deleted') }, { additionalProperties: false }),
    Type.Object(
      { type: Type.Literal('participant.joined'), participant: ParticipantView },
      { additionalProperties: false },
    ),
    Type.Object(
      { type: Type.Literal('participant.updated'), participant: ParticipantView },
      { additionalProperties: false },
    ),
    Type.Object(
      {
        type: Type.Literal('participant.left'),
        actorId: Type.String(),
        reason: Type.Union([Type.Literal('left'), Type.Literal('removed'), Type.Literal('banned')]),
      },
      { additionalProperties: false },
    ),
    Type.Object({ type: Type.Literal('poll.updated'), poll: PollView }, { additionalProperties: false }),
  ],
  { title: 'RoomEvent' },
)
export type RoomEvent = Static<typeof RoomEvent>
export type RoomEventType = RoomEvent['type']

export const ServerWelcome = Type.Object(
  {
    type: Type.Literal('welcome'),
    id: FrameId,
    version: Type.Literal(REALTIME_VERSION),
    sessionId: Type.String(),
    features: Type.Array(Type.String()),
    actor: Actor,
    rooms: Type.Record(Type.String(), Type.Integer({ minimum: 0 }), {
      description: 'Room id → its latest sequence number, for every room of the session',
    }),
    online: Type.Record(Type.String(), Type.Array(Actor, { maxItems: 1000 }), {
      description:
        'Room id → who else is online in it now (a realtime session open), for every room of the session; later changes arrive as presence frames',
    }),
    calls: Type.Array(Type.String(), {
      description: 'The rooms of the session in which a call is running now; later changes arrive as call frames',
    }),
    limits: Type.Object(
      { maxFrameBytes: Type.Integer(), messagesPerSecond: Type.Integer(), pingIntervalMs: Type.Integer() },
      { additionalProperties: false },
    ),
  },
  { additionalProperties: false, title: 'ServerWelcome' },
)
export type ServerWelcome = Static<typeof ServerWelcome>

export const ServerEvent = Type.Object(
  { type: Type.Literal('event'), roomId: Id, seq: Seq, replay: Type.Optional(Type.Boolean()), event: RoomEvent },
  { additionalProperties: false, title: 'ServerEvent' },
)
export type ServerEvent = Static<typeof ServerEvent>

export const ServerResync = Type.Object(
  {
    type: Type.Literal('resync'),
    roomId: Id,
    lastSeq: Type.Integer({ minimum: 0 }),
    history: Type.String({ description: 'The history API path to reload the room from' }),
    reason: Type.Union([Type.Literal('too-far-behind'), Type.Literal('resume-invalid')]),
  },
  { additionalProperties: false, title: 'ServerResync' },
)
export type ServerResync = Static<typeof ServerResync>

export const ServerTyping = Type.Object(
  { type: Type.Literal('typing'), roomId: Id, actor: Actor, typing: Type.Boolean() },
  { additionalProperties: false, title: 'ServerTyping' },
)
export type ServerTyping = Static<typeof ServerTyping>

export const ServerPresence = Type.Object(
  {
    type: Type.Literal('presence'),
    roomId: Id,
    actor: Actor,
    online: Type.Boolean(),
    // A signed-in user's status while online; absent for guests and in offline frames.
    status: Type.Optional(UserStatus),
  },
  { additionalProperties: false, title: 'ServerPresence' },
)
export type ServerPresence = Static<typeof ServerPresence>

export const ServerStatus = Type.Object(
  { type: Type.Literal('status'), status: UserStatus },
  {
    additionalProperties: false,
    title: 'ServerStatus',
    description:
      "The user's own status changed (on this or another device); the rooms they are online in get presence frames with it",
  },
)
export type ServerStatus = Static<typeof ServerStatus>

export const ServerRoomAdded = Type.Object(
  { type: Type.Literal('room.added'), roomId: Id, lastSeq: Type.Integer({ minimum: 0 }) },
  {
    additionalProperties: false,
    title: 'ServerRoomAdded',
    description: "The session now receives this room's events (added, admitted)",
  },
)
export type ServerRoomAdded = Static<typeof ServerRoomAdded>

export const ServerRoomWaiting = Type.Object(
  { type: Type.Literal('room.waiting'), roomId: Id },
  {
    additionalProperties: false,
    title: 'ServerRoomWaiting',
    description:
      "This person now waits in the room's lobby (joined by its link on this or another device): nothing of the room comes until room.added (admitted) or room.removed",
  },
)
export type ServerRoomWaiting = Static<typeof ServerRoomWaiting>

/** Why the session no longer has a room: left it (on any device), removed or banned by a moderator, or the room was deleted. */
export const RoomRemovedReason = Type.Union(
  [Type.Literal('left'), Type.Literal('removed'), Type.Literal('banned'), Type.Literal('deleted')],
  { title: 'RoomRemovedReason' },
)
export type RoomRemovedReason = Static<typeof RoomRemovedReason>

export const ServerRoomRemoved = Type.Object(
  {
    type: Type.Literal('room.removed'),
    roomId: Id,
    // Absent when the server no longer knows why (a resume naming a room the session is no longer in).
    reason: Type.Optional(RoomRemovedReason),
  },
  {
    additionalProperties: false,
    title: 'ServerRoomRemoved',
    description:
      "The session no longer receives this room's events, or (someone waiting in its lobby) is no longer waiting for it",
  },
)
export type ServerRoomRemoved = Static<typeof ServerRoomRemoved>

export const ServerInvitationReceived = Type.Object(
  { type: Type.Literal('invitation.received'), invitation: RoomInvitationView },
  {
    additionalProperties: false,
    title: 'ServerInvitationReceived',
    description: 'An invitation to a room on another instance arrived (as GET /api/v1/me/room-invitations lists it)',
  },
)
export type ServerInvitationReceived = Static<typeof ServerInvitationReceived>

export const ServerPong = Type.Object(
  { type: Type.Literal('pong'), id: FrameId },
  { additionalProperties: false, title: 'ServerPong' },
)
export type ServerPong = Static<typeof ServerPong>

export const ServerError = Type.Object(
  {
    type: Type.Literal('error'),
    id: FrameId,
    error: Type.Object(
      {
        code: ErrorCodeSchema,
        message: Type.String(),
        details: Type.Record(Type.String(), Type.Unknown()),
      },
      { additionalProperties: false },
    ),
  },
  { additionalProperties: false, title: 'ServerError' },
)
export type ServerError = Static<typeof ServerError>

export const ServerBye = Type.Object(
  { type: Type.Literal('bye'), reason: ErrorCodeSchema },
  { additionalProperties: false, title: 'ServerBye', description: 'Sent just before the server closes the socket' },
)
export type ServerBye = Static<typeof ServerBye>

/**
 * Something addressed to the user personally (a mention, a reply to their message): sent to every
 * realtime session of that user as it happens, and listed by `GET /api/v1/notifications`.
 */
export const ServerNotification = Type.Object(
  { type: Type.Literal('notification'), notification: NotificationView },
  { additionalProperties: false, title: 'ServerNotification' },
)
export type ServerNotification = Static<typeof ServerNotification>

export const ServerMessage = Type.Union(
  [
    ServerWelcome,
    ServerNotification,
    ServerEvent,
    ServerResync,
    ServerTyping,
    ServerPresence,
    ServerStatus,
    ServerRoomAdded,
    ServerRoomWaiting,
    ServerRoomRemoved,
    ServerInvitationReceived,
    ServerMeetingReminder,
    ServerMeetingStarted,
    ServerPong,
    ServerError,
    ServerBye,
    ...SERVER_CALL_MESSAGES,
  ],
  { title: 'ServerMessage' },
)
export type ServerMessage = Static<typeof ServerMessage>

/** WebSocket close codes the gateway uses (4000–4999 are for applications). */
export const CloseCodes = {
  'slow-consumer': 4008,
  'idle-timeout': 4000,
  unauthenticated: 4001,
  'rate-limited': 4029,
  'hello-required': 4002,
  'session-ended': 4003,
} as const
