/**
 * What the federation layer needs from the rest of Parley, as ports the server implements (with its
 * SQLite and MongoDB stores). Nothing here knows Fastify or the server's records. Actor ids and
 * inboxes are absolute URL strings (normalised by `new URL(...).href`); compare them as URLs.
 */
import type { webcrypto } from 'node:crypto'
import type { ParticipantView } from '@parley/protocol'
import type { FileAttachment } from './attachments/attachment-objects.ts'

export type { FileAttachment }

/** A local user as the Fediverse sees it. `username` is immutable and names the actor. */
export type LocalActor = {
  userId: string
  username: string
  displayName: string
  createdAt: number
  /** Deleted users answer 410 Gone with a Tombstone. */
  deletedAt: number | null
  /** The avatar (the actor's `icon`): a path on this instance and its type; absent or null: none. */
  avatar?: { path: string; mediaType: string } | null
}

export interface LocalActorDirectory {
  byUsername(username: string): Promise<LocalActor | null>
  /** By user id: a member instance fetches a room's history signed as one of its members. */
  byId(userId: string): Promise<LocalActor | null>
}

export type KeyAlgorithm = 'rsa' | 'ed25519'

/** One stored key pair of an actor, as JWKs. The private JWK is a secret: never log it. */
export type ActorKeyRecord = {
  userId: string
  algorithm: KeyAlgorithm
  publicJwk: webcrypto.JsonWebKey
  privateJwk: webcrypto.JsonWebKey
  createdAt: number
}

export interface ActorKeyRepository {
  /** The actor's key pairs, RSA first (Mastodon takes the first `publicKey`). */
  list(userId: string): Promise<ActorKeyRecord[]>
  /** Stores a pair unless the actor already has one of that algorithm; returns the stored pair. */
  addIfMissing(record: ActorKeyRecord): Promise<ActorKeyRecord>
  /** User ids of the given ones that lack a pair of `algorithm`. */
  missing(userIds: readonly string[], algorithm: KeyAlgorithm): Promise<string[]>
}

/** A remote actor following a local user. */
export type FollowerRecord = {
  userId: string
  actorId: string
  inbox: string
  sharedInbox: string | null
  /** Id of the Follow activity, so an Undo naming only that id can be matched. */
  followId: string
  createdAt: number
}

export type Page<T> = { items: T[]; next: string | null }

export interface FollowerRepository {
  /** Adds or refreshes (same user and actor: inbox and follow id are updated). True when new. */
  upsert(record: FollowerRecord): Promise<boolean>
  /** Removes the follow of `actorId`. True when there was one. */
  remove(userId: string, actorId: string): Promise<boolean>
  /** Removes the follow(s) `actorId` made with the Follow `followId` (an Undo naming only its id). */
  removeByFollowId(actorId: string, followId: string): Promise<boolean>
  /** Forgets a remote actor (its account was deleted) as a follower of anyone; returns how many follows went. */
  removeActor(actorId: string): Promise<number>
  /** Oldest first; `cursor` is opaque (from `next`). */
  list(userId: string, cursor: string | null, limit: number): Promise<Page<FollowerRecord>>
  count(userId: string): Promise<number>
}

export type FollowingState = 'pending' | 'accepted'

/** A local user following a remote actor. */
export type FollowingRecord = {
  userId: string
  actorId: string
  followId: string
  state: FollowingState
  /** Where to send the Undo later without fetching the actor again. */
  inbox: string
  sharedInbox: string | null
  createdAt: number
}

export interface FollowingRepository {
  /** Adds or replaces the follow of `actorId` by `userId`. */
  put(record: FollowingRecord): Promise<void>
  byFollowId(followId: string): Promise<FollowingRecord | null>
  get(userId: string, actorId: string): Promise<FollowingRecord | null>
  /** Marks the follow accepted when `followId` is its current one; returns the updated record. */
  accept(followId: string): Promise<FollowingRecord | null>
  remove(userId: string, actorId: string): Promise<boolean>
  /** Drops every local follow of a remote actor whose account was deleted; returns how many. */
  removeActor(actorId: string): Promise<number>
  /** Accepted follows only, oldest first. */
  list(userId: string, cursor: string | null, limit: number): Promise<Page<FollowingRecord>>
  count(userId: string): Promise<number>
}

