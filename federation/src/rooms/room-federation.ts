/**
 * Rooms as `Group` actors (FEP-1b12): a Fedify federation of its own, on the same origin as the
 * users' one (Fedify takes one actor path per federation), with its own queue so that each
 * federation's workers run only its own inbox listeners. `ParleyFederation` routes /rooms/… here
 * and asks it about WebFinger handles its users' federation does not know.
 */
import { randomUUID } from 'node:crypto'
import { createFederation, type Federation, type KvStore, type MessageQueue } from '@fedify/fedify'
import { Announce, Delete, Group, PUBLIC_COLLECTION, Remove, Update, type Recipient } from '@fedify/fedify/vocab'
import { Temporal } from '@js-temporal/polyfill'
import { escapeHtml } from './room-dispatchers.ts'
import type { LocalRoomDirectory, RoomChatPort, RoomFanoutEvent, RoomFederationRepositories, RoomMembershipPort, RoomPostRecord, RoomUpdateEvent } from '../ports.ts'
import { buildEventAnnounce, memberRecipients, sendEvent } from './room-fanout.ts'
import { ActorKeys } from '../keys.ts'
import type { FederationLogger } from '../log.ts'
import type { DomainPolicy } from '../domain-policy.ts'
import { deliveryRetryPolicy, inboxRetryPolicy } from '../retry.ts'
import { buildPostAnnounce, installRoomDispatchers } from './room-dispatchers.ts'
import { documentLoaderFactories } from '../document-loader.ts'
import type { RemoteFetcher } from '../remote-fetcher.ts'
import { installRoomHistory } from './room-history.ts'


export type RoomFederationDeps = {
  origin: string
  kv: KvStore
  /** A queue of its own (not the users' federation's). */
  queue: MessageQueue
  rooms: LocalRoomDirectory
  membership: RoomMembershipPort
  chat: RoomChatPort
  repositories: RoomFederationRepositories
  policy: DomainPolicy
  signatureWindowSeconds: number
  circuitRecoverySeconds?: number
  /** The instance's fetcher of remote documents: limits and address checks (see remote-fetcher.ts). */
  fetcher: RemoteFetcher
  log: FederationLogger
  now: () => number
}

export type RoomPostError = { type: 'not-found' } | { type: 'not-public' }
export type RoomPostResult = { ok: true; value: { post: RoomPostRecord; noteId: string; recipients: number } } | { ok: false; error: RoomPostError }

export class RoomFederation {
  readonly #federation: Federation<void>
  readonly #deps: RoomFederationDeps
  readonly #keys: ActorKeys

