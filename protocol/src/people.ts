/**
 * People and one's own account: the user directory, naming a person by username or handle, password
 * changes, the sessions one is signed in with, avatars and the status shown next to a name.
 */
import Type, { type Static } from 'typebox'
import { Id, Password, Timestamp, VISIBLE_TEXT_PATTERN } from './common.ts'
import { UserProfile } from './accounts.ts'

/**
 * A local person named the way people name them: a username (`bob`), or a Fediverse handle
 * (`@bob`, `@bob@this-host`) of this instance — resolved locally, never fetched.
 */
export const PersonRef = Type.String({
  minLength: 1,
  maxLength: 300,
  description: 'A username (`bob`) or a handle of this instance (`@bob`, `@bob@talk.example.org`)',
})
export type PersonRef = Static<typeof PersonRef>

/**
 * A participant named by an id or as people name them. Ids keep working; a name is resolved on the
 * server: locally for usernames and handles of this instance, through the Fediverse for a handle
 * of another instance (a participant who joined from there).
 */
export const ParticipantRef = Type.String({
  minLength: 1,
  maxLength: 300,
  description:
    "A participant: their id (a user's or guest's id, or a remote actor's URL), a username (`bob`) or a handle (`@bob`, `@bob@this-host`; `@bob@other.example` for a participant from another instance)",
})
export type ParticipantRef = Static<typeof ParticipantRef>

export const DirectoryQuery = Type.Object(
  {
    q: Type.Optional(
      Type.String({
        maxLength: 100,
        description: 'Prefix of the username or of a word of the display name, any case; empty: everyone',
      }),
    ),
    limit: Type.Optional(Type.Integer({ minimum: 1, maximum: 50, default: 20 })),
    after: Type.Optional(
      Type.String({ minLength: 1, maxLength: 32, description: 'The `next` cursor of the previous page' }),
    ),
  },
  { additionalProperties: false, title: 'DirectoryQuery' },
)
export type DirectoryQuery = Static<typeof DirectoryQuery>

export const DirectoryEntry = Type.Object(
  {
    ...UserProfile.properties,
    handle: Type.String({ description: 'The Fediverse handle: `@username@host`' }),
  },
  { additionalProperties: false, title: 'DirectoryEntry' },
)
export type DirectoryEntry = Static<typeof DirectoryEntry>

export const DirectoryPage = Type.Object(
  {
    users: Type.Array(DirectoryEntry, { description: 'In username order' }),
    next: Type.Union([Type.String(), Type.Null()], { description: 'Pass as `after` for the next page; null: last' }),
  },
  { additionalProperties: false, title: 'DirectoryPage' },
)
export type DirectoryPage = Static<typeof DirectoryPage>

export const UserParams = Type.Object({ userId: Id }, { additionalProperties: false })
export type UserParams = Static<typeof UserParams>

export const PasswordChange = Type.Object(
  {
    currentPassword: Type.String({ minLength: 1, maxLength: 1024 }),
    newPassword: Password,
    signOutOthers: Type.Optional(
      Type.Boolean({
        description: 'Also end every other session and revoke every API token (except the one making this request)',
      }),
    ),
  },
  { additionalProperties: false, title: 'PasswordChange' },
)
export type PasswordChange = Static<typeof PasswordChange>

export const SessionView = Type.Object(
  {
    id: Type.String({ description: 'Names the session for revoking it; not its secret' }),
    createdAt: Timestamp,
    expiresAt: Timestamp,
    userAgent: Type.Union([Type.String(), Type.Null()], { description: 'The browser that signed in, as it said' }),
    current: Type.Boolean({ description: 'The session making this request' }),
  },
  { additionalProperties: false, title: 'SessionView' },
)
export type SessionView = Static<typeof SessionView>

export const SessionList = Type.Object(
  { sessions: Type.Array(SessionView, { description: 'Oldest first' }) },
  { additionalProperties: false, title: 'SessionList' },
)
export type SessionList = Static<typeof SessionList>

export const SessionParams = Type.Object(
  { id: Type.String({ minLength: 1, maxLength: 64 }) },
  { additionalProperties: false },
)
export type SessionParams = Static<typeof SessionParams>

export const AvailabilityState = Type.Union([Type.Literal('online'), Type.Literal('away'), Type.Literal('dnd')], {
  description: 'online; away; dnd: do not disturb',
})
export type AvailabilityState = Static<typeof AvailabilityState>

export const UserStatus = Type.Object(
  {
    availability: AvailabilityState,
    message: Type.Union([Type.String({ maxLength: 200 }), Type.Null()]),
    expiresAt: Type.Union([Timestamp, Type.Null()], {
      description: 'When it goes back to online with no message; null: until changed',
    }),
  },
  { additionalProperties: false, title: 'UserStatus' },
)
export type UserStatus = Static<typeof UserStatus>

export const UserStatusUpdate = Type.Object(
  {
    availability: AvailabilityState,
    message: Type.Optional(
      Type.Union([Type.String({ minLength: 1, maxLength: 200, pattern: VISIBLE_TEXT_PATTERN }), Type.Null()]),
    ),
    expiresInSeconds: Type.Optional(
      Type.Union([Type.Integer({ minimum: 60, maximum: 30 * 24 * 3600 }), Type.Null()], {
        description: 'Back to online with no message after this long; null or absent: until changed',
      }),
    ),
  },
  { additionalProperties: false, title: 'UserStatusUpdate' },
)
export type UserStatusUpdate = Static<typeof UserStatusUpdate>

/** Largest avatar upload, in bytes: a photo from a phone, not a file store. */
export const AVATAR_MAX_BYTES = 2 * 1024 * 1024
/** Avatars are stored as squares of this many pixels. */
export const AVATAR_SIZE = 256

export const MentionQuery = Type.Object(
  {
    q: Type.Optional(Type.String({ maxLength: 100, description: 'Prefix of a name, username or handle, any case' })),
    limit: Type.Optional(Type.Integer({ minimum: 1, maximum: 50, default: 10 })),
  },
  { additionalProperties: false, title: 'MentionQuery' },
)
export type MentionQuery = Static<typeof MentionQuery>

export const MentionCandidate = Type.Object(
  {
    actorType: Type.Union([Type.Literal('user'), Type.Literal('guest')]),
    actorId: Type.String(),
    displayName: Type.String(),
    username: Type.Union([Type.String(), Type.Null()], { description: 'A local user: type `@username` to mention' }),
    handle: Type.Union([Type.String(), Type.Null()], { description: '`@user@host`, when known' }),
    avatarUrl: Type.Union([Type.String(), Type.Null()]),
    inRoom: Type.Boolean({ description: 'A participant of the room (else found in the user directory)' }),
  },
  { additionalProperties: false, title: 'MentionCandidate' },
)
export type MentionCandidate = Static<typeof MentionCandidate>

export const MentionCandidates = Type.Object(
  { candidates: Type.Array(MentionCandidate, { description: "The room's participants first, then the directory" }) },
  { additionalProperties: false, title: 'MentionCandidates' },
)
export type MentionCandidates = Static<typeof MentionCandidates>
