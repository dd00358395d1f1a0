/**
 * The ActivityPub documents of local rooms (FEP-1b12): the `Group` actor at /rooms/{id} with its
 * RSA and Ed25519 keys, and its public posts as `Note`s and their `Announce`s.
 */
import { Temporal } from '@js-temporal/polyfill'
import { Announce, Group, Note, PUBLIC_COLLECTION } from '@fedify/fedify/vocab'
import type { Context } from '@fedify/fedify'
import type { LocalRoom, RoomPostRecord } from '../ports.ts'
import { roomIdentifier } from '../actor-identifiers.ts'

export function escapeHtml(text: string): string {
  return text.replace(
    /[&<>"']/g,
    (c) => ({ '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' })[c] as string,
  )
}

/** The Group document of a room. */
export async function buildGroup(ctx: Context<void>, room: LocalRoom): Promise<Group> {
  const identifier = roomIdentifier(room.roomId)
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
    outbox: ctx.getCollectionUri('outbox', { identifier }),
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
  const room = ctx.getActorUri(roomIdentifier(post.roomId))
  const id = ctx.getObjectUri(Note, { identifier: post.roomId, postId: post.postId })
  return new Note({
    id,
    attribution: room,
    content: `<p>${escapeHtml(post.text).replace(/\r?\n/g, '<br>')}</p>`,
    published: Temporal.Instant.fromEpochMilliseconds(post.createdAt),
    url: id,
    to: PUBLIC_COLLECTION,
    cc: ctx.getFollowersUri(roomIdentifier(post.roomId)),
  })
}

/** The Announce (a boost, on Mastodon) of a room's public post. */
export function buildPostAnnounce(ctx: Context<void>, post: RoomPostRecord): Announce {
  const note = buildPostNote(ctx, post)
  return new Announce({
    id: new URL(`${note.id?.href}/activity`),
    actor: ctx.getActorUri(roomIdentifier(post.roomId)),
    object: note,
    published: Temporal.Instant.fromEpochMilliseconds(post.createdAt),
    to: PUBLIC_COLLECTION,
    cc: ctx.getFollowersUri(roomIdentifier(post.roomId)),
  })
}
