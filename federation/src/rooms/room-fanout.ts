/**
 * Host side of chat across instances: each room event a member instance must know (messages, edits,
 * deletes, reactions, read markers, polls, users joining, changing role and leaving) becomes one `Announce` by the room (`{room}/events/{seq}`) of what happened,
 * sent to every member instance (one copy per shared inbox) through the queue, with the room as
 * ordering key so that one instance gets one room's events in order. Parley's member instances
 * read the Markdown from `source` and the author's display name from a `Mention` of the author.
 */
import { roomIdentifier } from '../actor-identifiers.ts'
import { Temporal } from '@js-temporal/polyfill'
import {
  Announce,
  Delete,
  EmojiReact,
  Join,
  Leave,
  Mention,
  Note,
  Read,
  Remove,
  Source,
  Tombstone,
  Undo,
  Update,
  type Recipient,
} from '@fedify/fedify/vocab'
import type { Context } from '@fedify/fedify'
import type { FollowerRepository, RoomActorRef, RoomFanoutEvent } from '../ports.ts'
import type { DomainPolicy } from '../domain-policy.ts'
import { escapeHtml } from './room-documents.ts'
import { attachmentObject } from '../attachments/attachment-objects.ts'
import { pollQuestion } from './room-polls.ts'
import { sharedInboxesFirst } from '../delivery-order.ts'

const instant = (ms: number) => Temporal.Instant.fromEpochMilliseconds(ms)
const mention = (actor: RoomActorRef) => new Mention({ href: new URL(actor.id), name: actor.name })

export function messageUri(roomUri: URL, seq: number): URL {
  return new URL(`${roomUri.href}/messages/${seq}`)
}

export function eventUri(roomUri: URL, seq: number): URL {
  return new URL(`${roomUri.href}/events/${seq}`)
}

/** A host message as a Note (the Markdown in `source`, the author's name in a Mention). */
export function messageNote(roomUri: URL, e: Omit<Extract<RoomFanoutEvent, { body: string }>, 'type'>): Note {
  return new Note({
    id: messageUri(roomUri, e.messageSeq),
    attribution: new URL(e.author.id),
    contexts: [roomUri],
    content: `<p>${escapeHtml(e.body).replace(/\r?\n/g, '<br>')}</p>`,
    source: new Source({ content: e.body, mediaType: 'text/markdown' }),
    published: instant(e.createdAt),
    updated: e.editedAt === null ? null : instant(e.editedAt),
    replyTarget: e.replyTo === null ? null : messageUri(roomUri, e.replyTo),
    tags: [mention(e.author)],
    attachments: (e.attachments ?? []).map(attachmentObject),
    // AS2's "expected ending time of the object": when the message disappears.
    endTime: e.expiresAt ? instant(e.expiresAt) : null,
  })
}

/** The Announce of room event `eventSeq`. */
export function buildEventAnnounce(roomUri: URL, eventSeq: number, event: RoomFanoutEvent, now: number): Announce {
  const id = new URL(`${roomUri.href}/events/${eventSeq}`)
  const inner = new URL(`${id.href}/object`)
  let object
  switch (event.type) {
    case 'message.new':
      object = messageNote(roomUri, event)
      break
    case 'message.edited':
      object = new Update({
        id: inner,
        actor: new URL(event.author.id),
        object: messageNote(roomUri, event),
        published: instant(event.editedAt ?? now),
      })
      break
    case 'message.deleted':
      object = new Delete({
        id: inner,
        actor: roomUri,
        object: new Tombstone({ id: messageUri(roomUri, event.messageSeq), deleted: instant(event.at) }),
        published: instant(event.at),
      })
      break
    case 'message.expired':
      // A Delete like a moderator's, told apart by its summary: members remove the message rather
      // than keep a tombstone.
      object = new Delete({
        id: inner,
        actor: roomUri,
        object: new Tombstone({ id: messageUri(roomUri, event.messageSeq), deleted: instant(now) }),
        summary: 'expired',
        published: instant(now),
      })
      break
    case 'reaction.added':
    case 'reaction.removed': {
      const react = new EmojiReact({
        id: event.type === 'reaction.added' ? inner : new URL(`${inner.href}/reaction`),
        actor: new URL(event.actor.id),
        object: messageUri(roomUri, event.messageSeq),
        content: event.emoji,
        tags: [mention(event.actor)],
      })
      object =
        event.type === 'reaction.added' ? react : new Undo({ id: inner, actor: new URL(event.actor.id), object: react })
      break
    }
    case 'poll.new':
      object = pollQuestion(roomUri, event.poll, event)
      break
    case 'poll.updated':
      object = new Update({
        id: inner,
        actor: roomUri,
        object: pollQuestion(roomUri, event.poll, {}),
        published: instant(now),
      })
      break
    case 'read':
      // The member's marker is the object; the marker everyone has reached, the target (absent: 0).
      object = new Read({
        id: inner,
        actor: new URL(event.actor.id),
        object: eventUri(roomUri, event.lastReadSeq),
        target: event.everyoneReadSeq > 0 ? eventUri(roomUri, event.everyoneReadSeq) : null,
        tags: [mention(event.actor)],
      })
      break
    case 'participant.joined':
      object = new Join({
        id: inner,
        actor: new URL(event.actor.id),
        object: roomUri,
        tags: [mention(event.actor)],
      })
      break
    case 'participant.updated':
      // The room changed its record of the member (role, permissions); the member's actor URL is
      // the object, never embedded: member instances read the rest from the room's roster.
      object = new Update({ id: inner, actor: roomUri, object: new URL(event.actor.id), tags: [mention(event.actor)] })
      break
    case 'participant.left':
      object =
        event.reason === 'left'
          ? new Leave({ id: inner, actor: new URL(event.actor.id), object: roomUri, tags: [mention(event.actor)] })
          : new Remove({
              id: inner,
              actor: roomUri,
              object: new URL(event.actor.id),
              origin: roomUri,
              // `removed` or `banned`, as the room's participants see it.
              summary: event.reason,
              tags: [mention(event.actor)],
            })
      break
  }
  return new Announce({ id, actor: roomUri, object, published: instant(now) })
}

/** Every remote member's delivery address, members on blocked domains left out. */
export async function memberRecipients(
  members: FollowerRepository,
  roomId: string,
  policy: DomainPolicy,
): Promise<Recipient[]> {
  const recipients: Recipient[] = []
  let cursor: string | null = null
  do {
    const page = await members.list(roomId, cursor, 1000)
    for (const m of page.items) {
      if (policy.blocks(m.actorId) || policy.blocks(m.inbox)) continue
      recipients.push({
        id: new URL(m.actorId),
        inboxId: new URL(m.inbox),
        endpoints: m.sharedInbox ? { sharedInbox: new URL(m.sharedInbox) } : null,
      })
    }
    cursor = page.next
  } while (cursor !== null)
  return sharedInboxesFirst(recipients)
}

export async function sendEvent(
  ctx: Context<void>,
  roomId: string,
  recipients: Recipient[],
  announce: Announce,
): Promise<void> {
  if (recipients.length === 0) return
  await ctx.sendActivity({ identifier: roomIdentifier(roomId) }, recipients, announce, {
    preferSharedInbox: true,
    orderingKey: ctx.getActorUri(roomIdentifier(roomId)).href,
  })
}
