/** Rooms on the Fediverse: what a public room posts publicly (its followers, Mastodon too, see a boost). */
import Type, { type Static } from 'typebox'
import { Timestamp } from './common.ts'

export const RoomAnnouncementCreate = Type.Object(
  { text: Type.String({ minLength: 1, maxLength: 5000, description: 'Plain text; the room posts it as a Note and announces it to its followers.' }) },
  { additionalProperties: false },
)
export type RoomAnnouncementCreate = Static<typeof RoomAnnouncementCreate>

export const RoomAnnouncementView = Type.Object({
  postId: Type.String(),
  /** The Note's ActivityPub id. */
  noteId: Type.String(),
  /** Followers it was queued for (delivery happens in the background). */
  recipients: Type.Integer({ minimum: 0 }),
  createdAt: Timestamp,
})
export type RoomAnnouncementView = Static<typeof RoomAnnouncementView>

/** Invite an account of another instance to a room (handle `@bob@b.example` or actor URL). */
export const RoomRemoteInviteCreate = Type.Object({ target: Type.String({ minLength: 3, maxLength: 2048 }) }, { additionalProperties: false })
export type RoomRemoteInviteCreate = Static<typeof RoomRemoteInviteCreate>

export const RoomRemoteInviteView = Type.Object({
  /** The Invite activity's id. */
  inviteId: Type.String(),
  inviteeId: Type.String(),
  state: Type.Union([Type.Literal('pending'), Type.Literal('accepted'), Type.Literal('rejected')]),
  createdAt: Timestamp,
})
export type RoomRemoteInviteView = Static<typeof RoomRemoteInviteView>

/** An invitation I received to a room hosted on another instance. */
export const RoomInvitationView = Type.Object({
  inviteId: Type.String(),
  /** The room's actor id on its host. */
  roomId: Type.String(),
  roomName: Type.String(),
  inviterId: Type.String(),
  createdAt: Timestamp,
})
export type RoomInvitationView = Static<typeof RoomInvitationView>

export const RoomInvitationList = Type.Object({ invitations: Type.Array(RoomInvitationView) })
export type RoomInvitationList = Static<typeof RoomInvitationList>

export const RoomInvitationAnswer = Type.Object({ inviteId: Type.String({ minLength: 1, maxLength: 2048 }), accept: Type.Boolean() }, { additionalProperties: false })
export type RoomInvitationAnswer = Static<typeof RoomInvitationAnswer>

/** A room hosted on another instance that I joined (by accepting an invitation). */
export const RemoteRoomView = Type.Object({ roomId: Type.String(), roomName: Type.String() })
export type RemoteRoomView = Static<typeof RemoteRoomView>
export const RemoteRoomList = Type.Object({ rooms: Type.Array(RemoteRoomView) })
export type RemoteRoomList = Static<typeof RemoteRoomList>

export const RemoteRoomMessagesQuery = Type.Object(
  { room: Type.String({ minLength: 1, maxLength: 2048 }), after: Type.Optional(Type.Integer({ minimum: 0 })), limit: Type.Optional(Type.Integer({ minimum: 1, maximum: 200 })) },
  { additionalProperties: false },
)
export type RemoteRoomMessagesQuery = Static<typeof RemoteRoomMessagesQuery>

/** A message of a remote room as its host announced it (seq: the host's). */
export const RemoteRoomMessage = Type.Object({
  seq: Type.Integer({ minimum: 1 }),
  authorId: Type.String(),
  authorName: Type.String(),
  body: Type.String(),
  replyTo: Type.Union([Type.Integer({ minimum: 1 }), Type.Null()]),
  createdAt: Timestamp,
  editedAt: Type.Union([Timestamp, Type.Null()]),
  deletedAt: Type.Union([Timestamp, Type.Null()]),
  reactions: Type.Array(Type.Object({ emoji: Type.String(), actorId: Type.String(), actorName: Type.String() })),
})
export type RemoteRoomMessage = Static<typeof RemoteRoomMessage>
export const RemoteRoomMessageList = Type.Object({ messages: Type.Array(RemoteRoomMessage) })
export type RemoteRoomMessageList = Static<typeof RemoteRoomMessageList>

const Body = Type.String({ minLength: 1, maxLength: 10_000 })
const Seq = Type.Integer({ minimum: 1 })
const Emoji = Type.String({ minLength: 1, maxLength: 64 })
/** What I do in a remote room: sent to its host, which decides and announces the result. */
export const RemoteRoomActionRequest = Type.Object(
  {
    room: Type.String({ minLength: 1, maxLength: 2048 }),
    action: Type.Union([
      Type.Object({ type: Type.Literal('post'), body: Body, replyTo: Type.Optional(Seq) }, { additionalProperties: false }),
      Type.Object({ type: Type.Literal('edit'), seq: Seq, body: Body }, { additionalProperties: false }),
      Type.Object({ type: Type.Literal('delete'), seq: Seq }, { additionalProperties: false }),
      Type.Object({ type: Type.Union([Type.Literal('react'), Type.Literal('unreact')]), seq: Seq, emoji: Emoji }, { additionalProperties: false }),
    ]),
  },
  { additionalProperties: false },
)
export type RemoteRoomActionRequest = Static<typeof RemoteRoomActionRequest>
export const RemoteRoomActionView = Type.Object({ activityId: Type.String() })
export type RemoteRoomActionView = Static<typeof RemoteRoomActionView>

export const RemoteRoomLeave = Type.Object({ room: Type.String({ minLength: 1, maxLength: 2048 }) }, { additionalProperties: false })
export type RemoteRoomLeave = Static<typeof RemoteRoomLeave>
