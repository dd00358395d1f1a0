/**
 * Host side of the server-to-server call channel (spec/cascade.md): the calls of rooms hosted here,
 * as other instances' members take part in them. Each verified channel (channel-route.ts checked its
 * signed upgrade) is one PeerLink, trusted for one origin only:
 *
 * - `cascade.subscribe`: the room must be ours and have an active member whose account lives on the
 *   peer; then the room's call frames (the same ephemeral frames our own sessions get) go to the
 *   peer as `cascade.room`, so everyone there sees who is in the call, until `cascade.unsubscribe`.
 * - `cascade.call`: a session's call frame. The actor must be of the peer's origin (else the channel
 *   is closed: a peer never speaks for someone else's accounts); the frame then goes through the
 *   call service like our own sessions' frames, with a PeerSink (peer-sink.ts) as the session, so
 *   lobby, permissions, moderation, mesh relay and SFU signalling apply unchanged. The host stays
 *   the authority: participant ids are ours, the peer only relays.
 * - `cascade.released` and a closed channel: the session(s) leave the call, as a closed local
 *   session would. A channel that misses its pongs is cut off, so a dead peer's participants leave
 *   within a few seconds and everyone else's call goes on.
 *
 * Anything malformed closes the channel (4400); a refused frame is a `cascade.error` and changes
 * nothing.
 */
import type { WebSocket } from 'ws'
import Value from 'typebox/value'
import {
  CascadeCloseCodes,
  ErrorCodes,
  MAX_CASCADE_FRAME_BYTES,
  PeerCascadeFrame,
  type CascadeCall,
  type CascadeTyping,
  type ErrorCode,
  type ServerTyping,
  type HostCascadeFrame,
  type ServerCallMessage,
} from '@parley/protocol'
import type { ChannelPeer } from '@parley/federation'
import type { Logger } from '../logger.ts'
import type { Store } from '../store/ports.ts'
import { roomTopic, type Bus, type Unsubscribe } from '../bus/bus.ts'
import type { CallFrontDoor, CallService } from '../calls/call-service.ts'
import { PeerSink } from './peer-sink.ts'
import { BridgeHost, type Bridges } from './bridge-host.ts'
import { callSnapshot, type HostCallRelay } from './host-call-relay.ts'

export type CascadeHostDeps = {
  publicOrigin: string
  store: Store
  bus: Bus
  /** Where call frames go: the call service, or the forwarding in front of it with several nodes. */
  calls: CallFrontDoor
  /** This node's calls, for the snapshot a subscription starts with. */
  service: Pick<CallService, 'call'>
  logger: Logger
  /** How often the channel is pinged; a channel silent for two intervals is cut off. */
  pingIntervalMs?: number
  /**
   * With several nodes: snapshots and bridges of calls that run on another of our nodes
   * (host-call-relay.ts). Without it, this node's calls are all there are.
   */
  relay?: HostCallRelay
}

export class CascadeHost {
  readonly #deps: CascadeHostDeps
  readonly #origin: string
  readonly #log: Logger
  readonly #links = new Set<PeerLink>()
  #closed = false

  constructor(deps: CascadeHostDeps) {
    this.#deps = deps
    this.#origin = new URL(deps.publicOrigin).origin
    this.#log = deps.logger.child({ component: 'cascade-host' })
  }

