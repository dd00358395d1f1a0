/** Room and chat records to wire shapes. */
import type { MessageView, NotificationView, ParticipantView, PollView, RoomView } from '@parley/protocol'
import type {
  MessageRecord,
  NotificationRecord,
  ParticipantRecord,
  PollRecord,
  ReactionRecord,
  RoomRecord,
  VoteRecord,
} from '../store/records.ts'
import { effectivePermissions } from './policy.ts'
import { filesPath, fileView, snapshotOf } from '../files/file-views.ts'

const iso = (ms: number) => new Date(ms).toISOString()
const isoOrNull = (ms: number | null) => (ms === null ? null : iso(ms))

export function participantView(p: ParticipantRecord): ParticipantView {
  return {
    actorType: p.actorType,
    actorId: p.actorId,
    displayName: p.displayName,
    role: p.role,
    state: p.state,
    permissions: effectivePermissions(p),
    lastReadSeq: p.lastReadSeq,
    joinedAt: iso(p.joinedAt),
  }
}

export function roomView(room: RoomRecord, self: ParticipantRecord | null): RoomView {
  return {
    ...publicRoomView(room),
    me: self
      ? {
          ...participantView(self),
          favourite: self.favourite,
          archived: self.archived,
          notificationLevel: self.notificationLevel,
        }
      : null,
  }
}

/** The room as everyone in it sees it (no caller-specific part): what room.updated events carry. */
export function publicRoomView(room: RoomRecord): Omit<RoomView, 'me'> {
  return {
    id: room.id,
    kind: room.kind,
    name: room.name,
    description: room.description,
    listable: room.listable,
    readOnly: room.readOnly,
    lobby: room.lobby,
    e2ee: room.e2ee,
    hasPassword: room.passwordHash !== null,
    messageExpirySeconds: room.messageExpirySeconds,
    lastSeq: room.lastSeq,
    createdAt: iso(room.createdAt),
  }
}

export function messageView(m: MessageRecord, reactions: ReactionRecord[] = []): MessageView {
  const counts = new Map<string, number>()
  for (const r of reactions) if (r.seq === m.seq) counts.set(r.emoji, (counts.get(r.emoji) ?? 0) + 1)
  const file = m.deletedAt === null ? snapshotOf(m.data) : null
  return {
    roomId: m.roomId,
    seq: m.seq,
    kind: m.kind,
    actor: { type: m.actorType, id: m.actorId, name: m.actorName },
    body: m.body,
    data: m.data,
    replyTo: m.replyTo,
    createdAt: iso(m.createdAt),
    editedAt: isoOrNull(m.editedAt),
    deletedAt: isoOrNull(m.deletedAt),
    expiresAt: isoOrNull(m.expiresAt),
    reactions: [...counts].map(([emoji, count]) => ({ emoji, count })),
    ...(file ? { file: fileView(file, filesPath(m.roomId)) } : {}),
  }
}

export function pollView(poll: PollRecord, votes: VoteRecord[]): PollView {
  const tally = poll.options.map(() => 0)
  for (const vote of votes)
    for (const option of vote.options) if (option < tally.length) tally[option] = (tally[option] ?? 0) + 1
  return {
    id: poll.id,
    roomId: poll.roomId,
    question: poll.question,
    options: poll.options,
    multiple: poll.multiple,
    anonymous: poll.anonymous,
    closed: poll.closedAt !== null,
    votes: tally,
    voters: poll.anonymous ? null : votes.map((v) => ({ name: v.actorName, options: v.options })),
  }
}

export function notificationView(n: NotificationRecord): NotificationView {
  return {
    id: n.id,
    kind: n.kind,
    roomId: n.roomId,
    seq: n.seq,
    actorName: n.actorName,
    createdAt: iso(n.createdAt),
    read: n.readAt !== null,
  }
}

export { iso }
