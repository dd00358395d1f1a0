/**
 * What local users do about room membership across instances: invite a remote account to a local
 * room (host side), answer an invitation to a remote room, leave it (member side). Delivery is
 * queued: these never fail because the other instance is down.
 */
import { userIdentifier } from '../actor-identifiers.ts'
import { randomUUID } from 'node:crypto'
import { Accept, Invite, Leave, Reject, isActor } from '@fedify/fedify/vocab'
import type { Context } from '@fedify/fedify'
import type { FederationRepositories, LocalActor, LocalRoomDirectory, RoomInviteRecord } from '../ports.ts'
import type { DomainPolicy } from '../domain-policy.ts'
import type { FederationLogger } from '../log.ts'
import type { RoomFederation } from './room-federation.ts'

export type MembershipActionDeps = {
  /** The users' federation context (invites and answers are signed by users). */
  ctx: Context<void>
  /** Looks up a remote object by handle or URL with our fetch limits (see remote-lookup.ts). */
  lookup: (ctx: Context<void>, target: string) => Promise<unknown>
  rooms: RoomFederation
  directory: LocalRoomDirectory
  repositories: FederationRepositories
  policy: DomainPolicy
  log: FederationLogger
  now: () => number
}

export type MembershipError =
  | { type: 'not-found'; what: 'room' | 'remote-actor' | 'invitation' }
  | { type: 'invalid-target'; message: string }
  | { type: 'blocked-domain'; domain: string }

export type MembershipResult<T> = { ok: true; value: T } | { ok: false; error: MembershipError }

/** Host: `inviter` invites a remote account (handle or actor URL) to local room `roomId`. */
export async function inviteToRoom(
  deps: MembershipActionDeps,
  inviter: LocalActor,
  roomId: string,
  target: string,
): Promise<MembershipResult<RoomInviteRecord>> {
  const room = await deps.directory.byId(roomId)
  if (!room || room.deletedAt !== null) return { ok: false, error: { type: 'not-found', what: 'room' } }
  let remote
  try {
    remote = await deps.lookup(deps.ctx, target.trim())
  } catch {
    remote = null
  }
  if (!isActor(remote) || remote.id === null || remote.inboxId === null)
    return { ok: false, error: { type: 'not-found', what: 'remote-actor' } }
  if (remote.id.origin === new URL(deps.ctx.origin).origin)
    return { ok: false, error: { type: 'invalid-target', message: 'local users are added to rooms directly' } }
  if (deps.policy.blocks(remote.id) || deps.policy.blocks(remote.inboxId))
    return { ok: false, error: { type: 'blocked-domain', domain: remote.id.host } }
  const roomUri = deps.rooms.actorUri(roomId)
  const record: RoomInviteRecord = {
    inviteId: `${roomUri.href}/invites/${randomUUID()}`,
    roomId,
    inviterId: inviter.userId,
    inviteeId: remote.id.href,
    inviteeName: remote.name?.toString() ?? remote.preferredUsername?.toString() ?? remote.id.href,
    inviteeInbox: remote.inboxId.href,
    inviteeSharedInbox: remote.endpoints?.sharedInbox?.href ?? null,
    state: 'pending',
    createdAt: deps.now(),
  }
  await deps.repositories.rooms.invites.add(record)
  const invite = new Invite({
    id: new URL(record.inviteId),
    actor: deps.ctx.getActorUri(userIdentifier(inviter.username)),
    object: roomUri,
    target: remote.id,
    to: remote.id,
  })
  await deps.ctx.sendActivity({ identifier: userIdentifier(inviter.username) }, remote, invite)
  deps.log.info({ roomId, invitee: remote.id.href }, 'room invite sent')
  return { ok: true, value: record }
}

/** Member side: the invited user accepts (`Accept`) or declines (`Reject`) the invitation. */
export async function answerInvitation(
  deps: MembershipActionDeps,
  user: LocalActor,
  inviteId: string,
  accept: boolean,
): Promise<MembershipResult<void>> {
  const invitation = await deps.repositories.rooms.invitations.get(inviteId)
  if (!invitation || invitation.userId !== user.userId || invitation.state !== 'pending')
    return { ok: false, error: { type: 'not-found', what: 'invitation' } }
  if (deps.policy.blocks(invitation.roomId))
    return { ok: false, error: { type: 'blocked-domain', domain: new URL(invitation.roomId).host } }
  await deps.repositories.rooms.invitations.answer(inviteId, accept ? 'accepted' : 'rejected')
  const actor = deps.ctx.getActorUri(userIdentifier(user.username))
  const room = new URL(invitation.roomId)
  const init = {
    id: new URL(`${actor.href}/${accept ? 'accepts' : 'rejects'}/${randomUUID()}`),
    actor,
    object: new URL(inviteId),
    to: room,
  }
  const answer = accept ? new Accept(init) : new Reject(init)
  await deps.ctx.sendActivity(
    { identifier: userIdentifier(user.username) },
    { id: room, inboxId: new URL(invitation.roomInbox) },
    answer,
  )
  deps.log.info({ user: user.username, room: invitation.roomId, accept }, 'room invitation answered')
  return { ok: true, value: undefined }
}

/** Member side: the user leaves a room hosted elsewhere (a `Leave` to the room; the invitation is forgotten here). */
export async function leaveRemoteRoom(
  deps: MembershipActionDeps,
  user: LocalActor,
  roomId: string,
): Promise<MembershipResult<void>> {
  let room: URL
  try {
    room = new URL(roomId)
  } catch {
    return { ok: false, error: { type: 'not-found', what: 'room' } }
  }
  const joined = (await deps.repositories.rooms.invitations.acceptedFor(room.href)).find(
    (i) => i.userId === user.userId,
  )
  if (!joined) return { ok: false, error: { type: 'not-found', what: 'room' } }
  await deps.repositories.rooms.invitations.remove(joined.inviteId)
  const actor = deps.ctx.getActorUri(userIdentifier(user.username))
  const leave = new Leave({ id: new URL(`${actor.href}/leaves/${randomUUID()}`), actor, object: room, to: room })
  if (!deps.policy.blocks(room))
    await deps.ctx.sendActivity(
      { identifier: userIdentifier(user.username) },
      { id: room, inboxId: new URL(joined.roomInbox) },
      leave,
    )
  deps.log.info({ user: user.username, room: room.href }, 'left a remote room')
  return { ok: true, value: undefined }
}
