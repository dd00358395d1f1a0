import Type, { type Static } from 'typebox'

/**
 * One entry of RTCConfiguration.iceServers as Parley hands it to a session: STUN servers without
 * credentials, TURN/TURNS servers with time-limited REST-API credentials (DESIGN.md §2.8).
 */
export const IceServer = Type.Object(
  {
    urls: Type.Array(Type.String({ pattern: '^(stuns?|turns?):' }), { minItems: 1 }),
    username: Type.Optional(
      Type.String({ description: 'TURN REST API username: "expiry:userId", expiry in Unix seconds' }),
    ),
    credential: Type.Optional(
      Type.String({ description: 'base64 HMAC-SHA1 of the username under the TURN shared secret' }),
    ),
  },
  { additionalProperties: false, title: 'IceServer' },
)
export type IceServer = Static<typeof IceServer>

export const IceServers = Type.Object(
  {
    iceServers: Type.Array(IceServer),
    expiresAt: Type.Union([Type.String({ format: 'date-time' }), Type.Null()], {
      description: 'When the TURN credentials stop working; null without TURN',
    }),
  },
  { additionalProperties: false, title: 'IceServers' },
)
export type IceServers = Static<typeof IceServers>
