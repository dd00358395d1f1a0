/**
 * Repository ports. Every backend (SQLite, MongoDB) implements these and passes the contract suite
 * in `contract/`. Expected outcomes are values (`Created`), not exceptions.
 */
import type { FederationRepositories, RemoteAccount } from '@parley/federation'
import type {
  ApiTokenRecord,
  AvatarRecord,
  UserStatusRecord,
  GuestSessionRecord,
  InviteRecord,
  MessageRecord,
  NotificationRecord,
  ParticipantPatch,
  ParticipantRecord,
  PollRecord,
  ReactionRecord,
  RecordingRecord,
  RoomEventRecord,
  RoomPatch,
  RoomRecord,
  SessionRecord,
  UserRecord,
  VoteRecord,
} from './records.ts'
import type { FileRepository } from './file-records.ts'
import type { MeetingRepository } from './meeting-records.ts'
import type { PushRepository } from './push-records.ts'

export type Created<T> = { ok: true; value: T } | { ok: false; error: { type: 'conflict'; field: string } }

export interface UserRepository {
  /** Fails with a conflict on `username` when the name is taken, including by a deleted user. */
  create(user: UserRecord): Promise<Created<UserRecord>>
  byId(id: string): Promise<UserRecord | null>
  byUsername(username: string): Promise<UserRecord | null>
  list(): Promise<UserRecord[]>
  count(): Promise<number>
  update(id: string, patch: UserPatch): Promise<UserRecord | null>
  /**
   * The user directory: active (not deleted, disabled or hidden) users whose username, or a word of
   * whose display name, starts with `prefix` (any case), in username order after `after`.
   */
  search(prefix: string, after: string | null, limit: number): Promise<UserRecord[]>
}

export type UserPatch = Partial<
  Pick<UserRecord, 'displayName' | 'role' | 'disabled' | 'passwordHash' | 'deletedAt' | 'hidden' | 'avatarEtag'>
>

export interface AvatarRepository {
  put(avatar: AvatarRecord): Promise<void>
  get(userId: string): Promise<AvatarRecord | null>
  delete(userId: string): Promise<boolean>
}

export interface UserStatusRepository {
  /** Replaces the user's status. */
  put(status: UserStatusRecord): Promise<void>
  get(userId: string): Promise<UserStatusRecord | null>
  clear(userId: string): Promise<void>
  /** Statuses that expire after `now` (every node arms its expiry timers from these at start). */
  expiring(now: number): Promise<UserStatusRecord[]>
}

export interface SessionRepository {
  create(session: SessionRecord): Promise<void>
  byIdHash(idHash: string): Promise<SessionRecord | null>
  delete(idHash: string): Promise<void>
  deleteForUser(userId: string): Promise<number>
  deleteExpired(now: number): Promise<number>
  /** The user's unexpired sessions, oldest first. */
  listForUser(userId: string, now: number): Promise<SessionRecord[]>
}

export interface ApiTokenRepository {
  create(token: ApiTokenRecord): Promise<void>
  bySecretHash(secretHash: string): Promise<ApiTokenRecord | null>
  listForUser(userId: string): Promise<ApiTokenRecord[]>
  /** Marks the token revoked; false when it does not exist, is someone else's, or was revoked already. */
  revoke(id: string, userId: string, at: number): Promise<boolean>
  touch(id: string, at: number): Promise<void>
}

export interface InviteRepository {
  create(invite: InviteRecord): Promise<void>
  /** Atomically marks an unused, unexpired invite as used; false when it cannot be used. */
  consume(codeHash: string, usedBy: string, now: number): Promise<boolean>
  /** Gives back an invite whose registration then failed. */
  release(codeHash: string): Promise<void>
}

