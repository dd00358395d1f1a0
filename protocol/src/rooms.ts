/**
 * Rooms and participants: REST bodies and the views clients get. Names, descriptions and messages
 * are plain text (markdown for messages) and are stored as given: clients render them as text, never
 * as HTML, so markup in them is harmless (spec/realtime.md, "Text").
 */
import Type, { type Static } from 'typebox'
import { DisplayName, Id, Timestamp, VISIBLE_TEXT_PATTERN } from './common.ts'
import { ParticipantRef, PersonRef } from './people.ts'

export const RoomKind = Type.Union([Type.Literal('one-to-one'), Type.Literal('group'), Type.Literal('public')], {
  description:
    'one-to-one: one per pair of people, not renamable. group: by invitation. public: joinable by link, guests too.',
})
export type RoomKind = Static<typeof RoomKind>

export const RoomListable = Type.Union([Type.Literal('none'), Type.Literal('users'), Type.Literal('everyone')], {
  description: 'Who finds the room in the room directory: nobody, signed-in users, or everyone including guests.',
})
export type RoomListable = Static<typeof RoomListable>

export const ParticipantRole = Type.Union([
  Type.Literal('owner'),
  Type.Literal('moderator'),
  Type.Literal('member'),
  Type.Literal('guest'),
])
export type ParticipantRole = Static<typeof ParticipantRole>

export const ParticipantState = Type.Union([Type.Literal('active'), Type.Literal('lobby'), Type.Literal('banned')], {
  description: 'lobby: waiting for a moderator to admit them (the lobby is on). banned: removed and may not come back.',
})
export type ParticipantState = Static<typeof ParticipantState>

export const Permission = Type.Union(
  [
    Type.Literal('chat'),
    Type.Literal('call'),
    Type.Literal('audio'),
    Type.Literal('video'),
    Type.Literal('screen'),
    Type.Literal('invite'),
  ],
  { description: 'chat: post and react. call: start a call. audio, video, screen: publish them. invite: add people.' },
)
export type Permission = Static<typeof Permission>

export const NotificationLevel = Type.Union([Type.Literal('all'), Type.Literal('mentions'), Type.Literal('none')])
export type NotificationLevel = Static<typeof NotificationLevel>

export const RoomName = Type.String({
  minLength: 1,
  maxLength: 200,
  pattern: VISIBLE_TEXT_PATTERN,
  description: 'Not blank; no control characters',
})
export const RoomDescription = Type.String({ maxLength: 2000 })
export const RoomPassword = Type.String({ minLength: 4, maxLength: 200 })
export const ExpirySeconds = Type.Integer({
  minimum: 60,
  maximum: 366 * 24 * 3600,
  description: 'Messages are removed this long after posting.',
})

/** What the room's `e2ee` flag promises: only what the call client and server do (spec/realtime.md). */
const E2EE_DESCRIPTION =
  "End-to-end encrypted calls: each participant's client encrypts every audio and video frame (SFrame, AES-GCM) with its own key, " +
  'sent to each other participant encrypted for them; the server and the media server relay what they cannot read. ' +
  'Clients that cannot encrypt are refused (e2ee-required); recording, and anything else that would need the server to read media, is refused (e2ee-forbids). ' +
  'Chat messages, who is in the call and call signalling are not end-to-end encrypted.'

export const RoomCreate = Type.Object(
  {
    kind: Type.Union([Type.Literal('group'), Type.Literal('public')]),
    name: RoomName,
    description: Type.Optional(RoomDescription),
    listable: Type.Optional(RoomListable),
    readOnly: Type.Optional(Type.Boolean()),
    lobby: Type.Optional(Type.Boolean()),
    e2ee: Type.Optional(Type.Boolean({ description: E2EE_DESCRIPTION + ' Fixed at creation.' })),
    password: Type.Optional(RoomPassword),
    messageExpirySeconds: Type.Optional(Type.Union([ExpirySeconds, Type.Null()])),
  },
  { additionalProperties: false, title: 'RoomCreate' },
)
export type RoomCreate = Static<typeof RoomCreate>

