/**
 * End-to-end encrypted calls (spec/realtime.md, "End-to-end encrypted calls"). In a room created
 * with `e2ee: true`, every browser encrypts each encoded audio and video frame before it leaves and
 * decrypts after arrival (SFrame, RFC 9605, AES-128-GCM), with its own media key. Media keys travel
 * between participants only, each one encrypted for its recipient with a key agreed by ECDH between
 * the two participants' per-join key pairs: the server relays `call.key` and `call.key-ack` but
 * cannot read the keys, and the media server forwards frames it cannot decrypt.
 *
 * What the server does see: who is in the call, their public keys, media flags, SDP, and the
 * unencrypted first bytes of each frame that media servers need (VP8 payload header, Opus TOC).
 */
import Type, { type Static, type TProperties } from 'typebox'
import { CallRoomId } from './common.ts'

const FrameId = Type.Optional(Type.String({ maxLength: 64, description: 'Echoed in the reply' }))
const ParticipantId = Type.String({
  minLength: 1,
  maxLength: 64,
  description: 'A call participant: one realtime session',
})

export const E2eePublicKey = Type.String({
  pattern: '^[A-Za-z0-9_-]{87}$',
  description:
    "The participant's ECDH P-256 public key for this call (the raw uncompressed point, 65 bytes, base64url without padding); a fresh key pair for every join",
})

export const CallE2eeJoin = Type.Object(
  { publicKey: E2eePublicKey },
  {
    additionalProperties: false,
    title: 'CallE2eeJoin',
    description:
      'The client encrypts and decrypts media end to end (WebRTC encoded transforms). Required in end-to-end encrypted rooms: a join without it is refused with e2ee-required',
  },
)
export type CallE2eeJoin = Static<typeof CallE2eeJoin>

export const CallE2eeParticipant = Type.Object(
  { publicKey: E2eePublicKey },
  {
    additionalProperties: false,
    title: 'CallE2eeParticipant',
    description: 'End-to-end encrypted calls: the public key each other participant encrypts its media key for',
  },
)
export type CallE2eeParticipant = Static<typeof CallE2eeParticipant>

const Kid = Type.Integer({
  minimum: 0,
  maximum: Number.MAX_SAFE_INTEGER,
  description:
    'The SFrame key id of the media key: generation × 256 + ratchet step. A new generation (a new random key) after someone leaves; the next ratchet step after someone joins',
})

export const CallE2eeKey = Type.Object(
  {
    kid: Kid,
    iv: Type.String({ pattern: '^[A-Za-z0-9_-]{16}$', description: 'AES-GCM nonce, 12 bytes, base64url' }),
    ciphertext: Type.String({
      pattern: '^[A-Za-z0-9_-]+$',
      minLength: 22,
      maxLength: 256,
      description:
        "The sender's media key, AES-256-GCM encrypted for the recipient (a key agreed by ECDH between the two participants' key pairs, through HKDF), base64url",
    }),
  },
  { additionalProperties: false, title: 'CallE2eeKey' },
)
export type CallE2eeKey = Static<typeof CallE2eeKey>

const client = <K extends string, T extends TProperties>(type: K, title: string, fields: T) =>
  Type.Object(
    { type: Type.Literal(type), id: FrameId, roomId: CallRoomId, ...fields },
    { additionalProperties: false, title },
  )
const server = <K extends string, T extends TProperties>(type: K, title: string, fields: T, description: string) =>
  Type.Object(
    { type: Type.Literal(type), roomId: CallRoomId, ...fields },
    { additionalProperties: false, title, description },
  )

export const ClientCallKey = client('call.key', 'ClientCallKey', {
  keys: Type.Array(Type.Object({ to: ParticipantId, key: CallE2eeKey }, { additionalProperties: false }), {
    minItems: 1,
    maxItems: 100,
    description: 'One entry per recipient, each encrypted for that recipient',
  }),
})
export type ClientCallKey = Static<typeof ClientCallKey>

export const ClientCallKeyAck = client('call.key-ack', 'ClientCallKeyAck', {
  acks: Type.Array(Type.Object({ to: ParticipantId, kid: Kid }, { additionalProperties: false }), {
    minItems: 1,
    maxItems: 100,
    description: 'The keys received (by sender and key id), so their senders may switch to them',
  }),
})
export type ClientCallKeyAck = Static<typeof ClientCallKeyAck>

export const ServerCallKey = server(
  'call.key',
  'ServerCallKey',
  { from: ParticipantId, key: CallE2eeKey },
  "End-to-end encrypted calls: another participant's media key, encrypted for this participant",
)
export type ServerCallKey = Static<typeof ServerCallKey>

export const ServerCallKeyAck = server(
  'call.key-ack',
  'ServerCallKeyAck',
  { from: ParticipantId, kid: Kid },
  'End-to-end encrypted calls: a participant received this participant’s media key `kid`',
)
export type ServerCallKeyAck = Static<typeof ServerCallKeyAck>
