/**
 * What the host of local rooms does as their `Group` actors (FEP-1b12): public posts, fan-out of
 * room events to member instances, room updates, meetings, removals and deletion, and members'
 * forwarded writes. Served by the instance's one Fedify `Federation` (federation.ts builds it; the
 * actor dispatcher and inbox listeners branch on the kind of actor), whose queue carries its deliveries.
 */
import { randomUUID } from 'node:crypto'
import type { Federation, KvStore } from '@fedify/fedify'
import { Announce, Delete, Group, PUBLIC_COLLECTION, Remove, Update, type Recipient } from '@fedify/fedify/vocab'
import { Temporal } from '@js-temporal/polyfill'
import type {
  LocalRoomDirectory,
  RoomChatPort,
  RoomFanoutEvent,
  RoomFederationRepositories,
  RoomPostRecord,
  RoomUpdateEvent,
} from '../ports.ts'
import { buildEventAnnounce, memberRecipients, sendEvent } from './room-fanout.ts'
import type { ActorKeys } from '../keys.ts'
import type { FederationLogger } from '../log.ts'
import type { DomainPolicy } from '../domain-policy.ts'
import { buildPostAnnounce, escapeHtml } from './room-documents.ts'
import { handleRoomAction } from './room-actions.ts'
import type { SignatureVerifier } from '../inbound/signature-verifier.ts'
import { handleRoomParticipants } from './room-participants.ts'
import { meetingActivity, type MeetingChange, type RoomMeeting } from './room-meetings.ts'
import { roomIdentifier } from '../actor-identifiers.ts'

export type RoomFederationDeps = {
  origin: string
  /** The instance's one federation (its actor dispatcher serves rooms at /rooms/{id}). */
  federation: Federation<void>
  kv: KvStore
  rooms: LocalRoomDirectory
  chat: RoomChatPort
  repositories: RoomFederationRepositories
  /** The rooms' key pairs (by room id). */
  keys: ActorKeys
  policy: DomainPolicy
  /** The inbox's signature checks, for the requests member instances send rooms directly. */
  verifier: SignatureVerifier
  log: FederationLogger
  now: () => number
}

export type RoomPostError = { type: 'not-found' } | { type: 'not-public' }
export type RoomPostResult =
  | { ok: true; value: { post: RoomPostRecord; noteId: string; recipients: number } }
  | { ok: false; error: RoomPostError }

export class RoomFederation {
  readonly #federation: Federation<void>
  readonly #deps: RoomFederationDeps
  readonly #keys: ActorKeys

  constructor(deps: RoomFederationDeps) {
    this.#deps = deps
    this.#federation = deps.federation
    this.#keys = deps.keys
  }

  /** `GET /rooms/{roomId}/participants`: who is in the room, for its members' instances (room-participants.ts). */
  async handleParticipants(request: Request, roomId: string): Promise<Response> {
    const { chat, log, verifier, rooms } = this.#deps
    const room = await rooms.byId(roomId)
    if (!room || room.deletedAt !== null)
      return Response.json({ error: { code: 'room-not-found', message: 'No such room' } }, { status: 404 })
    return handleRoomParticipants({ chat, log, verifier }, request, roomId)
  }

  /** `POST /rooms/{roomId}/actions`: a member's forwarded write, decided and answered at once (room-actions.ts). */
  async handleAction(request: Request, roomId: string): Promise<Response> {
    const { chat, log, policy, kv, verifier, rooms } = this.#deps
    const room = await rooms.byId(roomId)
    if (!room || room.deletedAt !== null)
      return Response.json({ error: { code: 'room-not-found', message: 'No such room' } }, { status: 404 })
    const ctx = this.#federation.createContext(request, undefined)
    return handleRoomAction({ chat, log, policy, kv, verifier }, ctx, request, roomId)
  }