export const OneToOneCreate = Type.Union(
  [
    Type.Object({ userId: Id }, { additionalProperties: false }),
    Type.Object({ user: PersonRef }, { additionalProperties: false }),
    Type.Object(
      {
        handle: Type.String({
          minLength: 3,
          maxLength: 500,
          description: 'A Fediverse account: `@bob@b.example` or its actor URL',
        }),
      },
      { additionalProperties: false },
    ),
  ],
  {
    title: 'OneToOneCreate',
    description:
      'A local user (by id, or by username or handle as `user`), or a remote account (by handle or actor URL): direct messages with it go over ActivityPub. A handle of this instance (`@bob@this-host`) is a local user, found without a network fetch.',
  },
)
export type OneToOneCreate = Static<typeof OneToOneCreate>

export const RoomUpdate = Type.Object(
  {
    name: Type.Optional(RoomName),
    description: Type.Optional(RoomDescription),
    listable: Type.Optional(RoomListable),
    readOnly: Type.Optional(Type.Boolean()),
    lobby: Type.Optional(Type.Boolean()),
    password: Type.Optional(Type.Union([RoomPassword, Type.Null()])),
    messageExpirySeconds: Type.Optional(Type.Union([ExpirySeconds, Type.Null()])),
  },
  { additionalProperties: false, minProperties: 1, title: 'RoomUpdate' },
)
export type RoomUpdate = Static<typeof RoomUpdate>

export const RoomSettingsUpdate = Type.Object(
  {
    favourite: Type.Optional(Type.Boolean()),
    archived: Type.Optional(Type.Boolean()),
    notificationLevel: Type.Optional(NotificationLevel),
  },
  { additionalProperties: false, minProperties: 1, title: 'RoomSettingsUpdate' },
)
export type RoomSettingsUpdate = Static<typeof RoomSettingsUpdate>

export const ActorType = Type.Union([Type.Literal('user'), Type.Literal('guest'), Type.Literal('system')])
export type ActorType = Static<typeof ActorType>

export const Actor = Type.Object(
  { type: ActorType, id: Type.String(), name: Type.String() },
  { additionalProperties: false, title: 'Actor' },
)
export type Actor = Static<typeof Actor>

export const ParticipantView = Type.Object(
  {
    actorType: Type.Union([Type.Literal('user'), Type.Literal('guest')]),
    actorId: Type.String(),
    displayName: Type.String(),
    role: ParticipantRole,
    state: ParticipantState,
    permissions: Type.Array(Permission, {
      description: 'Effective permissions: the explicit ones, else the role defaults',
    }),
    lastReadSeq: Type.Integer({ minimum: 0 }),
    joinedAt: Timestamp,
  },
  { additionalProperties: false, title: 'ParticipantView' },
)
export type ParticipantView = Static<typeof ParticipantView>

/** The caller as a participant, with their own settings for the room. */
export const MyParticipation = Type.Object(
  {
    ...ParticipantView.properties,
    favourite: Type.Boolean(),
    archived: Type.Boolean(),
    notificationLevel: NotificationLevel,
  },
  { additionalProperties: false, title: 'MyParticipation' },
)
export type MyParticipation = Static<typeof MyParticipation>

/** The Fediverse account on the other side of a one-to-one room (direct messages over ActivityPub). */
export const RemotePeer = Type.Object(
  {
    actorId: Type.String({ description: 'Its actor URL: its participant id in the room' }),
    name: Type.String(),
    handle: Type.Union([Type.String(), Type.Null()], { description: '@user@host' }),
    avatarUrl: Type.Union([Type.String(), Type.Null()]),
    url: Type.Union([Type.String(), Type.Null()], { description: 'Its profile page' }),
  },
  { additionalProperties: false, title: 'RemotePeer' },
)
export type RemotePeer = Static<typeof RemotePeer>

/** Where a room hosted on another instance lives: the host decides, this instance mirrors it. */
export const RoomHost = Type.Object(
  {
    roomUri: Type.String({ description: "The room's actor URL on its host" }),
    instance: Type.String({ description: 'The host instance (host name, with port when not the default)' }),
  },
  { additionalProperties: false, title: 'RoomHost' },
)
export type RoomHost = Static<typeof RoomHost>

