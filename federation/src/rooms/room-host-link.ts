/**
 * Member side: what a local user asks of the host of a room hosted elsewhere and is answered at
 * once — a forwarded write (room-actions.ts) and the room's roster (room-participants.ts). Needs
 * nothing of the server's rooms and chat, so the server's chat service is built on it before the
 * rest of the federation (see federation-core.ts).
 */
import type { Context } from '@fedify/fedify'
import type { LocalActor, LocalActorDirectory } from '../ports.ts'
import type { DomainPolicy } from '../domain-policy.ts'
import type { FederationLogger } from '../log.ts'
import type { RemoteFetcher } from '../remote-fetcher.ts'
import { forwardRoomAction, type ForwardOutcome, type RemoteRoomAction } from './room-actions.ts'
import { fetchRoomParticipants, type RosterOutcome } from './room-participants.ts'

export type RoomHostLinkDeps = {
  /** The users' federation context (requests are signed by users). */
  context: () => Context<void>
  users: LocalActorDirectory
  policy: DomainPolicy
  /** Forwarded writes and roster requests go to hosts through it (limits, address checks). */
  fetcher: RemoteFetcher
  log: FederationLogger
  now: () => number
}

type Refused = { type: 'refused'; code: string; message: string }

export class RoomHostLink {
  readonly #deps: RoomHostLinkDeps

  constructor(deps: RoomHostLinkDeps) {
    this.#deps = deps
  }

  /**
   * A local user's write in a room hosted elsewhere, sent to the host now and answered with its
   * decision (room-actions.ts); `actionId` names it, so a retry is never applied twice.
   */
  async forward(
    username: string,
    roomUri: string,
    action: RemoteRoomAction,
    actionId: string,
  ): Promise<ForwardOutcome> {
    const target = await this.#target(username, roomUri)
    if ('type' in target) return target
    const { fetcher, now, log } = this.#deps
    return forwardRoomAction({ ctx: this.#deps.context(), fetcher, now, log }, username, target.room, action, actionId)
  }

  /** The participants of a room hosted elsewhere as its host knows them, asked for as `username` (a member). */
  async participants(username: string, roomUri: string): Promise<RosterOutcome> {
    const target = await this.#target(username, roomUri)
    if ('type' in target) return target
    return fetchRoomParticipants({ ctx: this.#deps.context(), fetcher: this.#deps.fetcher }, username, target.room)
  }

  /** The room's URL when the user exists here and the room's domain is not blocked, else the refusal. */
  async #target(username: string, roomUri: string): Promise<{ room: URL } | Refused> {
    const user = await this.#user(username)
    if (!user) return { type: 'refused', code: 'room-not-found', message: 'No such user here' }
    let room: URL
    try {
      room = new URL(roomUri)
    } catch {
      return { type: 'refused', code: 'room-not-found', message: 'Not a room URL' }
    }
    if (this.#deps.policy.blocks(room))
      return { type: 'refused', code: 'domain-blocked', message: `The domain ${room.host} is blocked here` }
    return { room }
  }

  async #user(username: string): Promise<LocalActor | null> {
    const user = await this.#deps.users.byUsername(username)
    return user && user.deletedAt === null ? user : null
  }
}
