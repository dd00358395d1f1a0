/**
 * Direct messages: one-to-one conversations with remote accounts. Ports the server implements (federation/src/ports.ts gathers them).
 */
import type { FileAttachment } from '../attachments/attachment-objects.ts'

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
