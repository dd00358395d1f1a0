/**
 * Everything Fedify serves about local rooms as `Group` actors (FEP-1b12): the actor at
 * /rooms/{id} with its RSA and Ed25519 keys, its inbox (Follow and Undo from the Fediverse), its
 * outbox (the Announces of what it posted publicly), its followers collection and its public posts
 * as `Note`s. WebFinger (`acct:{roomId}@host`) answers for public rooms only.
 *
 * Rooms live in a Fedify federation of their own (Fedify allows one actor path per federation;
 * users are at /users/{name}), with its own queue: see room-federation.ts.
 */
import { randomUUID } from 'node:crypto'
import { Temporal } from '@js-temporal/polyfill'
import { Accept, Announce, Create, Delete, EmojiReact, Follow, Group, Leave, Like, Note, PUBLIC_COLLECTION, Reject, Tombstone, Undo, Update, isActor, type Recipient } from '@fedify/fedify/vocab'
import type { Context, Federation, InboxContext } from '@fedify/fedify'
import type { LocalRoom, LocalRoomDirectory, RoomChatPort, RoomFederationRepositories, RoomMembershipPort, RoomPostRecord } from '../ports.ts'
import { onRoomChat } from './room-chat.ts'
import { onRoomAccept, onRoomLeave, onRoomReject } from './room-membership.ts'
import type { ActorKeys } from '../keys.ts'
import type { FederationLogger } from '../log.ts'
import type { DomainPolicy } from '../domain-policy.ts'
import { sameUrl } from '../inbox/inbox-deps.ts'

export const ROOM_PATHS = {
  actor: '/rooms/{identifier}',
  inbox: '/rooms/{identifier}/inbox',
  outbox: '/rooms/{identifier}/outbox',
  followers: '/rooms/{identifier}/followers',
  post: '/rooms/{identifier}/posts/{postId}',
} as const

const PAGE_SIZE = 50
const FULL_LIST_PAGE = 1000

export type RoomDispatcherDeps = {
  membership: RoomMembershipPort
  backfill: (roomId: string, member: Recipient) => Promise<void>
  chat: RoomChatPort
  rooms: LocalRoomDirectory
  repositories: RoomFederationRepositories
  keys: ActorKeys
  log: FederationLogger
  now: () => number
  policy: DomainPolicy
}

