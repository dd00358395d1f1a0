import Type, { type Static } from 'typebox'
import { DisplayName, Id, Password, Timestamp, Username, VISIBLE_TEXT_PATTERN } from './common.ts'

export const UserRole = Type.Union([Type.Literal('admin'), Type.Literal('user')])
export type UserRole = Static<typeof UserRole>

export const RegistrationMode = Type.Union([Type.Literal('open'), Type.Literal('invite'), Type.Literal('closed')])
export type RegistrationMode = Static<typeof RegistrationMode>

/** A user as anyone signed in may see them. */
export const UserProfile = Type.Object(
  {
    id: Id,
    username: Username,
    displayName: DisplayName,
    role: UserRole,
    avatarUrl: Type.Union([Type.String(), Type.Null()], {
      description: 'Path of the avatar image (changes when the avatar does, so it may be cached for good); null: none',
    }),
  },
  { additionalProperties: false, title: 'UserProfile' },
)
export type UserProfile = Static<typeof UserProfile>

/** A user as an admin sees them. */
export const UserAdminView = Type.Object(
  {
    id: Id,
    username: Username,
    displayName: DisplayName,
    role: UserRole,
    disabled: Type.Boolean(),
    hidden: Type.Boolean({ description: 'Left out of the user directory' }),
    createdAt: Timestamp,
  },
  { additionalProperties: false, title: 'UserAdminView' },
)
export type UserAdminView = Static<typeof UserAdminView>

export const UserAdminList = Type.Object(
  { users: Type.Array(UserAdminView) },
  { additionalProperties: false, title: 'UserAdminList' },
)
export type UserAdminList = Static<typeof UserAdminList>

export const RegisterRequest = Type.Object(
  {
    username: Username,
    password: Password,
    displayName: Type.Optional(DisplayName),
    inviteCode: Type.Optional(Type.String({ minLength: 1, maxLength: 200 })),
  },
  { additionalProperties: false, title: 'RegisterRequest' },
)
export type RegisterRequest = Static<typeof RegisterRequest>

export const LoginRequest = Type.Object(
  {
    username: Type.String({ minLength: 1, maxLength: 64 }),
    password: Type.String({ minLength: 1, maxLength: 1024 }),
  },
  { additionalProperties: false, title: 'LoginRequest' },
)
export type LoginRequest = Static<typeof LoginRequest>

/**
 * The current browser session. `csrfToken` must be sent back in the `X-CSRF-Token` header on every
 * state-changing request that is authenticated by the session cookie.
 */
export const SessionInfo = Type.Object(
  { user: UserProfile, csrfToken: Type.String(), expiresAt: Timestamp },
  { additionalProperties: false, title: 'SessionInfo' },
)
export type SessionInfo = Static<typeof SessionInfo>

export const ProfileUpdate = Type.Object(
  { displayName: DisplayName },
  { additionalProperties: false, title: 'ProfileUpdate' },
)
export type ProfileUpdate = Static<typeof ProfileUpdate>

export const TokenCreateRequest = Type.Object(
  {
    name: Type.String({ minLength: 1, maxLength: 100, pattern: VISIBLE_TEXT_PATTERN }),
    expiresInDays: Type.Optional(Type.Integer({ minimum: 1, maximum: 3650 })),
  },
  { additionalProperties: false, title: 'TokenCreateRequest' },
)
export type TokenCreateRequest = Static<typeof TokenCreateRequest>

export const TokenSummary = Type.Object(
  {
    id: Id,
    name: Type.String(),
    createdAt: Timestamp,
    expiresAt: Type.Union([Timestamp, Type.Null()]),
    lastUsedAt: Type.Union([Timestamp, Type.Null()]),
  },
  { additionalProperties: false, title: 'TokenSummary' },
)
export type TokenSummary = Static<typeof TokenSummary>

/** Returned once, at creation: the secret is never shown again (only its hash is stored). */
export const TokenCreated = Type.Object(
  { token: TokenSummary, secret: Type.String({ description: 'Send as `Authorization: Bearer <secret>`' }) },
  { additionalProperties: false, title: 'TokenCreated' },
)
export type TokenCreated = Static<typeof TokenCreated>

export const TokenList = Type.Object(
  { tokens: Type.Array(TokenSummary) },
  { additionalProperties: false, title: 'TokenList' },
)
export type TokenList = Static<typeof TokenList>

export const InviteCreateRequest = Type.Object(
  { expiresInDays: Type.Optional(Type.Integer({ minimum: 1, maximum: 365 })) },
  { additionalProperties: false, title: 'InviteCreateRequest' },
)
export type InviteCreateRequest = Static<typeof InviteCreateRequest>

export const InviteCreated = Type.Object(
  { code: Type.String(), expiresAt: Timestamp },
  { additionalProperties: false, title: 'InviteCreated' },
)
export type InviteCreated = Static<typeof InviteCreated>

export const UsernameParams = Type.Object({ username: Username }, { additionalProperties: false })
export type UsernameParams = Static<typeof UsernameParams>

export const IdParams = Type.Object({ id: Id }, { additionalProperties: false })
export type IdParams = Static<typeof IdParams>

export const AdminUserCreate = Type.Object(
  {
    username: Username,
    password: Type.Optional(Password),
    displayName: Type.Optional(DisplayName),
    role: Type.Optional(UserRole),
  },
  { additionalProperties: false, title: 'AdminUserCreate' },
)
export type AdminUserCreate = Static<typeof AdminUserCreate>
