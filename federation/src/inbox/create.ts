/**
 * Create of a Note addressed only to local users (no Public, no followers collection): a direct
 * message, as Mastodon sends one with a Mention. It is logged as received (the inbound message
 * log: the HTML as sent, for audit; never shown) and handed, as plain text, to the server once per
 * local recipient: the server posts it in the one-to-one room of that user and the sender (the chat
 * message is what users see and edit). Anything else (public posts, followers-only posts) is not
 * for Parley's chat and is ignored. The note must be attributed to the activity's actor (whose
 * signature was verified).
 */
import { Note, isActor, type Create } from '@fedify/fedify/vocab'
import { remoteAccount } from '../direct/remote-account.ts'
import { noteHtmlToText } from '../direct/note-text.ts'
import { noteAttachments } from '../attachments/attachment-objects.ts'
import type { InboxContext } from '@fedify/fedify'
import { localActorAt, sameUrl, type InboxDeps } from './inbox-deps.ts'

const PUBLIC = new Set(['https://www.w3.org/ns/activitystreams#Public', 'as:Public', 'Public'])

export async function onCreate(deps: InboxDeps, ctx: InboxContext<void>, create: Create): Promise<void> {
  if (create.id === null || create.actorId === null || deps.policy.blocks(create.actorId)) return
  // A note of another server is refused before anything is fetched: Fedify would load it from that
  // server (an address the sender chose), and a failed load would throw and have the activity
  // retried for hours.
  if (create.objectId !== null && create.objectId.origin !== create.actorId.origin) {
    deps.log.warn({ create: create.id.href }, 'Note not attributed to the activity actor refused')
    return
  }
  const object = await create.getObject(ctx)
  if (!(object instanceof Note) || object.id === null) return
  if (!sameUrl(object.attributionId, create.actorId) || object.id.origin !== create.actorId.origin) {
    deps.log.warn({ create: create.id.href }, 'Note not attributed to the activity actor refused')
    return
  }
  // Mastodon addresses the activity and its note alike: each addressee is looked up once.
  const addressees = [
    ...new Map(
      [...create.toIds, ...create.ccIds, ...object.toIds, ...object.ccIds].map((id) => [id.href, id]),
    ).values(),
  ]
  if (addressees.some((id) => PUBLIC.has(id.href))) return
  // Mastodon, Misskey and Pleroma name followers collections `{actor}/followers`.
  const conventionalFollowers = `${create.actorId.href}/followers`
  if (addressees.some((id) => id.href === conventionalFollowers)) return
  const recipients = new Map<string, string>()
  const others: URL[] = []
  for (const id of addressees) {
    const local = await localActorAt(deps, ctx, id)
    if (!local) others.push(id)
    else if (!(await deps.repositories.blocks.has(local.userId, create.actorId.href)))
      recipients.set(local.userId, local.username)
  }
  if (recipients.size === 0) return
  // The sender's profile names it in the conversation and says where replies go: from the cache
  // (its key was fetched to check the signature), kept parsed there, signed only when that fails
  // (servers that answer actors only to signed requests).
  const sender = (await deps.actors.get(create.actorId)) ?? (await create.getActor(ctx))
  // Only when someone else is addressed too must the sender's actor say whether that is its followers collection.
  if (
    others.length > 0 &&
    isActor(sender) &&
    sender.followersId &&
    others.some((id) => sameUrl(id, sender.followersId))
  )
    return
  const account = isActor(sender) ? await remoteAccount(ctx, sender) : null
  if (!account || !sameUrl(account.id, create.actorId)) {
    deps.log.warn({ create: create.id.href }, 'direct message from an actor without an inbox ignored')
    return
  }
  const content = object.content?.toString() ?? ''
  const inReplyTo = object.replyTargetId?.href ?? null
  const published = object.published ? object.published.epochMilliseconds : null
  const logged = await deps.repositories.inboundMessages.receive({
    activityId: create.id.href,
    noteId: object.id.href,
    senderId: create.actorId.href,
    recipientUserIds: [...recipients.keys()],
    content,
    inReplyTo,
    published,
    receivedAt: deps.now(),
  })
  // Handed over even when logged before: a delivery retried after a failed hand-over; the server is idempotent per note.
  const text = noteHtmlToText(content)
  const attachments = await noteAttachments(object)
  for (const [userId, username] of recipients) {
    const outcome = await deps.direct.receive({
      activityId: create.id.href,
      noteId: object.id.href,
      sender: account,
      recipientUserId: userId,
      text,
      inReplyTo,
      published,
      ...(attachments.length > 0 ? { attachments } : {}),
    })
    deps.log.info(
      { note: object.id.href, from: create.actorId.href, to: username, logged, outcome },
      'direct message received',
    )
  }
}
