/**
 * Participants named the way people name them. Every route that takes a participant (`:actorId`
 * in a path, `actorId` in a body) accepts an id — a user's or guest's id, a remote actor's URL —
 * or a person: a username (`bob`), a handle of this instance (`@bob`, `@bob@this-host`, resolved
 * locally without a fetch) or a handle of another instance (`@bob@other.example`, looked up on the
 * Fediverse: a participant who joined from there). This module turns either into the stored actor
 * id; the room service then decides as it always did.
 */
import { Username } from '@parley/protocol'
import Value from 'typebox/value'
import type { PeopleService } from '../accounts/people-service.ts'
import type { Caller } from '../rooms/result.ts'
import type { RoomService } from '../rooms/room-service.ts'
import { isRemoteActorId } from '../store/actor-ids.ts'
import { ApiError, unwrap } from './api-error.ts'

export type ParticipantRefDeps = {
  people: PeopleService
  rooms: Pick<RoomService, 'access'>
  /** The actor id of a Fediverse account by handle (through the guarded fetcher); throws its ApiError (`remote-not-found`, …). */
  remoteActorId: (handle: string) => Promise<string>
}

/** What a route allows a name to stand for: `local` refuses another instance's handle (`person-not-local`) without a fetch. */
export type ParticipantScope = 'any' | 'local'

/**
 * Ids of ours are UUIDs (36 characters) or `guest-<uuid>`, longer than a username may be (32): a
 * bare string that could be a username (in any case, as handles are) is a name. Only when no user
 * has that name does it pass on as is, so an unknown id still answers `participant-not-found`.
 */
const couldBeUsername = (ref: string) => Value.Check(Username, ref.toLowerCase())

export function participantRefs(deps: ParticipantRefDeps) {
  const { people, rooms } = deps
  return async function actorIdOf(
    caller: Caller,
    roomId: string,
    ref: string,
    scope: ParticipantScope = 'any',
  ): Promise<string> {
    if (isRemoteActorId(ref)) return ref
    const handle = ref.startsWith('@')
    // Guests never name people (the directory is not theirs): what they send is an id.
    if (caller.type === 'guest' || (!handle && !couldBeUsername(ref))) return ref
    // Who cannot see the room learns nothing about which names exist (the add route does the same).
    unwrap(await rooms.access(caller, roomId, 'room.view'))
    if (handle && people.isRemoteHandle(ref)) {
      if (scope === 'local') throw new ApiError('person-not-local', undefined, { user: ref })
      return deps.remoteActorId(ref)
    }
    const user = await people.resolve(ref)
    if (user.ok) return user.value.id
    // `@name` must name someone; a bare string that is no username may still be an id of ours.
    if (handle) unwrap(user)
    return ref
  }
}
