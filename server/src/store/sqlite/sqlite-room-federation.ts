/** Room membership across instances on SQLite: invites sent (host side) and invitations received (member side). */
import type { DatabaseSync } from 'node:sqlite'
import type {
  RoomInvitationRecord,
  RoomInvitationRepository,
  RoomInviteRecord,
  RoomInviteRepository,
  RoomInviteState,
} from '@parley/federation'
import type { Row } from './sqlite-util.ts'

const state = (value: unknown): RoomInviteState =>
  value === 'accepted' ? 'accepted' : value === 'rejected' ? 'rejected' : 'pending'

function toInvite(row: Row): RoomInviteRecord {
  return {
    inviteId: String(row.invite_id),
    roomId: String(row.room_id),
    inviterId: String(row.inviter_id),
    inviteeId: String(row.invitee_id),
    inviteeName: String(row.invitee_name),
    inviteeInbox: String(row.invitee_inbox),
    inviteeSharedInbox:
      row.invitee_shared_inbox === null || row.invitee_shared_inbox === undefined
        ? null
        : String(row.invitee_shared_inbox),
    state: state(row.state),
    createdAt: Number(row.created_at),
  }
}

export class SqliteRoomInviteRepository implements RoomInviteRepository {
  readonly #db: DatabaseSync
  constructor(db: DatabaseSync) {
    this.#db = db
  }

  async add(i: RoomInviteRecord): Promise<void> {
    this.#db
      .prepare(
        `INSERT INTO federation_room_invites (invite_id, room_id, inviter_id, invitee_id, invitee_name, invitee_inbox, invitee_shared_inbox, state, created_at)
         VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)`,
      )
      .run(
        i.inviteId,
        i.roomId,
        i.inviterId,
        i.inviteeId,
        i.inviteeName,
        i.inviteeInbox,
        i.inviteeSharedInbox,
        i.state,
        i.createdAt,
      )
  }

  async get(inviteId: string): Promise<RoomInviteRecord | null> {
    const row = this.#db.prepare('SELECT * FROM federation_room_invites WHERE invite_id = ?').get(inviteId)
    return row ? toInvite(row) : null
  }

  async answer(inviteId: string, to: 'accepted' | 'rejected'): Promise<boolean> {
    return (
      Number(
        this.#db
          .prepare("UPDATE federation_room_invites SET state = ? WHERE invite_id = ? AND state = 'pending'")
          .run(to, inviteId).changes,
      ) === 1
    )
  }

  async pendingFor(roomId: string): Promise<RoomInviteRecord[]> {
    return this.#db
      .prepare(
        "SELECT * FROM federation_room_invites WHERE room_id = ? AND state = 'pending' ORDER BY created_at, invite_id",
      )
      .all(roomId)
      .map(toInvite)
  }
}

function toInvitation(row: Row): RoomInvitationRecord {
  return {
    inviteId: String(row.invite_id),
    userId: String(row.user_id),
    roomId: String(row.room_id),
    roomName: String(row.room_name),
    roomInbox: String(row.room_inbox),
    inviterId: String(row.inviter_id),
    state: state(row.state),
    createdAt: Number(row.created_at),
  }
}

export class SqliteRoomInvitationRepository implements RoomInvitationRepository {
  readonly #db: DatabaseSync
  constructor(db: DatabaseSync) {
    this.#db = db
  }

  async receive(i: RoomInvitationRecord): Promise<boolean> {
    const result = this.#db
      .prepare(
        `INSERT INTO federation_room_invitations (invite_id, user_id, room_id, room_name, room_inbox, inviter_id, state, created_at)
         VALUES (?, ?, ?, ?, ?, ?, ?, ?) ON CONFLICT (invite_id) DO NOTHING`,
      )
      .run(i.inviteId, i.userId, i.roomId, i.roomName, i.roomInbox, i.inviterId, i.state, i.createdAt)
    return Number(result.changes) === 1
  }

  async get(inviteId: string): Promise<RoomInvitationRecord | null> {
    const row = this.#db.prepare('SELECT * FROM federation_room_invitations WHERE invite_id = ?').get(inviteId)
    return row ? toInvitation(row) : null
  }

  async listForUser(userId: string, s: RoomInviteState): Promise<RoomInvitationRecord[]> {
    return this.#db
      .prepare(
        'SELECT * FROM federation_room_invitations WHERE user_id = ? AND state = ? ORDER BY created_at, invite_id',
      )
      .all(userId, s)
      .map(toInvitation)
  }

  async rename(roomId: string, name: string): Promise<void> {
    this.#db.prepare('UPDATE federation_room_invitations SET room_name = ? WHERE room_id = ?').run(name, roomId)
  }

  async remove(inviteId: string): Promise<boolean> {
    return (
      Number(this.#db.prepare('DELETE FROM federation_room_invitations WHERE invite_id = ?').run(inviteId).changes) ===
      1
    )
  }

  async acceptedFor(roomId: string): Promise<RoomInvitationRecord[]> {
    return this.#db
      .prepare(
        "SELECT * FROM federation_room_invitations WHERE room_id = ? AND state = 'accepted' ORDER BY created_at, invite_id",
      )
      .all(roomId)
      .map(toInvitation)
  }

  async answer(inviteId: string, to: 'accepted' | 'rejected'): Promise<boolean> {
    return (
      Number(
        this.#db
          .prepare("UPDATE federation_room_invitations SET state = ? WHERE invite_id = ? AND state = 'pending'")
          .run(to, inviteId).changes,
      ) === 1
    )
  }

  async forgetRoom(roomId: string): Promise<RoomInvitationRecord[]> {
    return this.#db
      .prepare('DELETE FROM federation_room_invitations WHERE room_id = ? RETURNING *')
      .all(roomId)
      .map(toInvitation)
  }
}
