/**
 * The Fediverse part of the REST API, reached as `client.federation`: looking up, following and
 * blocking remote accounts, inviting them to rooms, answering invitations to rooms on other
 * instances and taking part in those rooms, and (for admins) reports and domain blocks. Kept apart
 * from the rooms/chat client so each file holds one area; it sends through the same client.
 */
import type {
  BlockList,
  BlockView,
  DomainBlockList,
  FederationReportList,
  FollowView,
  RemoteActor,
  RoomAnnouncementView,
  RoomInvitationList,
  RoomRemoteInviteView,
} from '@parley/protocol'

/** What a FederationClient needs of the REST client (ParleyClient). */
export type RequestSender = { request<T>(method: string, path: string, body?: unknown): Promise<T> }

const enc = encodeURIComponent

export class FederationClient {
  readonly #rest: RequestSender

  constructor(rest: RequestSender) {
    this.#rest = rest
  }

  /** A Fediverse account by `@name@host`, `name@host` or actor URL: its name, avatar and profile. */
  lookup(handle: string): Promise<RemoteActor> {
    return this.#rest.request('GET', `/api/v1/federation/lookup?handle=${enc(handle)}`)
  }

  // Follows and blocks
  follow(target: string): Promise<FollowView> {
    return this.#rest.request('POST', '/api/v1/me/follows', { target })
  }
  unfollow(actorId: string): Promise<void> {
    return this.#rest.request('DELETE', `/api/v1/me/follows?actor=${enc(actorId)}`)
  }
  blocks(): Promise<BlockList> {
    return this.#rest.request('GET', '/api/v1/me/blocks')
  }
  block(target: string): Promise<BlockView> {
    return this.#rest.request('POST', '/api/v1/me/blocks', { target })
  }
  unblock(actorId: string): Promise<void> {
    return this.#rest.request('DELETE', `/api/v1/me/blocks?actor=${enc(actorId)}`)
  }

  // Rooms on this instance, seen from outside
  /** Invites an account of another instance (`@name@host` or actor URL) to a room of this instance. */
  inviteRemote(roomId: string, target: string): Promise<RoomRemoteInviteView> {
    return this.#rest.request('POST', `/api/v1/rooms/${enc(roomId)}/remote-invites`, { target })
  }
  /** Posts a public announcement from a public room to its Fediverse followers. */
  announce(roomId: string, text: string): Promise<RoomAnnouncementView> {
    return this.#rest.request('POST', `/api/v1/rooms/${enc(roomId)}/announcements`, { text })
  }

  // Rooms on other instances
  invitations(): Promise<RoomInvitationList> {
    return this.#rest.request('GET', '/api/v1/me/room-invitations')
  }
  answerInvitation(inviteId: string, accept: boolean): Promise<void> {
    return this.#rest.request('POST', '/api/v1/me/room-invitations/answer', { inviteId, accept })
  }
  // A joined room hosted elsewhere is an ordinary room: listed by rooms() (with `host`), read and
  // written through history(), post(), edit()…, streamed as ordinary events, left with leave().

  // Admins
  reports(): Promise<FederationReportList> {
    return this.#rest.request('GET', '/api/v1/admin/federation/reports')
  }
  domainBlocks(): Promise<DomainBlockList> {
    return this.#rest.request('GET', '/api/v1/admin/federation/domain-blocks')
  }
  blockDomain(domain: string): Promise<void> {
    return this.#rest.request('POST', '/api/v1/admin/federation/domain-blocks', { domain })
  }
  unblockDomain(domain: string): Promise<void> {
    return this.#rest.request('DELETE', `/api/v1/admin/federation/domain-blocks/${enc(domain)}`)
  }
}
