/**
 * The one actor dispatcher of the instance's Fedify `Federation`, at `/{+identifier}`: it branches
 * on the kind of actor the identifier names (actor-identifiers.ts) — a user's `Person` at
 * /users/{name}, a room's `Group` at /rooms/{id}, the instance's `Application` at /actor — and so
 * do WebFinger (users, then public rooms) and the key pairs each kind signs with.
 */
import { Temporal } from '@js-temporal/polyfill'
import { Group, Person, Tombstone } from '@fedify/fedify/vocab'
import type { Federation, RequestContext } from '@fedify/fedify'
import type { LocalActorDirectory, LocalRoomDirectory } from './ports.ts'
import type { ActorKeys } from './keys.ts'
import { parseIdentifier, roomIdentifier, userIdentifier } from './actor-identifiers.ts'
import { buildPerson } from './person.ts'
import { buildGroup } from './rooms/room-documents.ts'
import { INSTANCE_KEY_OWNER, buildInstanceActor } from './instance-actor.ts'

/** Fedify's routes for every kind of local actor (the identifier holds the kind, see actor-identifiers.ts). */
export const ACTOR_PATHS = {
  actor: '/{+identifier}',
  inbox: '/{+identifier}/inbox',
  sharedInbox: '/inbox',
  outbox: '/{+identifier}/outbox',
  followers: '/{+identifier}/followers',
  following: '/{+identifier}/following',
  nodeInfo: '/nodeinfo/2.1',
} as const

export type ActorDispatcherDeps = {
  directory: LocalActorDirectory
  rooms: LocalRoomDirectory
  /** Users' key pairs (by user id), rooms' (by room id) and the instance actor's. */
  keys: { users: ActorKeys; rooms: ActorKeys; instance: ActorKeys }
  software: { name: string }
}

/**
 * Whether the dispatcher is asked by Fedify's inbox, which only checks that the recipient exists
 * and is not a Tombstone (an inbox POST: no other route calls the dispatcher on a POST, and inbox
 * listeners run from the queue, without a request). Building the whole `Person` for that read the
 * user's key pairs and exported them on every inbound activity (~4 % of its CPU, issue 16).
 */
function askedByInbox(ctx: RequestContext<void>): boolean {
  const request = (ctx as Partial<RequestContext<void>>).request
  return request?.method === 'POST' && ctx.url.pathname.endsWith('/inbox')
}

export function installActorDispatcher(federation: Federation<void>, deps: ActorDispatcherDeps): void {
  const { directory, rooms, keys } = deps
  federation
    .setActorDispatcher(ACTOR_PATHS.actor, async (ctx, identifier) => {
      const parsed = parseIdentifier(identifier)
      switch (parsed?.kind) {
        case 'user': {
          const user = await directory.byUsername(parsed.username)
          if (!user) return null
          if (user.deletedAt !== null)
            return new Tombstone({
              id: ctx.getActorUri(identifier),
              deleted: Temporal.Instant.fromEpochMilliseconds(user.deletedAt),
            })
          if (askedByInbox(ctx)) return new Person({ id: ctx.getActorUri(identifier) })
          return buildPerson(ctx, user)
        }
        case 'room': {
          const room = await rooms.byId(parsed.roomId)
          if (!room) return null
          if (room.deletedAt !== null)
            return new Tombstone({
              id: ctx.getActorUri(identifier),
              deleted: Temporal.Instant.fromEpochMilliseconds(room.deletedAt),
            })
          if (askedByInbox(ctx)) return new Group({ id: ctx.getActorUri(identifier) })
          return buildGroup(ctx, room)
        }
        case 'instance':
          return buildInstanceActor(ctx, deps.software)
        case undefined:
          return null
      }
    })
    // Handles are case-insensitive (as on Mastodon); usernames are stored lowercase. A handle no user
    // has may be a public room's (`acct:{roomId}@host`; room ids are lowercase UUIDs).
    .mapHandle(async (_ctx, handle) => {
      const lower = handle.toLowerCase()
      const user = await directory.byUsername(lower)
      if (user && user.deletedAt === null) return userIdentifier(lower)
      const room = await rooms.byId(lower)
      return room && room.deletedAt === null && room.public ? roomIdentifier(room.roomId) : null
    })
    .setKeyPairsDispatcher(async (_ctx, identifier) => {
      const parsed = parseIdentifier(identifier)
      switch (parsed?.kind) {
        case 'user': {
          const user = await directory.byUsername(parsed.username)
          return user && user.deletedAt === null ? keys.users.cryptoKeyPairs(user.userId) : []
        }
        // Deleted rooms keep their keys: the room signs its own Delete after it is gone (never served: its document is a Tombstone).
        case 'room':
          return (await rooms.byId(parsed.roomId)) ? keys.rooms.cryptoKeyPairs(parsed.roomId) : []
        case 'instance':
          return keys.instance.cryptoKeyPairs(INSTANCE_KEY_OWNER)
        case undefined:
          return []
      }
    })
}
