/**
 * Member side on several nodes of one instance (a shared Redis): one node speaks for the instance
 * to each room hosted elsewhere, the holder of the room's call lease (call-lease.ts, keyed by the
 * room's actor id, which no local room id can equal). Only that node follows the room's call news,
 * keeps the call channel to its host and runs the room's bridges, so the host sees one channel and
 * one copy of each stream per instance however many of our nodes have people in its call, and our
 * sessions hear its news once.
 *
 * Other nodes' sessions reach the lease node through call-forwarding.ts (their frames are answered
 * `{ ownedBy }` by cascade-member.ts); their typing, and welcome's question "does a call run
 * there?", travel on the lease node's `cascade-node:<id>` topic of the bus.
 *
 * The lease is taken by whichever node first needs the room, renewed with the node's other leases
 * (call-forwarding.ts's tick) and taken over once its holder's heartbeat is gone; every node looks
 * at the mirrored rooms again once per lease period (`adopt`), so a room whose node died is
 * followed again within about one lease.
 */
import { randomUUID } from 'node:crypto'
import type { Logger } from '../logger.ts'
import type { Bus, Unsubscribe } from '../bus/bus.ts'
import type { ClusterCallLeases } from '../calls/call-lease.ts'

/** Frames for the node that speaks for us to a room's host, from the other nodes, and its answers. */
export type CascadeRelay =
  | { kind: 'typing'; room: string; username: string; name: string; typing: boolean }
  | { kind: 'running?'; id: string; room: string; node: string }
  | { kind: 'running'; id: string; running: boolean }

export const cascadeNodeTopic = (nodeId: string) => `cascade-node:${nodeId}`

export type CascadeClusterDeps = {
  leases: ClusterCallLeases
  bus: Bus
  logger: Logger
  /** On the lease node: typing a session on another node sent in the room. */
  typing(relay: Extract<CascadeRelay, { kind: 'typing' }>): void
  /** On the lease node: whether the room's host says a call runs there. */
  running(room: string): Promise<boolean>
  /** Follows every room mirrored here that no live node speaks for (called once per lease period). */
  adopt(): Promise<void>
  /** How long another node's answer about a running call is awaited. */
  answerMs?: number
}

export class CascadeCluster {
  readonly nodeId: string
  readonly #deps: CascadeClusterDeps
  readonly #log: Logger
  /** Rooms (actor ids) this node speaks for. */
  readonly #owned = new Set<string>()
  readonly #questions = new Map<string, (running: boolean) => void>()
  #unsubscribe: Unsubscribe | undefined
  #timer: NodeJS.Timeout | undefined
  #closed = false

  constructor(deps: CascadeClusterDeps) {
    this.nodeId = deps.leases.nodeId
    this.#deps = deps
    this.#log = deps.logger.child({ component: 'cascade-cluster', nodeId: this.nodeId })
  }

  /** Listens on this node's topic, then looks for rooms to speak for, now and once per lease period. */
  async start(): Promise<void> {
    this.#unsubscribe = await this.#deps.bus.subscribe(cascadeNodeTopic(this.nodeId), (raw) => this.#receive(raw))
    this.#timer = setInterval(() => void this.#adopt(), this.#deps.leases.leaseMs)
    this.#timer.unref()
    await this.#adopt()
  }

  /**
   * The node that speaks for us to the room's host: this one when nobody did (the lease is taken
   * here), or when the node that did is gone (its lease is taken over).
   */
  async owner(room: string): Promise<string> {
    // Ours until a renewal fails (lost()): no round trip to Redis for each of the room's frames.
    if (this.#owned.has(room)) return this.nodeId
    const leases = this.#deps.leases
    let holder = await leases.claim(room)
    if (holder !== this.nodeId && !(await leases.alive([holder])).has(holder)) {
      this.#log.info({ room, deadNode: holder }, 'the node that spoke for us to a room’s host is gone: taking over')
      holder = await leases.takeOver(room, holder)
    }
    if (holder === this.nodeId && !this.#closed) this.#owned.add(room)
    return holder
  }

  owns(room: string): boolean {
    return this.#owned.has(room)
  }

  /** This node stops speaking for us to the room's host (none of our people is in the room any more). */
  async release(room: string): Promise<void> {
    if (!this.#owned.delete(room)) return
    await this.#deps.leases.release(room).catch((error: unknown) => {
      this.#log.warn({ err: error, room }, 'cannot release a room’s cascade lease')
    })
  }

  /** The lease was lost (renewal failed): whether this node spoke for the room until now. */
  lost(room: string): boolean {
    return this.#owned.delete(room)
  }

  /** Typing from a session here, for the node that speaks for the room. */
  relayTyping(owner: string, relay: Extract<CascadeRelay, { kind: 'typing' }>): void {
    this.#post(owner, relay)
  }

  /** Asks the node that speaks for the room whether a call runs there (no answer in time: no). */
  ask(owner: string, room: string): Promise<boolean> {
    const id = randomUUID()
    return new Promise((resolve) => {
      const timer = setTimeout(() => {
        this.#questions.delete(id)
        resolve(false)
      }, this.#deps.answerMs ?? 2000)
      this.#questions.set(id, (running) => {
        clearTimeout(timer)
        this.#questions.delete(id)
        resolve(running)
      })
      this.#post(owner, { kind: 'running?', id, room, node: this.nodeId })
    })
  }

  async close(): Promise<void> {
    if (this.#closed) return
    this.#closed = true
    clearInterval(this.#timer)
    for (const answer of [...this.#questions.values()]) answer(false)
    // The leases themselves go with the node's others (CallForwarding closes them).
    this.#owned.clear()
    await this.#unsubscribe?.().catch((error: unknown) =>
      this.#log.debug({ err: error }, 'leaving the cascade node topic on close failed'),
    )
  }

  async #adopt(): Promise<void> {
    if (this.#closed) return
    try {
      await this.#deps.adopt()
    } catch (error) {
      this.#log.warn({ err: error }, 'cannot look for rooms hosted elsewhere to speak for')
    }
  }

  #post(node: string, relay: CascadeRelay): void {
    this.#deps.bus
      .publish(cascadeNodeTopic(node), JSON.stringify(relay))
      .catch((error: unknown) => this.#log.warn({ err: error, node, kind: relay.kind }, 'cannot reach a node'))
  }

  #receive(raw: string): void {
    let relay: CascadeRelay
    try {
      relay = JSON.parse(raw) as CascadeRelay
    } catch {
      return this.#log.warn('unreadable frame on the cascade node topic')
    }
    // The bus is inside the trust boundary (call-remote-sink.ts): only our nodes publish here.
    switch (relay.kind) {
      case 'typing':
        return this.#deps.typing(relay)
      case 'running?':
        void this.#deps
          .running(relay.room)
          .catch((error: unknown) => {
            this.#log.warn(
              { err: error, room: relay.room },
              'cannot tell another node whether a call runs: answering no',
            )
            return false
          })
          .then((running) => this.#post(relay.node, { kind: 'running', id: relay.id, running }))
        return
      case 'running':
        return this.#questions.get(relay.id)?.(relay.running)
    }
  }
}
