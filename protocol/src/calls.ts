/**
 * Call messages of the realtime gateway (spec/realtime.md, "Calls"). One call per room, run by the
 * room's host. A call participant is one realtime session (a person with two tabs is in the call
 * twice, like spreed-signaling's sessions). Media is signalled in one of two ways, named in
 * `call.joined.engine`: `mesh` (browsers connect peer to peer; `call.signal` is relayed only between
 * participants of the same call) or `sfu` (Parley mediates SDP with its media server: `call.publish`
 * → `call.answer`, `call.subscribe` → `call.offer` → `call.subscribe-answer`).
 */
import Type, { type Static, type TProperties } from 'typebox'
import { CallRoomId, Id } from './common.ts'
import { Actor } from './rooms.ts'
import { IceServers } from './media.ts'
import { FileView } from './files.ts'
import {
  CallE2eeJoin,
  CallE2eeParticipant,
  ClientCallKey,
  ClientCallKeyAck,
  ServerCallKey,
  ServerCallKeyAck,
} from './call-e2ee.ts'

const FrameId = Type.Optional(Type.String({ maxLength: 64, description: 'Echoed in the reply' }))
const Sdp = Type.String({ minLength: 1, maxLength: 60_000, description: 'An SDP session description' })
const ParticipantId = Type.String({
  minLength: 1,
  maxLength: 64,
  description: 'A call participant: one realtime session',
})

export const CallMediaFlags = Type.Object(
  { audio: Type.Boolean(), video: Type.Boolean(), screen: Type.Boolean() },
  {
    additionalProperties: false,
    title: 'CallMediaFlags',
    description: 'What a participant sends (false: muted, camera off, not sharing)',
  },
)
export type CallMediaFlags = Static<typeof CallMediaFlags>

export const CallSource = Type.Union([Type.Literal('camera'), Type.Literal('screen')], {
  description: 'camera: camera and microphone; screen: a screen share',
})
export type CallSource = Static<typeof CallSource>

export const CallParticipantView = Type.Object(
  {
    participantId: ParticipantId,
    actor: Actor,
    media: CallMediaFlags,
    handRaised: Type.Boolean(),
    speaking: Type.Boolean(),
    moderator: Type.Boolean(),
    e2ee: Type.Optional(CallE2eeParticipant),
  },
  { additionalProperties: false, title: 'CallParticipantView' },
)
export type CallParticipantView = Static<typeof CallParticipantView>

export const CallFeedView = Type.Object(
  {
    feedId: Id,
    participantId: ParticipantId,
    source: CallSource,
    kinds: Type.Array(Type.Union([Type.Literal('audio'), Type.Literal('video')])),
  },
  {
    additionalProperties: false,
    title: 'CallFeedView',
    description: 'A published source on the SFU that others may subscribe to',
  },
)
export type CallFeedView = Static<typeof CallFeedView>

export const CallIceCandidate = Type.Union(
  [
    Type.Object(
      {
        candidate: Type.String({ maxLength: 1024 }),
        sdpMid: Type.Optional(Type.Union([Type.String({ maxLength: 64 }), Type.Null()])),
        sdpMLineIndex: Type.Optional(Type.Union([Type.Integer({ minimum: 0, maximum: 255 }), Type.Null()])),
      },
      { additionalProperties: false },
    ),
    Type.Null(),
  ],
  { description: 'An ICE candidate; null means end of candidates' },
)
export type CallIceCandidate = Static<typeof CallIceCandidate>

export const MeshSignalBody = Type.Union(
  [
    Type.Object({ type: Type.Literal('offer'), sdp: Sdp }, { additionalProperties: false }),
    Type.Object({ type: Type.Literal('answer'), sdp: Sdp }, { additionalProperties: false }),
    Type.Object({ type: Type.Literal('candidate'), candidate: CallIceCandidate }, { additionalProperties: false }),
  ],
  { title: 'MeshSignalBody' },
)
export type MeshSignalBody = Static<typeof MeshSignalBody>