/** A direct message from a remote account to local users, as received (sanitising is the consumer's job). */
export type InboundDirectMessage = {
  /** The Create activity's id and the Note's id. */
  activityId: string
  noteId: string
  senderId: string
  /** Local user ids the note is addressed to. */
  recipientUserIds: string[]
  /** HTML as sent. */
  content: string
  inReplyTo: string | null
  published: number | null
  receivedAt: number
}

export interface InboundMessageRepository {
  /** Idempotent by `noteId`: a redelivered note is stored once. Returns false when it was known. */
  receive(message: InboundDirectMessage): Promise<boolean>
  /** Messages to a local user, oldest first. */
  listForUser(userId: string): Promise<InboundDirectMessage[]>
}

/** A local user's block of a remote account: no follows, no messages from it reach the user. */
export type BlockRecord = { userId: string; actorId: string; createdAt: number }

export interface BlockRepository {
  /** True when new. */
  add(record: BlockRecord): Promise<boolean>
  remove(userId: string, actorId: string): Promise<boolean>
  has(userId: string, actorId: string): Promise<boolean>
  /** Newest first. */
  list(userId: string): Promise<BlockRecord[]>
}

/** A report (`Flag`) received from another server, kept for this instance's admins. */
export type ReportRecord = {
  activityId: string
  /** The actor that sent it (often the remote server's instance actor). */
  reporterId: string
  /** Reported local users (ids), and every object named (accounts, messages), as sent. */
  userIds: string[]
  objectIds: string[]
  content: string
  receivedAt: number
}

export interface ReportRepository {
  /** Idempotent by activity id; false when it was known. */
  receive(report: ReportRecord): Promise<boolean>
  /** Newest first. */
  list(limit: number): Promise<ReportRecord[]>
}

/** A domain an admin blocked at run time (on top of the configured block list). */
export type DomainBlockRecord = { domain: string; createdBy: string; createdAt: number }

export interface DomainBlockRepository {
  /** True when new. `domain` is lowercase. */
  add(record: DomainBlockRecord): Promise<boolean>
  remove(domain: string): Promise<boolean>
  /** Oldest first. */
  list(): Promise<DomainBlockRecord[]>
}

/** The federation's storage, one object per store backend. */
export interface FederationRepositories {
  readonly keys: ActorKeyRepository
  /** The instance actor's key pairs (owner id `instance`). */
  readonly instanceKeys: ActorKeyRepository
  readonly followers: FollowerRepository
  readonly following: FollowingRepository
  readonly inboundMessages: InboundMessageRepository
  readonly blocks: BlockRepository
  readonly reports: ReportRepository
  readonly domainBlocks: DomainBlockRepository
  /** Rooms as `Group` actors: their keys, followers and public posts. */
  readonly rooms: RoomFederationRepositories
}

// ——— Rooms as Group actors (FEP-1b12) ———

/** A local room as the Fediverse sees it: a `Group` actor at `/rooms/{roomId}`. */
export type LocalRoom = {
  roomId: string
  name: string
  description: string
  /** Public rooms answer WebFinger and may be followed (from Mastodon too); others may not. */
  public: boolean
  createdAt: number
  /** Deleted rooms answer 410 Gone with a Tombstone. */
  deletedAt: number | null
}

export interface LocalRoomDirectory {
  /** The room, or null when there is none or it is not an actor (one-to-one rooms are not). */
  byId(roomId: string): Promise<LocalRoom | null>
}

/** Something a room posted publicly (an announcement): a `Note` its followers get as a boost. */
export type RoomPostRecord = {
  roomId: string
  /** Opaque, unique within the room; names the Note (`/rooms/{roomId}/posts/{postId}`). */
  postId: string
  /** Plain text as written (HTML-escaped when served). */
  text: string
  createdAt: number
}

