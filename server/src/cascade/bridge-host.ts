/**
 * Host side of media bridges (DESIGN.md §2.7), one per call channel: the peer's bridge subscribes
 * to a feed of a room's call on our SFU as an ordinary WebRTC subscriber. We make the receive
 * transport (participant id `bridge:<peer origin>:<bridge>`, never a call participant: it shows in
 * no participant list), send Janus's offer as `cascade.bridge-offer`, take the answer, and tell the
 * peer when the subscription ends (`cascade.bridge-closed`: feed unpublished, call over). The
 * simulcast layer is chosen here, per peer, since the bridge cannot pass simulcast on.
 *
 * Refused, changing nothing: rooms without an SFU call here, feeds not published in it, peers with
 * no member in the room (checked by the caller), more than MAX_BRIDGES subscriptions on one channel.
 */
import {
  ErrorCodes,
  type CascadeBridgeAnswer,
  type CascadeBridgeLayer,
  type CascadeBridgeSubscribe,
  type ErrorCode,
  type HostCascadeFrame,
} from '@parley/protocol'
import type { Logger } from '../logger.ts'
import type { Consumer, RecvTransport } from '../media/engine.ts'
import type { Call } from '../calls/call.ts'

/** Subscriptions one channel may hold: a few calls' worth of feeds. */
export const MAX_BRIDGES = 256

export type BridgeHostDeps = {
  peerOrigin: string
  send(frame: HostCascadeFrame): void
  /** The running call of one of our rooms on this node. */
  call(roomId: string): Pick<Call, 'router'> | undefined
  log: Logger
}

/** A channel's bridge subscriptions, whether they run on this node or on the node of their call. */
export interface Bridges {
  subscribe(frame: CascadeBridgeSubscribe, roomId: string): Promise<void>
  answer(frame: CascadeBridgeAnswer): Promise<void>
  layer(frame: CascadeBridgeLayer): Promise<void>
  close(bridge: string): void
  has(bridge: string): boolean
  /** The channel is gone: every subscription it held ends. */
  closeAll(): void
  readonly size: number
}

type Subscription = { room: string; transport: RecvTransport; video: Consumer | undefined; closedByPeer: boolean }

export class BridgeHost implements Bridges {
  readonly #deps: BridgeHostDeps
  readonly #subscriptions = new Map<string, Subscription>()

  constructor(deps: BridgeHostDeps) {
    this.#deps = deps
  }

  async subscribe(frame: CascadeBridgeSubscribe, roomId: string): Promise<void> {
    const refuse = (code: ErrorCode, details: Record<string, unknown> = {}) =>
      this.#refuse(code, frame.room, { bridge: frame.bridge, ...details })
    if (this.#subscriptions.has(frame.bridge)) return refuse('invalid-message', { reason: 'bridge id in use' })
    if (this.#subscriptions.size >= MAX_BRIDGES) return refuse('rate-limited', { max: MAX_BRIDGES })
    const router = this.#deps.call(roomId)?.router
    if (!router) return refuse('no-call')
    if ('relay' in router) return refuse('engine-mismatch', { engine: 'mesh' })
    const producer = router.producers.get(frame.feed)
    if (!producer || producer.closed) return refuse('media-not-found', { feedId: frame.feed.slice(0, 64) })
    const created = await router.createRecvTransport({
      participantId: `bridge:${this.#deps.peerOrigin}:${frame.bridge}`,
    })
    if (!created.ok) return refuse('media-unavailable')
    const transport = created.value
    const consumed = await transport.consume({ producerIds: [frame.feed] })
    if (!consumed.ok) {
      transport.close()
      return refuse(consumed.error.type === 'producer-not-ready' ? 'media-not-ready' : 'media-not-found', {
        feedId: frame.feed.slice(0, 64),
      })
    }
    const video = consumed.value.consumers.find((c) => c.kind === 'video')
    if (frame.spatialLayer !== undefined) {
      const chosen = await video?.setPreferredLayers({ spatialLayer: frame.spatialLayer })
      if (chosen && !chosen.ok) this.#deps.log.info({ error: chosen.error }, 'cannot choose the layer for a bridge')
    }
    const subscription: Subscription = { room: frame.room, transport, video, closedByPeer: false }
    this.#subscriptions.set(frame.bridge, subscription)
    const ended = (reason: string) => {
      if (this.#subscriptions.get(frame.bridge) !== subscription) return
      this.#subscriptions.delete(frame.bridge)
      transport.close()
      if (!subscription.closedByPeer)
        this.#deps.send({ type: 'cascade.bridge-closed', room: frame.room, bridge: frame.bridge, reason })
    }
    transport.observer.once('close', (reason) => ended(reason))
    producer.observer.once('close', () => ended('feed unpublished'))
    this.#deps.send({
      type: 'cascade.bridge-offer',
      room: frame.room,
      bridge: frame.bridge,
      feed: frame.feed,
      sdp: consumed.value.offerSdp,
    })
  }

  async answer(frame: CascadeBridgeAnswer): Promise<void> {
    const subscription = this.#subscriptions.get(frame.bridge)
    if (!subscription || subscription.room !== frame.room)
      return this.#refuse('media-not-found', frame.room, { bridge: frame.bridge })
    const set = await subscription.transport.setRemoteAnswer(frame.sdp)
    if (!set.ok) this.#refuse('invalid-sdp', frame.room, { bridge: frame.bridge })
  }

  /**
   * The peer's subscribers of the feed need another simulcast layer: our SFU forwards that one to
   * the bridge (Janus: `configure` with `substream` on its subscription). A feed without layers
   * (no simulcast, or audio only) has nothing to switch: acknowledged by doing nothing.
   */
  async layer(frame: CascadeBridgeLayer): Promise<void> {
    const subscription = this.#subscriptions.get(frame.bridge)
    if (!subscription || subscription.room !== frame.room)
      return this.#refuse('media-not-found', frame.room, { bridge: frame.bridge })
    const chosen = await subscription.video?.setPreferredLayers({ spatialLayer: frame.spatialLayer })
    if (chosen && !chosen.ok)
      this.#deps.log.info({ error: chosen.error, bridge: frame.bridge }, 'cannot switch the layer of a bridge')
  }

  close(bridge: string): void {
    const subscription = this.#subscriptions.get(bridge)
    if (!subscription) return
    subscription.closedByPeer = true
    subscription.transport.close()
    this.#subscriptions.delete(bridge)
  }

  has(bridge: string): boolean {
    return this.#subscriptions.has(bridge)
  }

  /** The channel is gone: every subscription it held ends. */
  closeAll(): void {
    for (const bridge of [...this.#subscriptions.keys()]) this.close(bridge)
  }

  /**
   * This node stops while the channel lives on another node (host-call-relay.ts): unlike closeAll,
   * the peer hears each subscription end (`cascade.bridge-closed`), since its channel stays open
   * and would otherwise hold bridges that carry nothing; it subscribes again once the call runs
   * elsewhere.
   */
  endAll(reason: string): void {
    for (const [bridge, subscription] of [...this.#subscriptions]) {
      this.#subscriptions.delete(bridge)
      subscription.transport.close()
      this.#deps.send({ type: 'cascade.bridge-closed', room: subscription.room, bridge, reason })
    }
  }

  /** How many subscriptions the peer holds (for tests and metrics). */
  get size(): number {
    return this.#subscriptions.size
  }

  #refuse(code: ErrorCode, room: string, details: Record<string, unknown>): void {
    this.#deps.send({ type: 'cascade.error', room, error: { code, message: ErrorCodes[code].message, details } })
  }
}
