/**
 * The host side of the call channel when this instance runs several server nodes (spec/cascade.md).
 * A peer's channel lands on whichever node its connection reached, but a room's call runs on one
 * node only (the holder of its call lease, call-lease.ts), and only that node's SFU session can
 * make the subscriber a bridge needs or tell what the call looks like. Call frames already travel
 * to that node (CallForwarding); this carries the rest over the bus, topic `cascade-host:<node>`:
 *
 * - the call snapshot a subscription starts with (`snapshot` → `snapshot-reply`, by request id);
 * - a channel's bridge frames (subscribe, answer, layer, close) for a call running elsewhere. The
 *   call's node handles them with a BridgeHost of its own for that channel, whose frames (offer,
 *   closed, refusals) come back to the channel's node and go out on the channel;
 * - `link-closed`: the channel is gone, and its bridges on every node end.
 *
 * The ends of a relayed bridge are on two nodes, and either may go. One that stops cleanly tells
 * the peer its bridges ended (BridgeHost.endAll); a crashed one says nothing, so every node checks
 * the other ends of its relayed bridges by their heartbeat (call-lease.ts, every CHECK_MS): the
 * channel's node tells the peer that the bridges of a gone call's node ended, and the call's node
 * drops the bridges it ran for a gone channel's node.
 *
 * The bus is our own nodes' (Redis, never reachable by peers): the channel's node checked the
 * signature and the peer's membership before anything goes on it, so what arrives is trusted.
 */
import { randomUUID } from 'node:crypto'
import type {
  CascadeBridgeAnswer,
  CascadeBridgeClose,
  CascadeBridgeLayer,
  CascadeBridgeSubscribe,
  HostCascadeFrame,
  ServerCallJoined,
} from '@parley/protocol'
import { ErrorCodes } from '@parley/protocol'
import type { Logger } from '../logger.ts'
import type { Bus, Unsubscribe } from '../bus/bus.ts'
import type { Call } from '../calls/call.ts'
import type { ClusterCallLeases } from '../calls/call-lease.ts'
import { BridgeHost, MAX_BRIDGES, type Bridges } from './bridge-host.ts'

export const hostRelayTopic = (nodeId: string) => `cascade-host:${nodeId}`

/** How long a channel's node waits for the call's node to describe its call. */
const SNAPSHOT_TIMEOUT_MS = 2000

/** How often the nodes at the other end of relayed bridges are checked alive. */
const CHECK_MS = 2000

type BridgeFrame = CascadeBridgeSubscribe | CascadeBridgeAnswer | CascadeBridgeLayer | CascadeBridgeClose

/** What nodes say to each other on `cascade-host:<node>`. */
type RelayMessage =
  | { type: 'snapshot'; from: string; id: string; roomId: string }
  | { type: 'snapshot-reply'; id: string; call: ServerCallJoined | null }
  | { type: 'bridge'; from: string; link: string; peer: string; roomId: string; frame: BridgeFrame }
  | { type: 'link-closed'; from: string; link: string }
  | { type: 'to-link'; link: string; frame: HostCascadeFrame }
  | { type: 'bridge-ended'; link: string; bridge: string }

/** The call as a `call.joined` would show it, for a peer's subscription (participant id empty). */
export function callSnapshot(call: Call, roomId: string): ServerCallJoined {
  return {
    type: 'call.joined',
    roomId,
    callId: call.id,
    participantId: '-',
    engine: call.mesh ? 'mesh' : 'sfu',
    participants: call.views(),
    feeds: call.feeds(),
    recording: call.recording,
    e2ee: call.e2ee,
    ice: { iceServers: [], expiresAt: null },
  }
}

/** The channel's node in a `#hosted` key (`<node> <link>`). */
const channelNode = (key: string) => key.slice(0, key.indexOf(' '))

export type HostCallRelayDeps = {
  bus: Bus
  leases: Pick<ClusterCallLeases, 'nodeId' | 'holder' | 'alive'>
  /** This node's running calls. */
  call(roomId: string): Call | undefined
  logger: Logger
  /** How often other nodes holding an end of our relayed bridges are checked alive (default CHECK_MS). */
  checkMs?: number
}

