/**
 * A router of the Janus engine: one VideoRoom room per call, created with the admin_key through the
 * engine's control handle and destroyed on close. It keeps its transports and producers in Maps,
 * and knows when a publisher is really in the room (Janus refuses subscriptions before that).
 */
import { randomInt, randomUUID } from 'node:crypto'
import { mkdir } from 'node:fs/promises'
import { join } from 'node:path'
import type { Logger } from '../../logger.ts'
import { EnhancedEventEmitter, InvalidStateError } from '../../lifecycle/enhanced-events.ts'
import type { MediaResult, RecvTransport, Router, RouterEvents, SendTransport } from '../engine.ts'
import { toMediaError } from './janus-errors.ts'
import type { JanusProducer } from './janus-producer.ts'
import type { JanusHandle, JanusSession } from './janus-session.ts'
import { JanusRecvTransport, JanusSendTransport, type JanusRoomContext } from './janus-transports.ts'

export const VIDEOROOM = 'janus.plugin.videoroom'

export type JanusRoomSettings = {
  /** Most publishers (camera and screen feeds) in one room. */
  maxPublishers: number
  /** Bitrate cap per publisher, bits per second. */
  bitrate: number
  /** Voice activity: average audio level (dBov, 0 loudest, 127 silence) below which someone talks. */
  audioLevelAverage: number
  /** Voice activity: packets averaged (50 per second with opus). */
  audioActivePackets: number
  /**
   * Where Janus writes recordings (one folder per room inside it); it must be a folder the Janus
   * process can write. Unset: recording is refused.
   */
  recordingsDir?: string | undefined
}

export class JanusRouter implements Router {
  readonly id = randomUUID()
  readonly callId: string
  readonly roomId: number
  readonly e2ee: boolean
  /** This room's recordings folder, if recording is possible. */
  readonly recordingsDir: string | undefined
  readonly observer: EnhancedEventEmitter<RouterEvents>
  #session: JanusSession
  #control: JanusHandle
  #logger: Logger
  #producers = new Map<string, JanusProducer>()
  #transports = new Map<string, JanusSendTransport | JanusRecvTransport>()
  #closed = false

  /** Creates the VideoRoom room, then the router. */
  static async create(options: {
    callId: string
    /** Every publisher encrypts end to end: Janus requires them to say so (require_e2ee). */
    e2ee: boolean
    session: JanusSession
    control: JanusHandle
    adminKey: string
    settings: JanusRoomSettings
    logger: Logger
  }): Promise<MediaResult<JanusRouter>> {
    const roomId = randomInt(1, 2 ** 47)
    const recordingsDir = options.settings.recordingsDir
      ? join(options.settings.recordingsDir, String(roomId))
      : undefined
    if (recordingsDir) await mkdir(recordingsDir, { recursive: true, mode: 0o700 })
    const reply = await options.control.message({
      request: 'create',
      admin_key: options.adminKey,
      room: roomId,
      description: `parley call ${options.callId}`,
      is_private: true,
      permanent: false,
      publishers: options.settings.maxPublishers,
      bitrate: options.settings.bitrate,
      audiocodec: 'opus',
      videocodec: 'vp8',
      audiolevel_event: true,
      audio_level_average: options.settings.audioLevelAverage,
      audio_active_packets: options.settings.audioActivePackets,
      notify_joining: false,
      require_e2ee: options.e2ee,
      ...(recordingsDir ? { rec_dir: recordingsDir } : {}),
    })
    if (!reply.ok) return { ok: false, error: toMediaError(reply.error) }
    return { ok: true, value: new JanusRouter({ ...options, roomId, recordingsDir }) }
  }

  private constructor(options: {
    callId: string
    e2ee: boolean
    roomId: number
    recordingsDir: string | undefined
    session: JanusSession
    control: JanusHandle
    logger: Logger
  }) {
    this.callId = options.callId
    this.e2ee = options.e2ee
    this.roomId = options.roomId
    this.recordingsDir = options.recordingsDir
    this.#session = options.session
    this.#control = options.control
    this.#logger = options.logger.child({ callId: options.callId, janusRoom: options.roomId })
    this.observer = new EnhancedEventEmitter((event, error) =>
      this.#logger.error({ err: error, event }, 'router listener failed'),
    )
  }

  get closed(): boolean {
    return this.#closed
  }

  get producers(): ReadonlyMap<string, JanusProducer> {
    return this.#producers
  }

