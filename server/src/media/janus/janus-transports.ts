/**
 * Send and receive transports of the Janus engine. Each owns one VideoRoom handle, i.e. one
 * PeerConnection on Janus: a send transport joins as publisher and publishes the browser's offer; a
 * receive transport joins as (multistream) subscriber and returns Janus's offer. Parley only relays
 * the SDP; browsers never see Janus.
 */
import { randomUUID } from 'node:crypto'
import type { Logger } from '../../logger.ts'
import { EnhancedEventEmitter, InvalidStateError } from '../../lifecycle/enhanced-events.ts'
import type {
  Consumer,
  IceCandidate,
  MediaKind,
  MediaResult,
  MediaSource,
  RecvTransport,
  RecvTransportEvents,
  SdpOptions,
  SendTransport,
  TransportEvents,
} from '../engine.ts'
import { checkSdp } from '../sdp.ts'
import { toMediaError } from './janus-errors.ts'
import { JanusConsumer, JanusProducer } from './janus-producer.ts'
import type { JanusHandle } from './janus-session.ts'
import type { Jsep } from './janus-types.ts'

/** What a transport needs from its router. */
export type JanusRoomContext = {
  roomId: number
  /** Publishers declare end-to-end encrypted media (jsep.e2ee), as a require_e2ee room demands. */
  e2ee: boolean
  recordingsDir: string | undefined
  producers: ReadonlyMap<string, JanusProducer>
  addProducer(producer: JanusProducer): void
  waitUntilPublished(producer: JanusProducer): Promise<MediaResult<void>>
}

type StreamInfo = {
  mid?: string
  type?: string
  feed_id?: number
  codec?: string
  disabled?: boolean
  active?: boolean
}

export class JanusSendTransport implements SendTransport {
  readonly id = randomUUID()
  readonly direction = 'send' as const
  readonly participantId: string
  readonly observer: EnhancedEventEmitter<TransportEvents>
  #handle: JanusHandle
  #room: JanusRoomContext
  #logger: Logger
  #producer: JanusProducer | undefined
  #feedId: number | undefined
  #connected = false
  #closed = false

