/** Rooms on the Fediverse: what a public room posts publicly (its followers, Mastodon too, see a boost). */
import Type, { type Static } from 'typebox'
import { Timestamp } from './common.ts'

export const RoomAnnouncementCreate = Type.Object(
  {
    text: Type.String({
      minLength: 1,
      maxLength: 5000,
      description: 'Plain text; the room posts it as a Note and announces it to its followers.',
    }),
  },
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
export const RoomRemoteInviteCreate = Type.Object(
  { target: Type.String({ minLength: 3, maxLength: 2048 }) },
  { additionalProperties: false },
)
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

export const RoomInvitationAnswer = Type.Object(
  { inviteId: Type.String({ minLength: 1, maxLength: 2048 }), accept: Type.Boolean() },
  { additionalProperties: false },
)
export type RoomInvitationAnswer = Static<typeof RoomInvitationAnswer>