  get transports(): ReadonlyMap<string, SendTransport | RecvTransport> {
    return this.#transports
  }

  createSendTransport({ participantId }: { participantId: string }): Promise<MediaResult<JanusSendTransport>> {
    return this.#createTransport(
      (handle) => new JanusSendTransport({ participantId, handle, room: this.#context, logger: this.#logger }),
    )
  }

  createRecvTransport({ participantId }: { participantId: string }): Promise<MediaResult<JanusRecvTransport>> {
    return this.#createTransport(
      (handle) => new JanusRecvTransport({ participantId, handle, room: this.#context, logger: this.#logger }),
    )
  }

  /** Closes every transport and destroys the room on Janus. Idempotent. */
  close(): void {
    if (this.#closed) return
    const detached = this.#forget('closed')
    // Janus 1.1.2 can crash (SIGSEGV) when a room is destroyed while its handles are still being
    // detached: destroy the room only once Janus has answered every detach.
    void detached.then(() => {
      if (!this.#control.closed) return this.#control.message({ request: 'destroy', room: this.roomId })
    })
  }

  engineClosed(reason: string): void {
    void this.#forget(reason)
  }

  get #context(): JanusRoomContext {
    return {
      roomId: this.roomId,
      e2ee: this.e2ee,
      recordingsDir: this.recordingsDir,
      producers: this.#producers,
      addProducer: (producer) => this.#addProducer(producer),
      waitUntilPublished: (producer) => this.#waitUntilPublished(producer),
    }
  }

  async #createTransport<T extends JanusSendTransport | JanusRecvTransport>(
    make: (handle: JanusHandle) => T,
  ): Promise<MediaResult<T>> {
    if (this.#closed) throw new InvalidStateError('the router is closed')
    const attached = await this.#session.attach(VIDEOROOM)
    if (!attached.ok) return { ok: false, error: toMediaError(attached.error) }
    if (this.#closed) {
      attached.value.close()
      return { ok: false, error: { type: 'engine-unavailable', message: 'the router closed meanwhile' } }
    }
    const transport = make(attached.value)
    this.#transports.set(transport.id, transport)
    const observer: EnhancedEventEmitter<{ close: [reason: string] }> = transport.observer
    observer.on('close', () => this.#transports.delete(transport.id))
    return { ok: true, value: transport }
  }

  #addProducer(producer: JanusProducer): void {
    this.#producers.set(producer.id, producer)
    producer.observer.on('close', () => {
      this.#producers.delete(producer.id)
      for (const transport of this.#transports.values())
        if (transport.direction === 'recv') transport.producerClosed(producer.id)
    })
    this.observer.safeEmit('newproducer', producer)
  }

  /**
   * Janus lets subscribers attach only to a publisher whose PeerConnection is up: wait for its
   * "webrtcup", then until the room lists it as publishing.
   */
  async #waitUntilPublished(producer: JanusProducer, timeoutMs = 8000): Promise<MediaResult<void>> {
    const deadline = Date.now() + timeoutMs
    let timer: NodeJS.Timeout | undefined
    const timedOut = new Promise<'timeout'>((resolve) => {
      timer = setTimeout(() => resolve('timeout'), timeoutMs)
    })
    const live = await Promise.race([producer.live.then(() => 'live' as const), timedOut])
    clearTimeout(timer)
    if (live === 'timeout') return { ok: false, error: { type: 'producer-not-ready', producerId: producer.id } }
    while (Date.now() < deadline) {
      if (producer.closed) return { ok: false, error: { type: 'producer-not-found', producerId: producer.id } }
      const reply = await this.#control.message({ request: 'listparticipants', room: this.roomId })
      if (!reply.ok) return { ok: false, error: toMediaError(reply.error) }
      const participants = (reply.value.data.participants ?? []) as { id?: number; publisher?: boolean }[]
      if (participants.some((p) => p.id === producer.feedId && p.publisher === true))
        return { ok: true, value: undefined }
      await new Promise((resolve) => setTimeout(resolve, 50))
    }
    return { ok: false, error: { type: 'producer-not-ready', producerId: producer.id } }
  }

  #forget(reason: string): Promise<void> {
    if (this.#closed) return Promise.resolve()
    this.#closed = true
    const detached = [...this.#transports.values()].map((transport) => transport.routerClosed(reason))
    this.#transports.clear()
    this.#producers.clear()
    this.#logger.info({ reason }, 'router closed')
    this.observer.safeEmit('close', reason)
    return Promise.all(detached).then(() => undefined)
  }
}
