/**
 * Chat in rooms across instances (FEP-1b12; DESIGN.md §3). Members' instances send `Create` (a
 * message), `Update` (an edit), `Delete`, `EmojiReact`/`Like` and their `Undo` to the room's inbox;
 * the host's rooms layer decides (membership, policy, authorship) and, for whatever it stores, the
 * host `Announce`s the room event to every member instance (see room-fanout.ts), which keeps a
 * replica. Host messages are named `/rooms/{id}/messages/{seq}`; host events `/rooms/{id}/events/{seq}`.
 *
 * Host side: `onRoomChat` (room inbox). Member side: `onRoomAnnounce` (users' inboxes).
 */
import { roomIdentifier } from '../actor-identifiers.ts'
import {
  Create,
  Delete,
  EmojiReact,
  Group,
  Like,
  Note,
  Read,
  Undo,
  Update,
  type Announce,
  type Activity,
} from '@fedify/fedify/vocab'
import type { Context, InboxContext } from '@fedify/fedify'
import { changedMessageSeq, type RoomChatOutcome, type RoomChatPort, type RoomFanoutEvent } from '../ports.ts'
import type { FederationLogger } from '../log.ts'
import type { DomainPolicy } from '../domain-policy.ts'
import { sameUrl, type InboxDeps } from '../inbox/inbox-deps.ts'
import { pullHistory, withReplicaLock } from './room-replica-sync.ts'
import { noteAttachments } from '../attachments/attachment-objects.ts'
import { stripTags } from '../direct/note-text.ts'
import { decideRoomPoll, pollEventOf } from './room-polls.ts'
import { participantEventOf } from './room-roster-events.ts'
import { nameOf } from './room-names.ts'

export const LIKE_EMOJI = '❤️'

/** The seq of a host message URL (`{room}/messages/{seq}`) of this room, or null. */
export function messageSeqOf(roomUri: URL, id: URL | null | undefined): number | null {
  return seqUnder(roomUri, 'messages', id)
}

export function eventSeqOf(roomUri: URL, id: URL | null | undefined): number | null {
  return seqUnder(roomUri, 'events', id)
}

function seqUnder(roomUri: URL, segment: string, id: URL | null | undefined): number | null {
  if (!id) return null
  const prefix = `${roomUri.href}/${segment}/`
  if (!id.href.startsWith(prefix)) return null
  const rest = id.href.slice(prefix.length)
  if (!/^[1-9][0-9]{0,14}$/.test(rest)) return null
  return Number(rest)
}

/** The Markdown a Parley note carries in `source`, or the HTML content as text. */
export function noteBody(note: Note): string {
  const source = note.source
  if (source?.mediaType === 'text/markdown' && source.content !== null) return source.content.toString()
  return htmlToText(note.content?.toString() ?? '')
}