const client = <K extends string, T extends TProperties>(type: K, title: string, fields: T) =>
  Type.Object(
    { type: Type.Literal(type), id: FrameId, roomId: CallRoomId, ...fields },
    { additionalProperties: false, title },
  )

// Client → server
export const ClientCallJoin = client('call.join', 'ClientCallJoin', {
  media: CallMediaFlags,
  e2ee: Type.Optional(CallE2eeJoin),
})
export type ClientCallJoin = Static<typeof ClientCallJoin>
export const ClientCallLeave = client('call.leave', 'ClientCallLeave', {})
export type ClientCallLeave = Static<typeof ClientCallLeave>
export const ClientCallUpdate = client('call.update', 'ClientCallUpdate', {
  media: Type.Optional(CallMediaFlags),
  handRaised: Type.Optional(Type.Boolean()),
  speaking: Type.Optional(
    Type.Boolean({
      description: 'Mesh only: the browser reports its own voice activity (the SFU detects it on Janus)',
    }),
  ),
})
export type ClientCallUpdate = Static<typeof ClientCallUpdate>
export const ClientCallReaction = client('call.reaction', 'ClientCallReaction', {
  emoji: Type.String({ minLength: 1, maxLength: 16 }),
})
export type ClientCallReaction = Static<typeof ClientCallReaction>
export const ClientCallSignal = client('call.signal', 'ClientCallSignal', { to: ParticipantId, signal: MeshSignalBody })
export type ClientCallSignal = Static<typeof ClientCallSignal>
export const ClientCallPublish = client('call.publish', 'ClientCallPublish', {
  source: CallSource,
  sdp: Sdp,
  trickle: Type.Optional(Type.Boolean({ description: 'Candidates follow in call.candidate frames' })),
})
export type ClientCallPublish = Static<typeof ClientCallPublish>
export const ClientCallUnpublish = client('call.unpublish', 'ClientCallUnpublish', { source: CallSource })
export type ClientCallUnpublish = Static<typeof ClientCallUnpublish>
export const ClientCallSubscribe = client('call.subscribe', 'ClientCallSubscribe', {
  feedIds: Type.Array(Id, { minItems: 1, maxItems: 32, uniqueItems: true }),
})
export type ClientCallSubscribe = Static<typeof ClientCallSubscribe>
export const ClientCallSubscribeAnswer = client('call.subscribe-answer', 'ClientCallSubscribeAnswer', { sdp: Sdp })
export type ClientCallSubscribeAnswer = Static<typeof ClientCallSubscribeAnswer>
export const ClientCallCandidate = client('call.candidate', 'ClientCallCandidate', {
  transport: Type.Union([Type.Literal('camera'), Type.Literal('screen'), Type.Literal('subscriber')]),
  candidate: CallIceCandidate,
})
export type ClientCallCandidate = Static<typeof ClientCallCandidate>
export const ClientCallLayers = client('call.layers', 'ClientCallLayers', {
  feedId: Id,
  spatialLayer: Type.Integer({ minimum: 0, maximum: 2, description: '0 = smallest simulcast layer' }),
  temporalLayer: Type.Optional(Type.Integer({ minimum: 0, maximum: 2 })),
})
export type ClientCallLayers = Static<typeof ClientCallLayers>
export const ClientCallModerate = client('call.moderate', 'ClientCallModerate', {
  action: Type.Union([Type.Literal('mute'), Type.Literal('remove')]),
  participantId: ParticipantId,
})
export type ClientCallModerate = Static<typeof ClientCallModerate>
export const ClientCallEnd = client('call.end', 'ClientCallEnd', {})
export type ClientCallEnd = Static<typeof ClientCallEnd>
export const ClientCallRecording = client('call.recording', 'ClientCallRecording', { recording: Type.Boolean() })
export type ClientCallRecording = Static<typeof ClientCallRecording>
export const ClientCallShareFile = client('call.share-file', 'ClientCallShareFile', {
  seq: Type.Integer({
    minimum: 1,
    description: 'Your file message in the room (upload it first): it is announced to the call',
  }),
})
export type ClientCallShareFile = Static<typeof ClientCallShareFile>

