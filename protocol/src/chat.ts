/** Chat: messages, history, reactions, read markers, polls, search and notifications. */
import Type, { type Static } from 'typebox'
import { Id, Timestamp } from './common.ts'
import { Actor } from './rooms.ts'
import { FileView } from './files.ts'

/** Longest message body, in UTF-16 code units (what JavaScript's `length` counts). */
export const MAX_MESSAGE_LENGTH = 32000

export const Seq = Type.Integer({ minimum: 1, maximum: Number.MAX_SAFE_INTEGER, description: 'A room sequence number' })
export type Seq = Static<typeof Seq>

export const MessageKind = Type.Union([Type.Literal('text'), Type.Literal('system'), Type.Literal('poll')], {
  description:
    'text: markdown from a person (with `file` when it shares a file; its body, the caption, may then be empty). system: what happened (body is the event name, e.g. "joined"). poll: body is the poll id.',
})
export type MessageKind = Static<typeof MessageKind>

/**
 * What a system message says happened: its `body`. Its `data` says the rest: added, removed,
 * banned, unbanned and owner-changed name the participant acted on (`{ actorId, name }`), renamed
 * the room's names before and after (`{ from, to }`), joined and left nothing (the actor is who
 * joined or left). A client shows an event it does not know yet by its actor and name.
 */
export const SystemEvent = Type.Union(
  [
    Type.Literal('joined'),
    Type.Literal('left'),
    Type.Literal('added'),
    Type.Literal('removed'),
    Type.Literal('banned'),
    Type.Literal('unbanned'),
    Type.Literal('owner-changed'),
    Type.Literal('renamed'),
  ],
  { description: "A system message's body: what happened in the room (its data says to whom)" },
)
export type SystemEvent = Static<typeof SystemEvent>

export const ReactionSummary = Type.Object(
  { emoji: Type.String(), count: Type.Integer({ minimum: 1 }) },
  { additionalProperties: false },
)
export type ReactionSummary = Static<typeof ReactionSummary>

export const MessageView = Type.Object(
  {
    roomId: Id,
    seq: Seq,
    kind: MessageKind,
    actor: Actor,
    body: Type.String({ description: 'Markdown for text; render as text, never as HTML. Empty when deleted.' }),
    data: Type.Union([Type.Record(Type.String(), Type.Unknown()), Type.Null()]),
    replyTo: Type.Union([Seq, Type.Null()]),
    createdAt: Timestamp,
    editedAt: Type.Union([Timestamp, Type.Null()]),
    deletedAt: Type.Union([Timestamp, Type.Null()]),
    expiresAt: Type.Union([Timestamp, Type.Null()]),
    reactions: Type.Array(ReactionSummary),
    /** The file this message shares (uploads, and attachments that came from elsewhere). */
    file: Type.Optional(FileView),
  },
  { additionalProperties: false, title: 'MessageView' },
)
export type MessageView = Static<typeof MessageView>

/**
 * The answer (202) to a write in a room hosted on another instance whose host cannot be reached
 * now: the write is kept and sent to the host in order when it is back (never twice); it shows as
 * an ordinary room event once the host accepted it. Not to be sent again.
 */
export const QueuedWrite = Type.Object(
  {
    queued: Type.Literal(true),
    roomId: Id,
    actionId: Type.String({ description: 'The forwarded action (its id on the host once delivered)' }),
  },
  { additionalProperties: false, title: 'QueuedWrite' },
)
export type QueuedWrite = Static<typeof QueuedWrite>

export const MessagePost = Type.Object(
  {
    body: Type.String({
      minLength: 1,
      description: `Markdown, at most ${MAX_MESSAGE_LENGTH} characters (longer: message-too-long)`,
    }),
    replyTo: Type.Optional(Seq),
  },
  { additionalProperties: false, title: 'MessagePost' },
)
export type MessagePost = Static<typeof MessagePost>

export const MessageEdit = Type.Object(
  { body: Type.String({ minLength: 1 }) },
  { additionalProperties: false, title: 'MessageEdit' },
)
export type MessageEdit = Static<typeof MessageEdit>

export const HistoryQuery = Type.Object(
  {
    before: Type.Optional(Type.Integer({ minimum: 1 })),
    after: Type.Optional(Type.Integer({ minimum: 0 })),
    around: Type.Optional(Seq),
    limit: Type.Optional(Type.Integer({ minimum: 1, maximum: 200, default: 50 })),
  },
  {
    additionalProperties: false,
    title: 'HistoryQuery',
    description: 'At most one of before, after, around; none: the newest messages.',
  },
)
export type HistoryQuery = Static<typeof HistoryQuery>

export const HistoryPage = Type.Object(
  {
    messages: Type.Array(MessageView, { description: 'Ascending by seq' }),
    hasOlder: Type.Boolean({ description: 'More messages before the first one: ask with before=<first seq>' }),
    hasNewer: Type.Boolean({ description: 'More messages after the last one: ask with after=<last seq>' }),
  },
  { additionalProperties: false, title: 'HistoryPage' },
)
export type HistoryPage = Static<typeof HistoryPage>

