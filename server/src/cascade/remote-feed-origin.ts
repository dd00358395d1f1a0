/**
 * Member side of media bridges: the feeds of a room's call on its host, as a FeedOrigin a
 * FeedBridge subscribes to over our call channel (`cascade.bridge-subscribe` → the host's
 * `cascade.bridge-offer` → our `cascade.bridge-answer`). Which feeds exist is what the host told us
 * (the call snapshot of `cascade.subscribed`, then `call.feed` news): a bridge never asks for a feed
 * we have not heard of. The simulcast layer is asked for per subscription, on the host's SFU, and
 * switched there (`cascade.bridge-layer`) when what our subscribers need changes.
 */
import { randomUUID } from 'node:crypto'
import type { CallFeedView, HostCascadeFrame, PeerCascadeFrame } from '@parley/protocol'
import type { FeedInfo, FeedOrigin, OriginSubscription } from '../media/bridge/feed-ends.ts'
import type { MediaResult } from '../media/engine.ts'

export type RemoteFeedOriginOptions = {
  /** The room's actor id on its host. */
  room: string
  send(frame: PeerCascadeFrame): void
  /** The layer the host forwards to us (werift cannot pass simulcast on). */
  spatialLayer?: number
  offerTimeoutMs?: number
}

type Pending = { resolve: (result: MediaResult<OriginSubscription>) => void; timer: NodeJS.Timeout; feed: string }

export class RemoteFeedOrigin implements FeedOrigin {
  readonly room: string
  readonly #options: RemoteFeedOriginOptions
  readonly #feeds = new Map<string, FeedInfo>()
  readonly #pending = new Map<string, Pending>()
  readonly #closeListeners = new Map<string, Array<(reason: string) => void>>()

  constructor(options: RemoteFeedOriginOptions) {
    this.room = options.room
    this.#options = options
  }

  feed(feedId: string): FeedInfo | null {
    return this.#feeds.get(feedId) ?? null
  }

  /** The feeds published in the host's call, as it told us. */
  feeds(): string[] {
    return [...this.#feeds.keys()]
  }

  /** The host's word on the call's feeds: a snapshot replaces what we knew, news adds or removes one. */
  setFeeds(views: readonly CallFeedView[]): void {
    this.#feeds.clear()
    for (const view of views) this.#feeds.set(view.feedId, { kinds: view.kinds, source: view.source })
  }

  feedChanged(change: 'added' | 'removed', view: CallFeedView): void {
    if (change === 'added') this.#feeds.set(view.feedId, { kinds: view.kinds, source: view.source })
    else this.#feeds.delete(view.feedId)
  }

  subscribe(feedId: string, participantId: string): Promise<MediaResult<OriginSubscription>> {
    if (!this.#feeds.has(feedId))
      return Promise.resolve({ ok: false, error: { type: 'producer-not-found', producerId: feedId } })
    // The host knows the subscription by this id; ours must be unique on the channel and plain.
    const bridge = `${participantId.replace(/[^A-Za-z0-9_-]/g, '-').slice(0, 27)}-${randomUUID()}`
    return new Promise((resolve) => {
      const timer = setTimeout(() => {
        this.#pending.delete(bridge)
        this.#options.send({ type: 'cascade.bridge-close', room: this.room, bridge })
        resolve({
          ok: false,
          error: { type: 'engine-unavailable', message: 'the host did not offer the feed in time' },
        })
      }, this.#options.offerTimeoutMs ?? 10_000)
      this.#pending.set(bridge, { resolve, timer, feed: feedId })
      this.#options.send({
        type: 'cascade.bridge-subscribe',
        room: this.room,
        bridge,
        feed: feedId,
        ...(this.#options.spatialLayer !== undefined ? { spatialLayer: this.#options.spatialLayer } : {}),
      })
    })
  }

  /** A frame of the host about this room's bridges; false when it was not one. */
  receive(frame: HostCascadeFrame): boolean {
    if (frame.room !== this.room) return false
    switch (frame.type) {
      case 'cascade.bridge-offer': {
        const pending = this.#pending.get(frame.bridge)
        if (!pending || pending.feed !== frame.feed) return true
        this.#settle(frame.bridge, { ok: true, value: this.#subscription(frame.bridge, frame.sdp) })
        return true
      }
      case 'cascade.bridge-closed':
        for (const listener of this.#closeListeners.get(frame.bridge) ?? []) listener(frame.reason)
        this.#closeListeners.delete(frame.bridge)
        return true
      case 'cascade.error': {
        const bridge = frame.error.details?.bridge
        if (typeof bridge !== 'string' || !this.#pending.has(bridge)) return false
        const feed = this.#pending.get(bridge)?.feed ?? ''
        this.#settle(
          bridge,
          frame.error.code === 'media-not-found'
            ? { ok: false, error: { type: 'producer-not-found', producerId: feed } }
            : {
                ok: false,
                error: { type: 'engine-unavailable', message: `${frame.error.code}: ${frame.error.message}` },
              },
        )
        return true
      }
      default:
        return false
    }
  }

  /** The channel dropped: every subscription over it is gone. */
  channelDown(): void {
    for (const bridge of [...this.#pending.keys()])
      this.#settle(bridge, { ok: false, error: { type: 'engine-unavailable', message: 'call channel down' } })
    for (const listeners of this.#closeListeners.values()) for (const listener of listeners) listener('channel down')
    this.#closeListeners.clear()
  }

  #settle(bridge: string, result: MediaResult<OriginSubscription>): void {
    const pending = this.#pending.get(bridge)
    if (!pending) return
    this.#pending.delete(bridge)
    clearTimeout(pending.timer)
    pending.resolve(result)
  }

  #subscription(bridge: string, offerSdp: string): OriginSubscription {
    let closed = false
    return {
      offerSdp,
      answer: async (sdp) => {
        this.#options.send({ type: 'cascade.bridge-answer', room: this.room, bridge, sdp })
        return { ok: true, value: undefined }
      },
      // The host switches the layer it forwards to us on its SFU (werift cannot pass simulcast on).
      chooseLayer: async (spatialLayer) => {
        if (!closed) this.#options.send({ type: 'cascade.bridge-layer', room: this.room, bridge, spatialLayer })
        return { ok: true, value: undefined }
      },
      close: () => {
        if (closed) return
        closed = true
        this.#closeListeners.delete(bridge)
        this.#options.send({ type: 'cascade.bridge-close', room: this.room, bridge })
      },
      onClose: (listener) => {
        const listeners = this.#closeListeners.get(bridge) ?? []
        listeners.push(listener)
        this.#closeListeners.set(bridge, listeners)
      },
    }
  }
}