function htmlToText(html: string): string {
  return stripTags(html.replace(/<br\s*\/?>/gi, '\n').replace(/<\/p>\s*<p>/gi, '\n\n'))
    .replace(/&lt;/g, '<')
    .replace(/&gt;/g, '>')
    .replace(/&quot;/g, '"')
    .replace(/&#39;/g, "'")
    .replace(/&amp;/g, '&')
}

export type RoomChatDeps = { chat: RoomChatPort; log: FederationLogger; policy: DomainPolicy }

/** Host: a chat activity from a remote member, sent to the room's inbox. */
export async function onRoomChat(
  deps: RoomChatDeps,
  ctx: InboxContext<void>,
  activity: Activity,
  roomId: string,
): Promise<void> {
  const outcome = await decideRoomChat(deps, ctx, activity, roomId)
  if (outcome === null) return
  if (outcome.ok) deps.log.info({ roomId, activity: activity.id?.href, seq: outcome.seq }, 'remote chat action taken')
  else deps.log.info({ roomId, activity: activity.id?.href, reason: outcome.reason }, 'remote chat action refused')
}

/**
 * Host: what a chat activity of a remote member does in local room `roomId` — through the rooms
 * layer, which decides (membership, policy, authorship). Null when it is not a chat activity.
 * Shared by the room's inbox and by forwarded writes (room-actions.ts), which answer with it.
 */
export async function decideRoomChat(
  deps: RoomChatDeps,
  ctx: Context<void>,
  activity: Activity,
  roomId: string,
): Promise<RoomChatOutcome | null> {
  const actor = activity.actorId
  if (actor === null || activity.id === null) return null
  if (deps.policy.blocks(actor)) return { ok: false, reason: 'forbidden' }
  const roomUri = ctx.getActorUri(roomIdentifier(roomId))
  const poll = await decideRoomPoll(deps.chat, ctx, activity, roomId, roomUri)
  if (poll !== null) return poll
  const trust = { documentLoader: ctx.documentLoader, contextLoader: ctx.contextLoader, crossOrigin: 'trust' as const }
  if (activity instanceof Create) {
    const note = await activity.getObject(ctx)
    if (
      !(note instanceof Note) ||
      note.id === null ||
      note.id.origin !== actor.origin ||
      !sameUrl(note.attributionId, actor)
    )
      return refuse(deps, activity, 'a Create of a Note by its own author only')
    const attachments = await noteAttachments(note)
    return deps.chat.post(roomId, actor.href, {
      body: noteBody(note),
      replyTo: messageSeqOf(roomUri, note.replyTargetId),
      ...(attachments.length > 0 ? { attachments } : {}),
    })
  }
  if (activity instanceof Update) {
    // The edited note is the host's (`{room}/messages/{seq}`): trusted as the actor's claim, checked by the rooms layer (author only).
    const note = await activity.getObject(trust)
    const seq = note instanceof Note ? messageSeqOf(roomUri, note.id) : null
    if (!(note instanceof Note) || seq === null)
      return refuse(deps, activity, 'an Update of a message of this room only')
    return deps.chat.edit(roomId, actor.href, seq, noteBody(note))
  }
  if (activity instanceof Delete) {
    const seq = messageSeqOf(roomUri, activity.objectId)
    if (seq === null) return refuse(deps, activity, 'a Delete of a message of this room only')
    return deps.chat.delete(roomId, actor.href, seq)
  }
  if (activity instanceof EmojiReact || activity instanceof Like) {
    const seq = messageSeqOf(roomUri, activity.objectId)
    const emoji = activity instanceof EmojiReact ? (activity.content?.toString() ?? '') : LIKE_EMOJI
    if (seq === null || emoji === '' || emoji.length > 64)
      return refuse(deps, activity, 'a reaction to a message of this room only')
    return deps.chat.react(roomId, actor.href, seq, emoji, true)
  }
  if (activity instanceof Read) {
    const seq = eventSeqOf(roomUri, activity.objectId)
    if (seq === null) return refuse(deps, activity, 'a Read of an event of this room only')
    return deps.chat.markRead(roomId, actor.href, seq)
  }
  if (activity instanceof Undo) {
    const reaction = await activity.getObject(ctx)
    if (!(reaction instanceof EmojiReact || reaction instanceof Like) || !sameUrl(reaction.actorId, actor))
      return refuse(deps, activity, 'an Undo of its own reaction only')
    const seq = messageSeqOf(roomUri, reaction.objectId)
    const emoji = reaction instanceof EmojiReact ? (reaction.content?.toString() ?? '') : LIKE_EMOJI
    if (seq === null) return refuse(deps, activity, 'an Undo of a reaction to a message of this room only')
    return deps.chat.react(roomId, actor.href, seq, emoji, false)
  }
  return null
}

function refuse(deps: RoomChatDeps, activity: Activity, what: string): RoomChatOutcome {
  deps.log.warn({ activity: activity.id?.href }, `remote chat action refused: the room inbox takes ${what}`)
  return { ok: false, reason: 'validation-failed' }
}

/**
 * Member side: an `Announce` by a room this instance has members in, of one of the room's events
 * (`{room}/events/{seq}`). Only the room itself — its host — is believed; anything else claiming
 * to be its chat is ignored. Each event is applied once; one that skips ahead of the replica's
 * head first pulls what was missed (room-replica-sync.ts).
 */
export async function onRoomAnnounce(deps: InboxDeps, ctx: InboxContext<void>, announce: Announce): Promise<boolean> {
  const roomUri = announce.actorId
  if (roomUri === null || announce.id === null) return false
  const eventSeq = eventSeqOf(roomUri, announce.id)
  if (eventSeq === null) {
    deps.log.debug(
      { announce: announce.id.href, actor: roomUri.href },
      'Announce that is not a room event of its actor ignored',
    )
    return false
  }
  if (deps.policy.blocks(roomUri)) return false
  if ((await deps.repositories.rooms.invitations.acceptedFor(roomUri.href)).length === 0) {
    deps.log.warn({ announce: announce.id.href }, 'Announce of a room nobody here is in ignored')
    return false
  }
  const object = await announce.getObject(ctx)
  const replicas = deps.repositories.rooms.replicas
  return withReplicaLock(replicas, roomUri.href, async () => {
    const head = await replicas.head(roomUri.href)
    if (eventSeq <= head) {
      deps.log.debug({ room: roomUri.href, eventSeq, head }, 'room event already in the replica')
      return false
    }
    // A seq past head + 1 may only follow events the host does not announce (guests, calls): asking
    // costs one small page; not asking could leave a hole for good.
    if (eventSeq > head + 1) await pullHistory(deps, ctx, roomUri, head)
    const applied = await applyEvent(deps, roomUri, eventSeq, object, announce.id!)
    if (applied !== null) await replicas.advanceHead(roomUri.href, eventSeq)
    return applied === true
  })
}

/** True when applied, false when it was known, null when it is not a room event (the head stays). */
async function applyEvent(
  deps: InboxDeps,
  roomUri: URL,
  eventSeq: number,
  object: unknown,
  announceId: URL,
): Promise<boolean | null> {
  // First: an Update of a member names them by URL only, which must not be fetched as a Group.
  const event =
    (await participantEventOf(roomUri, object)) ?? (await roomUpdateOrEventOf(deps, roomUri, eventSeq, object))
  if (event === true) return true
  if (!event) {
    deps.log.warn({ announce: announceId.href }, 'room Announce of an unknown kind of object ignored')
    return null
  }
  const applied = await deps.repositories.rooms.replicas.apply(roomUri.href, eventSeq, event)
  // Deliveries retried after a failure may overtake each other: a change to a message not here
  // yet is processed again later (Fedify's inbox retry), when the message has arrived.
  if (applied === 'missing-message')
    throw new Error(`room event ${announceId.href} changes message ${changedMessageSeq(event)}, not received yet`)
  deps.log.debug({ room: roomUri.href, eventSeq, type: event.type, applied }, 'room event replicated')
  return applied === 'applied'
}

/** A rename of the room, applied here (true); else the room event `object` is, or null. */
async function roomUpdateOrEventOf(
  deps: InboxDeps,
  roomUri: URL,
  eventSeq: number,
  object: unknown,
): Promise<RoomFanoutEvent | true | null> {
  if (object instanceof Update) {
    const group = await object.getObject()
    if (group instanceof Group && sameUrl(group.id, roomUri) && sameUrl(object.actorId, roomUri)) {
      await deps.repositories.rooms.invitations.rename(roomUri.href, group.name?.toString() ?? '', eventSeq)
      deps.log.info({ room: roomUri.href, eventSeq }, 'remote room updated')
      return true
    }
  }
  return fanoutEventOf(roomUri, object)
}

async function fanoutEventOf(roomUri: URL, object: unknown): Promise<RoomFanoutEvent | null> {
  const poll = await pollEventOf(roomUri, object, (id) => messageSeqOf(roomUri, id))
  if (poll) return poll
  if (object instanceof Note) return messageEvent('message.new', roomUri, object)
  if (object instanceof Read) {
    const lastReadSeq = eventSeqOf(roomUri, object.objectId)
    if (lastReadSeq === null || object.actorId === null) return null
    return {
      type: 'read',
      actor: { id: object.actorId.href, name: await nameOf(object, object.actorId) },
      lastReadSeq,
      everyoneReadSeq: eventSeqOf(roomUri, object.targetId) ?? 0,
    }
  }
  if (object instanceof Update) {
    const note = await object.getObject()
    return note instanceof Note ? messageEvent('message.edited', roomUri, note) : null
  }
  if (object instanceof Delete) {
    const messageSeq = messageSeqOf(roomUri, object.objectId)
    if (messageSeq === null) return null
    if (object.summary?.toString() === 'expired') return { type: 'message.expired', messageSeq }
    return { type: 'message.deleted', messageSeq, at: object.published?.epochMilliseconds ?? Date.now() }
  }
  const reaction = object instanceof Undo ? await object.getObject() : object
  if (reaction instanceof EmojiReact && reaction.actorId !== null) {
    const messageSeq = messageSeqOf(roomUri, reaction.objectId)
    if (messageSeq === null) return null
    return {
      type: object instanceof Undo ? 'reaction.removed' : 'reaction.added',
      messageSeq,
      emoji: reaction.content?.toString() ?? '',
      actor: { id: reaction.actorId.href, name: await nameOf(reaction, reaction.actorId) },
    }
  }
  return null
}

async function messageEvent(
  type: 'message.new' | 'message.edited',
  roomUri: URL,
  note: Note,
): Promise<RoomFanoutEvent | null> {
  const messageSeq = messageSeqOf(roomUri, note.id)
  const author = note.attributionId
  if (messageSeq === null || author === null) return null
  const attachments = await noteAttachments(note)
  return {
    type,
    messageSeq,
    author: { id: author.href, name: await nameOf(note, author) },
    body: noteBody(note),
    replyTo: messageSeqOf(roomUri, note.replyTargetId),
    createdAt: note.published?.epochMilliseconds ?? 0,
    editedAt: note.updated?.epochMilliseconds ?? null,
    ...(attachments.length > 0 ? { attachments } : {}),
    ...(note.endTime ? { expiresAt: note.endTime.epochMilliseconds } : {}),
  }
}