export const CLIENT_CALL_MESSAGES = [
  ClientCallJoin,
  ClientCallLeave,
  ClientCallUpdate,
  ClientCallReaction,
  ClientCallSignal,
  ClientCallPublish,
  ClientCallUnpublish,
  ClientCallSubscribe,
  ClientCallSubscribeAnswer,
  ClientCallCandidate,
  ClientCallLayers,
  ClientCallModerate,
  ClientCallEnd,
  ClientCallRecording,
  ClientCallShareFile,
  ClientCallKey,
  ClientCallKeyAck,
] as const
export const CLIENT_CALL_TYPES = [
  'call.join',
  'call.leave',
  'call.update',
  'call.reaction',
  'call.signal',
  'call.publish',
  'call.unpublish',
  'call.subscribe',
  'call.subscribe-answer',
  'call.candidate',
  'call.layers',
  'call.moderate',
  'call.end',
  'call.recording',
  'call.share-file',
  'call.key',
  'call.key-ack',
] as const
export type ClientCallMessage = Static<(typeof CLIENT_CALL_MESSAGES)[number]>

// Server → client
const server = <K extends string, T extends TProperties>(type: K, title: string, fields: T, description?: string) =>
  Type.Object(
    { type: Type.Literal(type), roomId: CallRoomId, ...fields },
    { additionalProperties: false, title, ...(description ? { description } : {}) },
  )

export const ServerCallJoined = server(
  'call.joined',
  'ServerCallJoined',
  {
    id: FrameId,
    callId: Id,
    participantId: ParticipantId,
    engine: Type.Union([Type.Literal('mesh'), Type.Literal('sfu')]),
    participants: Type.Array(CallParticipantView, { description: 'Everyone in the call, you included' }),
    feeds: Type.Array(CallFeedView, { description: 'sfu: what is published now' }),
    recording: Type.Boolean(),
    e2ee: Type.Boolean({
      description:
        'The call is end-to-end encrypted (its room has e2ee): every participant encrypts its media and exchanges keys with call.key',
    }),
    ice: IceServers,
  },
  'Reply to call.join',
)
export type ServerCallJoined = Static<typeof ServerCallJoined>
export const ServerCallParticipant = server(
  'call.participant',
  'ServerCallParticipant',
  {
    change: Type.Union([Type.Literal('joined'), Type.Literal('updated')]),
    participant: CallParticipantView,
  },
  'To every session of the room: someone joined the call or changed their state',
)
export type ServerCallParticipant = Static<typeof ServerCallParticipant>
export const ServerCallLeft = server(
  'call.left',
  'ServerCallLeft',
  {
    participantId: ParticipantId,
    actorId: Type.String(),
    reason: Type.Union([
      Type.Literal('left'),
      Type.Literal('removed'),
      Type.Literal('disconnected'),
      Type.Literal('ended'),
    ]),
  },
  'To every session of the room: someone is no longer in the call',
)
export type ServerCallLeft = Static<typeof ServerCallLeft>
export const ServerCallEnded = server(
  'call.ended',
  'ServerCallEnded',
  {
    reason: Type.Union([Type.Literal('empty'), Type.Literal('ended-by-moderator'), Type.Literal('media-unavailable')]),
  },
  'To every session of the room: the call is over',
)
export type ServerCallEnded = Static<typeof ServerCallEnded>
export const ServerCallReaction = server('call.reaction', 'ServerCallReaction', {
  participantId: ParticipantId,
  emoji: Type.String(),
})
export type ServerCallReaction = Static<typeof ServerCallReaction>
export const ServerCallRecording = server(
  'call.recording',
  'ServerCallRecording',
  { recording: Type.Boolean() },
  'To every session of the room: recording started or stopped',
)
export type ServerCallRecording = Static<typeof ServerCallRecording>
export const ServerCallFeed = server(
  'call.feed',
  'ServerCallFeed',
  {
    change: Type.Union([Type.Literal('added'), Type.Literal('removed')]),
    feed: CallFeedView,
  },
  "sfu: to the call's participants, a feed to subscribe to appeared or went away",
)
export type ServerCallFeed = Static<typeof ServerCallFeed>
export const ServerCallSignal = server(
  'call.signal',
  'ServerCallSignal',
  { from: ParticipantId, signal: MeshSignalBody },
  'mesh: relayed from another participant',
)
export type ServerCallSignal = Static<typeof ServerCallSignal>
export const ServerCallAnswer = server(
  'call.answer',
  'ServerCallAnswer',
  { id: FrameId, source: CallSource, feedId: Id, sdp: Sdp },
  'sfu: reply to call.publish',
)
export type ServerCallAnswer = Static<typeof ServerCallAnswer>
export const ServerCallOffer = server(
  'call.offer',
  'ServerCallOffer',
  {
    id: FrameId,
    sdp: Sdp,
    tracks: Type.Array(
      Type.Object(
        { feedId: Id, kind: Type.Union([Type.Literal('audio'), Type.Literal('video')]), mid: Type.String() },
        { additionalProperties: false },
      ),
    ),
  },
  'sfu: reply to call.subscribe, or the server renegotiating; answer with call.subscribe-answer',
)
export type ServerCallOffer = Static<typeof ServerCallOffer>
export const ServerCallAck = server(
  'call.ack',
  'ServerCallAck',
  { id: FrameId },
  'A call message was applied (for those without another reply)',
)
export type ServerCallAck = Static<typeof ServerCallAck>

