/**
 * A local user blocks a remote account: it is dropped as a follower, the user stops following it,
 * its follows are rejected and its messages to the user are dropped from then on, and a `Block`
 * tells its server (Mastodon then removes the follow relationships on its side too). Unblocking
 * sends `Undo` of that Block.
 */
import { userIdentifier } from './actor-identifiers.ts'
import { randomUUID } from 'node:crypto'
import { Block, Follow, Undo, type Actor } from '@fedify/fedify/vocab'
import type { Context } from '@fedify/fedify'
import type { FederationRepositories, LocalActor } from './ports.ts'

export type BlockDeps = { repositories: FederationRepositories; now: () => number }

export async function blockActor(
  deps: BlockDeps,
  ctx: Context<void>,
  user: LocalActor,
  remote: Actor & { id: URL },
): Promise<void> {
  const { repositories } = deps
  const actorId = remote.id.href
  const actorUri = ctx.getActorUri(userIdentifier(user.username))
  await repositories.blocks.add({ userId: user.userId, actorId, createdAt: deps.now() })
  await repositories.followers.remove(user.userId, actorId)
  const following = await repositories.following.get(user.userId, actorId)
  if (following) {
    await repositories.following.remove(user.userId, actorId)
    const follow = new Follow({ id: new URL(following.followId), actor: actorUri, object: remote.id })
    await ctx.sendActivity(
      { identifier: userIdentifier(user.username) },
      remote,
      new Undo({ id: new URL(`${following.followId}/undo`), actor: actorUri, object: follow, to: remote.id }),
    )
  }
  await ctx.sendActivity({ identifier: userIdentifier(user.username) }, remote, blockActivity(actorUri, remote.id))
}

export async function unblockActor(
  deps: BlockDeps,
  ctx: Context<void>,
  user: LocalActor,
  remote: { id: URL; inboxId: URL | null },
): Promise<boolean> {
  const removed = await deps.repositories.blocks.remove(user.userId, remote.id.href)
  if (!removed || remote.inboxId === null) return removed
  const actorUri = ctx.getActorUri(userIdentifier(user.username))
  const block = blockActivity(actorUri, remote.id)
  await ctx.sendActivity(
    { identifier: userIdentifier(user.username) },
    { id: remote.id, inboxId: remote.inboxId },
    new Undo({ id: new URL(`${block.id?.href}/undo`), actor: actorUri, object: block, to: remote.id }),
  )
  return true
}

function blockActivity(actor: URL, target: URL): Block {
  return new Block({ id: new URL(`${actor.href}/blocks/${randomUUID()}`), actor, object: target, to: target })
}
