/**
 * Member side: what the federation stores about rooms on other instances reaches the local users.
 * The federation's invitation and replica repositories are wrapped: once an invitation is stored,
 * its invitee's sessions get `invitation.received`; once it is accepted, the room is an ordinary
 * room here (room-mirror.ts) with the user in it; every host event applied to the replica (and
 * every history page pulled) changes the mirror the same way, as the same room event; when a user
 * leaves or is removed, or the room is deleted, the mirror follows.
 */
import type { ServerMessage } from '@parley/protocol'
import type { FederationRepositories, RoomInvitationRepository, RoomReplicaRepository } from '@parley/federation'
import { userTopic, type Bus } from '../bus/bus.ts'
import type { Logger } from '../logger.ts'
import { iso } from '../http/views.ts'
import type { RoomMirror } from './room-mirror.ts'

export class MemberPush {
  readonly #log: Logger | undefined
  readonly #mirror: RoomMirror
  /** Absent in CLI commands (no sessions to tell): nothing is pushed. */
  readonly #bus: Bus | null

  constructor(mirror: RoomMirror, deps: { bus?: Bus; log?: Logger } = {}) {
    this.#mirror = mirror
    this.#bus = deps.bus ?? null
    this.#log = deps.log
  }

  /** The repositories with invitations and replicas that push what changes. */
  wrap(repositories: FederationRepositories): FederationRepositories {
    const rooms = repositories.rooms
    return {
      ...repositories,
      rooms: {
        ...rooms,
        invitations: this.#invitations(rooms.invitations),
        replicas: this.#replicas(rooms.replicas),
      },
    }
  }

  #invitations(inner: RoomInvitationRepository): RoomInvitationRepository {
    const mirror = this.#mirror
    return {
      receive: async (invitation) => {
        const stored = await inner.receive(invitation)
        if (stored && invitation.state === 'pending') {
          const { inviteId, roomId, roomName, inviterId, createdAt } = invitation
          await this.#send([invitation.userId], {
            type: 'invitation.received',
            invitation: { inviteId, roomId, roomName, inviterId, createdAt: iso(createdAt) },
          })
        }
        return stored
      },
      get: (inviteId) => inner.get(inviteId),
      listForUser: (userId, state) => inner.listForUser(userId, state),
      acceptedFor: (roomId) => inner.acceptedFor(roomId),
      rename: async (roomId, name, eventSeq?: number) => {
        await inner.rename(roomId, name)
        if (eventSeq !== undefined) await mirror.renamed(roomId, name, eventSeq)
      },
      remove: async (inviteId) => {
        const invitation = await inner.get(inviteId)
        const removed = await inner.remove(inviteId)
        if (removed && invitation?.state === 'accepted') await mirror.leave(invitation.roomId, invitation.userId)
        return removed
      },
      answer: async (inviteId, state) => {
        const answered = await inner.answer(inviteId, state)
        const invitation = answered && state === 'accepted' ? await inner.get(inviteId) : null
        if (invitation) await mirror.join(invitation.roomId, invitation.roomName, invitation.userId)
        return answered
      },
      forgetRoom: async (roomId) => {
        const forgotten = await inner.forgetRoom(roomId)
        await mirror.deleted(roomId)
        return forgotten
      },
    }
  }

  #replicas(inner: RoomReplicaRepository): RoomReplicaRepository {
    const mirror = this.#mirror
    return {
      // The mirror first (it applies each host event once, by its seq), then the replica's marker:
      // a crash in between is redelivered, and the mirror does not apply it twice.
      apply: async (roomId, eventSeq, event) => {
        await mirror.applied(roomId, eventSeq, event)
        return inner.apply(roomId, eventSeq, event)
      },
      messages: (roomId, afterSeq, limit) => inner.messages(roomId, afterSeq, limit),
      store: async (roomId, messages) => {
        await inner.store(roomId, messages)
        await mirror.pulled(roomId, messages)
      },
      head: (roomId) => inner.head(roomId),
      advanceHead: (roomId, eventSeq) => inner.advanceHead(roomId, eventSeq),
      drop: (roomId) => inner.drop(roomId),
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
