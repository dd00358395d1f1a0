/** Records for the contract suites: valid defaults, overridden per test. */
import { randomUUID } from 'node:crypto'
import type { MessageRecord, ParticipantRecord, RoomRecord } from '../records.ts'

export function room(overrides: Partial<RoomRecord> = {}): RoomRecord {
  return {
    id: randomUUID(),
    kind: 'group',
    name: 'Room',
    description: '',
    listable: 'none',
    readOnly: false,
    lobby: false,
    e2ee: false,
    passwordHash: null,
    messageExpirySeconds: null,
    lastSeq: 0,
    pairKey: null,
    createdBy: 'u-owner',
    createdAt: 1_700_000_000_000,
    deletedAt: null,
    ...overrides,
  }
}

export function participant(
  roomId: string,
  actorId: string,
  overrides: Partial<ParticipantRecord> = {},
): ParticipantRecord {
  return {
    roomId,
    actorType: 'user',
    actorId,
    displayName: actorId.toUpperCase(),
    role: 'member',
    state: 'active',
    permissions: null,
    lastReadSeq: 0,
    favourite: false,
    archived: false,
    notificationLevel: 'all',
    joinedAt: 1_700_000_000_000,
    ...overrides,
  }
}

export function message(roomId: string, seq: number, overrides: Partial<MessageRecord> = {}): MessageRecord {
  return {
    roomId,
    seq,
    kind: 'text',
    actorType: 'user',
    actorId: 'u1',
    actorName: 'U1',
    body: `message ${seq}`,
    data: null,
    replyTo: null,
    createdAt: 1_700_000_000_000 + seq,
    editedAt: null,
    deletedAt: null,
    expiresAt: null,
    ...overrides,
  }
}