export class HostCallRelay {
  readonly #deps: HostCallRelayDeps
  readonly #nodeId: string
  readonly #log: Logger
  /** Channels on this node whose bridges run (partly) on other nodes, by link id. */
  readonly #links = new Map<string, RelayedBridges>()
  /** Bridges run here for channels on other nodes, by `<node> <link>`. */
  readonly #hosted = new Map<string, BridgeHost>()
  readonly #snapshots = new Map<string, (call: ServerCallJoined | null) => void>()
  #unsubscribe: Unsubscribe | undefined
  #timer: NodeJS.Timeout | undefined
  #checking = false

  private constructor(deps: HostCallRelayDeps) {
    this.#deps = deps
    this.#nodeId = deps.leases.nodeId
    this.#log = deps.logger.child({ component: 'cascade-host-relay' })
  }

  static async start(deps: HostCallRelayDeps): Promise<HostCallRelay> {
    const relay = new HostCallRelay(deps)
    relay.#unsubscribe = await deps.bus.subscribe(hostRelayTopic(relay.#nodeId), (raw) => relay.#receive(raw))
    relay.#timer = setInterval(() => void relay.#check(), deps.checkMs ?? CHECK_MS)
    // The check has nothing to do once the rest of the node is gone: it must not hold it open.
    relay.#timer.unref()
    return relay
  }