  constructor(deps: RoomFederationDeps) {
    this.#deps = deps
    this.#keys = new ActorKeys(deps.repositories.keys, deps.now)
    this.#federation = createFederation<void>({
      kv: deps.kv,
      // Its own key space in the shared cache (idempotency records, fetched documents).
      kvPrefixes: {
        activityIdempotence: ['_fedify', 'rooms', 'activityIdempotence'],
        remoteDocument: ['_fedify', 'rooms', 'remoteDocument'],
        publicKey: ['_fedify', 'rooms', 'publicKey'],
      },
      queue: deps.queue,
      origin: deps.origin,
      manuallyStartQueue: true,
      ...documentLoaderFactories(deps.fetcher, deps.kv, ['_fedify', 'rooms', 'remoteDocument']),
      signatureTimeWindow: { seconds: deps.signatureWindowSeconds },
      outboxRetryPolicy: deliveryRetryPolicy(),
      inboxRetryPolicy: inboxRetryPolicy(),
      ...(deps.circuitRecoverySeconds === undefined ? {} : { circuitBreaker: { recoveryDelay: { seconds: deps.circuitRecoverySeconds } } }),
      onOutboxError: (error, activity) => deps.log.warn({ err: error, activity: activity?.id?.href }, 'room delivery failed'),
    })
    installRoomDispatchers(this.#federation, { membership: deps.membership, backfill: (roomId, member) => this.#backfill(roomId, member), chat: deps.chat, rooms: deps.rooms, repositories: deps.repositories, keys: this.#keys, log: deps.log, now: deps.now, policy: deps.policy })
    installRoomHistory(this.#federation, { rooms: deps.rooms, chat: deps.chat, members: deps.repositories.members, policy: deps.policy })
  }

  /** Answers a request for /rooms/… or WebFinger; `notHandled` makes the answer for "not mine". */
  fetch(request: Request, notHandled: () => Response): Promise<Response> {
    return this.#federation.fetch(request, { contextData: undefined, onNotFound: notHandled, onNotAcceptable: notHandled })
  }

  /** Starts the room queue's workers until `signal` aborts. */
  start(signal: AbortSignal): Promise<void> {
    return this.#federation.startQueue(undefined, { signal })
  }

  /** The room's actor id. */
  actorUri(roomId: string): URL {
    return this.#context().getActorUri(roomId)
  }

  /** Makes the room's key pairs now if missing (call when a room is created). */
  async prepareRoom(roomId: string): Promise<void> {
    await this.#keys.ensure(roomId)
  }

  /** Makes key pairs for every given room lacking them; returns how many got keys. */
  async prepareRooms(roomIds: readonly string[]): Promise<number> {
    return this.#keys.prepare(roomIds)
  }

  /**
   * The room posts `text` publicly: stored as a Note at /rooms/{id}/posts/{postId}, listed in the
   * outbox and announced (`Announce`, a boost on Mastodon) to the room's followers. Queued: never
   * fails because a follower's server is down.
   */
  async post(roomId: string, text: string): Promise<RoomPostResult> {
    const room = await this.#deps.rooms.byId(roomId)
    if (!room || room.deletedAt !== null) return { ok: false, error: { type: 'not-found' } }
    if (!room.public) return { ok: false, error: { type: 'not-public' } }
    const post: RoomPostRecord = { roomId, postId: randomUUID(), text, createdAt: this.#deps.now() }
    await this.#deps.repositories.posts.add(post)
    const ctx = this.#context()
    const announce = buildPostAnnounce(ctx, post)
    const recipients = await this.#deps.repositories.followers.count(roomId)
    if (recipients > 0) await ctx.sendActivity({ identifier: roomId }, 'followers', announce, { preferSharedInbox: true })
    this.#deps.log.info({ roomId, post: post.postId, recipients }, 'room posted publicly')
    return { ok: true, value: { post, noteId: (announce.objectId as URL).href, recipients } }
  }

  /**
   * The host tells every member instance about room event `eventSeq` (an `Announce`, queued with
   * the room as ordering key). Call in room order.
   */
  async fanOut(roomId: string, eventSeq: number, event: RoomFanoutEvent): Promise<number> {
    const ctx = this.#context()
    const recipients = await memberRecipients(this.#deps.repositories.members, roomId, this.#deps.policy)
    await sendEvent(ctx, roomId, recipients, buildEventAnnounce(ctx.getActorUri(roomId), eventSeq, event, this.#deps.now()))
    return recipients.length
  }

  /** The host tells every member instance that the room changed (an `Update` of the Group, announced). */
  async fanOutRoomUpdate(roomId: string, eventSeq: number, update: RoomUpdateEvent): Promise<number> {
    const ctx = this.#context()
    const room = ctx.getActorUri(roomId)
    const recipients = await memberRecipients(this.#deps.repositories.members, roomId, this.#deps.policy)
    const group = new Group({ id: room, name: update.name, summary: update.description ? `<p>${escapeHtml(update.description)}</p>` : null })
    const now = Temporal.Instant.fromEpochMilliseconds(this.#deps.now())
    const announce = new Announce({ id: new URL(`${room.href}/events/${eventSeq}`), actor: room, published: now, object: new Update({ id: new URL(`${room.href}/events/${eventSeq}/object`), actor: room, object: group, published: now }) })
    await sendEvent(ctx, roomId, recipients, announce)
    return recipients.length
  }

  /**
   * A remote member was removed on the host (by a moderator): it stops getting the room's events and
   * its instance is told with a `Remove` (actor: the room, object: the member, target: the room).
   * False when it was not a remote member (nothing sent).
   */
  async removeMember(roomId: string, actorId: string): Promise<boolean> {
    const member = (await memberRecipients(this.#deps.repositories.members, roomId, this.#deps.policy)).find((m) => m.id?.href === actorId)
    if (!(await this.#deps.repositories.members.remove(roomId, actorId)) || !member) return false
    const ctx = this.#context()
    const room = ctx.getActorUri(roomId)
    const remove = new Remove({ id: new URL(`${room.href}/removes/${randomUUID()}`), actor: room, object: new URL(actorId), target: room, to: new URL(actorId) })
    await ctx.sendActivity({ identifier: roomId }, member, remove, { orderingKey: room.href })
    this.#deps.log.info({ roomId, member: actorId }, 'remote member removed')
    return true
  }

  /**
   * The room was deleted here: a `Delete` of the Group by itself (as Mastodon deletes an account)
   * goes to every member instance, every instance with a pending invitation (withdrawn) and every
   * follower. Signed with the room's key, which its Tombstone no longer shows: receivers that
   * cached the key verify it; others see the 410 of the room's own server (inbox/delete.ts).
   * Queued after the room's last events (same ordering key). Returns how many actors it went to.
   */
  async deleteRoom(roomId: string): Promise<number> {
    const ctx = this.#context()
    const room = ctx.getActorUri(roomId)
    const recipients = new Map<string, Recipient>()
    for (const member of await memberRecipients(this.#deps.repositories.members, roomId, this.#deps.policy)) recipients.set(member.id!.href, member)
    for (const follower of await memberRecipients(this.#deps.repositories.followers, roomId, this.#deps.policy)) recipients.set(follower.id!.href, follower)
    for (const invite of await this.#deps.repositories.invites.pendingFor(roomId)) {
      if (this.#deps.policy.blocks(invite.inviteeId) || this.#deps.policy.blocks(invite.inviteeInbox)) continue
      recipients.set(new URL(invite.inviteeId).href, { id: new URL(invite.inviteeId), inboxId: new URL(invite.inviteeInbox), endpoints: invite.inviteeSharedInbox ? { sharedInbox: new URL(invite.inviteeSharedInbox) } : null })
    }
    if (recipients.size === 0) return 0
    const deleted = new Delete({
      id: new URL(`${room.href}#delete`),
      actor: room,
      object: room,
      to: PUBLIC_COLLECTION,
      published: Temporal.Instant.fromEpochMilliseconds(this.#deps.now()),
    })
    await ctx.sendActivity({ identifier: roomId }, [...recipients.values()], deleted, { preferSharedInbox: true, orderingKey: room.href })
    this.#deps.log.info({ roomId, recipients: recipients.size }, 'room deletion sent')
    return recipients.size
  }

  /**
   * A newly joined member's instance gets the Announce of the room's latest message again: its
   * replica's head is 0, so it pulls the whole history from the room's history collection first
   * (room-history.ts, room-replica-sync.ts) — paged, any length, with edits, reactions and tombstones.
   */
  async #backfill(roomId: string, member: Recipient): Promise<void> {
    const ctx = this.#context()
    const roomUri = ctx.getActorUri(roomId)
    const events = await this.#deps.chat.history(roomId, 1)
    for (const event of events) await sendEvent(ctx, roomId, [member], buildEventAnnounce(roomUri, event.messageSeq, event, this.#deps.now()))
    this.#deps.log.info({ roomId, member: member.id?.href, latest: events[0]?.messageSeq ?? null }, 'new member told of the room\'s latest message')
  }

  #context() {
    return this.#federation.createContext(new URL(this.#deps.origin), undefined)
  }
}
