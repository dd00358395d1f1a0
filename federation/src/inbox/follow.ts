/**
 * Follow of a local user: store the follower (with its inbox and shared inbox) and answer with a
 * signed Accept embedding the Follow, as Mastodon expects. A repeated Follow (Mastodon re-sends
 * them) refreshes the record and is accepted again.
 */
import { randomUUID } from 'node:crypto'
import { Accept, Follow, Reject, isActor } from '@fedify/fedify/vocab'
import type { InboxContext } from '@fedify/fedify'
import { localActorAt, sameUrl, type InboxDeps } from './inbox-deps.ts'

export async function onFollow(deps: InboxDeps, ctx: InboxContext<void>, follow: Follow): Promise<void> {
  if (follow.id === null || follow.actorId === null) return
  if (deps.policy.blocks(follow.actorId)) return
  const local = await localActorAt(deps, ctx, follow.objectId)
  if (!local) {
    deps.log.debug({ follow: follow.id.href }, 'Follow of no local actor ignored')
    return
  }
  const follower = await follow.getActor(ctx)
  if (!isActor(follower) || follower.id === null || follower.inboxId === null || !sameUrl(follower.id, follow.actorId) || deps.policy.blocks(follower.inboxId)) {
    deps.log.info({ follow: follow.id.href }, 'Follow from an actor without an inbox ignored')
    return
  }
  const actorUri = ctx.getActorUri(local.username)
  // Only ids in the Follow we answer with: the received one, once getActor() has run, would
  // serialise the whole dereferenced actor (with expanded JSON-LD keys) inside our answer.
  const answered = new Follow({ id: follow.id, actor: follow.actorId, object: follow.objectId })
  if (await deps.repositories.blocks.has(local.userId, follower.id.href)) {
    const reject = new Reject({ id: new URL(`${actorUri.href}/rejects/${randomUUID()}`), actor: actorUri, object: answered, to: follower.id })
    await ctx.sendActivity({ identifier: local.username }, follower, reject)
    deps.log.info({ user: local.username, follower: follower.id.href }, 'follow by a blocked account rejected')
    return
  }
  const added = await deps.repositories.followers.upsert({
    userId: local.userId,
    actorId: follower.id.href,
    inbox: follower.inboxId.href,
    sharedInbox: follower.endpoints?.sharedInbox?.href ?? null,
    followId: follow.id.href,
    createdAt: deps.now(),
  })
  const accept = new Accept({
    id: new URL(`${actorUri.href}/accepts/${randomUUID()}`),
    actor: actorUri,
    object: answered,
    to: follower.id,
  })
  await ctx.sendActivity({ identifier: local.username }, follower, accept)
  deps.log.info({ user: local.username, follower: follower.id.href, added }, 'follower accepted')
}
