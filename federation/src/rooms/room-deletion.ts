/**
 * Member side: a room hosted elsewhere was deleted. Its host sends a `Delete` of the Group by the
 * Group itself (actor = object = the room; as Mastodon deletes an account, and as Smithereen
 * requires of a group: only a group deletes itself). This instance then forgets every invitation
 * to it, pending (withdrawn) or accepted (its members' mirror of the room is deleted), and drops
 * its replica. Anyone else's Delete of a room is refused: only the room's host speaks for it.
 */
import type { Delete } from '@fedify/fedify/vocab'
import { sameUrl, type InboxDeps } from '../inbox/inbox-deps.ts'
import { withReplicaLock } from './room-replica-sync.ts'

/**
 * True when the Delete was about a room this instance knows of (taken or refused); false when it
 * is about something else. `actor` has been authenticated (a verified signature, or the 410 of
 * the actor's own server).
 */
export async function onRoomDelete(deps: InboxDeps, activity: Delete): Promise<boolean> {
  const object = activity.objectId
  const actor = activity.actorId
  if (object === null || actor === null) return false
  const replicas = deps.repositories.rooms.replicas
  if (!sameUrl(actor, object)) {
    const known =
      (await deps.repositories.rooms.invitations.acceptedFor(object.href)).length > 0 ||
      (await replicas.head(object.href)) > 0
    if (known)
      deps.log.warn(
        { activity: activity.id?.href, room: object.href, actor: actor.href },
        'Delete of a room by someone else than the room refused',
      )
    return known
  }
  const forgotten = await withReplicaLock(replicas, object.href, async () => {
    const invitations = await deps.repositories.rooms.invitations.forgetRoom(object.href)
    await replicas.drop(object.href)
    return invitations
  })
  if (forgotten.length === 0) return false
  deps.log.info({ room: object.href, invitations: forgotten.length }, 'remote room deleted by its host')
  return true
}