export interface RoomRepository {
  /** Fails with a conflict on `pairKey` when the one-to-one room of that pair exists. */
  create(room: RoomRecord): Promise<Created<RoomRecord>>
  byId(id: string): Promise<RoomRecord | null>
  byPairKey(pairKey: string): Promise<RoomRecord | null>
  update(id: string, patch: RoomPatch): Promise<RoomRecord | null>
  /** Atomically hands out the room's next sequence number (1, 2, 3…), even across processes. */
  nextSeq(id: string): Promise<number>
  /** Rooms listed to a signed-in user who is not in them: listable 'users' or 'everyone', not deleted. */
  listable(): Promise<RoomRecord[]>
  /** Rooms whose messages expire. */
  withExpiry(): Promise<RoomRecord[]>
}

export interface ParticipantRepository {
  /** Inserts or replaces the participant (rejoining after leaving starts afresh). */
  put(participant: ParticipantRecord): Promise<void>
  get(roomId: string, actorId: string): Promise<ParticipantRecord | null>
  /** Everyone in the room, banned included, in join order. */
  list(roomId: string): Promise<ParticipantRecord[]>
  /** The rooms (ids) a user or guest belongs to, not banned. */
  roomsOf(actorId: string): Promise<string[]>
  update(roomId: string, actorId: string, patch: ParticipantPatch): Promise<ParticipantRecord | null>
  /** Moves the read marker forward only; returns the participant. */
  markRead(roomId: string, actorId: string, seq: number): Promise<ParticipantRecord | null>
  remove(roomId: string, actorId: string): Promise<boolean>
}

export type HistoryQuery = { roomId: string; limit: number } & ({ before: number } | { after: number })

/** What becomes of a stored message or change in the event log. */
export type EventDraft = { type: string; data: Record<string, unknown>; actionId?: string | null }

export interface MessageRepository {
  /**
   * Posts a message: takes the room's next seq, stores the message and its event (built from the
   * stored message) together — one transaction where the backend has them.
   */
  post(
    draft: Omit<MessageRecord, 'seq'>,
    toEvent: (message: MessageRecord) => EventDraft,
  ): Promise<{ message: MessageRecord; event: RoomEventRecord }>
  create(message: MessageRecord): Promise<void>
  get(roomId: string, seq: number): Promise<MessageRecord | null>
  /** Up to `limit` messages older than `before` (newest first reversed to ascending) or newer than `after`, ascending. */
  history(query: HistoryQuery): Promise<MessageRecord[]>
  edit(roomId: string, seq: number, body: string, at: number): Promise<MessageRecord | null>
  /** Tombstones the message: body emptied, data cleared, deletedAt set. */
  tombstone(roomId: string, seq: number, at: number): Promise<MessageRecord | null>
  /** Full-text search in the given rooms, newest first; deleted messages and those expired at `now` never match. */
  search(roomIds: string[], query: string, limit: number, now: number): Promise<MessageRecord[]>
  /**
   * Removes messages (with their reactions and notifications) whose expiry has passed; returns the
   * ones this call removed, so that when several nodes sweep, each expiry is announced once.
   */
  deleteExpired(now: number): Promise<{ roomId: string; seq: number }[]>
  /**
   * Removes one message (with its reactions and notifications) whatever its expiry: the copy of a
   * room hosted elsewhere whose host announced it expired. False when it was not there.
   */
  remove(roomId: string, seq: number): Promise<boolean>
  /** The earliest expiresAt of any stored message, or null when none expires. */
  nextExpiry(): Promise<number | null>
  addReaction(reaction: ReactionRecord): Promise<boolean>
  removeReaction(roomId: string, seq: number, emoji: string, actorId: string): Promise<boolean>
  /** Reactions of the given messages, in the order they were made. */
  reactions(roomId: string, seqs: number[]): Promise<ReactionRecord[]>
}

