/**
 * The feeds one SFU takes from another (DESIGN.md §2.7: one copy per stream per instance). However
 * many subscribers on the target want a feed, one FeedBridge carries it; the last one letting go
 * closes it. A bridge that dies while its feed is still wanted and still published on the origin
 * is started again (backoff 250 ms doubling to 5 s), and its new copy on the target is announced
 * (`bridged`), so subscribers there can move to it; a feed gone from the origin is `unbridged`.
 * Every start asks for the ICE servers anew: TURN REST credentials expire (DESIGN.md §2.8), and a
 * bridge restarted hours into a call must not present the ones its first start was given.
 */
import type { RTCIceServer } from 'werift'
import type { Logger } from '../../logger.ts'
import { EnhancedEventEmitter } from '../../lifecycle/enhanced-events.ts'
import type { Producer } from '../engine.ts'
import type { FeedBridge } from './feed-bridge.ts'
import type { FeedOrigin, FeedTarget } from './feed-ends.ts'

export type FeedBridgesOptions = {
  origin: FeedOrigin
  target: FeedTarget
  /** The simulcast layer taken from the origin for this target. */
  spatialLayer?: number
  hostAddresses: readonly string[]
  /** STUN/TURN servers for one start of a bridge (fresh TURN credentials each time). */
  iceServers(): readonly RTCIceServer[]
  logger: Logger
  /** The bridges' participant ids on both routers start with this. */
  participantPrefix?: string
}

export type FeedBridgesEvents = {
  /** A feed's copy on the target (a first one, or the copy of a restarted bridge). */
  bridged: [feedId: string, copy: Pick<Producer, 'id'>]
  /** The feed can no longer be carried (gone from the origin, or nobody wants it). */
  unbridged: [feedId: string]
}

type Entry = {
  wanted: Set<string>
  /** The layer asked of the origin for this feed; undefined: the options' (or the origin's default). */
  layer: number | undefined
  bridge: FeedBridge | null
  starting: boolean
  backoffMs: number
  retry: NodeJS.Timeout | undefined
  starts: number
}

const BACKOFF_MIN_MS = 250
const BACKOFF_MAX_MS = 5000

export class FeedBridges {
  readonly observer: EnhancedEventEmitter<FeedBridgesEvents>
  readonly #options: FeedBridgesOptions
  readonly #log: Logger
  readonly #feeds = new Map<string, Entry>()
  #closed = false

  constructor(options: FeedBridgesOptions) {
    this.#options = options
    this.#log = options.logger.child({ component: 'feed-bridges' })
    this.observer = new EnhancedEventEmitter((event, error) =>
      this.#log.error({ err: error, event }, 'feed bridges listener failed'),
    )
  }

