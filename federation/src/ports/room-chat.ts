/**
 * Chat in rooms across instances: the host fans out, members keep replicas. Ports the server implements (federation/src/ports.ts gathers them).
 */
import type { ParticipantView } from '@parley/protocol'
import type { FileAttachment } from '../attachments/attachment-objects.ts'

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
