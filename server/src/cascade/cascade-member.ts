/**
 * Member side of federated calls: our users join the calls of rooms hosted on other instances with
 * the very same `call.*` frames (and CallClient) as local calls. A frame may name such a room by its
 * local mirror room's id (what the web client uses: one room model) or by its actor id on its host;
 * either way it goes to the host's call (remote-room-names.ts), over our call channel to the host
 * (peer-channel.ts), and its answers come back to the session with the room named as the session
 * named it. Frames about rooms hosted here go to the local call front door unchanged. The host
 * decides everything (lobby, permissions, moderation): we only relay, and forget a session's route
 * when the host says it left (`cascade.left`) — a removed participant's frames then go nowhere.
 *
 * We follow the call news of every mirror room from the start (remote-calls.ts), not only once a
 * user sends a call frame: welcome's `calls` lists a running call of a room hosted elsewhere like a
 * local one, and room-wide call news (`cascade.room`) reaches every local member's sessions, named
 * by the mirror room's id on its room stream and by the actor id on the members' user streams.
 * Once no local member is in a room (the last one left, or it was deleted), it is not followed any
 * more (`cascade.unsubscribe`): its typing and call news stop for good, not at process exit.
 * When a channel drops, our sessions in that host's calls get `call.ended` (media-unavailable):
 * the host has let them go too (its end saw the channel close). They may join again once it is back.
 */
import type { ClientCallMessage, HostCascadeFrame, IceServers, ServerCallJoined, ServerMessage } from '@parley/protocol'
import type { FederationRepositories, ParleyFederation } from '@parley/federation'
import type { Logger } from '../logger.ts'
import type { Store } from '../store/ports.ts'
import { MIRRORS_TOPIC, roomTopic, userTopic, type Bus, type Unsubscribe } from '../bus/bus.ts'
import type { CallHandled, CallRunner } from '../calls/call-service.ts'
import type { ClusterCallLeases } from '../calls/call-lease.ts'
import type { CallSink } from '../calls/call-participant.ts'
import { PeerChannel } from './peer-channel.ts'
import { RemoteRoomNames, remoteHostOf, type RemoteRoom } from './remote-room-names.ts'
import { RemoteCalls } from './remote-calls.ts'
import type { Caller } from '../rooms/result.ts'
import type { HostedRoomTyping } from '../realtime/gateway-context.ts'
import type { SfuEngine } from '../media/engine.ts'
import { BridgedCalls } from './bridged-calls.ts'
import { isBridgedSdp } from './bridged-call.ts'
import { CascadeCluster } from './cascade-cluster.ts'

export { remoteHostOf } from './remote-room-names.ts'

export type CascadeMemberDeps = {
  publicOrigin: string
  /** The call service (local rooms). */
  local: CallRunner
  store: Store
  repositories: FederationRepositories
  federation: Pick<ParleyFederation, 'callChannels'>
  bus: Bus
  logger: Logger
  pingIntervalMs?: number
  /** How long welcome's `calls` waits for a host's first answer about a room's call (default 1.5 s). */
  firstAnswerMs?: number
  /**
   * Our own SFU, when we run one: our sessions in SFU calls hosted elsewhere publish to and
   * subscribe from it, bridged to the host's (bridged-call.ts). Without it they use the host's SFU.
   */
  bridging?: { engine: SfuEngine; iceServers(userId: string): IceServers; hostAddresses: readonly string[] }
  /**
   * Several nodes (a shared Redis): the call leases of the node's CallForwarding, which sits in
   * front of us. The node holding a remote room's lease alone speaks for us to its host
   * (cascade-cluster.ts); the others answer `{ ownedBy }` and their frames are forwarded there.
   */
  leases?: ClusterCallLeases
  /**
   * A call started in a room hosted elsewhere that we follow (`roomId`: its local id), as the
   * host's news said: local members are rung as for a local call (Web Push). Only the node that
   * follows the room hears it, so they are rung once.
   */
  onCallStarted?: (roomId: string, caller: { id: string; name: string }) => void
}

/**
 * A local session talking to calls of remote rooms: per room (actor id), the name the session used
 * for it (replies go back by it, acks of a leave included) and whether the host has it in the call.
 */
