/**
 * Member side: the host's announcements of who joined, left or changed role in a room (room-fanout.ts
 * sends them): `Join` and `Leave` by the user, `Remove` of the user by the room (removed or banned),
 * `Update` of the user's actor URL by the room (role or permissions). Only the URL of the user is
 * read from them — never fetched: member instances take the rest from the room's roster.
 */
import { Join, Leave, Remove, Update } from '@fedify/fedify/vocab'
import type { RoomFanoutEvent } from '../ports.ts'
import { sameUrl } from '../inbox/inbox-deps.ts'
import { nameOf } from './room-names.ts'

/** The participant change `object` announces in room `roomUri`, or null when it announces none. */
export async function participantEventOf(roomUri: URL, object: unknown): Promise<RoomFanoutEvent | null> {
  if ((object instanceof Join || object instanceof Leave) && sameUrl(object.objectId, roomUri) && object.actorId) {
    const actor = { id: object.actorId.href, name: await nameOf(object, object.actorId) }
    return object instanceof Join
      ? { type: 'participant.joined', actor }
      : { type: 'participant.left', actor, reason: 'left' }
  }
  if (!(object instanceof Remove || object instanceof Update) || !sameUrl(object.actorId, roomUri)) return null
  const user = object.objectId
  // The room's own documents (itself, its messages and polls) are room updates, edits or poll
  // results, not a member: room-chat.ts reads those.
  if (user === null || !/^https?:$/.test(user.protocol) || isUnder(roomUri, user)) return null
  const actor = { id: user.href, name: await nameOf(object, user) }
  if (object instanceof Update) return { type: 'participant.updated', actor }
  if (!sameUrl(object.originId, roomUri)) return null
  return { type: 'participant.left', actor, reason: object.summary?.toString() === 'banned' ? 'banned' : 'removed' }
}

function isUnder(roomUri: URL, id: URL): boolean {
  return id.href === roomUri.href || id.href.startsWith(`${roomUri.href}/`)
}
