/**
 * Member side of a remote room's meetings: a local user's answer to one occurrence goes to the
 * room's inbox as `Accept` (going), `TentativeAccept` (maybe) or `Reject` (declined) of the meeting's
 * `Event`, with the occurrence's rule-given start in `startTime`. Unlike chat writes (room-actions.ts)
 * it needs no synchronous answer: the answer is already kept here, and the host records it when the
 * activity arrives (room-dispatchers.ts).
 */
import { userIdentifier } from '../actor-identifiers.ts'
import { randomUUID } from 'node:crypto'
import { Temporal } from '@js-temporal/polyfill'
import { Accept, Reject, TentativeAccept } from '@fedify/fedify/vocab'
import type { LocalActor } from '../ports.ts'
import type { MembershipActionDeps, MembershipResult } from './room-membership-actions.ts'

/** An answer to one occurrence (its rule-given start, epoch ms) of the room's meeting (its Event id). */
export type MeetingAnswer = { meeting: string; occurrence: number; response: 'going' | 'maybe' | 'declined' }

export async function answerRoomMeeting(
  deps: MembershipActionDeps,
  user: LocalActor,
  roomId: string,
  answer: MeetingAnswer,
): Promise<MembershipResult<{ activityId: string }>> {
  const notFound = { ok: false, error: { type: 'not-found', what: 'room' } } as const
  let room: URL
  let meeting: URL
  try {
    room = new URL(roomId)
    meeting = new URL(answer.meeting)
  } catch {
    return notFound
  }
  // Only the room's own meetings, and only in a room the user joined.
  if (!meeting.href.startsWith(`${room.href}/meetings/`)) return notFound
  const joined = (await deps.repositories.rooms.invitations.acceptedFor(room.href)).find(
    (i) => i.userId === user.userId,
  )
  if (!joined) return notFound
  if (deps.policy.blocks(room)) return { ok: false, error: { type: 'blocked-domain', domain: room.host } }
  const actor = deps.ctx.getActorUri(userIdentifier(user.username))
  const fields = {
    id: new URL(`${actor.href}/room-activities/${randomUUID()}`),
    actor,
    object: meeting,
    to: room,
    published: Temporal.Instant.fromEpochMilliseconds(deps.now()),
    startTime: Temporal.Instant.fromEpochMilliseconds(answer.occurrence),
  }
  const activity =
    answer.response === 'going'
      ? new Accept(fields)
      : answer.response === 'maybe'
        ? new TentativeAccept(fields)
        : new Reject(fields)
  await deps.ctx.sendActivity(
    { identifier: userIdentifier(user.username) },
    { id: room, inboxId: new URL(joined.roomInbox) },
    activity,
  )
  return { ok: true, value: { activityId: fields.id.href } }
}
