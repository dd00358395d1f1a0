/**
 * What local users do about rooms across instances, by username: invite to a local room (host
 * side), answer an invitation, leave, and act in a room hosted elsewhere (member side). Exposed as
 * `ParleyFederation.roomMembers`; the work is in room-membership-actions.ts, room-actions.ts and room-meeting-answers.ts.
 */
import type { Context } from '@fedify/fedify'
import type { LocalActor, LocalActorDirectory, RoomInviteRecord } from '../ports.ts'
import { answerRoomMeeting, type MeetingAnswer } from './room-meeting-answers.ts'
import type { ForwardOutcome, RemoteRoomAction } from './room-actions.ts'
import type { RosterOutcome } from './room-participants.ts'
import type { RoomHostLink } from './room-host-link.ts'
import {
  answerInvitation,
  inviteToRoom,
  leaveRemoteRoom,
  type MembershipActionDeps,
  type MembershipError,
  type MembershipResult,
} from './room-membership-actions.ts'

export type RoomMemberActionsDeps = Omit<MembershipActionDeps, 'ctx'> & {
  /** The users' federation context (activities are signed by users). */
  context: () => Context<void>
  users: LocalActorDirectory
  /** A handle's or URL's domain when it is blocked (checked before any lookup). */
  blockedTarget: (target: string) => { type: string } | null
  /** Forwarded writes and roster requests go to hosts through it. */
  hosts: RoomHostLink
}

export class RoomMemberActions {
  readonly #deps: RoomMemberActionsDeps

  constructor(deps: RoomMemberActionsDeps) {
    this.#deps = deps
  }

  /** A local user invites a remote account (handle or URL) to a local room: an `Invite` (see room-membership.ts). */
  async invite(roomId: string, inviterUsername: string, target: string): Promise<MembershipResult<RoomInviteRecord>> {
    const inviter = await this.#user(inviterUsername)
    if (!inviter) return { ok: false, error: { type: 'not-found', what: 'room' } }
    const blocked = this.#deps.blockedTarget(target)
    if (blocked?.type === 'blocked-domain') return { ok: false, error: blocked as MembershipError }
    return inviteToRoom(this.#actionDeps(), inviter, roomId, target)
  }

  /** A local user accepts or declines an invitation to a room on another instance. */
  async answer(username: string, inviteId: string, accept: boolean): Promise<MembershipResult<void>> {
    const user = await this.#user(username)
    if (!user) return { ok: false, error: { type: 'not-found', what: 'invitation' } }
    return answerInvitation(this.#actionDeps(), user, inviteId, accept)
  }

  /** A local user leaves a room hosted elsewhere. */
  async leave(username: string, roomId: string): Promise<MembershipResult<void>> {
    const user = await this.#user(username)
    if (!user) return { ok: false, error: { type: 'not-found', what: 'room' } }
    return leaveRemoteRoom(this.#actionDeps(), user, roomId)
  }

  /** A local user's write in a room hosted elsewhere, sent to its host now (room-host-link.ts). */
  forward(username: string, roomUri: string, action: RemoteRoomAction, actionId: string): Promise<ForwardOutcome> {
    return this.#deps.hosts.forward(username, roomUri, action, actionId)
  }

  /** The participants of a room hosted elsewhere as its host knows them (room-host-link.ts). */
  participants(username: string, roomUri: string): Promise<RosterOutcome> {
    return this.#deps.hosts.participants(username, roomUri)
  }

  /** A local user answers an occurrence of a meeting of a room hosted elsewhere (sent to its host). */
  async answerMeeting(
    username: string,
    roomId: string,
    answer: MeetingAnswer,
  ): Promise<MembershipResult<{ activityId: string }>> {
    const user = await this.#user(username)
    if (!user) return { ok: false, error: { type: 'not-found', what: 'room' } }
    return answerRoomMeeting(this.#actionDeps(), user, roomId, answer)
  }

  async #user(username: string): Promise<LocalActor | null> {
    const user = await this.#deps.users.byUsername(username)
    return user && user.deletedAt === null ? user : null
  }

  #actionDeps(): MembershipActionDeps {
    const { lookup, rooms, directory, repositories, policy, log, now } = this.#deps
    return { ctx: this.#deps.context(), lookup, rooms, directory, repositories, policy, log, now }
  }
}
