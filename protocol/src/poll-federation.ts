/**
 * Polls of rooms hosted elsewhere, as instances pass them to each other (JSON in the `source` of
 * an AS2 `Question` or vote `Note`, beside the standard fields other software reads).
 */
import Type, { type Static } from 'typebox'
import { Id } from './common.ts'
import { PollCreate } from './chat.ts'

/** The media type of a poll's `source` (a member instance forwarding a new poll: PollCreate; the host announcing it: FederatedPoll). */
export const POLL_SOURCE_MEDIA_TYPE = 'application/vnd.parley.poll+json'
/** The media type of a forwarded vote's `source` (a FederatedVote). */
export const VOTE_SOURCE_MEDIA_TYPE = 'application/vnd.parley.vote+json'

export const FederatedVote = Type.Object(
  { options: Type.Array(Type.Integer({ minimum: 0, maximum: 19 }), { minItems: 1, maxItems: 20, uniqueItems: true }) },
  { additionalProperties: false, title: 'FederatedVote' },
)
export type FederatedVote = Static<typeof FederatedVote>

/** A poll as its host has it now: member instances replace their copy with it. */
export const FederatedPoll = Type.Object(
  {
    id: Id,
    question: PollCreate.properties.question,
    options: PollCreate.properties.options,
    multiple: Type.Boolean(),
    anonymous: Type.Boolean(),
    /** Epoch milliseconds; null while open. */
    closedAt: Type.Union([Type.Integer({ minimum: 0 }), Type.Null()]),
    votes: Type.Array(
      Type.Object(
        {
          /** The voter's actor URL; for anonymous polls an opaque id that only tells voters apart. */
          voter: Type.String({ minLength: 1, maxLength: 2048 }),
          /** Empty for anonymous polls. */
          name: Type.String({ maxLength: 200 }),
          options: Type.Array(Type.Integer({ minimum: 0, maximum: 19 }), { minItems: 1, maxItems: 20 }),
        },
        { additionalProperties: false },
      ),
      { maxItems: 100_000 },
    ),
  },
  { additionalProperties: false, title: 'FederatedPoll' },
)
export type FederatedPoll = Static<typeof FederatedPoll>
