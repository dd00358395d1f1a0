/**
 * Rooms as Group actors (FEP-1b12). Ports the server implements (federation/src/ports.ts gathers them).
 */
import type { ActorKeyRepository, FollowerRepository, Page } from './people.ts'
import type { RoomReplicaRepository } from './room-chat.ts'

/** A local room as the Fediverse sees it: a `Group` actor at `/rooms/{roomId}`. */
export type LocalRoom = {
  roomId: string
  name: string
  description: string
  /** Public rooms answer WebFinger and may be followed (from Mastodon too); others may not. */
  public: boolean
  createdAt: number
  /** Deleted rooms answer 410 Gone with a Tombstone. */
  deletedAt: number | null
}

export interface LocalRoomDirectory {
  /** The room, or null when there is none or it is not an actor (one-to-one rooms are not). */
  byId(roomId: string): Promise<LocalRoom | null>
}

/** Something a room posted publicly (an announcement): a `Note` its followers get as a boost. */
export type RoomPostRecord = {
  roomId: string
  /** Opaque, unique within the room; names the Note (`/rooms/{roomId}/posts/{postId}`). */
  postId: string
  /** Plain text as written (HTML-escaped when served). */
  text: string
  createdAt: number
}

export interface RoomPostRepository {
  add(post: RoomPostRecord): Promise<void>
  get(roomId: string, postId: string): Promise<RoomPostRecord | null>
  /** Newest first; `cursor` is opaque (from `next`). */
  list(roomId: string, cursor: string | null, limit: number): Promise<Page<RoomPostRecord>>
  count(roomId: string): Promise<number>
}

export type RoomInviteState = 'pending' | 'accepted' | 'rejected'

/** Host side: an `Invite` a local user sent to a remote account for a local room. */
export type RoomInviteRecord = {
  /** The Invite activity's id. */
  inviteId: string
  roomId: string
  /** Local user id of the inviter. */
  inviterId: string
  inviteeId: string
  inviteeName: string
  inviteeInbox: string
  inviteeSharedInbox: string | null
  state: RoomInviteState
  createdAt: number
}

export interface RoomInviteRepository {
  add(invite: RoomInviteRecord): Promise<void>
  get(inviteId: string): Promise<RoomInviteRecord | null>
  /** Moves a pending invite to `state`; false when it is unknown or was answered already. */
  answer(inviteId: string, state: 'accepted' | 'rejected'): Promise<boolean>
  /** The room's invites still waiting for an answer, oldest first (withdrawn when the room is deleted). */
  pendingFor(roomId: string): Promise<RoomInviteRecord[]>
}

/** Member side: an `Invite` a local user received to a room hosted elsewhere. */
export type RoomInvitationRecord = {
  inviteId: string
  userId: string
  /** The room's actor id (a `Group` on its host). */
  roomId: string
  roomName: string
  roomInbox: string
  inviterId: string
  state: RoomInviteState
  createdAt: number
}

export interface RoomInvitationRepository {
  /** Idempotent by `inviteId`; false when it was known. */
  receive(invitation: RoomInvitationRecord): Promise<boolean>
  get(inviteId: string): Promise<RoomInvitationRecord | null>
  /** The user's invitations in `state`, oldest first. */
  listForUser(userId: string, state: RoomInviteState): Promise<RoomInvitationRecord[]>
  /** The accepted invitations to the room (`roomId`: its actor id): who here is a member of it. */
  acceptedFor(roomId: string): Promise<RoomInvitationRecord[]>
  /** The room's host renamed it (its event `eventSeq`): every invitation to it shows the new name. */
  rename(roomId: string, name: string, eventSeq?: number): Promise<void>
  /** Forgets an invitation (its user left the room or was removed); false when unknown. */
  remove(inviteId: string): Promise<boolean>
  answer(inviteId: string, state: 'accepted' | 'rejected'): Promise<boolean>
  /** The room was deleted on its host: forgets every invitation to it, pending or accepted; returns what was forgotten. */
  forgetRoom(roomId: string): Promise<RoomInvitationRecord[]>
}

/** What rooms as actors keep. Key, follower and member records name the room in their `userId` field. */
export interface RoomFederationRepositories {
  /** Key pairs of rooms (`ActorKeyRecord.userId` holds the room id). */
  readonly keys: ActorKeyRepository
  /** Remote followers of public rooms (`FollowerRecord.userId` holds the room id). */
  readonly followers: FollowerRepository
  readonly posts: RoomPostRepository
  /** Remote members of local rooms and where to deliver to them (`followId`: the accepted Invite's id). */
  readonly members: FollowerRepository
  readonly invites: RoomInviteRepository
  readonly invitations: RoomInvitationRepository
  /** Member side: replicas of the messages of remote rooms local users are in. */
  readonly replicas: RoomReplicaRepository
  /** Host side: up to which event each room's fan-out was handed to the queue (resumed after a crash). */
  readonly fanoutCursors: RoomFanoutCursorRepository
}

export interface RoomFanoutCursorRepository {
  /** Moves the room's cursor forward to `seq` (never back). */
  advance(roomId: string, seq: number): Promise<void>
  /** Every room's cursor. */
  list(): Promise<{ roomId: string; seq: number }[]>
  /** The room's cursor (0: none). */
  get(roomId: string): Promise<number>
  /** Drops the room's cursor: it has no remote member left, so nothing is replayed for it after a restart. */
  forget(roomId: string): Promise<void>
}

/** The server's side of remote membership in local rooms (participants are the rooms layer's). */
export interface RoomMembershipPort {
  /** Adds a remote account as a member of a local room; its participant id is its actor id. */
  addRemoteMember(roomId: string, member: { actorId: string; displayName: string }): Promise<void>
  /** The remote member left (a `Leave`): removed as anyone leaving is. */
  removeRemoteMember(roomId: string, actorId: string): Promise<boolean>
}