export const MessageParams = Type.Object({ roomId: Id, seq: Seq }, { additionalProperties: false })
export type MessageParams = Static<typeof MessageParams>

export const Emoji = Type.String({
  minLength: 1,
  maxLength: 32,
  // No spaces and no control characters: the key is shown to everyone on the message.
  pattern: '^[^\\s\\u0000-\\u001f\\u007f-\\u009f]+$',
  description: 'One emoji (no spaces or control characters)',
})

export const ReactionParams = Type.Object({ roomId: Id, seq: Seq, emoji: Emoji }, { additionalProperties: false })
export type ReactionParams = Static<typeof ReactionParams>

export const ReactionList = Type.Object(
  {
    reactions: Type.Array(
      Type.Object({ emoji: Type.String(), actor: Actor, reactedAt: Timestamp }, { additionalProperties: false }),
    ),
  },
  { additionalProperties: false, title: 'ReactionList' },
)
export type ReactionList = Static<typeof ReactionList>

export const ReadMarkerSet = Type.Object(
  { seq: Type.Integer({ minimum: 0 }) },
  { additionalProperties: false, title: 'ReadMarkerSet' },
)
export type ReadMarkerSet = Static<typeof ReadMarkerSet>

export const ReadState = Type.Object(
  {
    lastReadSeq: Type.Integer({ minimum: 0 }),
    everyoneReadSeq: Type.Integer({
      minimum: 0,
      description: 'The last sequence number every active participant has read',
    }),
  },
  { additionalProperties: false, title: 'ReadState' },
)
export type ReadState = Static<typeof ReadState>

export const PollCreate = Type.Object(
  {
    question: Type.String({ minLength: 1, maxLength: 500 }),
    options: Type.Array(Type.String({ minLength: 1, maxLength: 200 }), { minItems: 2, maxItems: 20 }),
    multiple: Type.Optional(Type.Boolean({ description: 'Voters may pick several options' })),
    anonymous: Type.Optional(Type.Boolean({ description: 'Results never say who voted what' })),
  },
  { additionalProperties: false, title: 'PollCreate' },
)
export type PollCreate = Static<typeof PollCreate>

export const PollVote = Type.Object(
  { options: Type.Array(Type.Integer({ minimum: 0 }), { minItems: 1, maxItems: 20, uniqueItems: true }) },
  { additionalProperties: false, title: 'PollVote' },
)
export type PollVote = Static<typeof PollVote>

export const PollView = Type.Object(
  {
    id: Id,
    roomId: Id,
    question: Type.String(),
    options: Type.Array(Type.String()),
    multiple: Type.Boolean(),
    anonymous: Type.Boolean(),
    closed: Type.Boolean(),
    votes: Type.Array(Type.Integer({ minimum: 0 }), { description: 'Votes per option' }),
    voters: Type.Union(
      [
        Type.Array(
          Type.Object({ name: Type.String(), options: Type.Array(Type.Integer()) }, { additionalProperties: false }),
        ),
        Type.Null(),
      ],
      {
        description: 'Who voted what; null for anonymous polls',
      },
    ),
  },
  { additionalProperties: false, title: 'PollView' },
)
export type PollView = Static<typeof PollView>

export const PollParams = Type.Object({ roomId: Id, pollId: Id }, { additionalProperties: false })
export type PollParams = Static<typeof PollParams>

export const SearchQuery = Type.Object(
  {
    q: Type.String({
      minLength: 1,
      maxLength: 200,
      description: 'Words (each also matches as a prefix) and "quoted phrases"; all must match',
    }),
    limit: Type.Optional(Type.Integer({ minimum: 1, maximum: 100, default: 20 })),
    roomId: Type.Optional(Id),
  },
  { additionalProperties: false, title: 'SearchQuery' },
)
export type SearchQuery = Static<typeof SearchQuery>

export const SearchResults = Type.Object(
  { messages: Type.Array(MessageView) },
  { additionalProperties: false, title: 'SearchResults' },
)
export type SearchResults = Static<typeof SearchResults>

export const NotificationView = Type.Object(
  {
    id: Id,
    kind: Type.Union([Type.Literal('mention'), Type.Literal('reply')], {
      description: 'mention: you (or @all) were mentioned; reply: someone replied to your message',
    }),
    roomId: Id,
    seq: Seq,
    actorName: Type.String(),
    createdAt: Timestamp,
    read: Type.Boolean(),
  },
  { additionalProperties: false, title: 'NotificationView' },
)
export type NotificationView = Static<typeof NotificationView>

export const NotificationList = Type.Object(
  { notifications: Type.Array(NotificationView) },
  { additionalProperties: false, title: 'NotificationList' },
)
export type NotificationList = Static<typeof NotificationList>

export const NotificationsRead = Type.Object(
  { ids: Type.Array(Id, { minItems: 1, maxItems: 200 }) },
  { additionalProperties: false, title: 'NotificationsRead' },
)
export type NotificationsRead = Static<typeof NotificationsRead>