export interface RoomPostRepository {
  add(post: RoomPostRecord): Promise<void>
  get(roomId: string, postId: string): Promise<RoomPostRecord | null>
  /** Newest first; `cursor` is opaque (from `next`). */
  list(roomId: string, cursor: string | null, limit: number): Promise<Page<RoomPostRecord>>
  count(roomId: string): Promise<number>
}

export type RoomInviteState = 'pending' | 'accepted' | 'rejected'

/** Host side: an `Invite` a local user sent to a remote account for a local room. */
export type RoomInviteRecord = {
  /** The Invite activity's id. */
  inviteId: string
  roomId: string
  /** Local user id of the inviter. */
  inviterId: string
  inviteeId: string
  inviteeName: string
  inviteeInbox: string
  inviteeSharedInbox: string | null
  state: RoomInviteState
  createdAt: number
}

export interface RoomInviteRepository {
  add(invite: RoomInviteRecord): Promise<void>
  get(inviteId: string): Promise<RoomInviteRecord | null>
  /** Moves a pending invite to `state`; false when it is unknown or was answered already. */
  answer(inviteId: string, state: 'accepted' | 'rejected'): Promise<boolean>
  /** The room's invites still waiting for an answer, oldest first (withdrawn when the room is deleted). */
  pendingFor(roomId: string): Promise<RoomInviteRecord[]>
}

/** Member side: an `Invite` a local user received to a room hosted elsewhere. */
export type RoomInvitationRecord = {
  inviteId: string
  userId: string
  /** The room's actor id (a `Group` on its host). */
  roomId: string
  roomName: string
  roomInbox: string
  inviterId: string
  state: RoomInviteState
  createdAt: number
}

export interface RoomInvitationRepository {
  /** Idempotent by `inviteId`; false when it was known. */
  receive(invitation: RoomInvitationRecord): Promise<boolean>
  get(inviteId: string): Promise<RoomInvitationRecord | null>
  /** The user's invitations in `state`, oldest first. */
  listForUser(userId: string, state: RoomInviteState): Promise<RoomInvitationRecord[]>
  /** The accepted invitations to the room (`roomId`: its actor id): who here is a member of it. */
  acceptedFor(roomId: string): Promise<RoomInvitationRecord[]>
  /** The room's host renamed it (its event `eventSeq`): every invitation to it shows the new name. */
  rename(roomId: string, name: string, eventSeq?: number): Promise<void>
  /** Forgets an invitation (its user left the room or was removed); false when unknown. */
  remove(inviteId: string): Promise<boolean>
  answer(inviteId: string, state: 'accepted' | 'rejected'): Promise<boolean>
  /** The room was deleted on its host: forgets every invitation to it, pending or accepted; returns what was forgotten. */
  forgetRoom(roomId: string): Promise<RoomInvitationRecord[]>
}

/** What rooms as actors keep. Key, follower and member records name the room in their `userId` field. */
export interface RoomFederationRepositories {
  /** Key pairs of rooms (`ActorKeyRecord.userId` holds the room id). */
  readonly keys: ActorKeyRepository
  /** Remote followers of public rooms (`FollowerRecord.userId` holds the room id). */
  readonly followers: FollowerRepository
  readonly posts: RoomPostRepository
  /** Remote members of local rooms and where to deliver to them (`followId`: the accepted Invite's id). */
  readonly members: FollowerRepository
  readonly invites: RoomInviteRepository
  readonly invitations: RoomInvitationRepository
  /** Member side: replicas of the messages of remote rooms local users are in. */
  readonly replicas: RoomReplicaRepository
  /** Host side: up to which event each room's fan-out was handed to the queue (resumed after a crash). */
  readonly fanoutCursors: RoomFanoutCursorRepository
}

export interface RoomFanoutCursorRepository {
  /** Moves the room's cursor forward to `seq` (never back). */
  advance(roomId: string, seq: number): Promise<void>
  /** Every room's cursor. */
  list(): Promise<{ roomId: string; seq: number }[]>
  /** The room's cursor (0: none). */
  get(roomId: string): Promise<number>
  /** Drops the room's cursor: it has no remote member left, so nothing is replayed for it after a restart. */
  forget(roomId: string): Promise<void>
}

