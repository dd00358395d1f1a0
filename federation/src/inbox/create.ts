/**
 * Create of a Note addressed only to local users (no Public, no followers collection): a direct
 * message, as Mastodon sends one with a Mention. It is handed to the inbound message sink with the
 * local recipients; the rooms layer turns it into a one-to-one conversation. Anything else (public
 * posts, followers-only posts) is not for Parley's chat and is ignored. The note must be
 * attributed to the activity's actor (whose signature was verified).
 */
import { Note, isActor, type Create } from '@fedify/fedify/vocab'
import type { InboxContext } from '@fedify/fedify'
import { localActorAt, sameUrl, type InboxDeps } from './inbox-deps.ts'

const PUBLIC = new Set(['https://www.w3.org/ns/activitystreams#Public', 'as:Public', 'Public'])

export async function onCreate(deps: InboxDeps, ctx: InboxContext<void>, create: Create): Promise<void> {
  if (create.id === null || create.actorId === null || deps.policy.blocks(create.actorId)) return
  const object = await create.getObject(ctx)
  if (!(object instanceof Note) || object.id === null) return
  if (!sameUrl(object.attributionId, create.actorId) || object.id.origin !== create.actorId.origin) {
    deps.log.warn({ create: create.id.href }, 'Note not attributed to the activity actor refused')
    return
  }
  const addressees = [...create.toIds, ...create.ccIds, ...object.toIds, ...object.ccIds]
  if (addressees.some((id) => PUBLIC.has(id.href))) return
  // Mastodon, Misskey and Pleroma name followers collections `{actor}/followers`.
  const conventionalFollowers = `${create.actorId.href}/followers`
  if (addressees.some((id) => id.href === conventionalFollowers)) return
  const recipients = new Map<string, string>()
  const others: URL[] = []
  for (const id of addressees) {
    const local = await localActorAt(deps, ctx, id)
    if (!local) others.push(id)
    else if (!(await deps.repositories.blocks.has(local.userId, create.actorId.href))) recipients.set(local.userId, local.username)
  }
  if (recipients.size === 0) return
  // Only when someone else is addressed too must the sender's actor say whether that is its
  // followers collection (fetched signed and uncached by Fedify in inbox listeners: skipped when it can be).
  if (others.length > 0) {
    const sender = await create.getActor(ctx)
    if (isActor(sender) && sender.followersId && others.some((id) => sameUrl(id, sender.followersId))) return
  }
  const stored = await deps.repositories.inboundMessages.receive({
    activityId: create.id.href,
    noteId: object.id.href,
    senderId: create.actorId.href,
    recipientUserIds: [...recipients.keys()],
    content: object.content?.toString() ?? '',
    inReplyTo: object.replyTargetId?.href ?? null,
    published: object.published ? object.published.epochMilliseconds : null,
    receivedAt: deps.now(),
  })
  deps.log.info({ note: object.id.href, from: create.actorId.href, to: [...recipients.values()], stored }, 'direct message received')
}
