/**
 * Follow of a local user: store the follower (with its inbox and shared inbox) and answer with a
 * signed Accept embedding the Follow, as Mastodon expects. A repeated Follow (Mastodon re-sends
 * them) refreshes the record and is accepted again.
 */
import { userIdentifier } from '../actor-identifiers.ts'
import { isActor, type Follow } from '@fedify/fedify/vocab'
import { answerFollow, storeFollower, type CheckedFollower } from './follow-answer.ts'
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
  if (
    !isActor(follower) ||
    follower.id === null ||
    follower.inboxId === null ||
    !sameUrl(follower.id, follow.actorId) ||
    deps.policy.blocks(follower.inboxId)
  ) {
    deps.log.info({ follow: follow.id.href }, 'Follow from an actor without an inbox ignored')
    return
  }
  const identifier = userIdentifier(local.username)
  const checked = follower as CheckedFollower
  if (await deps.repositories.blocks.has(local.userId, follower.id.href)) {
    await answerFollow(ctx, identifier, follow, checked, 'reject')
    deps.log.info({ user: local.username, follower: follower.id.href }, 'follow by a blocked account rejected')
    return
  }
  const added = await storeFollower(deps.repositories.followers, local.userId, follow.id, checked, deps.now())
  await answerFollow(ctx, identifier, follow, checked, 'accept')
  deps.log.info({ user: local.username, follower: follower.id.href, added }, 'follower accepted')
}