export function escapeHtml(text: string): string {
  return text.replace(/[&<>"']/g, (c) => ({ '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' })[c] as string)
}

/** The Group document of a room. */
export async function buildGroup(ctx: Context<void>, room: LocalRoom): Promise<Group> {
  const identifier = room.roomId
  const id = ctx.getActorUri(identifier)
  const pairs = await ctx.getActorKeyPairs(identifier)
  return new Group({
    id,
    preferredUsername: room.roomId,
    name: room.name,
    summary: room.description ? `<p>${escapeHtml(room.description)}</p>` : null,
    url: id,
    published: Temporal.Instant.fromEpochMilliseconds(room.createdAt),
    inbox: ctx.getInboxUri(identifier),
    outbox: ctx.getOutboxUri(identifier),
    followers: ctx.getFollowersUri(identifier),
    publicKey: pairs[0]?.cryptographicKey ?? null,
    assertionMethods: pairs.map((pair) => pair.multikey),
    // Only public rooms take followers; they are accepted at once.
    manuallyApprovesFollowers: !room.public,
    discoverable: room.public,
    indexable: false,
  })
}

/** A room's public post as a Note attributed to the room, addressed to everyone and its followers. */
export function buildPostNote(ctx: Context<void>, post: RoomPostRecord): Note {
  const room = ctx.getActorUri(post.roomId)
  const id = ctx.getObjectUri(Note, { identifier: post.roomId, postId: post.postId })
  return new Note({
    id,
    attribution: room,
    content: `<p>${escapeHtml(post.text).replace(/\r?\n/g, '<br>')}</p>`,
    published: Temporal.Instant.fromEpochMilliseconds(post.createdAt),
    url: id,
    to: PUBLIC_COLLECTION,
    cc: ctx.getFollowersUri(post.roomId),
  })
}

/** The Announce (a boost, on Mastodon) of a room's public post. */
export function buildPostAnnounce(ctx: Context<void>, post: RoomPostRecord): Announce {
  const note = buildPostNote(ctx, post)
  return new Announce({
    id: new URL(`${note.id?.href}/activity`),
    actor: ctx.getActorUri(post.roomId),
    object: note,
    published: Temporal.Instant.fromEpochMilliseconds(post.createdAt),
    to: PUBLIC_COLLECTION,
    cc: ctx.getFollowersUri(post.roomId),
  })
}

export function installRoomDispatchers(federation: Federation<void>, deps: RoomDispatcherDeps): void {
  const { rooms, repositories, keys } = deps
  const roomOf = async (roomId: string) => {
    const room = await rooms.byId(roomId)
    return room && room.deletedAt === null ? room : null
  }

  federation
    .setActorDispatcher(ROOM_PATHS.actor, async (ctx, identifier) => {
      const room = await rooms.byId(identifier)
      if (!room) return null
      if (room.deletedAt !== null) return new Tombstone({ id: ctx.getActorUri(identifier), deleted: Temporal.Instant.fromEpochMilliseconds(room.deletedAt) })
      return buildGroup(ctx, room)
    })
    // WebFinger: `acct:{roomId}@host`, public rooms only (room ids are lowercase UUIDs).
    .mapHandle(async (_ctx, handle) => {
      const room = await roomOf(handle.toLowerCase())
      return room?.public ? room.roomId : null
    })
    // Deleted rooms keep their keys: the room signs its own Delete after it is gone (never served: its document is a Tombstone).
    .setKeyPairsDispatcher(async (_ctx, identifier) => ((await rooms.byId(identifier)) ? keys.cryptoKeyPairs(identifier) : []))

  const chatDeps = { chat: deps.chat, log: deps.log, policy: deps.policy }
  const chat = (ctx: InboxContext<void>, activity: Create | Update | Delete | EmojiReact | Like | Undo) =>
    ctx.recipient === null ? undefined : onRoomChat(chatDeps, ctx, activity, ctx.recipient)
  federation
    .setInboxListeners(ROOM_PATHS.inbox)
    .withIdempotency('per-origin')
    .on(Follow, (ctx, follow) => onRoomFollow(deps, ctx, follow))
    .on(Undo, (ctx, undo) => onRoomUndo(deps, ctx, undo))
    .on(Accept, (ctx, accept) => (ctx.recipient === null ? undefined : onRoomAccept(deps, ctx, accept, ctx.recipient)))
    .on(Reject, (ctx, reject) => (ctx.recipient === null ? undefined : onRoomReject(deps, ctx, reject, ctx.recipient)))
    .on(Leave, (ctx, leave) => (ctx.recipient === null ? undefined : onRoomLeave(deps, ctx, leave, ctx.recipient)))
    .on(Create, (ctx, activity) => chat(ctx, activity))
    .on(Update, (ctx, activity) => chat(ctx, activity))
    .on(Delete, (ctx, activity) => chat(ctx, activity))
    .on(EmojiReact, (ctx, activity) => chat(ctx, activity))
    .on(Like, (ctx, activity) => chat(ctx, activity))
    .onError((_ctx, error) => deps.log.error({ err: error }, 'room inbox listener failed'))

  federation
    .setOutboxDispatcher(ROOM_PATHS.outbox, async (ctx, identifier, cursor) => {
      const room = await roomOf(identifier)
      if (!room?.public) return null
      const page = await repositories.posts.list(identifier, cursor === '' ? null : cursor, PAGE_SIZE)
      return { items: page.items.map((post) => buildPostAnnounce(ctx, post)), nextCursor: page.next }
    })
    .setFirstCursor(async (_ctx, identifier) => ((await roomOf(identifier))?.public ? '' : null))
    .setCounter(async (_ctx, identifier) => ((await roomOf(identifier))?.public ? repositories.posts.count(identifier) : null))

  federation
    .setFollowersDispatcher(ROOM_PATHS.followers, async (_ctx, identifier, cursor) => {
      if (!(await roomOf(identifier))) return null
      const items: Recipient[] = []
      let next: string | null = cursor ?? ''
      do {
        const page = await repositories.followers.list(identifier, next === '' ? null : next, cursor === null ? FULL_LIST_PAGE : PAGE_SIZE)
        for (const f of page.items) {
          if (deps.policy.blocks(f.actorId) || deps.policy.blocks(f.inbox)) continue
          items.push({ id: new URL(f.actorId), inboxId: new URL(f.inbox), endpoints: f.sharedInbox ? { sharedInbox: new URL(f.sharedInbox) } : null })
        }
        next = page.next
        if (cursor !== null) return { items, nextCursor: next }
      } while (next !== null)
      return { items }
    })
    .setFirstCursor(async (_ctx, identifier) => ((await roomOf(identifier)) ? '' : null))
    .setCounter(async (_ctx, identifier) => ((await roomOf(identifier)) ? repositories.followers.count(identifier) : null))

  federation.setObjectDispatcher(Note, ROOM_PATHS.post, async (ctx, values) => {
    const room = await roomOf(values.identifier ?? '')
    if (!room?.public) return null
    const post = await repositories.posts.get(room.roomId, values.postId ?? '')
    return post ? buildPostNote(ctx, post) : null
  })
}

/** The local room a Follow or Undo names, if it is one of ours and not deleted. */
async function roomAt(deps: RoomDispatcherDeps, ctx: InboxContext<void>, uri: URL | null): Promise<LocalRoom | null> {
  const parsed = ctx.parseUri(uri)
  if (parsed?.type !== 'actor') return null
  const room = await deps.rooms.byId(parsed.identifier)
  return room && room.deletedAt === null ? room : null
}

/** Follow of a room: public rooms accept at once (a signed Accept embedding the Follow); others reject. */
async function onRoomFollow(deps: RoomDispatcherDeps, ctx: InboxContext<void>, follow: Follow): Promise<void> {
  if (follow.id === null || follow.actorId === null || deps.policy.blocks(follow.actorId)) return
  const room = await roomAt(deps, ctx, follow.objectId)
  if (!room) return
  const follower = await follow.getActor(ctx)
  if (!isActor(follower) || follower.id === null || follower.inboxId === null || !sameUrl(follower.id, follow.actorId) || deps.policy.blocks(follower.inboxId)) return
  const roomUri = ctx.getActorUri(room.roomId)
  const answered = new Follow({ id: follow.id, actor: follow.actorId, object: follow.objectId })
  if (!room.public) {
    const reject = new Reject({ id: new URL(`${roomUri.href}/rejects/${randomUUID()}`), actor: roomUri, object: answered, to: follower.id })
    await ctx.sendActivity({ identifier: room.roomId }, follower, reject)
    deps.log.info({ roomId: room.roomId, follower: follower.id.href }, 'follow of a room that is not public rejected')
    return
  }
  const added = await deps.repositories.followers.upsert({
    userId: room.roomId,
    actorId: follower.id.href,
    inbox: follower.inboxId.href,
    sharedInbox: follower.endpoints?.sharedInbox?.href ?? null,
    followId: follow.id.href,
    createdAt: deps.now(),
  })
  const accept = new Accept({ id: new URL(`${roomUri.href}/accepts/${randomUUID()}`), actor: roomUri, object: answered, to: follower.id })
  await ctx.sendActivity({ identifier: room.roomId }, follower, accept)
  deps.log.info({ roomId: room.roomId, follower: follower.id.href, added }, 'room follower accepted')
}

/** Undo of a Follow of a room, by the Follow's own actor only (embedded, or named by id). */
async function onRoomUndo(deps: RoomDispatcherDeps, ctx: InboxContext<void>, undo: Undo): Promise<void> {
  if (undo.actorId === null || undo.objectId === null) return
  let object: unknown = null
  try {
    object = await undo.getObject(ctx)
  } catch {
    object = null
  }
  if ((object instanceof EmojiReact || object instanceof Like) && ctx.recipient !== null) {
    await onRoomChat({ chat: deps.chat, log: deps.log, policy: deps.policy }, ctx, undo, ctx.recipient)
    return
  }
  if (object instanceof Follow) {
    if (!sameUrl(object.actorId, undo.actorId)) {
      deps.log.warn({ undo: undo.id?.href }, 'Undo of a room Follow by another actor refused')
      return
    }
    const room = await roomAt(deps, ctx, object.objectId)
    if (!room) return
    const removed = await deps.repositories.followers.remove(room.roomId, undo.actorId.href)
    deps.log.info({ roomId: room.roomId, follower: undo.actorId.href, removed }, 'room follower undid follow')
    return
  }
  await deps.repositories.followers.removeByFollowId(undo.actorId.href, undo.objectId.href)
}