  /** `who` on the target wants the origin's feed: it is bridged unless it is already. */
  want(feedId: string, who: string): void {
    if (this.#closed) return
    let entry = this.#feeds.get(feedId)
    if (!entry) {
      entry = {
        wanted: new Set(),
        layer: undefined,
        bridge: null,
        starting: false,
        backoffMs: BACKOFF_MIN_MS,
        retry: undefined,
        starts: 0,
      }
      this.#feeds.set(feedId, entry)
    }
    entry.wanted.add(who)
    if (!entry.bridge && !entry.starting && !entry.retry) void this.#start(feedId, entry)
  }

  /** `who` no longer wants the feed; the last one letting go closes its bridge. */
  release(feedId: string, who: string): void {
    const entry = this.#feeds.get(feedId)
    if (!entry || !entry.wanted.delete(who) || entry.wanted.size > 0) return
    this.#drop(feedId, entry, 'nobody wants it')
  }

  /**
   * The simulcast layer the target's subscribers of the feed need now: the running bridge asks the
   * origin for it, and a restarted one starts with it.
   */
  setLayer(feedId: string, spatialLayer: number): void {
    const entry = this.#feeds.get(feedId)
    if (!entry || entry.layer === spatialLayer) return
    entry.layer = spatialLayer
    void entry.bridge?.chooseLayer(spatialLayer).then((chosen) => {
      if (!chosen.ok) this.#log.info({ feedId, error: chosen.error }, 'cannot switch the simulcast layer of a bridge')
    })
  }

  /** The layer asked of the origin for the feed (for tests and metrics). */
  layerOf(feedId: string): number | undefined {
    const entry = this.#feeds.get(feedId)
    return entry?.layer ?? this.#options.spatialLayer
  }

  /** The feed's copy on the target, while its bridge runs. */
  copyOf(feedId: string): Pick<Producer, 'id'> | undefined {
    return this.#feeds.get(feedId)?.bridge?.producer
  }

  /** The running bridges by origin feed id (for tests and metrics: one per feed). */
  bridges(): ReadonlyMap<string, FeedBridge> {
    const running = new Map<string, FeedBridge>()
    for (const [feedId, entry] of this.#feeds) if (entry.bridge) running.set(feedId, entry.bridge)
    return running
  }

  /** How many times each feed's bridge was started (a restart counts). */
  starts(feedId: string): number {
    return this.#feeds.get(feedId)?.starts ?? 0
  }

  close(): void {
    if (this.#closed) return
    this.#closed = true
    for (const [feedId, entry] of [...this.#feeds]) this.#drop(feedId, entry, 'closed')
  }

  async #start(feedId: string, entry: Entry): Promise<void> {
    entry.starting = true
    entry.starts += 1
    // werift (with its DTLS and SRTP stacks) is loaded by the first bridge, not by every start of
    // an instance that may never bridge a call.
    const { FeedBridge } = await import('./feed-bridge.ts')
    const spatialLayer = entry.layer ?? this.#options.spatialLayer
    const started = await FeedBridge.start({
      origin: this.#options.origin,
      target: this.#options.target,
      ...(spatialLayer !== undefined ? { spatialLayer } : {}),
      producerId: feedId,
      participantId: `${this.#options.participantPrefix ?? 'bridge'}-${feedId}-${entry.starts}`,
      hostAddresses: this.#options.hostAddresses,
      iceServers: this.#options.iceServers(),
      logger: this.#options.logger,
    })
    entry.starting = false
    if (this.#feeds.get(feedId) !== entry || this.#closed) {
      if (started.ok) started.value.close('not wanted any more')
      return
    }
    if (!started.ok) {
      if (started.error.type === 'producer-not-found') return this.#drop(feedId, entry, 'feed gone from the origin')
      this.#log.warn({ feedId, error: started.error }, 'cannot bridge a feed: trying again')
      return this.#retry(feedId, entry)
    }
    const bridge = started.value
    entry.bridge = bridge
    entry.backoffMs = BACKOFF_MIN_MS
    bridge.observer.once('close', (reason) => {
      if (entry.bridge !== bridge) return
      entry.bridge = null
      if (this.#feeds.get(feedId) !== entry) return
      if (!this.#options.origin.feed(feedId)) return this.#drop(feedId, entry, 'feed gone from the origin')
      this.#log.info({ feedId, reason }, 'feed bridge died: starting it again')
      this.#retry(feedId, entry)
    })
    this.observer.safeEmit('bridged', feedId, bridge.producer)
  }

  #retry(feedId: string, entry: Entry): void {
    const delay = entry.backoffMs
    entry.backoffMs = Math.min(entry.backoffMs * 2, BACKOFF_MAX_MS)
    entry.retry = setTimeout(() => {
      entry.retry = undefined
      if (this.#feeds.get(feedId) === entry && !this.#closed) void this.#start(feedId, entry)
    }, delay)
    entry.retry.unref()
  }

  #drop(feedId: string, entry: Entry, reason: string): void {
    if (this.#feeds.get(feedId) !== entry) return
    this.#feeds.delete(feedId)
    clearTimeout(entry.retry)
    const bridge = entry.bridge
    entry.bridge = null
    bridge?.close(reason)
    this.observer.safeEmit('unbridged', feedId)
  }
}
