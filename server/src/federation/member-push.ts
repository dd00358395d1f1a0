/**
 * Member side: what the federation stores about rooms on other instances reaches the local users'
 * realtime sessions. The federation's invitation and replica repositories are wrapped: once an
 * invitation is stored, its invitee's sessions get `invitation.received`; once a remote room's
 * event is applied to the replica (or the room renamed), every local member's sessions get
 * `remote-room.event` with the host's sequence number; when a user leaves or is removed, or the
 * room is deleted, `remote-room.removed`. Frames go through the bus on the user's topic, so sessions on any node
 * get them. Publishing never fails the federation's work: a failure is logged.
 */
import type { ServerMessage, RemoteRoomEvent } from '@parley/protocol'
import type { FederationRepositories, RoomFanoutEvent, RoomInvitationRepository, RoomReplicaRepository, ReplicaMessageRecord } from '@parley/federation'
import { userTopic, type Bus } from '../bus/bus.ts'
import type { Logger } from '../logger.ts'
import { iso } from '../http/views.ts'

export class MemberPush {
  readonly #log: Logger | undefined
  #bus: Bus | null = null

  constructor(log?: Logger) {
    this.#log = log
  }

  /** The bus exists once the chat stack is built; until then nothing is pushed. */
  bind(bus: Bus): void {
    this.#bus = bus
  }

  /** The repositories with invitations and replicas that push what changes. */
  wrap(repositories: FederationRepositories): FederationRepositories {
    const rooms = repositories.rooms
    return { ...repositories, rooms: { ...rooms, invitations: this.#invitations(rooms.invitations), replicas: this.#replicas(rooms.invitations, rooms.replicas) } }
  }

  #invitations(inner: RoomInvitationRepository): RoomInvitationRepository {
    return {
      receive: async (invitation) => {
        const stored = await inner.receive(invitation)
        if (stored && invitation.state === 'pending') {
          const { inviteId, roomId, roomName, inviterId, createdAt } = invitation
          await this.#send([invitation.userId], { type: 'invitation.received', invitation: { inviteId, roomId, roomName, inviterId, createdAt: iso(createdAt) } })
        }
        return stored
      },
      get: (inviteId) => inner.get(inviteId),
      listForUser: (userId, state) => inner.listForUser(userId, state),
      acceptedFor: (roomId) => inner.acceptedFor(roomId),
      rename: async (roomId, name, eventSeq?: number) => {
        await inner.rename(roomId, name)
        if (eventSeq !== undefined) await this.#safely('remote-room.event', () => this.#roomEvent(inner, roomId, eventSeq, { type: 'room.updated', roomName: name }))
      },
      remove: async (inviteId) => {
        const invitation = await inner.get(inviteId)
        const removed = await inner.remove(inviteId)
        if (removed && invitation?.state === 'accepted') await this.#send([invitation.userId], { type: 'remote-room.removed', roomId: invitation.roomId })
        return removed
      },
      answer: (inviteId, state) => inner.answer(inviteId, state),
      forgetRoom: async (roomId) => {
        const forgotten = await inner.forgetRoom(roomId)
        const members = [...new Set(forgotten.filter((i) => i.state === 'accepted').map((i) => i.userId))]
        await this.#send(members, { type: 'remote-room.removed', roomId })
        return forgotten
      },
    }
  }

  #replicas(invitations: RoomInvitationRepository, inner: RoomReplicaRepository): RoomReplicaRepository {
    return {
      apply: async (roomId, eventSeq, event) => {
        const applied = await inner.apply(roomId, eventSeq, event)
        if (applied === 'applied' && this.#bus) {
          await this.#safely('remote-room.event', async () => {
            const message = await messageAt(inner, roomId, event)
            if (message) await this.#roomEvent(invitations, roomId, eventSeq, { type: event.type, message: messageView(message) })
          })
        }
        return applied
      },
      messages: (roomId, afterSeq, limit) => inner.messages(roomId, afterSeq, limit),
      store: (roomId, messages) => inner.store(roomId, messages),
      head: (roomId) => inner.head(roomId),
      advanceHead: (roomId, eventSeq) => inner.advanceHead(roomId, eventSeq),
      drop: (roomId) => inner.drop(roomId),
    }
  }

  async #roomEvent(invitations: RoomInvitationRepository, roomId: string, seq: number, event: RemoteRoomEvent): Promise<void> {
    if (!this.#bus) return
    const members = [...new Set((await invitations.acceptedFor(roomId)).map((i) => i.userId))]
    await this.#send(members, { type: 'remote-room.event', roomId, seq, event })
  }

  /** Pushing is a courtesy: a failure is logged, never fails the federation's work (no redelivery for it). */
  async #safely(type: string, push: () => Promise<void>): Promise<void> {
    try {
      await push()
    } catch (error) {
      this.#log?.warn({ err: error, component: 'federation', type }, 'realtime push to local users failed')
    }
  }

  async #send(userIds: readonly string[], frame: ServerMessage): Promise<void> {
    const bus = this.#bus
    if (!bus || userIds.length === 0) return
    const raw = JSON.stringify(frame)
    try {
      await Promise.all(userIds.map((userId) => bus.publish(userTopic(userId), raw)))
    } catch (error) {
      this.#log?.warn({ err: error, component: 'federation', type: frame.type }, 'realtime push to local users failed')
    }
  }
}

async function messageAt(replicas: RoomReplicaRepository, roomId: string, event: RoomFanoutEvent): Promise<ReplicaMessageRecord | null> {
  const [message] = await replicas.messages(roomId, event.messageSeq - 1, 1)
  return message?.seq === event.messageSeq ? message : null
}

/** As GET /api/v1/me/remote-rooms/messages shows it. */
export function messageView(m: ReplicaMessageRecord) {
  return {
    seq: m.seq, authorId: m.authorId, authorName: m.authorName, body: m.body, replyTo: m.replyTo, reactions: m.reactions,
    createdAt: iso(m.createdAt), editedAt: m.editedAt === null ? null : iso(m.editedAt), deletedAt: m.deletedAt === null ? null : iso(m.deletedAt),
  }
}
