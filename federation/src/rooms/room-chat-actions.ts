/**
 * Member side of chat across instances: what a local user does in a room hosted elsewhere goes to
 * the room's inbox as an activity signed by the user — `Create` of a `Note` (a message, Markdown in
 * `source`), `Update` of the host's message (an edit), `Delete`, `EmojiReact` and its `Undo`. The
 * host decides and announces the result; the local replica changes only when that Announce comes.
 */
import { createHash, randomUUID } from 'node:crypto'
import { Temporal } from '@js-temporal/polyfill'
import { Create, Delete, EmojiReact, Note, Source, Undo, Update, type Activity } from '@fedify/fedify/vocab'
import type { LocalActor } from '../ports.ts'
import { escapeHtml } from './room-dispatchers.ts'
import { messageUri } from './room-fanout.ts'
import type { MembershipActionDeps, MembershipResult } from './room-membership-actions.ts'

export type RemoteRoomAction =
  | { type: 'post'; body: string; replyTo?: number }
  | { type: 'edit'; seq: number; body: string }
  | { type: 'delete'; seq: number }
  | { type: 'react' | 'unreact'; seq: number; emoji: string }

const html = (body: string) => `<p>${escapeHtml(body).replace(/\r?\n/g, '<br>')}</p>`

export async function remoteRoomAction(deps: MembershipActionDeps, user: LocalActor, roomId: string, action: RemoteRoomAction): Promise<MembershipResult<{ activityId: string }>> {
  let room: URL
  try {
    room = new URL(roomId)
  } catch {
    return { ok: false, error: { type: 'not-found', what: 'room' } }
  }
  const joined = (await deps.repositories.rooms.invitations.acceptedFor(room.href)).find((i) => i.userId === user.userId)
  if (!joined) return { ok: false, error: { type: 'not-found', what: 'room' } }
  if (deps.policy.blocks(room)) return { ok: false, error: { type: 'blocked-domain', domain: room.host } }
  const actor = deps.ctx.getActorUri(user.username)
  const id = new URL(`${actor.href}/room-activities/${randomUUID()}`)
  const now = Temporal.Instant.fromEpochMilliseconds(deps.now())
  let activity: Activity
  switch (action.type) {
    case 'post': {
      const note = new Note({
        id: new URL(`${actor.href}/room-notes/${randomUUID()}`),
        attribution: actor,
        contexts: [room],
        to: room,
        content: html(action.body),
        source: new Source({ content: action.body, mediaType: 'text/markdown' }),
        published: now,
        replyTarget: action.replyTo === undefined ? null : messageUri(room, action.replyTo),
      })
      activity = new Create({ id, actor, object: note, to: room, published: now })
      break
    }
    case 'edit':
      activity = new Update({
        id, actor, to: room, published: now,
        object: new Note({ id: messageUri(room, action.seq), attribution: actor, content: html(action.body), source: new Source({ content: action.body, mediaType: 'text/markdown' }), updated: now }),
      })
      break
    case 'delete':
      activity = new Delete({ id, actor, to: room, object: messageUri(room, action.seq), published: now })
      break
    case 'react':
    case 'unreact': {
      // The same reaction always has the same id, so its Undo can name it.
      const key = createHash('sha256').update(`${room.href}\n${action.seq}\n${action.emoji}`).digest('base64url').slice(0, 22)
      const react = new EmojiReact({ id: new URL(`${actor.href}/reactions/${key}`), actor, object: messageUri(room, action.seq), content: action.emoji, to: room })
      activity = action.type === 'react' ? react : new Undo({ id, actor, object: react, to: room })
      break
    }
  }
  await deps.ctx.sendActivity({ identifier: user.username }, { id: room, inboxId: new URL(joined.roomInbox) }, activity)
  return { ok: true, value: { activityId: activity.id?.href ?? id.href } }
}
