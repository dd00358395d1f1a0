/**
 * Producer and Consumer of the Janus engine: a producer is one VideoRoom publisher feed (its id is
 * the feed id), a consumer one stream (m-line) of a subscriber handle. Both are plain lifecycle
 * objects; their transports do the Janus requests.
 */
import { readdir } from 'node:fs/promises'
import { join } from 'node:path'
import { EnhancedEventEmitter, InvalidStateError } from '../../lifecycle/enhanced-events.ts'
import type {
  Consumer,
  ConsumerEvents,
  MediaKind,
  MediaResult,
  MediaSource,
  Producer,
  ProducerEvents,
  SimulcastLayers,
} from '../engine.ts'
import type { Logger } from '../../logger.ts'

export class JanusProducer implements Producer {
  readonly id: string
  readonly participantId: string
  readonly source: MediaSource
  readonly kinds: readonly MediaKind[]
  readonly observer: EnhancedEventEmitter<ProducerEvents>
  /** Resolves once ICE/DTLS is up (Janus "webrtcup") — before that nobody can subscribe. */
  readonly live: Promise<void>
  #markLive: () => void = () => {}
  #isLive = false
  #onClose: () => void
  #setSending: (mids: string[], send: boolean) => Promise<MediaResult<void>>
  #mids: ReadonlyMap<MediaKind, string[]>
  #paused = new Set<MediaKind>()
  #recordingsDir: string | undefined
  #setRecording: (record: boolean, filename?: string) => Promise<MediaResult<void>>
  #recordingBase: string | undefined
  #closed = false

  constructor(options: {
    feedId: number
    participantId: string
    source: MediaSource
    /** SDP mids of the published streams, by kind. */
    mids: ReadonlyMap<MediaKind, string[]>
    logger: Logger
    onClose: () => void
    setSending: (mids: string[], send: boolean) => Promise<MediaResult<void>>
    /** The room's recordings folder; undefined when recording is not possible. */
    recordingsDir: string | undefined
    /** VideoRoom "configure" with record (and the base file name when starting). */
    setRecording: (record: boolean, filename?: string) => Promise<MediaResult<void>>
  }) {
    this.id = String(options.feedId)
    this.participantId = options.participantId
    this.source = options.source
    this.kinds = Object.freeze([...options.mids.keys()])
    this.#mids = options.mids
    this.#onClose = options.onClose
    this.#setSending = options.setSending
    this.#recordingsDir = options.recordingsDir
    this.#setRecording = options.setRecording
    this.observer = new EnhancedEventEmitter((event, error) =>
      options.logger.error({ err: error, event }, 'producer listener failed'),
    )
    this.live = new Promise((resolve) => {
      this.#markLive = resolve
    })
  }

  get feedId(): number {
    return Number(this.id)
  }

  get closed(): boolean {
    return this.#closed
  }

  get isLive(): boolean {
    return this.#isLive
  }

  get paused(): ReadonlySet<MediaKind> {
    return this.#paused
  }

  pause(kind: MediaKind): Promise<MediaResult<void>> {
    return this.#send(kind, false)
  }

  resume(kind: MediaKind): Promise<MediaResult<void>> {
    return this.#send(kind, true)
  }

  async #send(kind: MediaKind, send: boolean): Promise<MediaResult<void>> {
    if (this.#closed) throw new InvalidStateError('the producer is closed')
    const mids = this.#mids.get(kind)
    if (!mids) throw new TypeError(`this producer publishes no ${kind}`)
    const result = await this.#setSending(mids, send)
    if (result.ok) {
      if (send) this.#paused.delete(kind)
      else this.#paused.add(kind)
    }
    return result
  }

  get recording(): boolean {
    return this.#recordingBase !== undefined
  }

