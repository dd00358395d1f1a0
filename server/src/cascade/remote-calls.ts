/**
 * Member side: which rooms hosted elsewhere we follow the call news of, and whether each has a
 * call running, as its host told us (`cascade.subscribed` carries the call or null; room-wide news
 * then keeps it current: someone joining means a call runs, `call.ended` that none does). Welcome's
 * `calls` asks `running()`, which waits a little for a host's first answer about a room it has not
 * heard of yet rather than saying "no call" too early.
 *
 * Per host, the rooms followed are remembered with a local member's username: the channel's upgrade
 * is signed with that member's key (only members' instances may follow a room).
 */
import type { PeerCascadeFrame, ServerMessage } from '@parley/protocol'
import type { Logger } from '../logger.ts'
import type { RemoteRoom } from './remote-room-names.ts'

export type RemoteCallsDeps = {
  channel(host: string): { send(frame: PeerCascadeFrame): void }
  signerFor(uri: string): Promise<string | null>
  logger: Logger
  firstAnswerMs?: number
  /** A call started in a followed room (it had none, as its host had told us): who started it. */
  onStarted?: (uri: string, caller: { id: string; name: string }) => void
}

type Followed = { signer: string; running: boolean | null; waiting: Array<() => void> }

export class RemoteCalls {
  readonly #deps: RemoteCallsDeps
  /** Per host origin: followed rooms by actor id. */
  readonly #hosts = new Map<string, Map<string, Followed>>()
  #closed = false

  constructor(deps: RemoteCallsDeps) {
    this.#deps = deps
  }

  /** Starts following a room's call news (once); `signer` is a local member's username. */
  follow(host: string, uri: string, signer: string): void {
    if (this.#closed) return
    let rooms = this.#hosts.get(host)
    if (!rooms) this.#hosts.set(host, (rooms = new Map()))
    if (rooms.has(uri)) return
    rooms.set(uri, { signer, running: null, waiting: [] })
    this.#deps.channel(host).send({ type: 'cascade.subscribe', room: uri })
  }

  /**
   * Stops following a room (no local member is in it any more): the host is told, and stops
   * sending its call news and typing. Anyone waiting on its call hears "none".
   */
  unfollow(host: string, uri: string): void {
    const rooms = this.#hosts.get(host)
    const followed = rooms?.get(uri)
    if (!rooms || !followed) return
    rooms.delete(uri)
    if (rooms.size === 0) this.#hosts.delete(host)
    for (const wake of followed.waiting.splice(0)) wake()
    if (!this.#closed) this.#deps.channel(host).send({ type: 'cascade.unsubscribe', room: uri })
  }

  /** Whether the room is followed (its host sends us its call news and typing). */
  following(uri: string): boolean {
    return this.#find(uri) !== undefined
  }

  follows(host: string): boolean {
    return (this.#hosts.get(host)?.size ?? 0) > 0
  }

  /** A username to sign the channel to `host` with. */
  signer(host: string): string | undefined {
    return [...(this.#hosts.get(host)?.values() ?? [])][0]?.signer
  }

  /** The channel to `host` (re)opened: every followed room is subscribed again. */
  resubscribe(host: string): void {
    const channel = this.#deps.channel(host)
    for (const uri of this.#hosts.get(host)?.keys() ?? []) channel.send({ type: 'cascade.subscribe', room: uri })
  }

  /** Whether the room's host says a call runs there; follows the room first if need be. */
  async running(room: RemoteRoom): Promise<boolean> {
    let followed = this.#hosts.get(room.host)?.get(room.uri)
    if (!followed) {
      const signer = await this.#deps.signerFor(room.uri)
      if (signer === null) return false
      this.follow(room.host, room.uri, signer)
      followed = this.#hosts.get(room.host)?.get(room.uri)
      if (!followed) return false
    }
    if (followed.running === null) {
      const entry = followed
      await new Promise<void>((resolve) => {
        const timer = setTimeout(resolve, this.#deps.firstAnswerMs ?? 1500)
        entry.waiting.push(() => {
          clearTimeout(timer)
          resolve()
        })
      })
    }
    return followed.running === true
  }

  subscribed(uri: string, running: boolean): void {
    const followed = this.#find(uri)
    if (!followed) return
    followed.running = running
    for (const wake of followed.waiting.splice(0)) wake()
  }

  /** Room-wide call news keeps `running` current. */
  news(uri: string, frame: ServerMessage): void {
    const followed = this.#find(uri)
    if (!followed) return
    const had = followed.running
    if (frame.type === 'call.ended') followed.running = false
    else if (frame.type === 'call.participant' || frame.type === 'call.joined') followed.running = true
    // Only a start we saw: not knowing yet (null) is no reason to ring anyone.
    if (had === false && followed.running && frame.type === 'call.participant')
      this.#deps.onStarted?.(uri, { id: frame.participant.actor.id, name: frame.participant.actor.name })
  }

  /** The host refused to tell us about the room (no member of ours there): it is not followed any more. */
  refused(uri: string): void {
    for (const rooms of this.#hosts.values()) {
      const followed = rooms.get(uri)
      if (!followed) continue
      rooms.delete(uri)
      for (const wake of followed.waiting.splice(0)) wake()
    }
  }

  /** The channel to `host` dropped: none of its calls can be reached until it answers again. */
  hostDown(host: string): void {
    for (const followed of this.#hosts.get(host)?.values() ?? []) {
      followed.running = false
      for (const wake of followed.waiting.splice(0)) wake()
    }
  }

  close(): void {
    this.#closed = true
    for (const rooms of this.#hosts.values())
      for (const followed of rooms.values()) for (const wake of followed.waiting.splice(0)) wake()
  }

  #find(uri: string): Followed | undefined {
    for (const rooms of this.#hosts.values()) {
      const followed = rooms.get(uri)
      if (followed) return followed
    }
    return undefined
  }
}
