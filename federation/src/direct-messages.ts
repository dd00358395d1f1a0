/**
 * Direct messages out, shaped as Mastodon sends them: a `Create` of a `Note` addressed only to the
 * one account, with a `Mention` tag and Mastodon's h-card mention link at the start of the content.
 */
import { randomUUID } from 'node:crypto'
import { Temporal } from '@js-temporal/polyfill'
import { Create, Mention, Note, type Actor } from '@fedify/fedify/vocab'
import type { Context } from '@fedify/fedify'

export async function sendNote(
  ctx: Context<void>,
  username: string,
  remote: Actor & { id: URL },
  text: string,
  inReplyTo?: string,
): Promise<{ activityId: string; noteId: string }> {
  const actorUri = ctx.getActorUri(username)
  const noteId = new URL(`${actorUri.href}/notes/${randomUUID()}`)
  const name = remote.preferredUsername?.toString() ?? 'someone'
  const profile = remote.url instanceof URL ? remote.url.href : remote.id.href
  const content =
    `<p><span class="h-card" translate="no"><a href="${escapeHtml(profile)}" class="u-url mention">@<span>${escapeHtml(name)}</span></a></span> ` +
    `${escapeHtml(text).replace(/\r?\n/g, '<br>')}</p>`
  const published = Temporal.Now.instant()
  const note = new Note({
    id: noteId,
    attribution: actorUri,
    to: remote.id,
    content,
    published,
    replyTarget: inReplyTo ? new URL(inReplyTo) : null,
    tags: [new Mention({ href: remote.id, name: `@${name}@${remote.id.host}` })],
  })
  const create = new Create({ id: new URL(`${noteId.href}/activity`), actor: actorUri, to: remote.id, object: note, published })
  await ctx.sendActivity({ identifier: username }, remote, create)
  return { activityId: create.id?.href ?? '', noteId: noteId.href }
}

function escapeHtml(text: string): string {
  return text.replace(/[&<>"']/g, (c) => ({ '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' })[c] as string)
}