export const ServerCallFileShared = server(
  'call.file-shared',
  'ServerCallFileShared',
  { participantId: ParticipantId, seq: Type.Integer({ minimum: 1 }), file: FileView },
  "To every session of the room: a call participant shared a file with the call (it is in the room's chat as message `seq`)",
)
export type ServerCallFileShared = Static<typeof ServerCallFileShared>

export const SERVER_CALL_MESSAGES = [
  ServerCallJoined,
  ServerCallParticipant,
  ServerCallLeft,
  ServerCallEnded,
  ServerCallReaction,
  ServerCallRecording,
  ServerCallFeed,
  ServerCallSignal,
  ServerCallAnswer,
  ServerCallOffer,
  ServerCallAck,
  ServerCallFileShared,
  ServerCallKey,
  ServerCallKeyAck,
] as const
export type ServerCallMessage = Static<(typeof SERVER_CALL_MESSAGES)[number]>

/** A finished recording of a call, listed in its room (REST). */
export const RecordingView = Type.Object(
  {
    id: Id,
    callId: Id,
    kind: Type.Union([Type.Literal('audio'), Type.Literal('video')], {
      description: 'janus-pp-rec makes one file per stream: video as webm, audio as ogg/opus',
    }),
    source: CallSource,
    participantId: Type.String(),
    actor: Type.Union([Actor, Type.Null()], {
      description: 'Whose camera or screen, named as in the call; null for recordings made before Parley kept it',
    }),
    mimeType: Type.String(),
    bytes: Type.Integer({ minimum: 0 }),
    createdAt: Type.String({ format: 'date-time' }),
  },
  { additionalProperties: false, title: 'RecordingView' },
)
export type RecordingView = Static<typeof RecordingView>

export const RecordingList = Type.Object(
  { recordings: Type.Array(RecordingView) },
  { additionalProperties: false, title: 'RecordingList' },
)
export type RecordingList = Static<typeof RecordingList>
