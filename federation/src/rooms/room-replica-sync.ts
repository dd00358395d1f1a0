/**
 * Member side: the replica of a room hosted elsewhere pulls what it lacks from the room's history
 * collection (room-history.ts), signed as one of its local members. Pulling rather than having the
 * host push pages through the queue: the member knows what it lacks (its head), can ask again
 * whenever in doubt (a first event, a seq that skips ahead after missed Announces or an outage
 * longer than the host's retries), and every page is a snapshot it can store any number of times.
 *
 * Each replica has a head: the host event up to which it is known complete. An Announce just past
 * the head is applied; one further ahead first pulls what changed since the head (the whole
 * history when the head is 0); one at or below the head is already reflected. One room's Announces
 * and pulls are serialised on this node, so a page never overwrites a newer Announce.
 */
import { userIdentifier } from '../actor-identifiers.ts'
import { EmojiReact, Mention, Note, OrderedCollectionPage, Question, Tombstone } from '@fedify/fedify/vocab'
import type { Context } from '@fedify/fedify'
import type { ReplicaMessageRecord, RoomReplicaRepository } from '../ports.ts'
import type { InboxDeps } from '../inbox/inbox-deps.ts'
import { messageSeqOf, noteBody } from './room-chat.ts'
import { noteAttachments } from '../attachments/attachment-objects.ts'
import { pollEventOf } from './room-polls.ts'

/** A sanity bound: a page chain longer than this (HISTORY_PAGE_SIZE messages each) is cut. */
const MAX_PAGES = 10_000

/** Per instance (keyed by its replica repository) and room: the work in progress, the next waits. */
const chains = new WeakMap<RoomReplicaRepository, Map<string, Promise<unknown>>>()

/** Runs `work` after whatever this instance is doing to the room's replica. */
export function withReplicaLock<T>(
  replicas: RoomReplicaRepository,
  roomId: string,
  work: () => Promise<T>,
): Promise<T> {
  let rooms = chains.get(replicas)
  if (!rooms) chains.set(replicas, (rooms = new Map()))
  const previous = rooms.get(roomId) ?? Promise.resolve()
  const next = previous.catch(() => undefined).then(work)
  rooms.set(roomId, next)
  const forget = () => {
    if (rooms.get(roomId) === next) rooms.delete(roomId)
  }
  next.then(forget, forget)
  return next
}

/**
 * Pulls the room's messages changed since host event `since` (all of them when 0) and stores them.
 * Throws when the host cannot be read (the Announce that asked is then retried). Returns how many
 * messages were stored.
 */
export async function pullHistory(deps: InboxDeps, ctx: Context<void>, room: URL, since: number): Promise<number> {
  const signer = await memberSigner(deps, room)
  if (!signer) return 0
  const documentLoader = await ctx.getDocumentLoader({ identifier: userIdentifier(signer) })
  let url: URL | null = new URL(`${room.href}/history?cursor=${since === 0 ? '0' : `since-${since}`}`)
  let stored = 0
  for (let pages = 0; url !== null && pages < MAX_PAGES; pages++) {
    if (url.origin !== room.origin) throw new Error(`room history page ${url.href} is not on the room's host`)
    const { document } = await documentLoader(url.href)
    const page = await OrderedCollectionPage.fromJsonLd(document, { documentLoader, contextLoader: ctx.contextLoader })
    const messages = await pageMessages(room, page)
    await deps.repositories.rooms.replicas.store(room.href, messages)
    stored += messages.length
    url = page.nextId
  }
  deps.log.info({ room: room.href, since, messages: stored }, 'room history pulled')
  return stored
}

/** The username of a local member of the room, to sign the pull as (the host serves members only). */
async function memberSigner(deps: InboxDeps, room: URL): Promise<string | null> {
  for (const invitation of await deps.repositories.rooms.invitations.acceptedFor(room.href)) {
    const user = await deps.directory.byId(invitation.userId)
    if (user && user.deletedAt === null) return user.username
  }
  return null
}

/** A page's Notes, Questions (polls) and Tombstones of this room's messages, each with the EmojiReacts that follow it. */
async function pageMessages(room: URL, page: OrderedCollectionPage): Promise<ReplicaMessageRecord[]> {
  const out: ReplicaMessageRecord[] = []
  for await (const item of page.getItems()) {
    if (item instanceof Question) {
      // A poll with its votes as the host has it now (the server checks it is a FederatedPoll).
      const event = await pollEventOf(room, item, (id) => messageSeqOf(room, id))
      if (event?.type !== 'poll.new') continue
      out.push({
        roomId: room.href,
        seq: event.messageSeq,
        authorId: event.author.id,
        authorName: event.author.name,
        body: item.name?.toString() ?? '',
        replyTo: null,
        createdAt: event.createdAt,
        editedAt: null,
        deletedAt: null,
        reactions: [],
        poll: event.poll,
      })
    } else if (item instanceof Note || item instanceof Tombstone) {
      const seq = messageSeqOf(room, item.id)
      const author = item.attributionId
      if (seq === null || author === null) continue
      // A file message's attachment: the member instance keeps a copy of it (the server's ReplicaFiles).
      const attachments = item instanceof Note ? await noteAttachments(item) : []
      out.push({
        roomId: room.href,
        seq,
        authorId: author.href,
        authorName: (await mentionName(item, author)) ?? author.href,
        body: item instanceof Note ? noteBody(item) : '',
        replyTo: messageSeqOf(room, item.replyTargetId),
        createdAt: item.published?.epochMilliseconds ?? 0,
        editedAt: item.updated?.epochMilliseconds ?? null,
        deletedAt: item instanceof Tombstone ? (item.deleted?.epochMilliseconds ?? 0) : null,
        reactions: [],
        ...(attachments.length > 0 ? { attachments } : {}),
        ...(item instanceof Note && item.endTime ? { expiresAt: item.endTime.epochMilliseconds } : {}),
      })
    } else if (item instanceof EmojiReact) {
      const target = out[out.length - 1]
      const actor = item.actorId
      const emoji = item.content?.toString() ?? ''
      if (
        !target ||
        target.deletedAt !== null ||
        actor === null ||
        emoji === '' ||
        messageSeqOf(room, item.objectId) !== target.seq
      )
        continue
      target.reactions.push({ emoji, actorId: actor.href, actorName: (await mentionName(item, actor)) ?? actor.href })
    }
  }
  return out
}

async function mentionName(object: { getTags(): AsyncIterable<unknown> }, actor: URL): Promise<string | null> {
  for await (const tag of object.getTags()) {
    if (tag instanceof Mention && tag.href?.href === actor.href && tag.name) return tag.name.toString()
  }
  return null
}
