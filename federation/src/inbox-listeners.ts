/**
 * The one set of inbox listeners of the instance's Fedify `Federation`: personal inboxes at
 * `/{+identifier}/inbox` (users' and rooms') and the shared inbox at /inbox. Each listener branches
 * on the kind of recipient: a room's inbox takes what members and followers send a `Group`
 * (rooms/room-inbox.ts, room-chat.ts, room-membership.ts); a user's inbox, the shared inbox and the
 * instance actor's take what is sent to people (inbox/, direct/, and the rooms' Announces to members).
 */
import {
  Accept,
  Announce,
  Create,
  Delete,
  EmojiReact,
  Flag,
  Follow,
  Invite,
  Leave,
  Like,
  Reject,
  Remove,
  TentativeAccept,
  Undo,
  Update,
} from '@fedify/fedify/vocab'
import type { DocumentLoader, Federation, InboxContext } from '@fedify/fedify'
import type { DirectConversationPort, FederationRepositories, LocalActorDirectory, MeetingsPort } from './ports.ts'
import type { FederationLogger } from './log.ts'
import type { InboxDeps } from './inbox/inbox-deps.ts'
import type { DomainPolicy } from './domain-policy.ts'
import type { ParsedActors } from './parsed-actors.ts'
import { roomIdOf, roomIdentifier } from './actor-identifiers.ts'
import { ACTOR_PATHS } from './actor-dispatcher.ts'
import { onFollow } from './inbox/follow.ts'
import { onUndo } from './inbox/undo.ts'
import { onAccept, onReject } from './inbox/accept.ts'
import { onCreate } from './inbox/create.ts'
import { onMeetingActivity } from './inbox/meetings.ts'
import { onDelete, onUnverifiedDelete } from './inbox/delete.ts'
import { onFlag } from './inbox/flag.ts'
import { onNoteUpdate, onReaction } from './direct/direct-inbox.ts'
import { onRoomAnnounce, onRoomChat } from './rooms/room-chat.ts'
import { onInvite, onRoomAccept, onRoomLeave, onRoomReject, onRoomRemove } from './rooms/room-membership.ts'
import { onMeetingAnswer } from './rooms/room-meetings.ts'
import { onRoomFollow, onRoomUndo, type RoomInboxDeps } from './rooms/room-inbox.ts'

export type InboxListenerDeps = {
  /** The cached, unsigned document loader (see InboxDeps). */
  publicLoader: DocumentLoader
  /** Actors read through it, kept parsed (see InboxDeps). */
  actors: ParsedActors
  directory: LocalActorDirectory
  repositories: FederationRepositories
  log: FederationLogger
  now: () => number
  policy: DomainPolicy
  direct: DirectConversationPort
  meetings?: MeetingsPort
  /** What rooms' inboxes need (room-inbox.ts). */
  rooms: RoomInboxDeps
}

