/**
 * Deletes, in this order: of a room we hold a replica of (only the room itself may: rooms/room-deletion.ts);
 * of an actor by itself; otherwise of one of the sender's notes in a direct conversation (direct/direct-inbox.ts).
 *
 * Delete of an actor by itself: the account is gone, so it stops following anyone here and our
 * users stop following it. Mastodon sends this signed with the deleted account's key, which then
 * answers 410 Gone: such a Delete cannot be verified, and is taken only when the key fetch got a
 * 410 from the actor's own server — the proof that the account really is gone.
 */
import { Delete, type Activity } from '@fedify/fedify/vocab'
import type { InboxContext, RequestContext } from '@fedify/fedify'
import { sameUrl, type InboxDeps } from './inbox-deps.ts'
import { onRoomDelete } from '../rooms/room-deletion.ts'
import { onNoteDelete } from '../direct/direct-inbox.ts'

type UnverifiedReason = { type: string; keyId?: URL; result?: { status?: number } | { error: Error } }

export async function onDelete(deps: InboxDeps, ctx: InboxContext<void>, activity: Delete): Promise<void> {
  if (await onRoomDelete(deps, activity)) return
  if (activity.actorId !== null && sameUrl(activity.objectId, activity.actorId))
    return await forget(deps, activity.actorId.href)
  await onNoteDelete(deps, ctx, activity)
}

/** For `onUnverifiedActivity`: answers 202 to a self-Delete of a gone actor, undefined otherwise (401). */
export async function onUnverifiedDelete(
  deps: InboxDeps,
  _ctx: RequestContext<void>,
  activity: Activity,
  reason: UnverifiedReason,
): Promise<Response | undefined> {
  if (!(activity instanceof Delete) || activity.actorId === null || !sameUrl(activity.objectId, activity.actorId))
    return undefined
  const gone =
    reason.type === 'keyFetchError' &&
    reason.result !== undefined &&
    'status' in reason.result &&
    reason.result.status === 410
  if (!gone || reason.keyId === undefined || reason.keyId.origin !== activity.actorId.origin) return undefined
  // A deleted room (rooms/room-deletion.ts) is gone the same way.
  if (!(await onRoomDelete(deps, activity))) await forget(deps, activity.actorId.href)
  return new Response(null, { status: 202 })
}

async function forget(deps: InboxDeps, actorId: string): Promise<void> {
  const followers = await deps.repositories.followers.removeActor(actorId)
  const following = await deps.repositories.following.removeActor(actorId)
  deps.log.info({ actor: actorId, followers, following }, 'deleted remote actor forgotten')
}
