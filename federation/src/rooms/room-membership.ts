/**
 * Room membership across instances (DESIGN.md §3): a local user invites a remote account to a local
 * room with an `Invite` (actor: the inviter, object: the room, target: the invitee); the invitee's
 * instance keeps it as a pending invitation; its user answers with `Accept` or `Reject` of the
 * Invite, sent to the room's inbox; an accepted invitee becomes a member on the host (a participant
 * whose id is its actor id, and a delivery address for the room's fan-out).
 *
 * Host side: `onRoomAccept`, `onRoomReject` (room inbox). Member side: `onInvite`
 * (users' inbox).
 */
import { roomIdentifier } from '../actor-identifiers.ts'
import {
  Group,
  isActor,
  type Accept,
  type Invite,
  type Leave,
  type Recipient,
  type Reject,
  type Remove,
} from '@fedify/fedify/vocab'
import type { InboxContext } from '@fedify/fedify'
import type { RoomFederationRepositories, RoomMembershipPort } from '../ports.ts'
import type { FederationLogger } from '../log.ts'
import type { DomainPolicy } from '../domain-policy.ts'
import { localActorAt, sameUrl, type InboxDeps } from '../inbox/inbox-deps.ts'

export type RoomMembershipDeps = {
  repositories: RoomFederationRepositories
  membership: RoomMembershipPort
  /** Tells a newly joined member's instance of the room's latest message (it then pulls the history). */
  backfill: (roomId: string, member: Recipient) => Promise<void>
  log: FederationLogger
  now: () => number
  policy: DomainPolicy
}

/** Host: the invitee accepts (object: the Invite, by id or embedded). Only the invitee may, once. */
export async function onRoomAccept(
  deps: RoomMembershipDeps,
  ctx: InboxContext<void>,
  accept: Accept,
  roomId: string,
): Promise<void> {
  if (accept.actorId === null || accept.objectId === null || deps.policy.blocks(accept.actorId)) return
  const invite = await deps.repositories.invites.get(accept.objectId.href)
  if (!invite || invite.roomId !== roomId) return
  if (!sameUrl(invite.inviteeId, accept.actorId)) {
    deps.log.warn(
      { roomId, invite: invite.inviteId, by: accept.actorId.href },
      'Accept of an invite by someone else than the invitee refused',
    )
    return
  }
  if (!(await deps.repositories.invites.answer(invite.inviteId, 'accepted'))) return
  await deps.repositories.members.upsert({
    userId: roomId,
    actorId: invite.inviteeId,
    inbox: invite.inviteeInbox,
    sharedInbox: invite.inviteeSharedInbox,
    followId: invite.inviteId,
    createdAt: deps.now(),
  })
  await deps.membership.addRemoteMember(roomId, { actorId: invite.inviteeId, displayName: invite.inviteeName })
  await deps.backfill(roomId, {
    id: new URL(invite.inviteeId),
    inboxId: new URL(invite.inviteeInbox),
    endpoints: invite.inviteeSharedInbox ? { sharedInbox: new URL(invite.inviteeSharedInbox) } : null,
  })
  deps.log.info(
    { roomId, member: invite.inviteeId, room: ctx.getActorUri(roomIdentifier(roomId)).href },
    'remote member joined the room',
  )
}

/** Host: the invitee declines. */
export async function onRoomReject(
  deps: RoomMembershipDeps,
  _ctx: InboxContext<void>,
  reject: Reject,
  roomId: string,
): Promise<void> {
  if (reject.actorId === null || reject.objectId === null) return
  const invite = await deps.repositories.invites.get(reject.objectId.href)
  if (!invite || invite.roomId !== roomId || !sameUrl(invite.inviteeId, reject.actorId)) return
  if (await deps.repositories.invites.answer(invite.inviteId, 'rejected'))
    deps.log.info({ roomId, invitee: invite.inviteeId }, 'room invite declined')
}

/** Host: a remote member leaves (object: the room). */
export async function onRoomLeave(
  deps: RoomMembershipDeps,
  _ctx: InboxContext<void>,
  leave: Leave,
  roomId: string,
): Promise<void> {
  if (leave.actorId === null) return
  // The delivery address goes first: the participant.left event that follows sends nothing back.
  if (!(await deps.repositories.members.remove(roomId, leave.actorId.href))) return
  await deps.membership.removeRemoteMember(roomId, leave.actorId.href)
  deps.log.info({ roomId, member: leave.actorId.href }, 'remote member left the room')
}

/** Member side: the room removed a local user (`Remove`, actor: the room, object: the user, target: the room). */
export async function onRoomRemove(deps: InboxDeps, ctx: InboxContext<void>, remove: Remove): Promise<void> {
  const room = remove.actorId
  if (room === null || !sameUrl(remove.targetId, room)) return
  const user = await localActorAt(deps, ctx, remove.objectId)
  if (!user) return
  for (const invitation of await deps.repositories.rooms.invitations.acceptedFor(room.href)) {
    if (invitation.userId === user.userId) await deps.repositories.rooms.invitations.remove(invitation.inviteId)
  }
  deps.log.info({ room: room.href, user: user.username }, 'removed from a remote room')
}

/**
 * Member side: an Invite of a local user (`target`) to a room (`object`, a Group). The inviter must
 * live on the room's host — the host is the authority for its rooms. Kept once per Invite id.
 */
export async function onInvite(deps: InboxDeps, ctx: InboxContext<void>, invite: Invite): Promise<void> {
  if (invite.id === null || invite.actorId === null || invite.objectId === null || deps.policy.blocks(invite.actorId))
    return
  const invitee = await localActorAt(deps, ctx, invite.targetId)
  if (!invitee) return
  if (invite.objectId.origin !== invite.actorId.origin || invite.id.origin !== invite.actorId.origin) {
    deps.log.warn({ invite: invite.id.href }, "Invite to a room of another server than the inviter's refused")
    return
  }
  if (await deps.repositories.blocks.has(invitee.userId, invite.actorId.href)) return
  let room: unknown = null
  try {
    room = await invite.getObject(ctx)
  } catch (error) {
    deps.log.info({ invite: invite.id.href, err: error }, 'invited-to room could not be fetched')
  }
  if (
    !(room instanceof Group) ||
    !isActor(room) ||
    room.id === null ||
    room.inboxId === null ||
    !sameUrl(room.id, invite.objectId)
  )
    return
  const stored = await deps.repositories.rooms.invitations.receive({
    inviteId: invite.id.href,
    userId: invitee.userId,
    roomId: room.id.href,
    roomName: room.name?.toString() ?? '',
    roomInbox: room.inboxId.href,
    inviterId: invite.actorId.href,
    state: 'pending',
    createdAt: deps.now(),
  })
  deps.log.info(
    { invite: invite.id.href, user: invitee.username, room: room.id.href, stored },
    'room invitation received',
  )
}
