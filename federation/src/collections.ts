/**
 * The collections the instance's Fedify `Federation` serves about its actors, each branching on the
 * kind of actor: followers (users' and public rooms'), following (users'), outbox (users': empty;
 * public rooms': the Announces of their public posts), the rooms' public posts as `Note`s, and
 * NodeInfo 2.1. (A room's history for member instances is in rooms/room-history.ts.)
 */
import { Announce, Note, type Recipient } from '@fedify/fedify/vocab'
import type { Federation } from '@fedify/fedify'
import type { FederationRepositories, FollowerRepository, LocalActorDirectory, LocalRoomDirectory } from './ports.ts'
import type { DomainPolicy } from './domain-policy.ts'
import { parseIdentifier } from './actor-identifiers.ts'
import { ACTOR_PATHS } from './actor-dispatcher.ts'
import { buildPostAnnounce, buildPostNote } from './rooms/room-documents.ts'
import { sharedInboxesFirst } from './delivery-order.ts'

/** A room's public post (its own path: the identifier is the bare room id). */
export const ROOM_POST_PATH = '/rooms/{identifier}/posts/{postId}'

const PAGE_SIZE = 50
/** Rows per query when Fedify wants every follower at once (fan-out). */
const FULL_LIST_PAGE = 1000

export type CollectionDeps = {
  directory: LocalActorDirectory
  rooms: LocalRoomDirectory
  repositories: FederationRepositories
  policy: DomainPolicy
  software: { name: string; version: string }
  nodeInfo: () => Promise<{ users: number; openRegistrations: boolean }>
}

export function installCollections(federation: Federation<void>, deps: CollectionDeps): void {
  const { directory, rooms, repositories, policy } = deps
  const roomRepositories = repositories.rooms
  const roomOf = async (roomId: string) => {
    const room = await rooms.byId(roomId)
    return room && room.deletedAt === null ? room : null
  }
  /** The owner of a followers collection: a live user (by user id) or a live room (by room id). */
  const followersOf = async (identifier: string): Promise<{ owner: string; list: FollowerRepository } | null> => {
    const parsed = parseIdentifier(identifier)
    if (parsed?.kind === 'user') {
      const user = await directory.byUsername(parsed.username)
      return user && user.deletedAt === null ? { owner: user.userId, list: repositories.followers } : null
    }
    if (parsed?.kind === 'room')
      return (await roomOf(parsed.roomId)) ? { owner: parsed.roomId, list: roomRepositories.followers } : null
    return null
  }
  const userOf = async (identifier: string) => {
    const parsed = parseIdentifier(identifier)
    if (parsed?.kind !== 'user') return null
    const user = await directory.byUsername(parsed.username)
    return user && user.deletedAt === null ? user : null
  }
  /** A public room's id, when the identifier names one (only public rooms have an outbox). */
  const publicRoomOf = async (identifier: string) => {
    const parsed = parseIdentifier(identifier)
    return parsed?.kind === 'room' && (await roomOf(parsed.roomId))?.public ? parsed.roomId : null
  }

  federation
    .setFollowersDispatcher(ACTOR_PATHS.followers, async (_ctx, identifier, cursor) => {
      const of = await followersOf(identifier)
      if (!of) return null
      const items: Recipient[] = []
      let next: string | null = cursor ?? ''
      // No cursor: Fedify asks for everyone (delivery to "followers"); otherwise one page.
      do {
        const page = await of.list.list(
          of.owner,
          next === '' ? null : next,
          cursor === null ? FULL_LIST_PAGE : PAGE_SIZE,
        )
        for (const f of page.items) {
          // Followers on a blocked domain get nothing (kept, should the block be lifted).
          if (policy.blocks(f.actorId) || policy.blocks(f.inbox)) continue
          items.push({
            id: new URL(f.actorId),
            inboxId: new URL(f.inbox),
            endpoints: f.sharedInbox ? { sharedInbox: new URL(f.sharedInbox) } : null,
          })
        }
        next = page.next
        if (cursor !== null) return { items, nextCursor: next }
      } while (next !== null)
      return { items: sharedInboxesFirst(items) }
    })
    .setFirstCursor(async (_ctx, identifier) => ((await followersOf(identifier)) ? '' : null))
    .setCounter(async (_ctx, identifier) => {
      const of = await followersOf(identifier)
      return of ? of.list.count(of.owner) : null
    })

  federation
    .setFollowingDispatcher(ACTOR_PATHS.following, async (_ctx, identifier, cursor) => {
      const user = await userOf(identifier)
      if (!user) return null
      const page = await repositories.following.list(user.userId, cursor === '' ? null : cursor, PAGE_SIZE)
      return { items: page.items.map((f) => new URL(f.actorId)), nextCursor: page.next }
    })
    .setFirstCursor(async (_ctx, identifier) => ((await userOf(identifier)) ? '' : null))
    .setCounter(async (_ctx, identifier) => {
      const user = await userOf(identifier)
      return user ? repositories.following.count(user.userId) : null
    })

  // Fedify's own outbox route takes no `{+identifier}`: the outbox is a collection of ours at the same URL.
  federation
    .setOrderedCollectionDispatcher('outbox', Announce, ACTOR_PATHS.outbox, async (ctx, values, cursor) => {
      const identifier = values.identifier ?? ''
      // Nothing is posted publicly by users yet: an empty, countable outbox.
      if (await userOf(identifier)) return { items: [] }
      const roomId = await publicRoomOf(identifier)
      if (roomId === null) return null
      const page = await roomRepositories.posts.list(
        roomId,
        cursor === '' || cursor === null ? null : cursor,
        PAGE_SIZE,
      )
      return { items: page.items.map((post) => buildPostAnnounce(ctx, post)), nextCursor: page.next }
    })
    .setFirstCursor(async (_ctx, values) => ((await publicRoomOf(values.identifier ?? '')) === null ? null : ''))
    .setCounter(async (_ctx, values) => {
      const identifier = values.identifier ?? ''
      if (await userOf(identifier)) return 0
      const roomId = await publicRoomOf(identifier)
      return roomId === null ? null : roomRepositories.posts.count(roomId)
    })

  federation.setObjectDispatcher(Note, ROOM_POST_PATH, async (ctx, values) => {
    const room = await roomOf(values.identifier ?? '')
    if (!room?.public) return null
    const post = await roomRepositories.posts.get(room.roomId, values.postId ?? '')
    return post ? buildPostNote(ctx, post) : null
  })

  federation.setNodeInfoDispatcher(ACTOR_PATHS.nodeInfo, async () => {
    const info = await deps.nodeInfo()
    return {
      software: { name: deps.software.name, version: deps.software.version },
      protocols: ['activitypub'],
      openRegistrations: info.openRegistrations,
      usage: { users: { total: info.users }, localPosts: 0, localComments: 0 },
      metadata: {},
    }
  })
}
