/**
 * Accept or Reject of a Follow one of our users sent. Only the followed actor may answer it, and
 * only the Follow we recorded (by id).
 */
import type { Accept, Reject } from '@fedify/fedify/vocab'
import type { InboxContext } from '@fedify/fedify'
import type { InboxDeps } from './inbox-deps.ts'

export async function onAccept(deps: InboxDeps, _ctx: InboxContext<void>, accept: Accept): Promise<void> {
  const following = await followAnsweredBy(deps, accept)
  if (!following) return
  await deps.repositories.following.accept(following.followId)
  deps.log.info({ follow: following.followId, actor: following.actorId }, 'follow accepted')
}

export async function onReject(deps: InboxDeps, _ctx: InboxContext<void>, reject: Reject): Promise<void> {
  const following = await followAnsweredBy(deps, reject)
  if (!following) return
  await deps.repositories.following.remove(following.userId, following.actorId)
  deps.log.info({ follow: following.followId, actor: following.actorId }, 'follow rejected')
}

async function followAnsweredBy(deps: InboxDeps, answer: Accept | Reject) {
  if (answer.actorId === null || answer.objectId === null) return null
  const following = await deps.repositories.following.byFollowId(answer.objectId.href)
  if (!following) return null
  if (new URL(following.actorId).href !== answer.actorId.href) {
    deps.log.warn(
      { follow: following.followId, by: answer.actorId.href },
      'answer to a Follow by someone else than its object refused',
    )
    return null
  }
  return following
}
