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
