/**
 * A room's history as its host has it now, for member instances' replicas: an `OrderedCollection`
 * at /rooms/{id}/history, readable only with a signature by a member (authorized fetch), paged by
 * message seq. Each message is a `Note` (its current Markdown in `source`, `updated` when edited,
 * a shared file as its attachment with fresh capability URLs, as in the Announce), a poll its
 * `Question` as announced (the whole poll with its votes, `url` its message), or, once deleted, a
 * `Tombstone` of the same id (so a member sees why a seq is missing), followed
 * by one `EmojiReact` per current reaction. Every page is a snapshot: storing it twice, or after
 * the Announces it covers, changes nothing, so a member instance can pull it whenever in doubt.
 *
 * Cursors (Parley's own, documented in spec/federation.md): `{seq}` — every message after `seq`
 * (the first page is `0`); `since-{eventSeq}` — only the messages room events after `eventSeq`
 * changed, which a member that missed some Announces asks for. When the host's event log no
 * longer reaches back that far, `since-…` answers the whole history instead.
 */
import { roomIdentifier } from '../actor-identifiers.ts'
import { Temporal } from '@js-temporal/polyfill'
import { EmojiReact, Mention, Object as APObject, Tombstone } from '@fedify/fedify/vocab'
import type { Federation, RequestContext } from '@fedify/fedify'
import type { FollowerRepository, LocalRoomDirectory, RoomChatPort, RoomMessageSnapshot } from '../ports.ts'
import type { DomainPolicy } from '../domain-policy.ts'
import { sameUrl } from '../inbox/inbox-deps.ts'
import { messageNote, messageUri } from './room-fanout.ts'
import { pollQuestion } from './room-polls.ts'

export const ROOM_HISTORY_PATH = '/rooms/{identifier}/history'
/** Messages per page: a page of long messages with reactions stays well under the 1 MiB fetch limit. */
export const HISTORY_PAGE_SIZE = 50
/** More room events than this since a member's head: it gets the whole history rather than a diff. */
const CHANGED_SINCE_LIMIT = 5000

export type RoomHistoryDeps = {
  rooms: LocalRoomDirectory
  chat: RoomChatPort
  members: FollowerRepository
  policy: DomainPolicy
}

type Cursor = { since: number | null; after: number }

export function parseHistoryCursor(cursor: string): Cursor | null {
  const full = /^(0|[1-9][0-9]{0,14})$/.exec(cursor)
  if (full) return { since: null, after: Number(full[1]) }
  const since = /^since-(0|[1-9][0-9]{0,14})(?:-([1-9][0-9]{0,14}))?$/.exec(cursor)
  return since ? { since: Number(since[1]), after: since[2] === undefined ? 0 : Number(since[2]) } : null
}

/** The collection items of one message: its Note or Tombstone, then its reactions. */
export function snapshotItems(roomUri: URL, m: RoomMessageSnapshot): APObject[] {
  const author = new URL(m.authorId)
  const id = messageUri(roomUri, m.seq)
  const head: APObject =
    m.deletedAt === null && m.poll !== undefined
      ? pollQuestion(roomUri, m.poll, {
          messageSeq: m.seq,
          author: { id: m.authorId, name: m.authorName },
          createdAt: m.createdAt,
        })
      : m.deletedAt === null
        ? messageNote(roomUri, {
            messageSeq: m.seq,
            author: { id: m.authorId, name: m.authorName },
            body: m.body,
            replyTo: m.replyTo,
            createdAt: m.createdAt,
            editedAt: m.editedAt,
            ...(m.attachments && m.attachments.length > 0 ? { attachments: m.attachments } : {}),
            ...(m.expiresAt ? { expiresAt: m.expiresAt } : {}),
          })
        : new Tombstone({
            id,
            attribution: author,
            published: Temporal.Instant.fromEpochMilliseconds(m.createdAt),
            updated: m.editedAt === null ? null : Temporal.Instant.fromEpochMilliseconds(m.editedAt),
            deleted: Temporal.Instant.fromEpochMilliseconds(m.deletedAt),
            tags: [new Mention({ href: author, name: m.authorName })],
          })
  return [
    head,
    ...m.reactions.map(
      (r) =>
        new EmojiReact({
          actor: new URL(r.actorId),
          object: id,
          content: r.emoji,
          tags: [new Mention({ href: new URL(r.actorId), name: r.actorName })],
        }),
    ),
  ]
}

export function installRoomHistory(federation: Federation<void>, deps: RoomHistoryDeps): void {
  const roomOf = async (identifier: string) => {
    const room = await deps.rooms.byId(identifier)
    return room && room.deletedAt === null ? room : null
  }
  federation
    .setOrderedCollectionDispatcher('room-history', APObject, ROOM_HISTORY_PATH, async (ctx, values, cursor) => {
      const room = await roomOf(values.identifier)
      if (!room || cursor === null) return null
      const parsed = parseHistoryCursor(cursor)
      if (!parsed) return null
      const roomUri = ctx.getActorUri(roomIdentifier(room.roomId))
      let snapshots: RoomMessageSnapshot[]
      let next: string | null
      const changed =
        parsed.since === null ? null : await deps.chat.changedSince(room.roomId, parsed.since, CHANGED_SINCE_LIMIT)
      if (changed === null) {
        snapshots = await deps.chat.snapshots(room.roomId, parsed.after, HISTORY_PAGE_SIZE)
        next = snapshots.length === HISTORY_PAGE_SIZE ? String(snapshots[snapshots.length - 1]!.seq) : null
      } else {
        const seqs = changed.filter((seq) => seq > parsed.after)
        snapshots = await deps.chat.snapshotsAt(room.roomId, seqs.slice(0, HISTORY_PAGE_SIZE))
        next = seqs.length > HISTORY_PAGE_SIZE ? `since-${parsed.since}-${seqs[HISTORY_PAGE_SIZE - 1]}` : null
      }
      return { items: snapshots.flatMap((m) => snapshotItems(roomUri, m)), nextCursor: next }
    })
    .setFirstCursor(async (_ctx, values) => ((await roomOf(values.identifier)) ? '0' : null))
    .authorize(async (ctx, values) => isMemberRequest(deps, ctx, values.identifier ?? ''))
}

/** Only a member's signature reads a room's history (its own instance's members' messages included). */
async function isMemberRequest(deps: RoomHistoryDeps, ctx: RequestContext<void>, roomId: string): Promise<boolean> {
  const owner = await ctx.getSignedKeyOwner()
  if (!owner?.id || deps.policy.blocks(owner.id)) return false
  let cursor: string | null = null
  do {
    const page = await deps.members.list(roomId, cursor, 1000)
    if (page.items.some((m) => sameUrl(m.actorId, owner.id))) return true
    cursor = page.next
  } while (cursor !== null)
  return false
}
