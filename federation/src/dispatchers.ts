/**
 * Everything Fedify serves about local users: the Person actor at /users/{username} (with its RSA
 * and Ed25519 keys), its inbox (and the shared inbox), outbox, followers and following collections,
 * and NodeInfo 2.1. WebFinger comes with the actor dispatcher: `acct:name@host` → /users/name.
 */
import { Temporal } from '@js-temporal/polyfill'
import { Accept, Announce, Create, Delete, EmojiReact, Endpoints, Flag, Follow, Invite, Like, Person, Reject, Remove, Tombstone, Undo, Update, type Recipient } from '@fedify/fedify/vocab'
import { onRoomAnnounce } from './rooms/room-chat.ts'
import { onInvite, onRoomRemove } from './rooms/room-membership.ts'
import type { Context, DocumentLoader, Federation } from '@fedify/fedify'
import type { DirectConversationPort, FederationRepositories, LocalActor, LocalActorDirectory } from './ports.ts'
import type { ActorKeys } from './keys.ts'
import type { FederationLogger } from './log.ts'
import type { InboxDeps } from './inbox/inbox-deps.ts'
import type { DomainPolicy } from './domain-policy.ts'
import { onFollow } from './inbox/follow.ts'
import { onUndo } from './inbox/undo.ts'
import { onAccept, onReject } from './inbox/accept.ts'
import { onCreate } from './inbox/create.ts'
import { onDelete, onUnverifiedDelete } from './inbox/delete.ts'
import { onFlag } from './inbox/flag.ts'
import { onNoteUpdate, onReaction } from './direct/direct-inbox.ts'

export const PATHS = {
  actor: '/users/{identifier}',
  inbox: '/users/{identifier}/inbox',
  sharedInbox: '/inbox',
  outbox: '/users/{identifier}/outbox',
  followers: '/users/{identifier}/followers',
  following: '/users/{identifier}/following',
  nodeInfo: '/nodeinfo/2.1',
} as const

const PAGE_SIZE = 50
/** Rows per query when Fedify wants every follower at once (fan-out). */
const FULL_LIST_PAGE = 1000

export type DispatcherDeps = {
  /** The cached, unsigned document loader (see InboxDeps). */
  publicLoader: DocumentLoader
  directory: LocalActorDirectory
  repositories: FederationRepositories
  keys: ActorKeys
  log: FederationLogger
  now: () => number
  policy: DomainPolicy
  direct: DirectConversationPort
  software: { name: string; version: string }
  nodeInfo: () => Promise<{ users: number; openRegistrations: boolean }>
}

/** The Person document of a local user (also sent in `Update`s when the profile changes). */
export async function buildPerson(ctx: Context<void>, user: LocalActor): Promise<Person> {
  const identifier = user.username
  const id = ctx.getActorUri(identifier)
  const pairs = await ctx.getActorKeyPairs(identifier)
  return new Person({
    id,
    preferredUsername: user.username,
    name: user.displayName,
    url: id,
    published: Temporal.Instant.fromEpochMilliseconds(user.createdAt),
    inbox: ctx.getInboxUri(identifier),
    outbox: ctx.getOutboxUri(identifier),
    followers: ctx.getFollowersUri(identifier),
    following: ctx.getFollowingUri(identifier),
    endpoints: new Endpoints({ sharedInbox: ctx.getInboxUri() }),
    publicKey: pairs[0]?.cryptographicKey ?? null,
    assertionMethods: pairs.map((pair) => pair.multikey),
    manuallyApprovesFollowers: false,
    discoverable: false,
    indexable: false,
  })
}

