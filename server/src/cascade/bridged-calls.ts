/**
 * Member side: which calls of rooms hosted elsewhere run through our own SFU (bridged-call.ts),
 * when this instance runs one. A call is bridged from the moment the host answers one of our
 * sessions' joins with an SFU call (`call.joined`, engine `sfu`): we make a router on our Janus for
 * it and give our session our own ICE servers (its browser talks to our Janus, never the host's).
 * Without an SFU here, or if our Janus cannot take the call, nothing is bridged and our browsers
 * use the host's SFU through relayed SDP (host-only SFU), or mesh, as before.
 */
import type { RTCIceServer } from 'werift'
import type { HostCascadeFrame, IceServers, PeerCascadeFrame, ServerCallJoined, ServerMessage } from '@parley/protocol'
import type { Logger } from '../logger.ts'
import type { SfuEngine } from '../media/engine.ts'
import { BridgedCall } from './bridged-call.ts'

export type BridgedCallsDeps = {
  engine: SfuEngine
  /** ICE servers for one of our users' browsers (our TURN). */
  iceServers(userId: string): IceServers
  /** Addresses the bridges gather ICE candidates on (config bridgeAddresses). */
  hostAddresses: readonly string[]
  /** Over our call channel to a host. */
  send(host: string, frame: PeerCascadeFrame): void
  logger: Logger
}

export class BridgedCalls {
  readonly #deps: BridgedCallsDeps
  readonly #log: Logger
  /** By the room's actor id: being set up, or running. */
  readonly #starting = new Map<string, Promise<BridgedCall | null>>()
  readonly #calls = new Map<string, { host: string; call: BridgedCall }>()
  #closed = false

  constructor(deps: BridgedCallsDeps) {
    this.#deps = deps
    this.#log = deps.logger.child({ component: 'bridged-calls' })
  }

  /** The bridged call of a room that one of our sessions is in, if any. */
  of(room: string, session: string): BridgedCall | undefined {
    const call = this.#calls.get(room)?.call
    return call?.has(session) ? call : undefined
  }

  /** The bridged call of a room (for tests and metrics). */
  call(room: string): BridgedCall | undefined {
    return this.#calls.get(room)?.call
  }

  /**
   * The host's `call.joined` for one of our sessions. Returns the frame the session gets: with our
   * ICE servers when the call is bridged here, unchanged otherwise.
   */
  async joined(
    host: string,
    frame: ServerCallJoined,
    who: { session: string; userId: string; actor: { id: string; name: string } },
    deliver: (frame: ServerMessage) => void,
    room: string,
  ): Promise<ServerCallJoined> {
    if (frame.engine !== 'sfu' || this.#closed) return frame
    const call = await this.#call(host, room, frame.e2ee)
    if (!call || call.closed) return frame
    call.join(who.session, frame, who.actor, deliver)
    return { ...frame, ice: this.#deps.iceServers(who.userId) }
  }

  /** A host's frame for one of our sessions; true when a bridge took it (the session never sees it). */
  toSession(frame: Extract<HostCascadeFrame, { type: 'cascade.to-session' }>): boolean {
    return this.#calls.get(frame.room)?.call.toSession(frame) ?? false
  }

  /** Room-wide call news of a room hosted elsewhere. */
  news(room: string, frame: ServerMessage): void {
    this.#calls.get(room)?.call.news(frame)
  }

  /** The host's bridge frames (offers, closings, refusals); true when they were a bridge's. */
  hostFrame(frame: HostCascadeFrame): boolean {
    const room = 'room' in frame ? frame.room : undefined
    return room !== undefined && (this.#calls.get(room)?.call.hostFrame(frame) ?? false)
  }

  /** One of our sessions is out of a room's call. */
  left(room: string, session: string): void {
    this.#calls.get(room)?.call.leave(session)
  }

  /** The channel to a host dropped: its calls are over for us (our sessions heard call.ended). */
  hostDown(host: string): void {
    for (const { host: of, call } of [...this.#calls.values()]) {
      if (of !== host) continue
      call.channelDown()
      call.close('call channel down')
    }
  }

  close(): void {
    this.#closed = true
    for (const { call } of [...this.#calls.values()]) call.close('closing')
  }

  #call(host: string, room: string, e2ee: boolean): Promise<BridgedCall | null> {
    const running = this.#calls.get(room)?.call
    if (running && !running.closed) return Promise.resolve(running)
    let starting = this.#starting.get(room)
    if (starting) return starting
    starting = this.#start(host, room, e2ee).finally(() => this.#starting.delete(room))
    this.#starting.set(room, starting)
    return starting
  }

  async #start(host: string, room: string, e2ee: boolean): Promise<BridgedCall | null> {
    const created = await this.#deps.engine.createRouter({ callId: `bridged:${room}`.slice(0, 200), e2ee })
    if (!created.ok) {
      this.#log.warn({ room, error: created.error }, 'our SFU cannot take a call hosted elsewhere: using the host’s')
      return null
    }
    if (this.#closed) {
      created.value.close()
      return null
    }
    const call: BridgedCall = new BridgedCall({
      room,
      router: created.value,
      send: (frame) => this.#deps.send(host, frame),
      hostAddresses: this.#deps.hostAddresses,
      // Asked for at every start of a bridge: TURN REST credentials expire, calls can last longer.
      iceServers: () => bridgeIceServers(this.#deps.iceServers('parley-bridge')),
      logger: this.#log,
      onClose: () => {
        if (this.#calls.get(room)?.call === call) this.#calls.delete(room)
      },
    })
    this.#calls.set(room, { host, call })
    this.#log.info({ room, e2ee }, 'a call hosted elsewhere runs through our SFU')
    return call
  }
}

/** Our ICE servers as werift takes them: one URL per entry. */
function bridgeIceServers(ice: IceServers): RTCIceServer[] {
  return ice.iceServers.flatMap((server) =>
    (Array.isArray(server.urls) ? server.urls : [server.urls]).map((urls) => ({
      urls,
      ...(server.username !== undefined ? { username: server.username } : {}),
      ...(server.credential !== undefined ? { credential: server.credential } : {}),
    })),
  )
}
