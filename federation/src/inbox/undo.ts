/**
 * Undo of a Follow: the follower stops following. The Follow may be embedded (Mastodon) or named by
 * its id only; either way only the Follow's own actor can undo it. Undos of reactions (`Like`,
 * `EmojiReact`) go to direct/direct-inbox.ts.
 */
import { Follow, type Undo } from '@fedify/fedify/vocab'
import type { InboxContext } from '@fedify/fedify'
import { localActorAt, sameUrl, type InboxDeps } from './inbox-deps.ts'
import { onUndoReaction } from '../direct/direct-inbox.ts'

export async function onUndo(deps: InboxDeps, ctx: InboxContext<void>, undo: Undo): Promise<void> {
  if (undo.actorId === null || undo.objectId === null) return
  const actorId = undo.actorId.href
  let object: unknown = null
  try {
    object = await undo.getObject(ctx)
  } catch (error) {
    deps.log.debug({ undo: undo.id?.href, err: error }, 'Undo object could not be loaded; matching by id')
  }
  if (await onUndoReaction(deps, undo, object)) return
  if (object instanceof Follow) {
    if (!sameUrl(object.actorId, undo.actorId)) {
      deps.log.warn({ undo: undo.id?.href }, 'Undo of a Follow by another actor refused')
      return
    }
    const local = await localActorAt(deps, ctx, object.objectId)
    if (!local) return
    const removed = await deps.repositories.followers.remove(local.userId, actorId)
    deps.log.info({ user: local.username, follower: actorId, removed }, 'follower undid follow')
    return
  }
  // Only an id: the stored Follow of this actor with that id, whichever local user it was for.
  const removed = await deps.repositories.followers.removeByFollowId(actorId, undo.objectId.href)
  if (removed) deps.log.info({ follower: actorId, follow: undo.objectId.href }, 'follower undid follow')
}