  constructor(options: { participantId: string; handle: JanusHandle; room: JanusRoomContext; logger: Logger }) {
    this.participantId = options.participantId
    this.#handle = options.handle
    this.#room = options.room
    this.#logger = options.logger.child({ transport: this.id, participantId: options.participantId })
    this.observer = new EnhancedEventEmitter((event, error) =>
      this.#logger.error({ err: error, event }, 'transport listener failed'),
    )
    this.#handle.observer.on('webrtcup', () => {
      this.#connected = true
      this.#producer?.markLive()
      this.observer.safeEmit('connected')
    })
    this.#handle.observer.on('hangup', (reason) => {
      this.#connected = false
      // Janus unpublishes a feed whose PeerConnection is gone.
      this.#producer?.transportClosed(`hangup: ${reason}`)
      this.observer.safeEmit('disconnected', reason)
    })
    this.#handle.observer.on('event', (data) => {
      const talking = data.videoroom === 'talking' ? true : data.videoroom === 'stopped-talking' ? false : undefined
      if (talking !== undefined && this.#producer && Number(data.id) === this.#producer.feedId)
        this.#producer.speaking(talking)
    })
    this.#handle.observer.on('close', (reason) => this.routerClosed(reason))
  }

  get closed(): boolean {
    return this.#closed
  }

  get producer(): JanusProducer | undefined {
    return this.#producer
  }

  async produce({
    source,
    offerSdp,
    trickle = false,
  }: SdpOptions & { source: MediaSource; offerSdp: string }): Promise<
    MediaResult<{ producer: JanusProducer; answerSdp: string }>
  > {
    if (this.#closed) throw new InvalidStateError('the send transport is closed')
    if (this.#producer && !this.#producer.closed)
      throw new TypeError('this send transport already has a producer; use one transport per source')
    const checked = checkSdp(offerSdp)
    if (!checked.ok) return checked
    if (this.#feedId === undefined) {
      const joined = await this.#handle.message({
        request: 'join',
        ptype: 'publisher',
        room: this.#room.roomId,
        display: this.participantId,
      })
      if (!joined.ok) return { ok: false, error: toMediaError(joined.error) }
      this.#feedId = Number(joined.value.data.id)
    }
    const published = await this.#handle.message(
      { request: 'publish' },
      { type: 'offer', sdp: offerSdp, trickle, ...(this.#room.e2ee ? { e2ee: true } : {}) },
    )
    if (!published.ok) return { ok: false, error: toMediaError(published.error) }
    const answer = published.value.jsep
    if (answer?.type !== 'answer')
      return { ok: false, error: { type: 'engine-error', code: 0, message: 'Janus published without an SDP answer' } }
    const mids = new Map<MediaKind, string[]>()
    for (const stream of (published.value.data.streams ?? []) as StreamInfo[]) {
      if (
        !stream.codec ||
        stream.disabled ||
        stream.mid === undefined ||
        (stream.type !== 'audio' && stream.type !== 'video')
      )
        continue
      mids.set(stream.type, [...(mids.get(stream.type) ?? []), stream.mid])
    }
    if (mids.size === 0) {
      void this.#handle.message({ request: 'unpublish' })
      return {
        ok: false,
        error: {
          type: 'no-usable-codec',
          message: `none of the offered codecs is usable (Janus accepts opus for audio and vp8 for video)`,
        },
      }
    }
    const producer = new JanusProducer({
      feedId: this.#feedId,
      participantId: this.participantId,
      source,
      mids,
      logger: this.#logger,
      onClose: () => {
        if (!this.#handle.closed) void this.#handle.message({ request: 'unpublish' })
      },
      setSending: async (streamMids, send) => {
        const reply = await this.#handle.message({
          request: 'configure',
          streams: streamMids.map((mid) => ({ mid, send })),
        })
        return reply.ok ? { ok: true, value: undefined } : { ok: false, error: toMediaError(reply.error) }
      },
      recordingsDir: this.#room.recordingsDir,
      setRecording: async (record, filename) => {
        // A recording started mid-call must begin with a keyframe, or janus-pp-rec's webm does not
        // decode until the browser's next one (Chromium sends them rarely): ask the publisher.
        const reply = await this.#handle.message({ request: 'configure', record, ...(filename ? { filename } : {}) })
        if (!reply.ok) return { ok: false, error: toMediaError(reply.error) }
        const video = mids.get('video') ?? []
        if (record && video.length > 0) {
          // Janus 1.x takes keyframe requests per stream; asked once the recorder exists.
          const keyframe = await this.#handle.message({
            request: 'configure',
            streams: video.map((mid) => ({ mid, keyframe: true })),
          })
          if (!keyframe.ok) this.#logger.warn({ error: keyframe.error }, 'keyframe request for the recording failed')
        }
        return { ok: true, value: undefined }
      },
    })
    this.#producer = producer
    if (this.#connected) producer.markLive()
    this.#room.addProducer(producer)
    this.#logger.info({ producerId: producer.id, kinds: producer.kinds, source }, 'producer published')
    return { ok: true, value: { producer, answerSdp: answer.sdp } }
  }

  addIceCandidate(candidate: IceCandidate | null): Promise<MediaResult<void>> {
    return trickle(this.#handle, this.#closed, candidate)
  }

  /** Leaves the room and detaches the handle. Idempotent. */
  close(): void {
    if (this.#closed) return
    leaveAndDetach(this.#handle)
    this.#forget('closed')
  }

  /** Forgets this transport and detaches its handle; settles when Janus answered the detach. */
  routerClosed(reason: string): Promise<void> {
    this.#forget(reason)
    return detachNow(this.#handle)
  }

  #forget(reason: string): void {
    if (this.#closed) return
    this.#closed = true
    this.#producer?.transportClosed(reason)
    this.observer.safeEmit('close', reason)
  }
}

export class JanusRecvTransport implements RecvTransport {
  readonly id = randomUUID()
  readonly direction = 'recv' as const
  readonly participantId: string
  readonly observer: EnhancedEventEmitter<RecvTransportEvents>
  #handle: JanusHandle
  #room: JanusRoomContext
  #logger: Logger
  #consumers = new Map<string, JanusConsumer>()
  #joined = false
  #closed = false

  constructor(options: { participantId: string; handle: JanusHandle; room: JanusRoomContext; logger: Logger }) {
    this.participantId = options.participantId
    this.#handle = options.handle
    this.#room = options.room
    this.#logger = options.logger.child({ transport: this.id, participantId: options.participantId })
    this.observer = new EnhancedEventEmitter((event, error) =>
      this.#logger.error({ err: error, event }, 'transport listener failed'),
    )
    this.#handle.observer.on('webrtcup', () => this.observer.safeEmit('connected'))
    this.#handle.observer.on('hangup', (reason) => this.observer.safeEmit('disconnected', reason))
    this.#handle.observer.on('event', (data, jsep) => {
      // Janus renegotiates on its own when a feed this handle receives goes away.
      this.#maybeOffer(jsep)
      // Simulcast: Janus says which layer of a stream it now forwards.
      if (typeof data.substream === 'number' && typeof data.mid === 'string') {
        for (const consumer of this.#consumers.values())
          if (consumer.mid === data.mid) consumer.layerSwitched(data.substream)
      }
    })
    this.#handle.observer.on('close', (reason) => this.routerClosed(reason))
  }

  get closed(): boolean {
    return this.#closed
  }

  get consumers(): ReadonlyMap<string, Consumer> {
    return this.#consumers
  }

  async consume({
    producerIds,
  }: {
    producerIds: readonly string[]
  }): Promise<MediaResult<{ consumers: Consumer[]; offerSdp: string }>> {
    if (this.#closed) throw new InvalidStateError('the receive transport is closed')
    if (producerIds.length === 0) throw new TypeError('consume() needs at least one producer id')
    for (const producerId of producerIds) {
      const producer = this.#room.producers.get(producerId)
      if (!producer || producer.closed) return { ok: false, error: { type: 'producer-not-found', producerId } }
      const published = await this.#room.waitUntilPublished(producer)
      if (!published.ok) return published
    }
    const streams = producerIds.map((id) => ({ feed: Number(id) }))
    const body = this.#joined
      ? { request: 'subscribe', streams }
      : { request: 'join', ptype: 'subscriber', room: this.#room.roomId, streams, use_msid: false }
    const reply = await this.#handle.message(body)
    if (!reply.ok) {
      const error = toMediaError(reply.error)
      return {
        ok: false,
        error:
          error.type === 'producer-not-found'
            ? { type: 'producer-not-found', producerId: producerIds.join(',') }
            : error,
      }
    }
    this.#joined = true
    const offer = reply.value.jsep
    if (offer?.type !== 'offer')
      return { ok: false, error: { type: 'engine-error', code: 0, message: 'Janus subscribed without an SDP offer' } }
    const created: Consumer[] = []
    for (const stream of (reply.value.data.streams ?? []) as StreamInfo[]) {
      const producerId = String(stream.feed_id)
      if (
        stream.mid === undefined ||
        !producerIds.includes(producerId) ||
        (stream.type !== 'audio' && stream.type !== 'video')
      )
        continue
      if ([...this.#consumers.values()].some((c) => c.mid === stream.mid)) continue
      const consumer = this.#newConsumer(producerId, stream.type, stream.mid)
      created.push(consumer)
    }
    return { ok: true, value: { consumers: created, offerSdp: offer.sdp } }
  }

  async setRemoteAnswer(answerSdp: string, { trickle = false }: SdpOptions = {}): Promise<MediaResult<void>> {
    if (this.#closed) throw new InvalidStateError('the receive transport is closed')
    const checked = checkSdp(answerSdp)
    if (!checked.ok) return checked
    const reply = await this.#handle.message({ request: 'start' }, { type: 'answer', sdp: answerSdp, trickle })
    return reply.ok ? { ok: true, value: undefined } : { ok: false, error: toMediaError(reply.error) }
  }

  addIceCandidate(candidate: IceCandidate | null): Promise<MediaResult<void>> {
    return trickle(this.#handle, this.#closed, candidate)
  }

  /** The router tells this transport that a producer went away. */
  producerClosed(producerId: string): void {
    for (const consumer of this.#consumers.values()) if (consumer.producerId === producerId) consumer.producerClosed()
  }

  close(): void {
    if (this.#closed) return
    leaveAndDetach(this.#handle)
    this.#forget('closed')
  }

  /** Forgets this transport and detaches its handle; settles when Janus answered the detach. */
  routerClosed(reason: string): Promise<void> {
    this.#forget(reason)
    return detachNow(this.#handle)
  }

  #newConsumer(producerId: string, kind: MediaKind, mid: string): JanusConsumer {
    const consumer = new JanusConsumer({
      transportId: this.id,
      producerId,
      kind,
      mid,
      logger: this.#logger,
      onClose: () => {
        if (this.#handle.closed) return
        void this.#handle
          .message({ request: 'unsubscribe', streams: [{ feed: Number(producerId), mid }] })
          .then((reply) => {
            if (reply.ok) this.#maybeOffer(reply.value.jsep)
          })
      },
      configure: async (stream) => {
        const reply = await this.#handle.message({ request: 'configure', streams: [stream] })
        return reply.ok ? { ok: true, value: undefined } : { ok: false, error: toMediaError(reply.error) }
      },
    })
    this.#consumers.set(consumer.id, consumer)
    consumer.observer.on('close', () => this.#consumers.delete(consumer.id))
    return consumer
  }

  #maybeOffer(jsep: Jsep | undefined): void {
    if (jsep?.type === 'offer' && !this.#closed) this.observer.safeEmit('offer', jsep.sdp)
  }

  #forget(reason: string): void {
    if (this.#closed) return
    this.#closed = true
    for (const consumer of this.#consumers.values()) consumer.transportClosed(reason)
    this.#consumers.clear()
    this.observer.safeEmit('close', reason)
  }
}

async function trickle(
  handle: JanusHandle,
  closed: boolean,
  candidate: IceCandidate | null,
): Promise<MediaResult<void>> {
  if (closed) throw new InvalidStateError('the transport is closed')
  const reply = await handle.trickle(candidate)
  return reply.ok ? { ok: true, value: undefined } : { ok: false, error: toMediaError(reply.error) }
}

/** Leaves the VideoRoom, then detaches the handle (best effort, in the background). */
function leaveAndDetach(handle: JanusHandle): void {
  if (!handle.closed) void handle.message({ request: 'leave' }).finally(() => handle.close())
}

/** Detaches the handle now; settles when Janus has answered the detach. */
function detachNow(handle: JanusHandle): Promise<void> {
  handle.close()
  return handle.detached
}