export function installDispatchers(federation: Federation<void>, deps: DispatcherDeps): void {
  const { directory, repositories, keys } = deps
  const userOf = async (username: string) => {
    const actor = await directory.byUsername(username)
    return actor && actor.deletedAt === null ? actor : null
  }

  federation
    .setActorDispatcher(PATHS.actor, async (ctx, identifier) => {
      const user = await directory.byUsername(identifier)
      if (!user) return null
      const id = ctx.getActorUri(identifier)
      if (user.deletedAt !== null) return new Tombstone({ id, deleted: Temporal.Instant.fromEpochMilliseconds(user.deletedAt) })
      return buildPerson(ctx, user)
    })
    // Handles are case-insensitive (as on Mastodon); usernames are stored lowercase.
    .mapHandle(async (_ctx, username) => {
      const lower = username.toLowerCase()
      return (await userOf(lower)) ? lower : null
    })
    .setKeyPairsDispatcher(async (_ctx, identifier) => {
      const user = await userOf(identifier)
      return user ? keys.cryptoKeyPairs(user.userId) : []
    })

  const inboxDeps: InboxDeps = { repositories, directory, log: deps.log, now: deps.now, policy: deps.policy, direct: deps.direct, publicLoader: deps.publicLoader }
  federation
    .setInboxListeners(PATHS.inbox, PATHS.sharedInbox)
    // One activity id is processed once per instance, whichever of our inboxes it reaches
    // (Fedify 2's default, per-inbox, would run it again for each personal inbox it was sent to).
    .withIdempotency('per-origin')
    .on(Follow, (ctx, activity) => onFollow(inboxDeps, ctx, activity))
    .on(Undo, (ctx, activity) => onUndo(inboxDeps, ctx, activity))
    .on(Accept, (ctx, activity) => onAccept(inboxDeps, ctx, activity))
    .on(Reject, (ctx, activity) => onReject(inboxDeps, ctx, activity))
    .on(Create, (ctx, activity) => onCreate(inboxDeps, ctx, activity))
    // An actor deleting itself (its account), or one of its notes.
    .on(Delete, (ctx, activity) => onDelete(inboxDeps, ctx, activity))
    .on(Update, (ctx, activity) => onNoteUpdate(inboxDeps, ctx, activity))
    .on(Like, (ctx, activity) => onReaction(inboxDeps, ctx, activity))
    .on(EmojiReact, (ctx, activity) => onReaction(inboxDeps, ctx, activity))
    .on(Flag, (ctx, activity) => onFlag(inboxDeps, ctx, activity))
    .on(Invite, (ctx, activity) => onInvite(inboxDeps, ctx, activity))
    .on(Announce, async (ctx, activity) => void (await onRoomAnnounce(inboxDeps, ctx, activity)))
    .on(Remove, (ctx, activity) => onRoomRemove(inboxDeps, ctx, activity))
    .onUnverifiedActivity((ctx, activity, reason) => onUnverifiedDelete(inboxDeps, ctx, activity, reason))
    .onError((_ctx, error) => deps.log.error({ err: error }, 'inbox listener failed'))

  // Nothing is posted publicly by users yet: an empty, countable outbox.
  federation
    .setOutboxDispatcher(PATHS.outbox, async (_ctx, identifier) => ((await userOf(identifier)) ? { items: [] } : null))
    .setCounter(async (_ctx, identifier) => ((await userOf(identifier)) ? 0 : null))

  federation
    .setFollowersDispatcher(PATHS.followers, async (_ctx, identifier, cursor) => {
      const user = await userOf(identifier)
      if (!user) return null
      const items: Recipient[] = []
      let next: string | null = cursor ?? ''
      // No cursor: Fedify asks for everyone (delivery to "followers"); otherwise one page.
      do {
        const page = await repositories.followers.list(user.userId, next === '' ? null : next, cursor === null ? FULL_LIST_PAGE : PAGE_SIZE)
        for (const f of page.items) {
          // Followers on a blocked domain get nothing (kept, should the block be lifted).
          if (deps.policy.blocks(f.actorId) || deps.policy.blocks(f.inbox)) continue
          items.push({ id: new URL(f.actorId), inboxId: new URL(f.inbox), endpoints: f.sharedInbox ? { sharedInbox: new URL(f.sharedInbox) } : null })
        }
        next = page.next
        if (cursor !== null) return { items, nextCursor: next }
      } while (next !== null)
      return { items }
    })
    .setFirstCursor(async (_ctx, identifier) => ((await userOf(identifier)) ? '' : null))
    .setCounter(async (_ctx, identifier) => {
      const user = await userOf(identifier)
      return user ? repositories.followers.count(user.userId) : null
    })

  federation
    .setFollowingDispatcher(PATHS.following, async (_ctx, identifier, cursor) => {
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

  federation.setNodeInfoDispatcher(PATHS.nodeInfo, async () => {
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
