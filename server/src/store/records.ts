/**
 * What the store keeps. Times are epoch milliseconds; ids are opaque strings made by the services.
 * Secrets (session ids, API tokens, invite codes) are stored only as SHA-256 hashes.
 */
import type {
  MessageKind,
  NotificationLevel,
  ParticipantRole,
  ParticipantState,
  Permission,
  RoomKind,
  RoomListable,
  UserRole,
} from '@parley/protocol'

export type UserRecord = {
  id: string
  /** Immutable; stays reserved after deletion so a name never points at a different person. */
  username: string
  displayName: string
  role: UserRole
  passwordHash: string | null
  disabled: boolean
  createdAt: number
  deletedAt: number | null
  /** Left out of the user directory (an admin's choice). */
  hidden: boolean
  /** Names the current avatar (its bytes are in the avatar store); null: none. */
  avatarEtag: string | null
}

export type AvatarRecord = { userId: string; mediaType: string; bytes: Buffer; etag: string; updatedAt: number }

export type UserStatusRecord = {
  userId: string
  availability: 'online' | 'away' | 'dnd'
  message: string | null
  expiresAt: number | null
  updatedAt: number
}

export type SessionRecord = {
  /** SHA-256 of the cookie value. */
  idHash: string
  userId: string
  csrfToken: string
  createdAt: number
  expiresAt: number
  /** The browser that signed in, as it said (for people reviewing their sessions). */
  userAgent: string | null
}

export type ApiTokenRecord = {
  id: string
  userId: string
  name: string
  /** SHA-256 of the bearer secret. */
  secretHash: string
  createdAt: number
  expiresAt: number | null
  lastUsedAt: number | null
  revokedAt: number | null
}

export type InviteRecord = {
  /** SHA-256 of the invite code. */
  codeHash: string
  createdBy: string
  createdAt: number
  expiresAt: number
  usedBy: string | null
  usedAt: number | null
}

// ——— Rooms and chat ———

export type { MessageKind, NotificationLevel, ParticipantRole, ParticipantState, Permission, RoomKind, RoomListable }
export type ActorType = 'user' | 'guest' | 'system'

export type RoomRecord = {
  id: string
  kind: RoomKind
  name: string
  description: string
  listable: RoomListable
  readOnly: boolean
  lobby: boolean
  /** End-to-end encrypted calls (set at creation): the server cannot record them. */
  e2ee: boolean
  /** scrypt hash of the guest password of a public room; null: no password. */
  passwordHash: string | null
  /** Messages are removed this many seconds after posting; null: kept. */
  messageExpirySeconds: number | null
  /** The last sequence number handed out in this room (0: none yet). */
  lastSeq: number
  /** For one-to-one rooms, the two user ids sorted and joined by a space: one room per pair. */
  pairKey: string | null
  createdBy: string
  createdAt: number
  deletedAt: number | null
}

export type RoomPatch = Partial<
  Pick<
    RoomRecord,
    'name' | 'description' | 'listable' | 'readOnly' | 'lobby' | 'passwordHash' | 'messageExpirySeconds' | 'deletedAt'
  >
>

export type ParticipantRecord = {
  roomId: string
  actorType: 'user' | 'guest'
  /** A user id or a guest id. */
  actorId: string
  displayName: string
  role: ParticipantRole
  state: ParticipantState
  /** null: the role's defaults. */
  permissions: Permission[] | null
  lastReadSeq: number
  favourite: boolean
  archived: boolean
  notificationLevel: NotificationLevel
  joinedAt: number
}

export type ParticipantPatch = Partial<
  Pick<
    ParticipantRecord,
    'displayName' | 'role' | 'state' | 'permissions' | 'favourite' | 'archived' | 'notificationLevel'
  >
>

export type MessageRecord = {
  roomId: string
  /** The room sequence number given when it was posted; identifies the message in its room. */
  seq: number
  kind: MessageKind
  actorType: ActorType
  actorId: string
  actorName: string
  /** Markdown for text messages; the event name for system messages; the poll id for polls. */
  body: string
  /** System message details (who joined, the new name…). */
  data: Record<string, unknown> | null
  replyTo: number | null
  createdAt: number
  editedAt: number | null
  /** Tombstone: the body is emptied and the message stays so replies keep their parent. */
  deletedAt: number | null
  expiresAt: number | null
}

export type ReactionRecord = {
  roomId: string
  seq: number
  emoji: string
  actorType: 'user' | 'guest'
  actorId: string
  actorName: string
  createdAt: number
}

/** Every durable room event, in room order: what a reconnecting client replays. */
export type RoomEventRecord = {
  roomId: string
  seq: number
  type: string
  data: Record<string, unknown>
  createdAt: number
  expiresAt: number | null
  /**
   * Host side: the forwarded action (its activity id) this event applied, stored with the event so
   * that applying and remembering the action are one write (a replay finds it; see room-actions.ts).
   */
  actionId?: string | null
}

export type PollRecord = {
  id: string
  roomId: string
  question: string
  options: string[]
  multiple: boolean
  anonymous: boolean
  createdBy: string
  createdAt: number
  closedAt: number | null
}

export type VoteRecord = { pollId: string; actorId: string; actorName: string; options: number[] }

export type NotificationRecord = {
  id: string
  userId: string
  roomId: string
  seq: number
  kind: 'mention' | 'reply'
  actorName: string
  createdAt: number
  readAt: number | null
}

/** A finished call recording: one converted file (webm video or ogg/opus audio) of one stream. */
export type RecordingRecord = {
  id: string
  roomId: string
  callId: string
  kind: 'audio' | 'video'
  source: 'camera' | 'screen'
  participantId: string
  /** Whose camera or screen it is, named as in the call; null for recordings kept before this was. */
  actor: { type: 'user' | 'guest'; id: string; name: string } | null
  mimeType: string
  bytes: number
  /** The file on this instance's disk (never shown to clients). */
  path: string
  createdAt: number
}

export type GuestSessionRecord = {
  /** SHA-256 of the guest secret. */
  idHash: string
  guestId: string
  roomId: string
  displayName: string
  createdAt: number
  expiresAt: number
}