  /** The room's actor id. */
  actorUri(roomId: string): URL {
    return this.#context().getActorUri(roomIdentifier(roomId))
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
    if (recipients > 0)
      await ctx.sendActivity({ identifier: roomIdentifier(roomId) }, 'followers', announce, { preferSharedInbox: true })
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
    await sendEvent(
      ctx,
      roomId,
      recipients,
      buildEventAnnounce(ctx.getActorUri(roomIdentifier(roomId)), eventSeq, event, this.#deps.now()),
    )
    return recipients.length
  }

  /** The host tells every member instance that the room changed (an `Update` of the Group, announced). */
  async fanOutRoomUpdate(roomId: string, eventSeq: number, update: RoomUpdateEvent): Promise<number> {
    const ctx = this.#context()
    const room = ctx.getActorUri(roomIdentifier(roomId))
    const recipients = await memberRecipients(this.#deps.repositories.members, roomId, this.#deps.policy)
    const group = new Group({
      id: room,
      name: update.name,
      summary: update.description ? `<p>${escapeHtml(update.description)}</p>` : null,
    })
    const now = Temporal.Instant.fromEpochMilliseconds(this.#deps.now())
    const announce = new Announce({
      id: new URL(`${room.href}/events/${eventSeq}`),
      actor: room,
      published: now,
      object: new Update({
        id: new URL(`${room.href}/events/${eventSeq}/object`),
        actor: room,
        object: group,
        published: now,
      }),
    })
    await sendEvent(ctx, roomId, recipients, announce)
    return recipients.length
  }

  /**
   * A meeting of the room was scheduled, changed or cancelled: the room sends its Event (`Create`,
   * `Update` or `Delete`) to every member instance and, for a public room, to its followers
   * (Mastodon shows it as a post with the link). Queued after the room's earlier events (same
   * ordering key). Returns how many actors it went to.
   */
  async sendMeeting(roomId: string, meeting: RoomMeeting, change: MeetingChange): Promise<number> {
    const room = await this.#deps.rooms.byId(roomId)
    if (!room || room.deletedAt !== null) return 0
    const ctx = this.#context()
    const roomUri = ctx.getActorUri(roomIdentifier(roomId))
    const recipients = new Map<string, Recipient>()
    for (const member of await memberRecipients(this.#deps.repositories.members, roomId, this.#deps.policy))
      recipients.set(member.id!.href, member)
    if (room.public)
      for (const follower of await memberRecipients(this.#deps.repositories.followers, roomId, this.#deps.policy))
        recipients.set(follower.id!.href, follower)
    if (recipients.size === 0) return 0
    await ctx.sendActivity(
      { identifier: roomIdentifier(roomId) },
      [...recipients.values()],
      meetingActivity(roomUri, meeting, change, { public: room.public }),
      { preferSharedInbox: true, orderingKey: roomUri.href },
    )
    this.#deps.log.info({ roomId, meeting: meeting.id, change, recipients: recipients.size }, 'meeting sent')
    return recipients.size
  }

  /**
   * A remote member was removed on the host (by a moderator): it stops getting the room's events and
   * its instance is told with a `Remove` (actor: the room, object: the member, target: the room).
   * False when it was not a remote member (nothing sent).
   */
  async removeMember(roomId: string, actorId: string): Promise<boolean> {
    const member = (await memberRecipients(this.#deps.repositories.members, roomId, this.#deps.policy)).find(
      (m) => m.id?.href === actorId,
    )
    if (!(await this.#deps.repositories.members.remove(roomId, actorId)) || !member) return false
    const ctx = this.#context()
    const room = ctx.getActorUri(roomIdentifier(roomId))
    const remove = new Remove({
      id: new URL(`${room.href}/removes/${randomUUID()}`),
      actor: room,
      object: new URL(actorId),
      target: room,
      to: new URL(actorId),
    })
    await ctx.sendActivity({ identifier: roomIdentifier(roomId) }, member, remove, { orderingKey: room.href })
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
    const room = ctx.getActorUri(roomIdentifier(roomId))
    const recipients = new Map<string, Recipient>()
    for (const member of await memberRecipients(this.#deps.repositories.members, roomId, this.#deps.policy))
      recipients.set(member.id!.href, member)
    for (const follower of await memberRecipients(this.#deps.repositories.followers, roomId, this.#deps.policy))
      recipients.set(follower.id!.href, follower)
    for (const invite of await this.#deps.repositories.invites.pendingFor(roomId)) {
      if (this.#deps.policy.blocks(invite.inviteeId) || this.#deps.policy.blocks(invite.inviteeInbox)) continue
      recipients.set(new URL(invite.inviteeId).href, {
        id: new URL(invite.inviteeId),
        inboxId: new URL(invite.inviteeInbox),
        endpoints: invite.inviteeSharedInbox ? { sharedInbox: new URL(invite.inviteeSharedInbox) } : null,
      })
    }
    if (recipients.size === 0) return 0
    const deleted = new Delete({
      id: new URL(`${room.href}#delete`),
      actor: room,
      object: room,
      to: PUBLIC_COLLECTION,
      published: Temporal.Instant.fromEpochMilliseconds(this.#deps.now()),
    })
    await ctx.sendActivity({ identifier: roomIdentifier(roomId) }, [...recipients.values()], deleted, {
      preferSharedInbox: true,
      orderingKey: room.href,
    })
    this.#deps.log.info({ roomId, recipients: recipients.size }, 'room deletion sent')
    return recipients.size
  }

  /**
   * A newly joined member's instance gets the Announce of the room's latest message again: its
   * replica's head is 0, so it pulls the whole history from the room's history collection first
   * (room-history.ts, room-replica-sync.ts) — paged, any length, with edits, reactions and tombstones.
   */
  async backfill(roomId: string, member: Recipient): Promise<void> {
    const ctx = this.#context()
    const roomUri = ctx.getActorUri(roomIdentifier(roomId))
    const events = (await this.#deps.chat.history(roomId, 1)).filter(
      (e): e is Extract<RoomFanoutEvent, { messageSeq: number }> => 'messageSeq' in e,
    )
    for (const event of events)
      await sendEvent(ctx, roomId, [member], buildEventAnnounce(roomUri, event.messageSeq, event, this.#deps.now()))
    this.#deps.log.info(
      { roomId, member: member.id?.href, latest: events[0]?.messageSeq ?? null },
      "new member told of the room's latest message",
    )
  }

  #context() {
    return this.#federation.createContext(new URL(this.#deps.origin), undefined)
  }
}