export interface RoomEventRepository {
  append(event: RoomEventRecord): Promise<void>
  /** Takes the room's next seq and stores the event built for it, together. */
  appendNext(
    roomId: string,
    build: (seq: number) => EventDraft,
    createdAt: number,
    expiresAt: number | null,
  ): Promise<RoomEventRecord>
  /** Events after `afterSeq`, ascending, at most `limit`. */
  since(roomId: string, afterSeq: number, limit: number): Promise<RoomEventRecord[]>
  /** The oldest sequence number still kept for the room (null: none kept). */
  oldestSeq(roomId: string): Promise<number | null>
  /** The seq of the room's event that applied forwarded action `actionId` (stored with it), or null. */
  byAction(roomId: string, actionId: string): Promise<number | null>
  /** Drops events created before `before` and events whose expiry has passed. */
  prune(before: number, now: number): Promise<number>
}

export interface PollRepository {
  create(poll: PollRecord): Promise<void>
  byId(id: string): Promise<PollRecord | null>
  close(id: string, at: number): Promise<boolean>
  /** Replaces the voter's choice; false when the poll is closed or missing. */
  vote(vote: VoteRecord): Promise<boolean>
  votes(pollId: string): Promise<VoteRecord[]>
  /** The votes become exactly `votes`, in that order, closed or not (a mirror taking its host's results). */
  replaceVotes(pollId: string, votes: readonly VoteRecord[]): Promise<void>
}

export interface NotificationRepository {
  createMany(notifications: NotificationRecord[]): Promise<void>
  /** Newest first; a notification about a message expired at `now` is not listed (even before the sweep). */
  listForUser(userId: string, limit: number, now: number): Promise<NotificationRecord[]>
  markRead(userId: string, ids: string[], at: number): Promise<number>
}

/** What is new in a room for one reader (the room list shows it). */
export type RoomActivity = {
  /** Messages after the reader's marker, not theirs, not system messages, not deleted or expired. */
  unreadCount: number
  /** Of those, the ones that mention the reader (their mention notifications). */
  unreadMentions: number
  /** The room's latest message not expired (deleted ones stay, as tombstones); null: none yet. */
  lastMessage: MessageRecord | null
}

export interface RoomActivityRepository {
  of(roomId: string, reader: { actorId: string; lastReadSeq: number }, now: number): Promise<RoomActivity>
}

export interface GuestSessionRepository {
  create(session: GuestSessionRecord): Promise<void>
  byIdHash(idHash: string): Promise<GuestSessionRecord | null>
  deleteForGuest(guestId: string): Promise<number>
  deleteExpired(now: number): Promise<number>
}

export interface RecordingRepository {
  add(recording: RecordingRecord): Promise<void>
  /** Oldest first. */
  listForRoom(roomId: string): Promise<RecordingRecord[]>
  byId(roomId: string, id: string): Promise<RecordingRecord | null>
  /** False when there was no such recording in that room. */
  delete(roomId: string, id: string): Promise<boolean>
}

export type StoreBackend = 'sqlite' | 'mongodb'

export interface Store {
  readonly backend: StoreBackend
  readonly users: UserRepository
  readonly sessions: SessionRepository
  readonly tokens: ApiTokenRepository
  readonly invites: InviteRepository
  readonly avatars: AvatarRepository
  readonly statuses: UserStatusRepository
  readonly rooms: RoomRepository
  readonly participants: ParticipantRepository
  readonly messages: MessageRepository
  readonly events: RoomEventRepository
  readonly polls: PollRepository
  readonly notifications: NotificationRepository
  readonly activity: RoomActivityRepository
  readonly guests: GuestSessionRepository
  readonly recordings: RecordingRepository
  /** Files shared in rooms and the blobs they keep (the bytes are in the blob store). */
  readonly files: FileRepository
  /** Meetings of rooms, their occurrences' changes and answers, reminders sent, calendar feeds. */
  readonly meetings: MeetingRepository
  /** Web Push subscriptions of browsers and the instance's VAPID keys. */
  readonly push: PushRepository
  /** The ports @parley/federation declares: actor keys, followers, follows, inbound direct messages. */
  readonly federation: FederationRepositories
  /** One-to-one conversations with remote accounts: the account, and which note is which message. */
  readonly direct: DirectRepositories
  /** Member side: rooms hosted on other instances, mirrored as local rooms, and writes waiting for their host. */
  readonly remoteRooms: RemoteRoomRepository
  /** Applies pending migrations (SQLite) or creates indexes (MongoDB); returns what it did. */
  migrate(): Promise<string[]>
  /** Resolves when the store answers a trivial query; rejects otherwise. */
  ping(): Promise<void>
  close(): Promise<void>
}

