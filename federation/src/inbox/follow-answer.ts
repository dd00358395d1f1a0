/**
 * The answer to a Follow, for a local user's actor and a room's alike: the follower is stored (with
 * its inbox and shared inbox) and gets a signed Accept, or it gets a Reject. The answer embeds only
 * the Follow's ids: the received Follow, once getActor() has run, would serialise the whole
 * dereferenced actor (with expanded JSON-LD keys) inside it.
 */
import { randomUUID } from 'node:crypto'
import { Accept, Follow, Reject, type Actor } from '@fedify/fedify/vocab'
import type { InboxContext } from '@fedify/fedify'
import type { FollowerRepository } from '../ports.ts'

/** A follower the caller checked: it has an id and an inbox. */
export type CheckedFollower = Actor & { id: URL; inboxId: URL }

export async function answerFollow(
  ctx: InboxContext<void>,
  identifier: string,
  follow: Follow,
  follower: CheckedFollower,
  verdict: 'accept' | 'reject',
): Promise<void> {
  const actorUri = ctx.getActorUri(identifier)
  const answered = new Follow({ id: follow.id, actor: follow.actorId, object: follow.objectId })
  const Answer = verdict === 'accept' ? Accept : Reject
  const answer = new Answer({
    id: new URL(`${actorUri.href}/${verdict}s/${randomUUID()}`),
    actor: actorUri,
    object: answered,
    to: follower.id,
  })
  await ctx.sendActivity({ identifier }, follower, answer)
}

/** Stores (or refreshes: Mastodon re-sends Follows) the follower of `ownerId`; true when it is new. */
export function storeFollower(
  followers: FollowerRepository,
  ownerId: string,
  followId: URL,
  follower: CheckedFollower,
  now: number,
): ReturnType<FollowerRepository['upsert']> {
  return followers.upsert({
    userId: ownerId,
    actorId: follower.id.href,
    inbox: follower.inboxId.href,
    sharedInbox: follower.endpoints?.sharedInbox?.href ?? null,
    followId: followId.href,
    createdAt: now,
  })
}