  /** The peers with an open channel (for tests and metrics). */
  peers(): string[] {
    return [...this.#links].map((l) => l.peer.origin)
  }

  /** A verified channel from a peer. */
  accept(socket: WebSocket, peer: ChannelPeer): void {
    // A peer reconnecting while we shut down would otherwise hold the server open (its close waits
    // for every connection).
    if (this.#closed) return socket.close(CascadeCloseCodes['going-away'], 'going-away')
    const link = new PeerLink(socket, peer, this.#deps, this.#origin, this.#log, () => this.#links.delete(link))
    this.#links.add(link)
    this.#log.info({ peer: peer.origin }, 'call channel opened')
  }

  close(): void {
    this.#closed = true
    for (const link of [...this.#links]) link.close(CascadeCloseCodes['going-away'], 'going-away')
  }
}

/** Our local room id from a room's actor id, when the room is hosted here. */
export function localRoomId(origin: string, roomUri: string): string | null {
  let url: URL
  try {
    url = new URL(roomUri)
  } catch {
    return null
  }
  if (url.origin !== origin || url.search || url.hash) return null
  const match = /^\/rooms\/([A-Za-z0-9-]{1,64})$/.exec(url.pathname)
  return match?.[1] ?? null
}

/** The part of a room event this module reads (membership changes). */
type RoomEventFrame = { type?: string; actorId?: string; participant?: { actorId?: string; state?: string } }

class PeerLink {
  readonly peer: ChannelPeer
  readonly #socket: WebSocket
  readonly #deps: CascadeHostDeps
  readonly #origin: string
  readonly #log: Logger
  readonly #onClosed: () => void
  /** The peer's sessions taking part in our calls, by the peer's session id. */
  readonly #sinks = new Map<string, PeerSink>()
  readonly #subscriptions = new Map<string, Promise<Unsubscribe | null>>()
  /** Frames are handled one after the other, in the order sent (a release never overtakes its join). */
  #order: Promise<void> = Promise.resolve()
  #alive = true
  readonly #pinger: NodeJS.Timeout
  readonly #bridges: Bridges
  #closed = false

  constructor(
    socket: WebSocket,
    peer: ChannelPeer,
    deps: CascadeHostDeps,
    origin: string,
    log: Logger,
    onClosed: () => void,
  ) {
    this.#socket = socket
    this.peer = peer
    this.#deps = deps
    this.#origin = origin
    this.#log = log.child({ peer: peer.origin })
    this.#onClosed = onClosed
    const send = (frame: HostCascadeFrame) => this.#send(frame)
    this.#bridges = deps.relay
      ? deps.relay.link(peer.origin, send)
      : new BridgeHost({ peerOrigin: peer.origin, send, call: (roomId) => deps.service.call(roomId), log: this.#log })
    socket.on('message', (data, isBinary) => this.#onMessage(data as Buffer, isBinary))
    socket.on('pong', () => (this.#alive = true))
    socket.on('close', () => this.#cleanup())
    socket.on('error', (error) => {
      this.#log.info({ err: error }, 'call channel error')
      this.#cleanup()
    })
    this.#pinger = setInterval(() => {
      if (!this.#alive) {
        this.#log.info('call channel silent: cut off')
        this.#socket.terminate()
        this.#cleanup()
        return
      }
      this.#alive = false
      this.#socket.ping()
    }, deps.pingIntervalMs ?? 2000)
    this.#pinger.unref()
  }

  close(code: number, reason: string): void {
    if (this.#closed) return
    this.#socket.close(code, reason)
    this.#cleanup()
  }

  #send(frame: HostCascadeFrame): void {
    if (this.#closed || this.#socket.readyState !== this.#socket.OPEN) return
    this.#socket.send(JSON.stringify(frame))
  }

  #refuse(code: ErrorCode, room?: string, details?: Record<string, unknown>): void {
    this.#send({
      type: 'cascade.error',
      ...(room ? { room } : {}),
      error: { code, message: ErrorCodes[code].message, ...(details ? { details } : {}) },
    })
  }

  #onMessage(data: Buffer, isBinary: boolean): void {
    this.#alive = true
    if (this.#closed) return
    if (isBinary || data.length > MAX_CASCADE_FRAME_BYTES)
      return this.#violation('invalid-frame', 'binary or too large')
    let parsed: unknown
    try {
      parsed = JSON.parse(data.toString('utf8'))
    } catch {
      return this.#violation('invalid-frame', 'not JSON')
    }
    if (!Value.Check(PeerCascadeFrame, parsed)) return this.#violation('invalid-frame', 'matches no frame schema')
    const frame = parsed as PeerCascadeFrame
    this.#order = this.#order
      .then(() => this.#handle(frame))
      .catch((error: unknown) => this.#log.error({ err: error, type: frame.type }, 'call channel frame failed'))
  }

  #violation(kind: keyof typeof CascadeCloseCodes, reason: string): void {
    this.#log.warn({ reason }, `call channel closed: ${kind}`)
    this.#refuse(kind === 'not-owner' ? 'not-owner' : 'invalid-message', undefined, { reason })
    this.close(CascadeCloseCodes[kind], kind)
  }

  async #handle(frame: PeerCascadeFrame): Promise<void> {
    if (this.#closed) return
    const roomId = localRoomId(this.#origin, frame.room)
    if (!roomId) return frame.type === 'cascade.unsubscribe' ? undefined : this.#refuse('room-not-found', frame.room)
    switch (frame.type) {
      case 'cascade.subscribe':
        return this.#subscribe(frame.room, roomId)
      case 'cascade.unsubscribe':
        return this.#unsubscribe(roomId)
      case 'cascade.call':
        return this.#call(frame, roomId)
      case 'cascade.released': {
        const sink = this.#sinks.get(frame.session)
        if (sink) this.#deps.calls.sessionLeftRoom(sink.id, roomId)
        return
      }
      case 'cascade.bridge-subscribe':
        if (!(await this.#peerHasMember(roomId))) return this.#refuse('not-a-participant', frame.room)
        return this.#bridges.subscribe(frame, roomId)
      case 'cascade.bridge-answer':
        return this.#bridges.answer(frame)
      case 'cascade.bridge-close':
        return this.#bridges.close(frame.bridge)
      case 'cascade.bridge-layer':
        return this.#bridges.layer(frame)
      case 'cascade.typing':
        return this.#typing(frame, roomId)
    }
  }

  /**
   * A member on the peer is typing: published in the room like our own sessions' typing (our
   * sessions see it, and every subscribed peer gets it back as `cascade.room-typing`). Kept nowhere.
   */
  async #typing(frame: CascadeTyping, roomId: string): Promise<void> {
    if (originOf(frame.actor.id) !== this.peer.origin)
      return this.#violation('not-owner', `actor ${frame.actor.id.slice(0, 200)} is not of ${this.peer.origin}`)
    const self = await this.#deps.store.participants.get(roomId, frame.actor.id)
    if (!self || self.state !== 'active') {
      this.#log.info({ roomId, actor: frame.actor.id.slice(0, 200) }, 'typing of a non-participant refused')
      return this.#refuse('not-a-participant', frame.room)
    }
    const typing = {
      type: 'typing',
      roomId,
      actor: { type: 'user', id: frame.actor.id, name: self.displayName },
      typing: frame.typing,
    }
    await this.#deps.bus.publish(roomTopic(roomId), JSON.stringify(typing))
  }

  /** Whether an active member of the room has their account on the peer. */
  async #peerHasMember(roomId: string): Promise<boolean> {
    const room = await this.#deps.store.rooms.byId(roomId)
    if (!room || room.deletedAt !== null) return false
    const participants = await this.#deps.store.participants.list(roomId)
    return participants.some((p) => p.state === 'active' && originOf(p.actorId) === this.peer.origin)
  }

  async #subscribe(room: string, roomId: string): Promise<void> {
    if (this.#subscriptions.has(roomId)) return await this.#subscribed(room, roomId)
    if (!(await this.#peerHasMember(roomId))) return this.#refuse('not-a-participant', room)
    const subscription = this.#deps.bus
      .subscribe(roomTopic(roomId), (raw) => this.#roomFrame(room, roomId, raw))
      .catch((error: unknown) => {
        this.#log.warn({ err: error, roomId }, 'cannot follow the room for a peer')
        this.#subscriptions.delete(roomId)
        return null
      })
    this.#subscriptions.set(roomId, subscription)
    if (!(await subscription)) return this.#refuse('internal-error', room)
    if (this.#closed) return void (await subscription)?.()
    await this.#subscribed(room, roomId)
  }

  /** The peer no longer follows the room: its call news and typing stop going there. */
  async #unsubscribe(roomId: string): Promise<void> {
    const subscription = this.#subscriptions.get(roomId)
    if (!subscription) return
    this.#subscriptions.delete(roomId)
    await (
      await subscription
    )?.()
  }

  /** The subscription is live: the call as it is now (on whichever of our nodes runs it), then its news. */
  async #subscribed(room: string, roomId: string): Promise<void> {
    const { relay, service } = this.#deps
    const running = service.call(roomId)
    const call = running ? callSnapshot(running, roomId) : ((await relay?.snapshot(roomId)) ?? null)
    this.#send({ type: 'cascade.subscribed', room, call })
  }

  /**
   * A room-wide frame of one of our rooms: call news goes to the peer; a peer's member who left
   * the room (or was banned, or sent to the lobby) leaves its call too, as a local session would.
   */
  #roomFrame(room: string, roomId: string, raw: string): void {
    let frame: { type?: unknown; event?: RoomEventFrame }
    try {
      frame = JSON.parse(raw) as typeof frame
    } catch {
      return this.#log.warn({ roomId }, 'unreadable frame on the room topic')
    }
    if (frame.type === 'event' && frame.event) return this.#membershipChanged(roomId, frame.event)
    if (frame.type === 'typing') return void this.#roomTyping(room, frame as unknown as ServerTyping)
    if (typeof frame.type !== 'string' || !frame.type.startsWith('call.')) return
    this.#send({ type: 'cascade.room', room, frame: frame as ServerCallMessage })
  }

  /** Typing in one of our rooms, for the peer's members: our users named by their actor ids. */
  async #roomTyping(room: string, frame: ServerTyping): Promise<void> {
    if (frame.actor.type === 'system') return
    let id = frame.actor.id
    if (frame.actor.type === 'user' && originOf(id) === null) {
      const user = await this.#deps.store.users.byId(id)
      if (!user) return
      id = `${this.#origin}/users/${encodeURIComponent(user.username)}`
    }
    this.#send({
      type: 'cascade.room-typing',
      room,
      actor: { type: frame.actor.type, id, name: frame.actor.name.slice(0, 200) },
      typing: frame.typing,
    })
  }

  #membershipChanged(roomId: string, event: RoomEventFrame): void {
    const gone =
      event.type === 'participant.left'
        ? event.actorId
        : event.type === 'participant.updated' && event.participant?.state !== 'active'
          ? event.participant?.actorId
          : undefined
    if (gone === undefined || originOf(gone) !== this.peer.origin) return
    for (const sink of this.#sinks.values())
      if (sink.caller.id === gone) this.#deps.calls.sessionLeftRoom(sink.id, roomId)
  }

  async #call(frame: CascadeCall, roomId: string): Promise<void> {
    // A peer speaks for its own accounts only.
    if (originOf(frame.actor.id) !== this.peer.origin)
      return this.#violation('not-owner', `actor ${frame.actor.id.slice(0, 200)} is not of ${this.peer.origin}`)
    let sink = this.#sinks.get(frame.session)
    if (sink && sink.caller.id !== frame.actor.id) return this.#violation('not-owner', 'a session changed its actor')
    if (!sink) {
      sink = new PeerSink({
        session: frame.session,
        caller: { type: 'user', id: frame.actor.id, name: frame.actor.name },
        room: frame.room,
        roomUri: (id) => `${this.#origin}/rooms/${id}`,
        send: (f) => this.#send(f),
      })
      this.#sinks.set(frame.session, sink)
    }
    sink.room = frame.room
    // The peer's session hears the room's call news through its own instance's subscription.
    if (frame.message.type === 'call.join') await this.#subscribe(frame.room, roomId)
    await this.#deps.calls.handle(sink, { ...frame.message, roomId })
  }

  #cleanup(): void {
    if (this.#closed) return
    this.#closed = true
    clearInterval(this.#pinger)
    for (const sink of this.#sinks.values()) this.#deps.calls.sessionClosed(sink.id)
    this.#sinks.clear()
    this.#bridges.closeAll()
    for (const subscription of this.#subscriptions.values())
      void subscription
        .then((unsubscribe) => unsubscribe?.())
        .catch((error: unknown) => this.#log.debug({ err: error }, 'leaving a room topic on close failed'))
    this.#subscriptions.clear()
    this.#log.info('call channel closed')
    this.#onClosed()
  }
}

function originOf(actorId: string): string | null {
  try {
    return new URL(actorId).origin
  } catch {
    return null
  }
}