/** The server's side of remote membership in local rooms (participants are the rooms layer's). */
export interface RoomMembershipPort {
  /** Adds a remote account as a member of a local room; its participant id is its actor id. */
  addRemoteMember(roomId: string, member: { actorId: string; displayName: string }): Promise<void>
  /** The remote member left (a `Leave`): removed as anyone leaving is. */
  removeRemoteMember(roomId: string, actorId: string): Promise<boolean>
}

// ——— Chat in rooms across instances (host fans out, members keep replicas) ———

/** Outcome of a remote member's chat action on the host (the rooms layer decides: membership, policy). */
export type RoomChatOutcome = { ok: true; seq: number } | { ok: false; reason: string }

/** The server's chat, as the federation drives it for remote members of local rooms. */
export interface RoomChatPort {
  /** `attachments`: files on the member's note (fetched by the server through its guarded fetcher). */
  post(
    roomId: string,
    actorId: string,
    input: { body: string; replyTo: number | null; attachments?: FileAttachment[] },
  ): Promise<RoomChatOutcome>
  edit(roomId: string, actorId: string, seq: number, body: string): Promise<RoomChatOutcome>
  delete(roomId: string, actorId: string, seq: number): Promise<RoomChatOutcome>
  react(roomId: string, actorId: string, seq: number, emoji: string, add: boolean): Promise<RoomChatOutcome>
  /**
   * Runs `apply` (a forwarded action, room-actions.ts) so that the room event it makes is stored
   * together with `actionId`: applying and remembering the action are one write.
   */
  applying<T>(actionId: string, apply: () => Promise<T>): Promise<T>
  /** Everyone in the room (banned and lobby included, with their state), people named by their actor ids. */
  participants(roomId: string): Promise<ParticipantView[]>
  /** A remote member's read marker (`seq`: an event seq of the room); `seq` in the outcome: the marker now. */
  markRead(roomId: string, actorId: string, seq: number): Promise<RoomChatOutcome>
  /** A remote member posts a poll (`input`: the forwarded PollCreate, unchecked); `seq`: the poll's message. */
  createPoll(roomId: string, actorId: string, input: unknown): Promise<RoomChatOutcome>
  /** A remote member votes (`options`: unchecked); `seq`: the room event of the new results. */
  vote(roomId: string, actorId: string, pollId: string, options: unknown): Promise<RoomChatOutcome>
  /** A remote member closes a poll (its author or a moderator); `seq`: the room event of the closing. */
  closePoll(roomId: string, actorId: string, pollId: string): Promise<RoomChatOutcome>
  /** The seq of the room event that applied forwarded action `actionId`, or null when none did. */
  appliedAction(roomId: string, actionId: string): Promise<number | null>
  /**
   * The room's latest `limit` messages as they stand now (edited bodies; deleted ones left out),
   * oldest first, each as the `message.new` of its seq: a newly joined instance is sent the last
   * one, which makes it pull the whole history (room-history.ts).
   */
  history(roomId: string, limit: number): Promise<RoomFanoutEvent[]>
  /** The room's text messages with seq > `afterSeq` as they stand now (deleted ones as tombstones), ascending, at most `limit`. */
  snapshots(roomId: string, afterSeq: number, limit: number): Promise<RoomMessageSnapshot[]>
  /** The given messages as they stand now (text and poll messages; unknown seqs left out), ascending. */
  snapshotsAt(roomId: string, seqs: readonly number[]): Promise<RoomMessageSnapshot[]>
  /**
   * The seqs of the text messages that room events after `sinceEventSeq` changed, ascending; null
   * when the event log no longer reaches back that far, or more than `limit` events happened since
   * (the caller then sends the whole history).
   */
  changedSince(roomId: string, sinceEventSeq: number, limit: number): Promise<number[] | null>
}

/** A message of a local room as it stands, for a member instance's replica (authors as actor URLs). */
export type RoomMessageSnapshot = Omit<ReplicaMessageRecord, 'roomId'>

/** Who did something in a room, as the Fediverse names them (local users by their actor URL). */
export type RoomActorRef = { id: string; name: string }

