/**
 * Direct messages out, shaped as Mastodon sends them: a `Create` of a `Note` addressed only to the
 * one account, with a `Mention` tag and the h-card mention at the start of the content; edits as an
 * `Update` of the same Note (with `updated`, which Mastodon needs to take an edit), deletes as a
 * `Delete` of a `Tombstone`, reactions as `Like` (👍 and ❤️: what Mastodon calls a favourite) or,
 * for any other emoji, Misskey's `EmojiReact` with the emoji as `content` (Mastodon ignores it).
 * The recipient is the stored account (inbox and shared inbox), so sending needs no lookup: the
 * activity goes to the queue even while the remote server is down, and the queue retries.
 */
import { userIdentifier } from '../actor-identifiers.ts'
import { createHash, randomUUID } from 'node:crypto'
import { Temporal } from '@js-temporal/polyfill'
import {
  Create,
  Delete,
  EmojiReact,
  Like,
  Mention,
  Note,
  Tombstone,
  Undo,
  Update,
  type Recipient,
} from '@fedify/fedify/vocab'
import type { Context } from '@fedify/fedify'
import type { RemoteAccount } from '../ports.ts'
import { directNoteHtml } from './note-text.ts'
import { attachmentObject, type FileAttachment } from '../attachments/attachment-objects.ts'

/** Emoji that go out as a plain `Like` (a Mastodon favourite); others as `EmojiReact`. */
export const LIKE_EMOJI: ReadonlySet<string> = new Set(['👍', '❤️', '❤'])

export type DirectNoteDraft = {
  noteId: string
  text: string
  inReplyTo: string | null
  published: number
  updated?: number
  /** Files the message shares (capability URLs: Mastodon fetches them without a session). */
  attachments?: FileAttachment[]
}

export function recipientOf(to: RemoteAccount): Recipient {
  return {
    id: new URL(to.id),
    inboxId: new URL(to.inbox),
    endpoints: to.sharedInbox ? { sharedInbox: new URL(to.sharedInbox) } : null,
  }
}

/** The Note of a direct message from `username` to `to`. */
export function buildDirectNote(ctx: Context<void>, username: string, to: RemoteAccount, draft: DirectNoteDraft): Note {
  const remoteId = new URL(to.id)
  const remoteUsername = to.handle?.replace(/^@/, '').split('@')[0] ?? to.name
  return new Note({
    id: new URL(draft.noteId),
    attribution: ctx.getActorUri(userIdentifier(username)),
    to: remoteId,
    content: directNoteHtml({ username: remoteUsername, profileUrl: to.url ?? to.id }, draft.text),
    published: Temporal.Instant.fromEpochMilliseconds(draft.published),
    ...(draft.updated === undefined ? {} : { updated: Temporal.Instant.fromEpochMilliseconds(draft.updated) }),
    replyTarget: draft.inReplyTo ? new URL(draft.inReplyTo) : null,
    tags: [new Mention({ href: remoteId, name: to.handle ?? `@${remoteUsername}@${remoteId.host}` })],
    attachments: (draft.attachments ?? []).map(attachmentObject),
  })
}

/** Activities of one conversation are delivered in the order they were queued (an edit after its note). */
function ordered(ctx: Context<void>, username: string, to: RemoteAccount) {
  return { orderingKey: `${ctx.getActorUri(userIdentifier(username)).href} ${to.id}` }
}

export class DirectNotes {
  readonly #context: () => Context<void>
  readonly #now: () => number

  readonly #blocked: (actorId: string) => boolean

  /** `blocked`: the domain policy; nothing goes to an account whose domain is blocked (the send is dropped, not queued). */
  constructor(deps: { context: () => Context<void>; now: () => number; blocked: (actorId: string) => boolean }) {
    this.#context = deps.context
    this.#now = deps.now
    this.#blocked = deps.blocked
  }

