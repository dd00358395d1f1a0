/**
 * The caller's room list: each room with what is new in it for them. Apart from rooms.ts because it
 * carries a MessageView (chat.ts builds on rooms.ts).
 */
import Type, { type Static } from 'typebox'
import { MessageView } from './chat.ts'
import { RoomView } from './rooms.ts'
import { ParticipantRef } from './people.ts'

export const MyRoom = Type.Object(
  {
    ...RoomView.properties,
    unreadCount: Type.Integer({
      minimum: 0,
      description:
        "Messages after my read marker that are not mine, not system messages, not deleted or expired. Reactions and read markers do not count (they advance the room's `lastSeq`, not this).",
    }),
    unreadMentions: Type.Integer({ minimum: 0, description: 'Of the unread messages, those that mention me' }),
    lastMessage: Type.Union([MessageView, Type.Null()], {
      description: "The room's latest message (a reaction or read marker is not one); null: none yet",
    }),
  },
  { additionalProperties: false, title: 'MyRoom' },
)
export type MyRoom = Static<typeof MyRoom>

export const MyRoomList = Type.Object(
  { rooms: Type.Array(MyRoom) },
  { additionalProperties: false, title: 'MyRoomList' },
)
export type MyRoomList = Static<typeof MyRoomList>

export const OwnershipTransfer = Type.Object(
  { actorId: ParticipantRef },
  {
    additionalProperties: false,
    title: 'OwnershipTransfer',
    description:
      'The participant (a signed-in user of this instance, active in the room) who becomes the owner: by id, username or handle',
  },
)
export type OwnershipTransfer = Static<typeof OwnershipTransfer>