/** A room event the host sends to its member instances (one `Announce` each, in room order). */
export type RoomFanoutEvent =
  | {
      type: 'message.new' | 'message.edited'
      messageSeq: number
      author: RoomActorRef
      body: string
      replyTo: number | null
      createdAt: number
      editedAt: number | null
      /** The files the message shares: capability URLs of the host, fetched by member instances. */
      attachments?: FileAttachment[]
      /** When the message disappears (a room with expiring messages): member instances remove their copy then too. */
      expiresAt?: number | null
    }
  | { type: 'message.deleted'; messageSeq: number; at: number }
  /** The message expired on the host: member instances remove their copy (they may have already, at its expiresAt). */
  | { type: 'message.expired'; messageSeq: number }
  | { type: 'reaction.added' | 'reaction.removed'; messageSeq: number; emoji: string; actor: RoomActorRef }
  /** A member's read marker moved (`lastReadSeq`: an event seq); `everyoneReadSeq` as the host counts it. */
  | { type: 'read'; actor: RoomActorRef; lastReadSeq: number; everyoneReadSeq: number }
  /** A poll was posted (its message `messageSeq`); `poll`: a FederatedPoll as the host has it (checked by the server). */
  | { type: 'poll.new'; messageSeq: number; author: RoomActorRef; createdAt: number; poll: unknown }
  /** A poll's results or state changed; `poll`: a FederatedPoll (checked by the server). */
  | { type: 'poll.updated'; poll: unknown }
  /**
   * A user (of any instance) joined the room, or the host changed their role or permissions: member
   * instances forget the room's roster and show the change (the participant as the roster has it).
   * Guests are not announced: they have no actor URL, and member instances see them in the roster.
   */
  | { type: 'participant.joined' | 'participant.updated'; actor: RoomActorRef }
  /** A user left the room, or a moderator removed or banned them. */
  | { type: 'participant.left'; actor: RoomActorRef; reason: 'left' | 'removed' | 'banned' }

/**
 * The message a room event changes (an edit, a delete, a reaction), or null when it changes none
 * that must exist first (an expiry removes a copy if there is one).
 */
export function changedMessageSeq(event: RoomFanoutEvent): number | null {
  switch (event.type) {
    case 'message.edited':
    case 'message.deleted':
    case 'reaction.added':
    case 'reaction.removed':
      return event.messageSeq
    default:
      return null
  }
}

/** A change of the room itself, announced to member instances the same way (an `Update` of the Group). */
export type RoomUpdateEvent = { type: 'room.updated'; name: string; description: string }

/** Member side: a message of a remote room as the host announced it. */
export type ReplicaMessageRecord = {
  /** The room's actor id. */
  roomId: string
  seq: number
  authorId: string
  authorName: string
  /** Markdown as written; empty once deleted. */
  body: string
  replyTo: number | null
  createdAt: number
  editedAt: number | null
  deletedAt: number | null
  reactions: { emoji: string; actorId: string; actorName: string }[]
  /** The files the message shares (capability URLs of the host); none once deleted. */
  attachments?: FileAttachment[]
  /** When the message disappears (a room with expiring messages); absent or null: never. */
  expiresAt?: number | null
  /**
   * A poll message's poll as the host has it now (a FederatedPoll, checked by the server), votes
   * included, so a member instance that joins late or missed events has it too; none once deleted.
   */
  poll?: unknown
}

export interface RoomReplicaRepository {
  /**
   * Applies the host's event `eventSeq` of `roomId` once: stores a new message, or edits,
   * tombstones or (un)reacts to a stored one. `duplicate` when it was applied already;
   * `missing-message` (nothing changed) when it changes a message not stored yet — a delivery
   * retried out of order: the caller has it tried again later.
   */
  apply(roomId: string, eventSeq: number, event: RoomFanoutEvent): Promise<'applied' | 'duplicate' | 'missing-message'>
  /** Messages after `afterSeq`, ascending by seq, at most `limit`. */
  messages(roomId: string, afterSeq: number, limit: number): Promise<ReplicaMessageRecord[]>
  /** Writes messages as the host has them now (from its history collection), replacing what is stored for those seqs. */
  store(roomId: string, messages: readonly ReplicaMessageRecord[]): Promise<void>
  /** The host event up to which the replica is known complete; 0 before the first sync. */
  head(roomId: string): Promise<number>
  /** Moves the head forward to `eventSeq` (never back). */
  advanceHead(roomId: string, eventSeq: number): Promise<void>
  /** The room was deleted on its host: its messages, applied events and head go. */
  drop(roomId: string): Promise<void>
}