  #refused(to: RemoteAccount): boolean {
    return this.#blocked(to.id) || this.#blocked(to.inbox)
  }

  /**
   * A new direct message; returns the ids of the Create and of its Note, or null when the account's
   * domain is blocked. With `key`, the note's id is made from it, so sending the same message again
   * (after a crash) repeats the same ids, which receivers take once.
   */
  async send(
    username: string,
    to: RemoteAccount,
    text: string,
    inReplyTo: string | null,
    options: { key?: string; published?: number; attachments?: FileAttachment[] } = {},
  ): Promise<{ activityId: string; noteId: string } | null> {
    if (this.#refused(to)) return null
    const ctx = this.#context()
    const actorUri = ctx.getActorUri(userIdentifier(username))
    const noteId = `${actorUri.href}/notes/${options.key ?? randomUUID()}`
    const published = options.published ?? this.#now()
    const note = buildDirectNote(ctx, username, to, {
      noteId,
      text,
      inReplyTo,
      published,
      ...(options.attachments ? { attachments: options.attachments } : {}),
    })
    const create = new Create({
      id: new URL(`${noteId}/activity`),
      actor: actorUri,
      to: new URL(to.id),
      object: note,
      published: Temporal.Instant.fromEpochMilliseconds(published),
    })
    await ctx.sendActivity(
      { identifier: userIdentifier(username) },
      recipientOf(to),
      create,
      ordered(ctx, username, to),
    )
    return { activityId: `${noteId}/activity`, noteId }
  }

  /** The message was edited: an `Update` of its Note with the new text. */
  async update(username: string, to: RemoteAccount, draft: Omit<DirectNoteDraft, 'updated'>): Promise<void> {
    if (this.#refused(to)) return
    const ctx = this.#context()
    const updated = this.#now()
    const note = buildDirectNote(ctx, username, to, { ...draft, updated })
    const update = new Update({
      id: new URL(`${draft.noteId}#updates/${updated}`),
      actor: ctx.getActorUri(userIdentifier(username)),
      to: new URL(to.id),
      object: note,
    })
    await ctx.sendActivity(
      { identifier: userIdentifier(username) },
      recipientOf(to),
      update,
      ordered(ctx, username, to),
    )
  }

  /** The message was deleted: a `Delete` of a `Tombstone` in the Note's place. */
  async delete(username: string, to: RemoteAccount, noteId: string): Promise<void> {
    if (this.#refused(to)) return
    const ctx = this.#context()
    const activity = new Delete({
      id: new URL(`${noteId}#delete`),
      actor: ctx.getActorUri(userIdentifier(username)),
      to: new URL(to.id),
      object: new Tombstone({ id: new URL(noteId) }),
    })
    await ctx.sendActivity(
      { identifier: userIdentifier(username) },
      recipientOf(to),
      activity,
      ordered(ctx, username, to),
    )
  }

  /**
   * A reaction to a note of the conversation (`add` false: an `Undo` of it). Each reaction gets a
   * fresh id (a receiver that already saw an id, say before an undo, would drop it); the `Undo`
   * embeds the reaction — actor, note, emoji — which is how Mastodon and Parley find what to undo.
   */
  async react(username: string, to: RemoteAccount, noteId: string, emoji: string, add: boolean): Promise<void> {
    if (this.#refused(to)) return
    const ctx = this.#context()
    const actorUri = ctx.getActorUri(userIdentifier(username))
    const key = createHash('sha256').update(noteId).update('\0').update(emoji).digest('base64url').slice(0, 22)
    const id = new URL(`${actorUri.href}/reactions/${key}/${add ? randomUUID() : 'undone'}`)
    const values = { id, actor: actorUri, object: new URL(noteId), to: new URL(to.id) }
    // The emoji rides along on a Like too (as Misskey does it), so ❤️ stays ❤️ between Parleys; Mastodon ignores it.
    const reaction = LIKE_EMOJI.has(emoji)
      ? new Like({ ...values, content: emoji })
      : new EmojiReact({ ...values, content: emoji })
    const activity = add
      ? reaction
      : new Undo({
          id: new URL(`${actorUri.href}/reactions/${key}/undo/${randomUUID()}`),
          actor: actorUri,
          to: new URL(to.id),
          object: reaction,
        })
    await ctx.sendActivity(
      { identifier: userIdentifier(username) },
      recipientOf(to),
      activity,
      ordered(ctx, username, to),
    )
  }
}
