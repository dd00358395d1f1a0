/**
 * Rooms as `Group` actors (FEP-1b12): a Fedify federation of its own, on the same origin as the
 * users' one (Fedify takes one actor path per federation), with its own queue so that each
 * federation's workers run only its own inbox listeners. `ParleyFederation` routes /rooms/… here
 * and asks it about WebFinger handles its users' federation does not know.
 */
import { randomUUID } from 'node:crypto'
import { createFederation, type Federation, type KvStore, type MessageQueue } from '@fedify/fedify'
import type { LocalRoomDirectory, RoomFederationRepositories, RoomMembershipPort, RoomPostRecord } from '../ports.ts'
import { ActorKeys } from '../keys.ts'
import type { FederationLogger } from '../log.ts'
import type { DomainPolicy } from '../domain-policy.ts'
import { deliveryRetryPolicy, inboxRetryPolicy } from '../retry.ts'
import { buildPostAnnounce, installRoomDispatchers } from './room-dispatchers.ts'

export type RoomFederationDeps = {
  origin: string
  kv: KvStore
  /** A queue of its own (not the users' federation's). */
  queue: MessageQueue
  rooms: LocalRoomDirectory
  membership: RoomMembershipPort
  repositories: RoomFederationRepositories
  policy: DomainPolicy
  signatureWindowSeconds: number
  allowPrivateAddress: boolean
  software: { name: string; version: string }
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
      allowPrivateAddress: deps.allowPrivateAddress,
      signatureTimeWindow: { seconds: deps.signatureWindowSeconds },
      userAgent: { software: `${deps.software.name}/${deps.software.version}`, url: new URL(deps.origin) },
      outboxRetryPolicy: deliveryRetryPolicy(),
      inboxRetryPolicy: inboxRetryPolicy(),
      onOutboxError: (error, activity) => deps.log.warn({ err: error, activity: activity?.id?.href }, 'room delivery failed'),
    })
    installRoomDispatchers(this.#federation, { membership: deps.membership, rooms: deps.rooms, repositories: deps.repositories, keys: this.#keys, log: deps.log, now: deps.now, policy: deps.policy })
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

  #context() {
    return this.#federation.createContext(new URL(this.#deps.origin), undefined)
  }
}