// ——— Direct messages: one-to-one conversations with remote accounts ———

/** A remote account as a direct conversation needs it: whom to show, and where to deliver. */
export type RemoteAccount = {
  /** The actor id. */
  id: string
  /** Display name (the handle's username when the profile has none). */
  name: string
  /** `@user@host`, when the actor has a `preferredUsername`. */
  handle: string | null
  /** The profile page (Mastodon's h-card mentions link to it). */
  url: string | null
  avatarUrl: string | null
  inbox: string
  sharedInbox: string | null
}

/** A direct note from a remote account to one local user, as plain text (the adapter converts the HTML). */
export type InboundDirectNote = {
  activityId: string
  noteId: string
  sender: RemoteAccount
  recipientUserId: string
  text: string
  /** The note it answers (ours or theirs), when any. */
  inReplyTo: string | null
  published: number | null
  /** Files on the note (Mastodon's media), as the sender's server names them: the server fetches them. */
  attachments?: FileAttachment[]
}

/** Outcome of a remote account's action on a direct conversation (the rooms layer decides). */
export type DirectOutcome = { ok: true } | { ok: false; reason: string }

/**
 * The server's side of direct conversations: notes from remote accounts become chat messages in
 * the one-to-one room of the recipient and that account; edits, deletes and reactions name the
 * note, which the server maps to its message. Idempotent per note (a redelivery posts nothing).
 */
export interface DirectConversationPort {
  receive(note: InboundDirectNote): Promise<DirectOutcome>
  /** `actorId` edits its note: refused unless it wrote it. */
  edit(actorId: string, noteId: string, text: string): Promise<DirectOutcome>
  /** `actorId` deletes its note: refused unless it wrote it. */
  delete(actorId: string, noteId: string): Promise<DirectOutcome>
  /** `actorId` reacts to (or, `add` false, takes back its reaction to) a note of the conversation. */
  react(actorId: string, noteId: string, emoji: string, add: boolean): Promise<DirectOutcome>
}

// ——— Meetings across instances (rooms/room-meetings.ts, inbox/meetings.ts) ———

/** A meeting as the room's host describes it in its Event. */
export type InboundMeeting = {
  /** The Event's id: `{room}/meetings/{id}` on the host. */
  eventId: string
  /** The room's actor id. */
  roomId: string
  title: string
  /** Plain text. */
  description: string
  startsAt: number
  endsAt: number
  /** As the host states it (unchecked: the server checks it). */
  timeZone: string | null
  recurrence: string | null
  /** Cancelled and moved occurrences (by their rule-given start, ms). */
  exceptions: { occurrence: number; cancelled: boolean; startsAt: number | null; endsAt: number | null }[]
  joinUrl: string | null
  updatedAt: number
}

/** A remote member's answer to one occurrence of a local room's meeting. */
export type InboundRsvp = {
  roomId: string
  meetingId: string
  actorId: string
  name: string
  /** The occurrence's start as the rule gives it (ms). */
  occurrence: number
  response: 'going' | 'maybe' | 'declined'
}

/** What the server does with meetings that cross instances. */
export interface MeetingsPort {
  /** Member side: the host of a room scheduled or changed a meeting (ignored unless someone here is in the room). */
  received(meeting: InboundMeeting): Promise<void>
  /** Member side: the host cancelled it. */
  cancelled(roomId: string, eventId: string, at: number): Promise<void>
  /** Host side: a remote member of the room answered an occurrence. */
  answered(rsvp: InboundRsvp): Promise<void>
}