export const RoomView = Type.Object(
  {
    id: Id,
    kind: RoomKind,
    name: Type.String({
      description: 'For a one-to-one room: the display name of the other person, as the caller sees it',
    }),
    description: Type.String(),
    listable: RoomListable,
    readOnly: Type.Boolean(),
    lobby: Type.Boolean(),
    e2ee: Type.Boolean({ description: E2EE_DESCRIPTION }),
    hasPassword: Type.Boolean(),
    messageExpirySeconds: Type.Union([Type.Integer(), Type.Null()]),
    lastSeq: Type.Integer({
      minimum: 0,
      description:
        'The room sequence number of its latest event (messages, reactions, read markers, changes): where to resume from. What is unread is `unreadCount` in my room list.',
    }),
    createdAt: Timestamp,
    me: Type.Union([MyParticipation, Type.Null()], {
      description: 'The caller as a participant; null when not in the room',
    }),
    remote: Type.Optional(RemotePeer),
    host: Type.Optional(
      Type.Union([RoomHost, Type.Null()], {
        description:
          'For a room hosted on another instance: where (writes are forwarded there, its events mirrored here); null or absent: hosted here',
      }),
    ),
  },
  { additionalProperties: false, title: 'RoomView' },
)
export type RoomView = Static<typeof RoomView>

export const RoomList = Type.Object({ rooms: Type.Array(RoomView) }, { additionalProperties: false, title: 'RoomList' })
export type RoomList = Static<typeof RoomList>

export const ParticipantList = Type.Object(
  { participants: Type.Array(ParticipantView) },
  { additionalProperties: false, title: 'ParticipantList' },
)
export type ParticipantList = Static<typeof ParticipantList>

const AddedRole = Type.Optional(Type.Union([Type.Literal('moderator'), Type.Literal('member')]))
export const ParticipantAdd = Type.Union(
  [
    Type.Object({ userId: Id, role: AddedRole }, { additionalProperties: false }),
    Type.Object({ user: PersonRef, role: AddedRole }, { additionalProperties: false }),
  ],
  {
    title: 'ParticipantAdd',
    description:
      'A local user by id, or by username or handle of this instance (`bob`, `@bob@this-host`); people on other instances are invited through the federation API.',
  },
)
export type ParticipantAdd = Static<typeof ParticipantAdd>

export const ParticipantUpdate = Type.Object(
  {
    role: Type.Optional(Type.Union([Type.Literal('moderator'), Type.Literal('member')])),
    permissions: Type.Optional(Type.Union([Type.Array(Permission, { uniqueItems: true, maxItems: 6 }), Type.Null()])),
  },
  { additionalProperties: false, minProperties: 1, title: 'ParticipantUpdate' },
)
export type ParticipantUpdate = Static<typeof ParticipantUpdate>

export const RoomParams = Type.Object({ roomId: Id }, { additionalProperties: false })
export type RoomParams = Static<typeof RoomParams>

export const ParticipantParams = Type.Object({ roomId: Id, actorId: ParticipantRef }, { additionalProperties: false })
export type ParticipantParams = Static<typeof ParticipantParams>

export const GuestJoin = Type.Object(
  { displayName: DisplayName, password: Type.Optional(Type.String({ minLength: 1, maxLength: 200 })) },
  { additionalProperties: false, title: 'GuestJoin' },
)
export type GuestJoin = Static<typeof GuestJoin>

export const GuestSession = Type.Object(
  {
    guestId: Type.String(),
    displayName: Type.String(),
    room: RoomView,
    secret: Type.String({
      description: 'Send as `Authorization: Guest <secret>` (REST) or in the realtime hello; shown once',
    }),
    expiresAt: Timestamp,
  },
  { additionalProperties: false, title: 'GuestSession' },
)
export type GuestSession = Static<typeof GuestSession>

export const RoomJoin = Type.Object(
  { password: Type.Optional(Type.String({ minLength: 1, maxLength: 200 })) },
  { additionalProperties: false, title: 'RoomJoin' },
)
export type RoomJoin = Static<typeof RoomJoin>