  /** The room's call as its node sees it; null when none runs (or its node does not answer in time). */
  async snapshot(roomId: string): Promise<ServerCallJoined | null> {
    const call = this.#deps.call(roomId)
    if (call) return callSnapshot(call, roomId)
    const holder = await this.#deps.leases.holder(roomId)
    if (holder === null || holder === this.#nodeId) return null
    const id = randomUUID()
    return new Promise((resolve) => {
      const timer = setTimeout(() => {
        this.#snapshots.delete(id)
        this.#log.info({ roomId, node: holder }, 'the call’s node did not describe its call in time')
        resolve(null)
      }, SNAPSHOT_TIMEOUT_MS)
      this.#snapshots.set(id, (snapshot) => {
        clearTimeout(timer)
        this.#snapshots.delete(id)
        resolve(snapshot)
      })
      this.#publish(holder, { type: 'snapshot', from: this.#nodeId, id, roomId })
    })
  }

  /** The bridges of one peer's channel on this node: run here, or on the node of each room's call. */
  link(peerOrigin: string, send: (frame: HostCascadeFrame) => void): Bridges {
    const id = randomUUID()
    const bridges = new RelayedBridges({
      local: new BridgeHost({ peerOrigin, send, call: (roomId) => this.#deps.call(roomId), log: this.#log }),
      holder: async (roomId) => (this.#deps.call(roomId) ? null : await this.#deps.leases.holder(roomId)),
      nodeId: this.#nodeId,
      forward: (node, roomId, frame) =>
        this.#publish(node, { type: 'bridge', from: this.#nodeId, link: id, peer: peerOrigin, roomId, frame }),
      closed: (nodes) => {
        this.#links.delete(id)
        for (const node of nodes) this.#publish(node, { type: 'link-closed', from: this.#nodeId, link: id })
      },
      send,
    })
    this.#links.set(id, bridges)
    return bridges
  }

  /** Channels of other nodes whose bridges run here (for tests and metrics). */
  get hostedChannels(): number {
    return this.#hosted.size
  }

  /**
   * The node stops cleanly. The bridges it runs for channels on other nodes end, and their peers
   * hear it (those channels stay open): otherwise a peer would keep bridges that carry nothing and
   * never subscribe again once the call runs on another node.
   */
  async close(): Promise<void> {
    clearInterval(this.#timer)
    for (const host of this.#hosted.values()) host.endAll('node stopping')
    this.#hosted.clear()
    for (const resolve of this.#snapshots.values()) resolve(null)
    await this.#unsubscribe?.()
  }

  /**
   * A crashed node tells nobody; its heartbeat lapses (call-lease.ts). Bridges a gone call's node
   * ran for our channels end, and their peers hear it (so they subscribe again where the call
   * restarts); bridges we ran for a gone channel's node are let go (nobody would close them).
   */
  async #check(): Promise<void> {
    if (this.#checking) return
    this.#checking = true
    try {
      const nodes = new Set<string>()
      for (const key of this.#hosted.keys()) nodes.add(channelNode(key))
      for (const link of this.#links.values()) for (const node of link.nodes()) nodes.add(node)
      if (nodes.size === 0) return
      const alive = await this.#deps.leases.alive(nodes)
      for (const node of nodes) {
        if (alive.has(node)) continue
        this.#log.info({ node }, 'a node holding an end of relayed bridges is gone')
        for (const link of this.#links.values()) link.nodeGone(node)
        for (const [key, host] of [...this.#hosted]) {
          if (channelNode(key) !== node) continue
          host.closeAll()
          this.#hosted.delete(key)
        }
      }
    } catch (error) {
      // A lookup that failed proves nobody dead: the next round asks again.
      this.#log.warn({ err: error }, 'cannot check the nodes of relayed bridges')
    } finally {
      this.#checking = false
    }
  }

  #publish(node: string, message: RelayMessage): void {
    this.#deps.bus
      .publish(hostRelayTopic(node), JSON.stringify(message))
      .catch((error: unknown) => this.#log.warn({ err: error, node, type: message.type }, 'cannot reach another node'))
  }

  #receive(raw: string): void {
    let message: RelayMessage
    try {
      message = JSON.parse(raw) as RelayMessage
    } catch {
      return this.#log.warn('unreadable message from another node')
    }
    switch (message.type) {
      case 'snapshot': {
        const call = this.#deps.call(message.roomId)
        return this.#publish(message.from, {
          type: 'snapshot-reply',
          id: message.id,
          call: call ? callSnapshot(call, message.roomId) : null,
        })
      }
      case 'snapshot-reply':
        return this.#snapshots.get(message.id)?.(message.call)
      case 'bridge':
        return void this.#hostBridge(message).catch((error: unknown) =>
          this.#log.error({ err: error }, 'a bridge frame from another node failed'),
        )
      case 'link-closed': {
        const key = `${message.from} ${message.link}`
        this.#hosted.get(key)?.closeAll()
        this.#hosted.delete(key)
        return
      }
      case 'to-link':
        return this.#links.get(message.link)?.fromCallNode(message.frame)
      case 'bridge-ended':
        return this.#links.get(message.link)?.ended(message.bridge)
    }
  }

  /** A bridge frame of a channel on another node, for a call running here. */
  async #hostBridge(message: Extract<RelayMessage, { type: 'bridge' }>): Promise<void> {
    const key = `${message.from} ${message.link}`
    let host = this.#hosted.get(key)
    if (!host) {
      host = new BridgeHost({
        peerOrigin: message.peer,
        send: (frame) => this.#publish(message.from, { type: 'to-link', link: message.link, frame }),
        call: (roomId) => this.#deps.call(roomId),
        log: this.#log,
      })
      this.#hosted.set(key, host)
    }
    const { frame } = message
    switch (frame.type) {
      case 'cascade.bridge-subscribe':
        await host.subscribe(frame, message.roomId)
        // Refused (no call here any more, no such feed): the channel's node forgets where it went.
        if (!host.has(frame.bridge))
          this.#publish(message.from, { type: 'bridge-ended', link: message.link, bridge: frame.bridge })
        return
      case 'cascade.bridge-answer':
        return host.answer(frame)
      case 'cascade.bridge-layer':
        return host.layer(frame)
      case 'cascade.bridge-close':
        return host.close(frame.bridge)
    }
  }
}

type RelayedBridgesDeps = {
  local: BridgeHost
  nodeId: string
  /** The node running the room's call when that is not this one (null: here, or none runs). */
  holder(roomId: string): Promise<string | null>
  forward(node: string, roomId: string, frame: BridgeFrame): void
  closed(nodes: Set<string>): void
  send(frame: HostCascadeFrame): void
}

/** One channel's bridges: those of calls on this node run here, the others on their call's node. */
class RelayedBridges implements Bridges {
  readonly #deps: RelayedBridgesDeps
  /** Bridges running on another node: which one, and for which room (our id and its actor id). */
  readonly #remote = new Map<string, { node: string; roomId: string; room: string }>()
  /** Every node this channel's bridges went to, told when the channel closes. */
  readonly #nodes = new Set<string>()

  constructor(deps: RelayedBridgesDeps) {
    this.#deps = deps
  }

  get size(): number {
    return this.#deps.local.size + this.#remote.size
  }

  async subscribe(frame: CascadeBridgeSubscribe, roomId: string): Promise<void> {
    const holder = await this.#deps.holder(roomId)
    if (holder === null || holder === this.#deps.nodeId) return this.#deps.local.subscribe(frame, roomId)
    // The limit and the id check hold for the whole channel, wherever its bridges run.
    if (this.#remote.has(frame.bridge) || this.#deps.local.has(frame.bridge))
      return this.#refuse('invalid-message', frame, { reason: 'bridge id in use' })
    if (this.size >= MAX_BRIDGES) return this.#refuse('rate-limited', frame, { max: MAX_BRIDGES })
    this.#remote.set(frame.bridge, { node: holder, roomId, room: frame.room })
    this.#nodes.add(holder)
    this.#deps.forward(holder, roomId, frame)
  }

  async answer(frame: CascadeBridgeAnswer): Promise<void> {
    const remote = this.#remote.get(frame.bridge)
    if (!remote) return this.#deps.local.answer(frame)
    this.#deps.forward(remote.node, remote.roomId, frame)
  }

  async layer(frame: CascadeBridgeLayer): Promise<void> {
    const remote = this.#remote.get(frame.bridge)
    if (!remote) return this.#deps.local.layer(frame)
    this.#deps.forward(remote.node, remote.roomId, frame)
  }

  close(bridge: string): void {
    const remote = this.#remote.get(bridge)
    if (!remote) return this.#deps.local.close(bridge)
    this.#remote.delete(bridge)
    this.#deps.forward(remote.node, remote.roomId, { type: 'cascade.bridge-close', room: remote.room, bridge })
  }

  has(bridge: string): boolean {
    return this.#remote.has(bridge) || this.#deps.local.has(bridge)
  }

  closeAll(): void {
    this.#deps.local.closeAll()
    this.#remote.clear()
    this.#deps.closed(this.#nodes)
  }

  /** A frame the call's node sends the peer about one of this channel's bridges. */
  fromCallNode(frame: HostCascadeFrame): void {
    if (frame.type === 'cascade.bridge-closed') this.#remote.delete(frame.bridge)
    this.#deps.send(frame)
  }

  /** The nodes running some of this channel's bridges now. */
  nodes(): Set<string> {
    return new Set([...this.#remote.values()].map((remote) => remote.node))
  }

  /**
   * That node crashed: the bridges it ran are over without a word from it, so the peer hears it
   * here, as it would from the call's node.
   */
  nodeGone(node: string): void {
    for (const [bridge, remote] of [...this.#remote]) {
      if (remote.node !== node) continue
      this.#remote.delete(bridge)
      this.#deps.send({ type: 'cascade.bridge-closed', room: remote.room, bridge, reason: 'node gone' })
    }
  }

  /** The call's node holds the bridge no longer (its subscription was refused). */
  ended(bridge: string): void {
    this.#remote.delete(bridge)
  }

  #refuse(code: 'invalid-message' | 'rate-limited', frame: CascadeBridgeSubscribe, details: Record<string, unknown>) {
    this.#deps.send({
      type: 'cascade.error',
      room: frame.room,
      error: { code, message: ErrorCodes[code].message, details: { bridge: frame.bridge, ...details } },
    })
  }
}
