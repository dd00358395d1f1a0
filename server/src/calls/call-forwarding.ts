/**
 * Calls across server nodes: one node runs each room's call (the holder of its lease,
 * call-lease.ts), the others forward. Sits in front of this node's CallService, in the realtime
 * gateway's place for it, only when nodes share a Redis bus; on one node the gateway talks to the
 * CallService directly and none of this runs.
 *
 * - A session's call frame for a room whose call this node runs is handled here, as on one node.
 *   Otherwise the room's lease says which node runs it, and the frame goes over the bus to
 *   `node:<owner>` with the session id, this node's id and the authenticated caller
 *   (call-remote-sink.ts says why the owner may believe it). A join for a room with no call is
 *   handled here: this node claims the lease and starts the call, or learns who beat it to it.
 * - The owner handles forwarded frames with a RemoteSink, whose replies (call.joined, relayed mesh
 *   signals, SFU answers and offers, acks, errors) come back on `node:<session's node>` and are
 *   written to the session. Everything a call does goes through CallService.handle, so moderation,
 *   recording, mute, hands, reactions, mesh relay and SFU publish/subscribe work unchanged.
 * - Room-wide call frames (joined, left, ended, …) already reach every node through the room topic.
 * - A session that closes or leaves the room tells the owner (participant released).
 * - Every node renews its heartbeat and leases every leaseMs/3. A node whose lease was taken over
 *   ends its call. When an owner's heartbeat is gone, its participants here get `call.ended`
 *   (reason `media-unavailable`); when a participant's node's heartbeat is gone, the owner releases
 *   those participants (`disconnected`), so a dead node leaves no ghosts in calls.
 */
import type { ClientCallMessage, ServerMessage } from '@parley/protocol'
import type { Logger } from '../logger.ts'
import { nodeTopic, type Bus, type Unsubscribe } from '../bus/bus.ts'
import type { CallFrontDoor, CallRunner } from './call-service.ts'
import type { CallSink } from './call-participant.ts'
import type { ClusterCallLeases } from './call-lease.ts'
import { RemoteSink, type Envelope, type ToOwner, type ToSession } from './call-remote-sink.ts'

export type CallForwardingDeps = {
  /** What runs calls on this node: the call service, or the cascade's member side in front of it. */
  service: CallRunner
  bus: Bus
  leases: ClusterCallLeases
  logger: Logger
}

/** A room whose call, run by another node, a local session sent frames to. */
type Route = { owner: string; inCall: boolean }

/** A frame is re-forwarded at most this often (the call moved while it travelled), then refused. */
const MAX_HOPS = 2

export class CallForwarding implements CallFrontDoor {
  readonly nodeId: string
  readonly #service: CallRunner
  readonly #bus: Bus
  readonly #leases: ClusterCallLeases
  readonly #log: Logger
  /** Local sessions that talk to calls on other nodes: where replies go, and whom to tell when they leave. */
  readonly #routes = new Map<string, { sink: CallSink; rooms: Map<string, Route> }>()
  /** Per session (local or remote): the frames of one session are routed and handled in the order sent. */
  readonly #order = new Map<string, Promise<void>>()
  #unsubscribe: Unsubscribe | undefined
  #timer: NodeJS.Timeout | undefined
  #ticking = false
  #closed = false

  private constructor(deps: CallForwardingDeps) {
    this.nodeId = deps.leases.nodeId
    this.#service = deps.service
    this.#bus = deps.bus
    this.#leases = deps.leases
    this.#log = deps.logger.child({ component: 'call-forwarding', nodeId: this.nodeId })
  }

  /** Announces the node, listens on its topic and starts renewing; resolves once frames can arrive. */
  static async start(deps: CallForwardingDeps): Promise<CallForwarding> {
    const forwarding = new CallForwarding(deps)
    await deps.leases.open()
    forwarding.#unsubscribe = await deps.bus.subscribe(nodeTopic(forwarding.nodeId), (raw) => forwarding.#receive(raw))
    forwarding.#timer = setInterval(() => void forwarding.#tick(), Math.max(30, Math.floor(deps.leases.leaseMs / 3)))
    forwarding.#timer.unref()
    return forwarding
  }