export function installInboxListeners(federation: Federation<void>, deps: InboxListenerDeps): void {
  const people: InboxDeps = {
    repositories: deps.repositories,
    directory: deps.directory,
    log: deps.log,
    now: deps.now,
    policy: deps.policy,
    direct: deps.direct,
    publicLoader: deps.publicLoader,
    actors: deps.actors,
    ...(deps.meetings ? { meetings: deps.meetings } : {}),
  }
  const rooms = deps.rooms
  const chatDeps = { chat: rooms.chat, log: rooms.log, policy: rooms.policy }
  const answerDeps = {
    meetings: rooms.meetings,
    members: rooms.repositories.members,
    policy: rooms.policy,
    log: rooms.log,
  }
  /** The room the activity was posted to, when its recipient is a room's inbox. */
  const roomOf = (ctx: InboxContext<void>) => roomIdOf(ctx.recipient)
  const answer = (ctx: InboxContext<void>, activity: Accept | Reject, roomId: string) =>
    onMeetingAnswer(answerDeps, ctx.getActorUri(roomIdentifier(roomId)), roomId, activity)

  federation
    .setInboxListeners(ACTOR_PATHS.inbox, ACTOR_PATHS.sharedInbox)
    // One activity id is processed once per instance, whichever of the people's inboxes it reaches
    // (Fedify 2's default, per-inbox, would run it again for each personal inbox it was sent to);
    // a room's inbox is a recipient of its own (a room decides for itself what a member sent it).
    .withIdempotency((ctx, activity) => {
      const roomId = roomOf(ctx)
      const id = activity.id?.href
      if (id === undefined) return null
      return roomId === null ? `${ctx.origin}\n${id}` : `${ctx.origin}\n${id}\nroom\n${roomId}`
    })
    .on(Follow, (ctx, activity) =>
      roomOf(ctx) === null ? onFollow(people, ctx, activity) : onRoomFollow(rooms, ctx, activity),
    )
    .on(Undo, (ctx, activity) =>
      roomOf(ctx) === null ? onUndo(people, ctx, activity) : onRoomUndo(rooms, ctx, activity),
    )
    .on(Accept, async (ctx, activity) => {
      const roomId = roomOf(ctx)
      if (roomId === null) return onAccept(people, ctx, activity)
      if (!(await answer(ctx, activity, roomId))) await onRoomAccept(rooms, ctx, activity, roomId)
    })
    .on(TentativeAccept, async (ctx, activity) => {
      const roomId = roomOf(ctx)
      if (roomId !== null) await answer(ctx, activity, roomId)
    })
    .on(Reject, async (ctx, activity) => {
      const roomId = roomOf(ctx)
      if (roomId === null) return onReject(people, ctx, activity)
      if (!(await answer(ctx, activity, roomId))) await onRoomReject(rooms, ctx, activity, roomId)
    })
    .on(Leave, async (ctx, activity) => {
      const roomId = roomOf(ctx)
      if (roomId !== null) await onRoomLeave(rooms, ctx, activity, roomId)
    })
    .on(Create, async (ctx, activity) => {
      const roomId = roomOf(ctx)
      if (roomId !== null) return onRoomChat(chatDeps, ctx, activity, roomId)
      if (!(await onMeetingActivity(people, ctx, activity))) await onCreate(people, ctx, activity)
    })
    // To a person: an actor deleting itself (its account), or one of its notes.
    .on(Delete, async (ctx, activity) => {
      const roomId = roomOf(ctx)
      if (roomId !== null) return onRoomChat(chatDeps, ctx, activity, roomId)
      if (!(await onMeetingActivity(people, ctx, activity))) await onDelete(people, ctx, activity)
    })
    .on(Update, async (ctx, activity) => {
      const roomId = roomOf(ctx)
      if (roomId !== null) return onRoomChat(chatDeps, ctx, activity, roomId)
      if (!(await onMeetingActivity(people, ctx, activity))) await onNoteUpdate(people, ctx, activity)
    })
    .on(Like, async (ctx, activity) => {
      const roomId = roomOf(ctx)
      if (roomId !== null) return onRoomChat(chatDeps, ctx, activity, roomId)
      await onReaction(people, ctx, activity)
    })
    .on(EmojiReact, async (ctx, activity) => {
      const roomId = roomOf(ctx)
      if (roomId !== null) return onRoomChat(chatDeps, ctx, activity, roomId)
      await onReaction(people, ctx, activity)
    })
    // Only people's inboxes take reports, invitations, the rooms' Announces and removals.
    .on(Flag, async (ctx, activity) => {
      if (roomOf(ctx) === null) await onFlag(people, ctx, activity)
    })
    .on(Invite, async (ctx, activity) => {
      if (roomOf(ctx) === null) await onInvite(people, ctx, activity)
    })
    .on(Announce, async (ctx, activity) => {
      if (roomOf(ctx) === null) await onRoomAnnounce(people, ctx, activity)
    })
    .on(Remove, async (ctx, activity) => {
      if (roomOf(ctx) === null) await onRoomRemove(people, ctx, activity)
    })
    .onUnverifiedActivity((ctx, activity, reason) => onUnverifiedDelete(people, ctx, activity, reason))
    .onError((_ctx, error) => deps.log.error({ err: error }, 'inbox listener failed'))
}
