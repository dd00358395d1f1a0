/**
 * What remote accounts do to direct conversations, as their servers send it: `Update` and `Delete`
 * of a direct note (only by the note's author — checked here against the signed actor, and again by
 * the server against who wrote the message), `Like` (Mastodon's favourite; Misskey's reaction, with
 * the emoji in `content` and `_misskey_reaction`), `EmojiReact` (Misskey, Pleroma), and the `Undo`
 * of a reaction. The server maps the note to its chat message; a note it does not know is ignored.
 */
import { EmojiReact, Like, Note, type Delete, type Undo, type Update } from '@fedify/fedify/vocab'
import type { InboxContext } from '@fedify/fedify'
import { sameUrl, type InboxDeps } from '../inbox/inbox-deps.ts'
import { noteHtmlToText } from './note-text.ts'

/** What a `Like` without an emoji (Mastodon's favourite) shows as in the chat. */
export const LIKE_REACTION = '👍'
/** Longer `content` is no emoji (the chat's reactions are at most this long). */
const MAX_EMOJI_LENGTH = 32

export async function onNoteUpdate(deps: InboxDeps, ctx: InboxContext<void>, update: Update): Promise<void> {
  if (update.actorId === null || deps.policy.blocks(update.actorId)) return
  // Another server's note: refused before Fedify loads it from there (see inbox/create.ts).
  if (update.objectId !== null && update.objectId.origin !== update.actorId.origin) {
    deps.log.warn(
      { update: update.id?.href, note: update.objectId.href },
      'Update of a note by someone else than its author refused',
    )
    return
  }
  const object = await update.getObject(ctx)
  if (!(object instanceof Note) || object.id === null) return
  if (!sameUrl(object.attributionId, update.actorId) || object.id.origin !== update.actorId.origin) {
    deps.log.warn(
      { update: update.id?.href, note: object.id.href },
      'Update of a note by someone else than its author refused',
    )
    return
  }
  const outcome = await deps.direct.edit(
    update.actorId.href,
    object.id.href,
    noteHtmlToText(object.content?.toString() ?? ''),
  )
  deps.log.info({ note: object.id.href, outcome }, 'direct note update')
}

/** A `Delete` of something else than the actor itself: one of its notes (embedded as a Tombstone, or by id). */
export async function onNoteDelete(deps: InboxDeps, _ctx: InboxContext<void>, activity: Delete): Promise<void> {
  if (activity.actorId === null || activity.objectId === null || deps.policy.blocks(activity.actorId)) return
  if (activity.objectId.origin !== activity.actorId.origin) {
    deps.log.warn(
      { delete: activity.id?.href, object: activity.objectId.href },
      "Delete of another server's object refused",
    )
    return
  }
  const outcome = await deps.direct.delete(activity.actorId.href, activity.objectId.href)
  deps.log.info({ note: activity.objectId.href, outcome }, 'direct note delete')
}

export async function onReaction(
  deps: InboxDeps,
  _ctx: InboxContext<void>,
  reaction: Like | EmojiReact,
): Promise<void> {
  await react(deps, reaction, true)
}

/** For onUndo: true when the Undo's object was a reaction (handled here), false otherwise. */
export async function onUndoReaction(deps: InboxDeps, undo: Undo, object: unknown): Promise<boolean> {
  if (!(object instanceof Like || object instanceof EmojiReact)) return false
  if (!sameUrl(object.actorId, undo.actorId)) {
    deps.log.warn({ undo: undo.id?.href }, 'Undo of a reaction by another actor refused')
    return true
  }
  await react(deps, object, false)
  return true
}

async function react(deps: InboxDeps, reaction: Like | EmojiReact, add: boolean): Promise<void> {
  if (reaction.actorId === null || reaction.objectId === null || deps.policy.blocks(reaction.actorId)) return
  const emoji = emojiOf(reaction)
  if (emoji === null) return
  const outcome = await deps.direct.react(reaction.actorId.href, reaction.objectId.href, emoji, add)
  deps.log.info({ note: reaction.objectId.href, emoji, add, outcome }, 'direct note reaction')
}

/** `EmojiReact` must carry its emoji; a `Like` without one is a plain like. Custom emoji stay as `:name:`. */
function emojiOf(reaction: Like | EmojiReact): string | null {
  const content = reaction.content?.toString().trim() ?? ''
  if (content === '' || /\s/.test(content) || content.length > MAX_EMOJI_LENGTH)
    return reaction instanceof Like ? LIKE_REACTION : null
  return content
}