type Route = { sink: CallSink; rooms: Map<string, { name: string; inCall: boolean }> }

export class CascadeMember implements CallRunner, HostedRoomTyping {
  readonly #deps: CascadeMemberDeps
  readonly #origin: string
  readonly #log: Logger
  readonly #names: RemoteRoomNames
  readonly #calls: RemoteCalls
  readonly #channels = new Map<string, PeerChannel>()
  /** Local sessions in calls of remote rooms (by session id). */
  readonly #routes = new Map<string, Route>()
  readonly #bridged: BridgedCalls | null
  readonly #cluster: CascadeCluster | null
  /**
   * The host's frames for our sessions are handled one after the other: with bridging, a session's
   * `call.joined` waits for our router, and what follows it must not overtake it.
   */
  #toSessions: Promise<void> = Promise.resolve()
  /** Our subscription to changes of local membership in rooms hosted elsewhere (MIRRORS_TOPIC). */
  readonly #mirrors: Promise<Unsubscribe | null>
  #closed = false

  constructor(deps: CascadeMemberDeps) {
    this.#deps = deps
    this.#origin = new URL(deps.publicOrigin).origin
    this.#log = deps.logger.child({ component: 'cascade-member' })
    this.#names = new RemoteRoomNames(this.#origin, deps.store)
    this.#calls = new RemoteCalls({
      channel: (host) => this.#channel(host),
      signerFor: (uri) => this.#signerFor(uri),
      logger: this.#log,
      ...(deps.firstAnswerMs !== undefined ? { firstAnswerMs: deps.firstAnswerMs } : {}),
      onStarted: (uri, caller) => void this.#callStarted(uri, caller),
    })
    this.#bridged = deps.bridging
      ? new BridgedCalls({
          ...deps.bridging,
          send: (host, frame) => this.#channel(host).send(frame),
          logger: this.#log,
        })
      : null
    // Subscribed before the mirrors are listed, so no change in between is missed.
    this.#mirrors = deps.bus
      .subscribe(MIRRORS_TOPIC, (raw) => this.#mirrorChanged(raw))
      .catch((error: unknown) => {
        this.#log.warn({ err: error }, 'cannot hear of local membership in rooms hosted elsewhere')
        return null
      })
    this.#cluster = deps.leases
      ? new CascadeCluster({
          leases: deps.leases,
          bus: deps.bus,
          logger: this.#log,
          typing: (relay) => this.#sendTyping(relay.room, relay.username, relay.name, relay.typing),
          running: (room) => this.#runningHere(room),
          adopt: () => this.#followMirrors(),
        })
      : null
    const cluster = this.#cluster
    void this.#mirrors.then(() =>
      cluster
        ? cluster
            .start()
            .catch((error: unknown) => this.#log.error({ err: error }, 'cannot start the cascade’s cluster side'))
        : this.#followMirrors(),
    )
  }

  /** The calls hosted elsewhere that run through our own SFU (for tests and metrics). */
  get bridged(): BridgedCalls | null {
    return this.#bridged
  }

  /** Hosts we hold a channel to (for tests and metrics). */
  hosts(): string[] {
    return [...this.#channels.values()].filter((c) => c.open).map((c) => c.origin)
  }

  async handle(sink: CallSink, message: ClientCallMessage): Promise<CallHandled> {
    const remote = await this.#names.resolve(message.roomId)
    if (remote === null) return this.#deps.local.handle(sink, message)
    const caller = sink.caller
    if (!caller || caller.type !== 'user') {
      sink.error('room-not-found', message.id, { roomId: cut(message.roomId) })
      return undefined
    }
    const user = await this.#deps.store.users.byId(caller.id)
    const member =
      user !== null &&
      (await this.#deps.repositories.rooms.invitations.listForUser(caller.id, 'accepted')).some(
        (i) => i.roomId === remote.uri,
      )
    if (!user || !member || this.#closed) {
      sink.error('room-not-found', message.id, { roomId: cut(message.roomId) })
      return undefined
    }
    // Several nodes: another node may speak for us to this room's host (CallForwarding sends the frame there).
    const owner = await this.#cluster?.owner(remote.uri)
    if (owner !== undefined && owner !== this.#cluster?.nodeId) return { ownedBy: owner }
    let route = this.#routes.get(sink.id)
    if (!route) this.#routes.set(sink.id, (route = { sink, rooms: new Map() }))
    route.rooms.set(remote.uri, { name: message.roomId, inCall: route.rooms.get(remote.uri)?.inCall ?? false })
    this.#calls.follow(remote.host, remote.uri, user.username)
    // In a call bridged through our SFU, the session's SDP is answered here.
    const bridged = this.#bridged?.of(remote.uri, sink.id)
    if (bridged && isBridgedSdp(message)) {
      await bridged.handle(sink.id, message)
      return undefined
    }
    if (bridged && message.type === 'call.update' && message.media?.screen === false) bridged.screenOff(sink.id)
    this.#channel(remote.host).send({
      type: 'cascade.call',
      room: remote.uri,
      session: sink.id,
      actor: { id: `${this.#origin}/users/${user.username}`, name: caller.name },
      // The host knows its room by its actor id only.
      message: { ...message, roomId: remote.uri },
    })
    return undefined
  }

  sessionClosed(sessionId: string): void {
    this.#deps.local.sessionClosed(sessionId)
    const route = this.#routes.get(sessionId)
    if (!route) return
    this.#routes.delete(sessionId)
    for (const uri of route.rooms.keys()) {
      this.#bridged?.left(uri, sessionId)
      this.#release(uri, sessionId)
    }
  }

  sessionLeftRoom(sessionId: string, roomId: string): void {
    this.#deps.local.sessionLeftRoom(sessionId, roomId)
    const route = this.#routes.get(sessionId)
    if (!route) return
    for (const [uri, { name }] of route.rooms) {
      if (uri !== roomId && name !== roomId) continue
      route.rooms.delete(uri)
      this.#bridged?.left(uri, sessionId)
      this.#release(uri, sessionId)
    }
  }

  runs(roomId: string): boolean {
    return this.#deps.local.runs(roomId) || (this.#cluster?.owns(roomId) ?? false)
  }

  *sinks(): Iterable<CallSink> {
    yield* this.#deps.local.sinks()
    for (const route of this.#routes.values()) if ([...route.rooms.values()].some((r) => r.inCall)) yield route.sink
  }

  leaseLost(roomId: string): void {
    this.#deps.local.leaseLost(roomId)
    if (!this.#cluster?.lost(roomId)) return
    this.#log.warn({ room: roomId }, 'cascade lease lost (another node may speak for us to the host now)')
    const host = remoteHostOf(this.#origin, roomId)
    if (host) this.#calls.unfollow(host, roomId)
    this.#roomGone(roomId)
  }

  /**
   * A local session streams `roomId`: when it mirrors a room hosted elsewhere, we follow the room on
   * its host (typing and call news come over the channel) — mirrors made after start-up included.
   */
  watch(caller: Caller, roomId: string): void {
    if (caller.type !== 'user' || this.#closed) return
    void this.#hosted(caller, roomId)
      .then((hosted) => hosted && this.#follow(hosted.host, hosted.roomUri, hosted.username))
      .catch((error: unknown) => this.#log.warn({ err: error, roomId }, 'cannot follow a room hosted elsewhere'))
  }

  /** Typing in a room hosted elsewhere goes to its host, which tells everyone (our sessions too). */
  async typing(caller: Caller, roomId: string, typing: boolean): Promise<boolean> {
    const hosted = caller.type === 'user' ? await this.#hosted(caller, roomId) : null
    if (!hosted) return (await this.#deps.store.remoteRooms.hostOf(roomId)) !== null
    const owner = await this.#follow(hosted.host, hosted.roomUri, hosted.username)
    const name = caller.name.slice(0, 200)
    if (this.#cluster && owner !== this.#cluster.nodeId)
      this.#cluster.relayTyping(owner, {
        kind: 'typing',
        room: hosted.roomUri,
        username: hosted.username,
        name,
        typing,
      })
    else this.#sendTyping(hosted.roomUri, hosted.username, name, typing)
    return true
  }

  #sendTyping(room: string, username: string, name: string, typing: boolean): void {
    const host = remoteHostOf(this.#origin, room)
    if (!host || this.#closed) return
    this.#channel(host).send({
      type: 'cascade.typing',
      room,
      actor: { id: `${this.#origin}/users/${encodeURIComponent(username)}`, name },
      typing,
    })
  }

  /**
   * Follows the room's call news, and resolves to the node that speaks for us to its host: this
   * one, or (several nodes) the holder of its lease, which follows it instead.
   */
  async #follow(host: string, uri: string, signer: string): Promise<string> {
    const owner = this.#cluster ? await this.#cluster.owner(uri) : null
    if (owner === null || owner === this.#cluster?.nodeId) this.#calls.follow(host, uri, signer)
    return owner ?? ''
  }

  /** Whether a call runs in the room, as its host told us (the lease node answers for the others). */
  async #running(remote: RemoteRoom): Promise<boolean> {
    if (!this.#cluster) return this.#calls.running(remote)
    const signer = await this.#signerFor(remote.uri)
    if (signer === null) return false
    const owner = await this.#follow(remote.host, remote.uri, signer)
    return owner === this.#cluster.nodeId ? this.#calls.running(remote) : this.#cluster.ask(owner, remote.uri)
  }

  /** Another node asks: does a call run in this room we speak for? */
  async #runningHere(room: string): Promise<boolean> {
    const remote = await this.#names.resolve(room)
    return remote !== null && this.#cluster?.owns(remote.uri) === true && this.#calls.running(remote)
  }

  async #hosted(caller: Caller, roomId: string): Promise<{ host: string; roomUri: string; username: string } | null> {
    const roomUri = await this.#deps.store.remoteRooms.hostOf(roomId)
    if (!roomUri) return null
    const host = remoteHostOf(this.#origin, roomUri)
    const user = await this.#deps.store.users.byId(caller.id)
    return host && user ? { host, roomUri, username: user.username } : null
  }

  /** Running calls among these rooms (welcome's `calls`): local ones, and mirrors' calls as their hosts told us. */
  async activeCalls(roomIds: string[]): Promise<string[]> {
    const resolved = await Promise.all(
      roomIds.map(async (id) => ({
        id,
        remote: await this.#names.resolve(id).catch((error: unknown) => {
          this.#log.warn(
            { err: error, roomId: id },
            'cannot tell whether a room is hosted elsewhere: asked as a local one',
          )
          return null
        }),
      })),
    )
    const local = await this.#deps.local.activeCalls(resolved.filter((r) => r.remote === null).map((r) => r.id))
    const remote = await Promise.all(
      resolved.map(async ({ id, remote }) => (remote !== null && (await this.#running(remote)) ? id : null)),
    )
    const running = new Set([...local, ...remote.filter((id) => id !== null)])
    return roomIds.filter((id) => running.has(id))
  }

  async close(): Promise<void> {
    this.#closed = true
    this.#bridged?.close()
    await this.#cluster?.close()
    await (
      await this.#mirrors
    )?.()
    this.#calls.close()
    for (const channel of this.#channels.values()) channel.close()
    this.#channels.clear()
    await this.#deps.local.close()
  }

  /** Follows the call news of every room mirrored here, from the start. */
  async #followMirrors(): Promise<void> {
    try {
      for (const { roomId, uri } of (await this.#deps.store.remoteRooms.list()).map((m) => ({
        roomId: m.roomId,
        uri: m.roomUri,
      }))) {
        const host = remoteHostOf(this.#origin, uri)
        if (host === null || this.#closed) continue
        const signer = await this.#signerFor(uri)
        if (signer !== null) await this.#follow(host, uri, signer)
        else this.#log.debug({ roomId }, 'no local member to follow a mirror room’s calls as')
      }
    } catch (error) {
      this.#log.warn({ err: error }, 'cannot follow the calls of rooms hosted elsewhere')
    }
  }

  /**
   * Local membership of a room hosted elsewhere changed: followed while a local member is in it
   * (typing and call news reach them even before they open it), no longer once none is — the host
   * is told to stop, and the channel is not reopened for it.
   */
  #mirrorChanged(raw: string): void {
    let room: unknown
    try {
      room = (JSON.parse(raw) as { room?: unknown }).room
    } catch {
      return this.#log.warn('unreadable frame on the room-mirror topic')
    }
    if (typeof room !== 'string' || this.#closed) return
    const host = remoteHostOf(this.#origin, room)
    if (host === null) return
    this.#signerFor(room)
      .then(async (signer) => {
        if (this.#closed) return
        if (signer !== null) await this.#follow(host, room, signer)
        else {
          if (this.#calls.following(room)) {
            this.#calls.unfollow(host, room)
            this.#log.info({ room }, 'no local member in a room hosted elsewhere: its news not followed any more')
          }
          await this.#cluster?.release(room)
        }
      })
      .catch((error: unknown) => this.#log.warn({ err: error, room }, 'cannot follow a room hosted elsewhere'))
  }

  /** A local member of a remote room whose key signs the channel's upgrade. */
  async #callStarted(uri: string, caller: { id: string; name: string }): Promise<void> {
    const notify = this.#deps.onCallStarted
    if (!notify) return
    try {
      const roomId = await this.#deps.store.remoteRooms.roomOf(uri)
      if (roomId) notify(roomId, caller)
    } catch (error) {
      this.#log.warn({ err: error, room: uri }, 'a call started elsewhere could not be told to local members')
    }
  }

  async #signerFor(uri: string): Promise<string | null> {
    for (const invitation of await this.#deps.repositories.rooms.invitations.acceptedFor(uri)) {
      const user = await this.#deps.store.users.byId(invitation.userId)
      if (user) return user.username
    }
    return null
  }

  #release(room: string, session: string): void {
    const host = remoteHostOf(this.#origin, room)
    if (host) this.#channels.get(host)?.send({ type: 'cascade.released', room, session })
  }

  #channel(host: string): PeerChannel {
    let channel = this.#channels.get(host)
    if (channel) return channel
    channel = new PeerChannel({
      origin: host,
      federation: this.#deps.federation,
      logger: this.#deps.logger,
      ...(this.#deps.pingIntervalMs ? { pingIntervalMs: this.#deps.pingIntervalMs } : {}),
      onFrame: (frame) => this.#onFrame(frame),
      // A new channel (or one back after a drop): the host must hear which rooms we follow.
      onOpen: () => this.#calls.resubscribe(host),
      onDown: () => this.#hostDown(host),
      wanted: () => this.#calls.follows(host),
    })
    this.#channels.set(host, channel)
    return channel
  }

  #onFrame(frame: HostCascadeFrame): void {
    switch (frame.type) {
      case 'cascade.to-session':
        this.#toSessions = this.#toSessions
          .then(() => this.#toSession(frame))
          .catch((error: unknown) => this.#log.error({ err: error }, 'cannot pass a host’s frame to our session'))
        return
      case 'cascade.left': {
        const route = this.#routes.get(frame.session)
        const entry = route?.rooms.get(frame.room)
        if (entry) entry.inCall = false
        // A session on another node: its node forgets the route (call-forwarding.ts).
        if (entry) route?.sink.callLeft?.(entry.name)
        this.#bridged?.left(frame.room, frame.session)
        return
      }
      case 'cascade.room':
        this.#calls.news(frame.room, frame.frame)
        this.#bridged?.news(frame.room, frame.frame)
        void this.#toMembers(frame.room, frame.frame)
        return
      case 'cascade.room-typing':
        void this.#typingHere(frame.room, frame.actor, frame.typing)
        return
      case 'cascade.subscribed':
        this.#calls.subscribed(frame.room, frame.call !== null)
        return
      case 'cascade.bridge-offer':
      case 'cascade.bridge-closed':
        this.#bridged?.hostFrame(frame)
        return
      case 'cascade.error':
        // A refused bridge subscription is the bridge's to hear (it tries again).
        if (this.#bridged?.hostFrame(frame)) return
        this.#log.info({ room: frame.room, code: frame.error.code }, 'the host refused a call channel frame')
        // A subscription the host refused is not kept (nor renewed after reconnects).
        if (frame.room && frame.error.code === 'not-a-participant') this.#calls.refused(frame.room)
        return
    }
  }

  /** A host's frame for one of our sessions (a bridge's own frames stay with the bridge). */
  async #toSession(frame: Extract<HostCascadeFrame, { type: 'cascade.to-session' }>): Promise<void> {
    if (this.#bridged?.toSession(frame)) return
    const route = this.#routes.get(frame.session)
    const entry = route?.rooms.get(frame.room)
    if (!route || !entry) return
    let inner = frame.frame
    if (inner.type === 'call.joined') {
      entry.inCall = true
      if (this.#bridged) inner = await this.#bridgedJoin(frame.room, route, inner)
    }
    // The room's name as the session uses it now (read again: a bridge's router may have taken a while).
    route.sink.send(renamed(inner, route.rooms.get(frame.room)?.name ?? entry.name))
  }

  /** One of our sessions is in an SFU call hosted elsewhere: through our own SFU when we run one. */
  async #bridgedJoin(room: string, route: Route, joined: ServerCallJoined): Promise<ServerCallJoined> {
    const host = remoteHostOf(this.#origin, room)
    const caller = route.sink.caller
    const user = caller?.type === 'user' ? await this.#deps.store.users.byId(caller.id) : null
    if (!this.#bridged || !host || !caller || !user) return joined
    const deliver = (f: ServerMessage) => {
      const name = route.rooms.get(room)?.name
      if (name !== undefined) route.sink.send(renamed(f, name))
    }
    const actor = { id: `${this.#origin}/users/${user.username}`, name: caller.name }
    return this.#bridged.joined(host, joined, { session: route.sink.id, userId: caller.id, actor }, deliver, room)
  }

  /**
   * Call news of a remote room for every local member's sessions: on the mirror room's stream by
   * its local id (as the web client knows it), and on each member's own stream by its actor id.
   */
  async #toMembers(uri: string, frame: ServerMessage): Promise<void> {
    try {
      const mirror = await this.#names.mirrorOf(uri)
      if (mirror !== null) await this.#deps.bus.publish(roomTopic(mirror), JSON.stringify(renamed(frame, mirror)))
      const members = new Set((await this.#deps.repositories.rooms.invitations.acceptedFor(uri)).map((i) => i.userId))
      const raw = JSON.stringify(renamed(frame, uri))
      await Promise.all([...members].map((userId) => this.#deps.bus.publish(userTopic(userId), raw)))
    } catch (error) {
      this.#log.warn({ err: error, room: uri }, 'cannot pass call news to local members')
    }
  }

  /** Typing in a room hosted elsewhere, for the sessions streaming its mirror here (our users by their ids). */
  async #typingHere(
    room: string,
    actor: { type: 'user' | 'guest'; id: string; name: string },
    typing: boolean,
  ): Promise<void> {
    try {
      const roomId = await this.#names.mirrorOf(room)
      if (!roomId) return
      let id = actor.id
      const own = `${this.#origin}/users/`
      if (actor.type === 'user' && id.startsWith(own)) {
        const user = await this.#deps.store.users.byUsername(decodeURIComponent(id.slice(own.length)))
        if (user) id = user.id
      }
      const frame = { type: 'typing', roomId, actor: { type: actor.type, id, name: actor.name }, typing }
      await this.#deps.bus.publish(roomTopic(roomId), JSON.stringify(frame))
    } catch (error) {
      this.#log.warn({ err: error, room }, 'cannot pass typing to local sessions')
    }
  }

  /** The channel to a host dropped: our sessions in its calls are out of them. */
  #hostDown(host: string): void {
    this.#calls.hostDown(host)
    this.#bridged?.hostDown(host)
    for (const route of this.#routes.values())
      for (const uri of route.rooms.keys()) if (remoteHostOf(this.#origin, uri) === host) this.#roomGone(uri, route)
  }

  /** Our sessions in the room's call are out of it (its host or our lease on it is gone). */
  #roomGone(uri: string, only?: Route): void {
    for (const route of only ? [only] : this.#routes.values()) {
      const entry = route.rooms.get(uri)
      if (!entry) continue
      route.rooms.delete(uri)
      this.#bridged?.left(uri, route.sink.id)
      if (entry.inCall) route.sink.send({ type: 'call.ended', roomId: entry.name, reason: 'media-unavailable' })
    }
  }
}

/** A host's frame as our session knows the room. */
function renamed(frame: ServerMessage, room: string): ServerMessage {
  return 'roomId' in frame ? ({ ...frame, roomId: room } as ServerMessage) : frame
}

const cut = (text: string) => text.slice(0, 64)
