/**
 * What a local room's inbox does with what arrives (the recipient is a room: see inbox-listeners.ts):
 * follows from the Fediverse (public rooms accept at once), their undos, members' answers to
 * invitations and meetings, leaves, and members' chat (Create/Update/Delete/Like/EmojiReact and
 * their undos), which the host decides and announces (room-chat.ts).
 */
import type { Undo } from '@fedify/fedify/vocab'
import { EmojiReact, Follow, Like, isActor, type Recipient } from '@fedify/fedify/vocab'
import { answerFollow, storeFollower, type CheckedFollower } from '../inbox/follow-answer.ts'
import type { InboxContext } from '@fedify/fedify'
import type {
  LocalRoom,
  LocalRoomDirectory,
  MeetingsPort,
  RoomChatPort,
  RoomFederationRepositories,
  RoomMembershipPort,
} from '../ports.ts'
import { onRoomChat } from './room-chat.ts'
import type { FederationLogger } from '../log.ts'
import type { DomainPolicy } from '../domain-policy.ts'
import { sameUrl } from '../inbox/inbox-deps.ts'
import { roomIdOf, roomIdentifier } from '../actor-identifiers.ts'

export type RoomInboxDeps = {
  membership: RoomMembershipPort
  backfill: (roomId: string, member: Recipient) => Promise<void>
  chat: RoomChatPort
  rooms: LocalRoomDirectory
  repositories: RoomFederationRepositories
  log: FederationLogger
  now: () => number
  policy: DomainPolicy
  /** Remote members' answers to the room's meetings (room-meetings.ts). */
  meetings?: MeetingsPort
}

/** The local room a Follow or Undo names, if it is one of ours and not deleted. */
async function roomAt(deps: RoomInboxDeps, ctx: InboxContext<void>, uri: URL | null): Promise<LocalRoom | null> {
  const parsed = ctx.parseUri(uri)
  const roomId = parsed?.type === 'actor' ? roomIdOf(parsed.identifier) : null
  if (roomId === null) return null
  const room = await deps.rooms.byId(roomId)
  return room && room.deletedAt === null ? room : null
}

/** Follow of a room: public rooms accept at once (a signed Accept embedding the Follow); others reject. */
export async function onRoomFollow(deps: RoomInboxDeps, ctx: InboxContext<void>, follow: Follow): Promise<void> {
  if (follow.id === null || follow.actorId === null || deps.policy.blocks(follow.actorId)) return
  const room = await roomAt(deps, ctx, follow.objectId)
  if (!room) return
  const follower = await follow.getActor(ctx)
  if (
    !isActor(follower) ||
    follower.id === null ||
    follower.inboxId === null ||
    !sameUrl(follower.id, follow.actorId) ||
    deps.policy.blocks(follower.inboxId)
  )
    return
  const identifier = roomIdentifier(room.roomId)
  const checked = follower as CheckedFollower
  if (!room.public) {
    await answerFollow(ctx, identifier, follow, checked, 'reject')
    deps.log.info({ roomId: room.roomId, follower: follower.id.href }, 'follow of a room that is not public rejected')
    return
  }
  const added = await storeFollower(deps.repositories.followers, room.roomId, follow.id, checked, deps.now())
  await answerFollow(ctx, identifier, follow, checked, 'accept')
  deps.log.info({ roomId: room.roomId, follower: follower.id.href, added }, 'room follower accepted')
}

/** Undo of a Follow of a room, by the Follow's own actor only (embedded, or named by id). */
export async function onRoomUndo(deps: RoomInboxDeps, ctx: InboxContext<void>, undo: Undo): Promise<void> {
  if (undo.actorId === null || undo.objectId === null) return
  let object: unknown = null
  try {
    object = await undo.getObject(ctx)
  } catch {
    object = null
  }
  const recipient = roomIdOf(ctx.recipient)
  if ((object instanceof EmojiReact || object instanceof Like) && recipient !== null) {
    await onRoomChat({ chat: deps.chat, log: deps.log, policy: deps.policy }, ctx, undo, recipient)
    return
  }
  if (object instanceof Follow) {
    if (!sameUrl(object.actorId, undo.actorId)) {
      deps.log.warn({ undo: undo.id?.href }, 'Undo of a room Follow by another actor refused')
      return
    }
    const room = await roomAt(deps, ctx, object.objectId)
    if (!room) return
    const removed = await deps.repositories.followers.remove(room.roomId, undo.actorId.href)
    deps.log.info({ roomId: room.roomId, follower: undo.actorId.href, removed }, 'room follower undid follow')
    return
  }
  await deps.repositories.followers.removeByFollowId(undo.actorId.href, undo.objectId.href)
}