  /**
   * Janus writes one .mjr file per stream into the room's recordings folder, named
   * `<base>-audio-<mindex>.mjr` / `<base>-video-<mindex>.mjr`; janus-recordings.ts converts them.
   */
  async startRecording(): Promise<MediaResult<void>> {
    if (this.#closed) throw new InvalidStateError('the producer is closed')
    if (!this.#recordingsDir)
      return {
        ok: false,
        error: { type: 'recording-unavailable', message: 'no recordings folder is configured for this media engine' },
      }
    if (this.#recordingBase) return { ok: true, value: undefined }
    const base = `${this.source}-${this.id}-${Date.now()}`
    const result = await this.#setRecording(true, base)
    if (result.ok) this.#recordingBase = base
    return result
  }

  async stopRecording(): Promise<MediaResult<{ files: string[] }>> {
    if (this.#closed) throw new InvalidStateError('the producer is closed')
    const base = this.#recordingBase
    const dir = this.#recordingsDir
    if (!base || !dir) return { ok: true, value: { files: [] } }
    const result = await this.#setRecording(false)
    if (!result.ok) return result
    this.#recordingBase = undefined
    const files = (await readdir(dir)).filter((name) => name.startsWith(`${base}-`) && name.endsWith('.mjr')).sort()
    return { ok: true, value: { files: files.map((name) => join(dir, name)) } }
  }

  /** Janus's voice activity detection said so (VideoRoom "talking" / "stopped-talking"). */
  speaking(speaking: boolean): void {
    if (!this.#closed) this.observer.safeEmit('speaking', speaking)
  }

  markLive(): void {
    this.#isLive = true
    this.#markLive()
  }

  /** Stops publishing (the transport unpublishes on Janus). Idempotent. */
  close(): void {
    if (this.#closed) return
    this.#closed = true
    this.#onClose()
    this.observer.safeEmit('close', 'closed')
  }

  transportClosed(reason: string): void {
    if (this.#closed) return
    this.#closed = true
    this.observer.safeEmit('close', reason)
  }
}

export class JanusConsumer implements Consumer {
  readonly id: string
  readonly producerId: string
  readonly kind: MediaKind
  readonly mid: string
  readonly observer: EnhancedEventEmitter<ConsumerEvents>
  #onClose: () => void
  #configure: (body: Record<string, unknown>) => Promise<MediaResult<void>>
  #preferredLayers: SimulcastLayers | undefined
  #currentSpatialLayer: number | undefined
  #retryTimer: NodeJS.Timeout | undefined
  #closed = false

  constructor(options: {
    transportId: string
    producerId: string
    kind: MediaKind
    mid: string
    logger: Logger
    onClose: () => void
    /** Sends a VideoRoom "configure" for this subscription's stream. */
    configure: (stream: Record<string, unknown>) => Promise<MediaResult<void>>
  }) {
    this.id = `${options.transportId}/${options.mid}`
    this.producerId = options.producerId
    this.kind = options.kind
    this.mid = options.mid
    this.#onClose = options.onClose
    this.#configure = options.configure
    this.observer = new EnhancedEventEmitter((event, error) =>
      options.logger.error({ err: error, event }, 'consumer listener failed'),
    )
  }

  get closed(): boolean {
    return this.#closed
  }

  get preferredLayers(): SimulcastLayers | undefined {
    return this.#preferredLayers
  }

  /** The spatial layer Janus reports it now forwards (VideoRoom "substream" event). */
  get currentSpatialLayer(): number | undefined {
    return this.#currentSpatialLayer
  }

  /**
   * Janus switches layers on the next keyframe of the target layer, for which it asks the
   * publisher (PLI). Keyframe requests arriving within about a second of each other are dropped on
   * the way, and a dropped one leaves the old layer flowing indefinitely, so until Janus confirms
   * the switch the request is repeated (at most `SWITCH_RETRIES` times, `SWITCH_RETRY_MS` apart).
   */
  async setPreferredLayers(layers: SimulcastLayers): Promise<MediaResult<void>> {
    if (this.#closed) throw new InvalidStateError('the consumer is closed')
    if (this.kind !== 'video') throw new TypeError('only video consumers have simulcast layers')
    if (!Number.isInteger(layers.spatialLayer) || layers.spatialLayer < 0 || layers.spatialLayer > 2)
      throw new TypeError('spatialLayer must be 0, 1 or 2')
    clearTimeout(this.#retryTimer)
    const result = await this.#requestLayers(layers)
    if (!result.ok) return result
    this.#preferredLayers = { ...layers }
    this.#retryUntilSwitched(layers, SWITCH_RETRIES)
    return result
  }

  /** Janus says which layer it now forwards. */
  layerSwitched(spatialLayer: number): void {
    this.#currentSpatialLayer = spatialLayer
    if (spatialLayer === this.#preferredLayers?.spatialLayer) clearTimeout(this.#retryTimer)
  }

  #requestLayers(layers: SimulcastLayers): Promise<MediaResult<void>> {
    return this.#configure({
      mid: this.mid,
      substream: layers.spatialLayer,
      ...(layers.temporalLayer === undefined ? {} : { temporal: layers.temporalLayer }),
    })
  }

  #retryUntilSwitched(layers: SimulcastLayers, left: number): void {
    if (left <= 0) return
    this.#retryTimer = setTimeout(() => {
      if (
        this.#closed ||
        this.#currentSpatialLayer === layers.spatialLayer ||
        this.#preferredLayers?.spatialLayer !== layers.spatialLayer
      )
        return
      void this.#requestLayers(layers).then(() => this.#retryUntilSwitched(layers, left - 1))
    }, SWITCH_RETRY_MS)
    this.#retryTimer.unref()
  }

  /** Stops receiving this stream (the transport unsubscribes on Janus). Idempotent. */
  close(): void {
    if (this.#closed) return
    this.#closed = true
    clearTimeout(this.#retryTimer)
    this.#onClose()
    this.observer.safeEmit('close', 'closed')
  }

  producerClosed(): void {
    this.transportClosed('producer closed')
  }

  transportClosed(reason: string): void {
    if (this.#closed) return
    this.#closed = true
    clearTimeout(this.#retryTimer)
    this.observer.safeEmit('close', reason)
  }
}

const SWITCH_RETRIES = 5
const SWITCH_RETRY_MS = 1500