  handle(sink: CallSink, message: ClientCallMessage): Promise<void> {
    // Unauthenticated sessions get the CallService's own refusal.
    if (!sink.caller || this.#closed) return this.#service.handle(sink, message).then(() => undefined)
    return this.#inOrder(sink.id, async () => {
      try {
        await this.#route(sink, message)
      } catch (error) {
        // Redis unreachable, typically: the session hears it rather than waiting for a reply.
        this.#log.error({ err: error, type: message.type, roomId: message.roomId }, 'call frame routing failed')
        sink.error('internal-error', message.id)
      }
    })
  }

  activeCalls(roomIds: string[]): Promise<string[]> {
    return this.#service.activeCalls(roomIds)
  }

  sessionClosed(sessionId: string): void {
    this.#service.sessionClosed(sessionId)
    if (!this.#routes.has(sessionId) && !this.#order.has(sessionId)) return
    // After the session's frames still on their way, so a join in flight is released too.
    void this.#inOrder(sessionId, async () => {
      const entry = this.#routes.get(sessionId)
      this.#routes.delete(sessionId)
      for (const owner of new Set([...(entry?.rooms.values() ?? [])].map((r) => r.owner))) {
        this.#post(owner, { kind: 'released', node: this.nodeId, sessionId, roomId: null })
      }
    })
  }

  sessionLeftRoom(sessionId: string, roomId: string): void {
    this.#service.sessionLeftRoom(sessionId, roomId)
    if (!this.#routes.has(sessionId) && !this.#order.has(sessionId)) return
    void this.#inOrder(sessionId, async () => {
      const rooms = this.#routes.get(sessionId)?.rooms
      const route = rooms?.get(roomId)
      if (!rooms || !route) return
      rooms.delete(roomId)
      this.#post(route.owner, { kind: 'released', node: this.nodeId, sessionId, roomId })
    })
  }

  /** Ends the calls this node runs (their participants everywhere get call.ended), then frees its leases and heartbeat. */
  async close(): Promise<void> {
    if (this.#closed) return
    this.#closed = true
    clearInterval(this.#timer)
    await this.#service.close()
    await Promise.allSettled([...this.#order.values()])
    await this.#unsubscribe?.().catch((error: unknown) =>
      this.#log.debug({ err: error }, 'leaving the call topic on close failed'),
    )
    await this.#leases.close()
  }

  #inOrder(key: string, step: () => Promise<void>): Promise<void> {
    const next = (this.#order.get(key) ?? Promise.resolve())
      .then(step)
      .catch((error: unknown) => this.#log.error({ err: error, sessionId: key }, 'call frame routing failed'))
    this.#order.set(key, next)
    void next.then(() => {
      if (this.#order.get(key) === next) this.#order.delete(key)
    })
    return next
  }

  /** A local session's frame: handled here when this node runs (or may start) the call, else forwarded. */
  async #route(sink: CallSink, message: ClientCallMessage): Promise<void> {
    const roomId = message.roomId
    if (this.#service.runs(roomId)) {
      void this.#handleHere(sink, message, 0)
      return
    }
    let holder = await this.#leases.holder(roomId)
    // A join is worth one more lookup: a frame sent to a dead owner would never be answered, so a
    // dead owner's lease is taken over and the call starts afresh here.
    if (
      holder !== null &&
      holder !== this.nodeId &&
      message.type === 'call.join' &&
      !(await this.#leases.alive([holder])).has(holder)
    ) {
      this.#log.info({ roomId, deadNode: holder }, 'the node running this call is gone: taking the call over')
      holder = await this.#leases.takeOver(roomId, holder)
      if (holder === this.nodeId) {
        await this.#handleHere(sink, message, 0)
        // Refused (no permission to start a call): the lease goes back, no call holds it.
        if (!this.#service.runs(roomId)) await this.#leases.release(roomId)
        return
      }
    }
    if (holder !== null && holder !== this.nodeId) return this.#forward(holder, sink, message, 0)
    // Nobody runs it (a join starts it here) or we are starting it: as on one node. A join waits
    // until handled, so the session's next frames find the call.
    if (message.type === 'call.join') await this.#handleHere(sink, message, 0)
    else void this.#handleHere(sink, message, 0)
  }

  async #handleHere(sink: CallSink, message: ClientCallMessage, hops: number): Promise<void> {
    const handled = await this.#service.handle(sink, message)
    // Another node claimed the call between our lookup and our claim: the frame goes there.
    if (handled) await this.#forward(handled.ownedBy, sink, message, hops + 1)
  }

  async #forward(owner: string, sink: CallSink, message: ClientCallMessage, hops: number): Promise<void> {
    if (hops > MAX_HOPS || !sink.caller)
      return sink.error('no-call', message.id, { roomId: message.roomId.slice(0, 64) })
    const remote = sink instanceof RemoteSink
    if (!remote) {
      let entry = this.#routes.get(sink.id)
      if (!entry) this.#routes.set(sink.id, (entry = { sink, rooms: new Map() }))
      const known = entry.rooms.get(message.roomId)
      entry.rooms.set(message.roomId, { owner, inCall: known?.owner === owner && known.inCall })
    }
    const envelope: ToOwner = {
      kind: 'call',
      node: remote ? sink.node : this.nodeId,
      sessionId: sink.id,
      caller: sink.caller,
      message,
      hops,
    }
    try {
      await this.#bus.publish(nodeTopic(owner), JSON.stringify(envelope))
    } catch (error) {
      this.#log.warn({ err: error, owner, roomId: message.roomId }, 'cannot forward a call frame')
      sink.error('internal-error', message.id)
    }
  }

  #post(node: string, envelope: Envelope): void {
    this.#bus
      .publish(nodeTopic(node), JSON.stringify(envelope))
      .catch((error: unknown) => this.#log.warn({ err: error, node, kind: envelope.kind }, 'cannot send to a node'))
  }

  #receive(raw: string): void {
    let envelope: Envelope
    try {
      envelope = JSON.parse(raw) as Envelope
    } catch (error) {
      this.#log.warn({ err: error }, 'unreadable frame on the node topic')
      return
    }
    switch (envelope.kind) {
      case 'call':
        // A remote session's frames are handled one after the other: a release never overtakes its join.
        void this.#inOrder(`${envelope.node}/${envelope.sessionId}`, () => this.#fromSession(envelope))
        return
      case 'released':
        void this.#inOrder(`${envelope.node}/${envelope.sessionId}`, async () => {
          if (envelope.roomId === null) this.#service.sessionClosed(envelope.sessionId)
          else this.#service.sessionLeftRoom(envelope.sessionId, envelope.roomId)
        })
        return
      case 'frame':
        return this.#toSession(envelope)
      case 'left': {
        // The session is out of the call: its sink hears it as on one node (a peer's session needs
        // it told, cascade/peer-sink.ts: its instance lets the call's bridges go).
        const entry = this.#routes.get(envelope.sessionId)
        entry?.rooms.delete(envelope.roomId)
        entry?.sink.callLeft?.(envelope.roomId)
        return
      }
    }
  }

  /** On the owner: a frame from a session on another node. */
  async #fromSession(envelope: Extract<ToOwner, { kind: 'call' }>): Promise<void> {
    if (this.#closed) return
    const sink = new RemoteSink({
      sessionId: envelope.sessionId,
      caller: envelope.caller,
      node: envelope.node,
      ownNode: this.nodeId,
      post: (node, reply) => this.#post(node, reply),
    })
    await this.#handleHere(sink, envelope.message, envelope.hops)
  }

  /** On the session's node: a reply from the node running the call. */
  #toSession(envelope: Extract<ToSession, { kind: 'frame' }>): void {
    const entry = this.#routes.get(envelope.sessionId)
    if (!entry) return
    const frame: ServerMessage = envelope.frame
    // The node that answers a join runs the call (it may not be the one the join was sent to).
    if (frame.type === 'call.joined') entry.rooms.set(frame.roomId, { owner: envelope.node, inCall: true })
    entry.sink.send(frame)
  }

  /** Renews, ends calls whose lease was lost, and settles what dead nodes left behind. */
  async #tick(): Promise<void> {
    if (this.#ticking || this.#closed) return
    this.#ticking = true
    try {
      for (const roomId of await this.#leases.renew()) this.#service.leaseLost(roomId)
      const owners = new Set<string>()
      for (const { rooms } of this.#routes.values())
        for (const route of rooms.values()) if (route.inCall) owners.add(route.owner)
      const remoteParticipants = new Map<string, string[]>()
      for (const sink of this.#service.sinks()) {
        if (!(sink instanceof RemoteSink)) continue
        const list = remoteParticipants.get(sink.node) ?? []
        list.push(sink.id)
        remoteParticipants.set(sink.node, list)
      }
      if (owners.size === 0 && remoteParticipants.size === 0) return
      const alive = await this.#leases.alive([...owners, ...remoteParticipants.keys()])
      if (this.#closed) return
      for (const { sink, rooms } of this.#routes.values()) {
        for (const [roomId, route] of rooms) {
          if (!route.inCall || alive.has(route.owner)) continue
          // The node running the call is gone, and its media with it: the call is over for this session.
          rooms.delete(roomId)
          sink.send({ type: 'call.ended', roomId, reason: 'media-unavailable' })
        }
      }
      for (const [node, sessionIds] of remoteParticipants) {
        if (alive.has(node)) continue
        this.#log.info(
          { node, participants: sessionIds.length },
          'a node with call participants is gone: releasing them',
        )
        for (const sessionId of sessionIds) this.#service.sessionClosed(sessionId)
      }
    } catch (error) {
      this.#log.warn({ err: error }, 'call lease renewal failed')
    } finally {
      this.#ticking = false
    }
  }
}