// ——— Direct conversations with remote accounts (one-to-one rooms whose other side is an actor URL) ———

/** A one-to-one room of a local user and a remote account, with the account as last seen. */
export type DirectConversationRecord = {
  roomId: string
  userId: string
  account: RemoteAccount
  createdAt: number
  updatedAt: number
}

export interface DirectConversationRepository {
  /** Adds the room's conversation, or refreshes its account (name, avatar, inboxes) and `updatedAt`. */
  put(record: DirectConversationRecord): Promise<void>
  byRoom(roomId: string): Promise<DirectConversationRecord | null>
  /** Each conversation's room and the last room event handed to the federation (0: none yet). */
  cursors(): Promise<{ roomId: string; seq: number }[]>
  /** Moves the room's cursor forward to `seq` (never back). */
  advance(roomId: string, seq: number): Promise<void>
}

/** Which Note (ours or the remote account's) is which chat message. */
export type DirectNoteRecord = {
  noteId: string
  roomId: string
  /**
   * Null only in claims an earlier version left when it died while posting the note (it claimed
   * before posting); the note's next delivery settles them (direct-conversations.ts).
   */
  seq: number | null
  /** Who wrote it: a local user id or an actor URL. */
  authorId: string
  createdAt: number
}

export interface DirectNoteRepository {
  /** Records the note unless known; false when it was. */
  claim(record: DirectNoteRecord): Promise<boolean>
  /** An unsettled claim's message got `seq`. */
  settle(noteId: string, seq: number): Promise<void>
  byNote(noteId: string): Promise<DirectNoteRecord | null>
  byMessage(roomId: string, seq: number): Promise<DirectNoteRecord | null>
}

export interface DirectRepositories {
  readonly conversations: DirectConversationRepository
  readonly notes: DirectNoteRepository
}

// ——— Rooms hosted on other instances (member side) ———

/** A write by a local user in a room hosted elsewhere, kept until its host answers (it was unreachable). */
export type QueuedRoomWriteRecord = {
  /** The forwarded action's id (the host refuses a second action with it: never applied twice). */
  actionId: string
  /** The local (mirror) room. */
  roomId: string
  userId: string
  /** The action as forwarded (see RemoteRoomWrites). */
  action: Record<string, unknown>
  createdAt: number
  attempts: number
}

export interface RemoteRoomRepository {
  /** Links a local room to the room it mirrors (its actor URL on the host); false when either is linked already. */
  link(roomId: string, roomUri: string): Promise<boolean>
  /** The local room mirroring this room URL, or null. */
  roomOf(roomUri: string): Promise<string | null>
  /** The room URL a local room mirrors, or null (hosted here). */
  hostOf(roomId: string): Promise<string | null>
  /** Every mirror: local room id and room URL. */
  list(): Promise<{ roomId: string; roomUri: string }[]>
  unlink(roomId: string): Promise<void>
  /** Moves the mirror's last sequence number forward to the host's `seq` (never back). */
  advanceSeq(roomId: string, seq: number): Promise<void>
  /** Keeps a write for later (in order: by `createdAt`, then insertion). */
  enqueue(write: QueuedRoomWriteRecord): Promise<void>
  /** The waiting writes, oldest first; of one room when given. */
  queued(roomId?: string): Promise<QueuedRoomWriteRecord[]>
  /** Counts one more failed attempt. */
  attempted(actionId: string): Promise<void>
  dequeue(actionId: string): Promise<void>
}
