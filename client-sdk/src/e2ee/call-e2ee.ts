/**
 * End-to-end encryption for one CallClient: prepared before `call.join` (the capability and public
 * key it announces), started when `call.joined` says the call is end-to-end encrypted, fed the
 * call's joins, leaves and key frames, and asked to put the transforms on every connection.
 *
 * Where the refusal of clients that cannot encrypt happens: the client announces what it can do
 * (`call.join` carries `e2ee` only when this browser has encoded transforms and the worker
 * started); the server, which knows the room, refuses a join without it in an end-to-end
 * encrypted room (`e2ee-required`) — so an old or modified client cannot slip in unencrypted, and
 * the others never receive plaintext from anyone (their workers drop what does not decrypt). The
 * client also refuses to stay in a call the app said must be encrypted when the server answers
 * that it is not (`required`), so a server cannot silently downgrade it.
 */
import type { CallE2eeKey, ClientCallMessage, ServerCallJoined, ServerCallMessage } from '@parley/protocol'
import { E2eeSession, type E2eeKeyMaterial, type E2eeState } from './e2ee-session.ts'
import { generateKeyPair, type E2eeKeyPair } from './key-exchange.ts'
import { E2eeMedia, e2eeSupport } from './media-transforms.ts'
import type { E2eeWorkerStats } from './worker-main.ts'
import { ParleyRealtimeError } from '../errors.ts'

export type CallE2eeOptions = {
  /** The app knows the room is end-to-end encrypted: refuse a call the server says is not. */
  required?: boolean
  /** Makes the encryption worker (default: a Blob URL of e2eeWorkerSource(); CSP needs worker-src blob:). */
  createWorker?: () => Worker
  /** How long a new key waits for acknowledgements before it is used anyway (default 2000 ms). */
  switchTimeoutMs?: number
}

/** Not end-to-end encrypted, and why this client could not have encrypted, if it could not. */
export type E2eeOff = { enabled: false; unsupported: string | null }

export class CallE2ee {
  readonly #options: CallE2eeOptions
  readonly #changed: () => void
  readonly #error: (error: Error) => void
  #media: E2eeMedia | null = null
  /** The worker starting, while call.join is on its way. */
  #starting: Promise<E2eeMedia> | null = null
  #keyPair: E2eeKeyPair | null = null
  #session: E2eeSession | null = null
  #unsupported: string | null = null
  /**
   * Joins, leaves and keys that arrived between call.join and the keys' start (call.joined, then
   * the worker): replayed in order once the session runs, so nobody who joined meanwhile is missed.
   */
  #early: ServerCallMessage[] = []

  constructor(options: CallE2eeOptions, changed: () => void, error: (error: Error) => void) {
    this.#options = options
    this.#changed = changed
    this.#error = error
  }

  get active(): boolean {
    return this.#session !== null
  }

  get state(): E2eeState | E2eeOff {
    return this.#session?.state() ?? { enabled: false, unsupported: this.#unsupported }
  }

  /** Why this browser cannot encrypt (after prepare()), or null. */
  get unsupported(): string | null {
    return this.#unsupported
  }

  /**
   * Before call.join: makes the key pair when this browser can encrypt, and starts the worker. The
   * worker starts while the join travels (unencrypted calls wait for nothing); when the app said
   * the room is end-to-end encrypted (`required`), it is awaited first, so a worker that cannot
   * start (a Content-Security-Policy) is a refusal before joining rather than a leave after.
   */
  async prepare(): Promise<{ publicKey: string } | undefined> {
    this.close()
    const support = e2eeSupport()
    if (!support.ok) {
      this.#unsupported = support.reason
      return undefined
    }
    const starting = E2eeMedia.start({
      mode: support.mode,
      ...(this.#options.createWorker ? { createWorker: this.#options.createWorker } : {}),
      needKey: (participantId, kid) => void this.#session?.needKey(participantId, kid),
      decrypting: (participantId, ok) => this.#session?.decrypting(participantId, ok),
      error: this.#error,
    })
    this.#starting = starting
    starting.catch(() => {})
    try {
      if (this.#options.required) await starting
      this.#keyPair = await generateKeyPair()
      this.#unsupported = null
      return { publicKey: this.#keyPair.publicKey }
    } catch (error) {
      this.close()
      this.#unsupported = error instanceof Error ? error.message : String(error)
      return undefined
    }
  }

  /**
   * The join was refused: lets the worker go, and says why this browser could not encrypt when the
   * refusal is `e2ee-required` (the error to throw).
   */
  refused(error: unknown): unknown {
    const unsupported = this.#unsupported
    this.close()
    if (!(error instanceof ParleyRealtimeError) || error.code !== 'e2ee-required') return error
    return new ParleyRealtimeError(
      'e2ee-required',
      `This room's calls are end-to-end encrypted and this browser cannot encrypt media: ${unsupported ?? 'it announced no encryption'}`,
      { ...error.details, unsupported },
    )
  }

  /** After call.joined: starts the keys when the call is end-to-end encrypted, else lets the worker go. */
  async begin(joined: ServerCallJoined, send: (message: ClientCallMessage) => void): Promise<void> {
    if (!joined.e2ee) {
      this.close()
      if (this.#options.required)
        throw new Error(
          'This call was required to be end-to-end encrypted, but the server started it without: left the call',
        )
      return
    }
    const keyPair = this.#keyPair
    // The server refuses clients without the capability; one that let this one in anyway is broken.
    if (!this.#starting || !keyPair)
      throw new Error('The server let this client into an end-to-end encrypted call it cannot encrypt')
    const media = await this.#starting.catch((error: unknown) => {
      throw new Error(
        `This call is end-to-end encrypted and this browser cannot encrypt media: ${error instanceof Error ? error.message : String(error)}; left the call`,
      )
    })
    this.#media = media
    const self = joined.participants.find((p) => p.participantId === joined.participantId)
    const roomId = joined.roomId
    this.#session = new E2eeSession({
      callId: joined.callId,
      self: { participantId: joined.participantId, actorId: self?.actor.id ?? '' },
      keyPair,
      media,
      sendKeys: (keys) => send({ type: 'call.key', roomId, keys }),
      sendAcks: (acks) => send({ type: 'call.key-ack', roomId, acks }),
      changed: this.#changed,
      error: this.#error,
      ...(this.#options.switchTimeoutMs ? { switchTimeoutMs: this.#options.switchTimeoutMs } : {}),
    })
    const started = this.#session.start(joined.participants)
    // What arrived meanwhile, in order, after the participants call.joined listed.
    for (const frame of this.#early.splice(0)) this.handle(frame)
    await started
  }

  /** A call frame: joins, leaves and keys change the keys. */
  handle(frame: ServerCallMessage): void {
    const session = this.#session
    if (!session) {
      const relevant = ['call.participant', 'call.left', 'call.key', 'call.key-ack'].includes(frame.type)
      if (relevant && this.#starting && this.#early.length < 1024) this.#early.push(frame)
      return
    }
    switch (frame.type) {
      case 'call.participant':
        if (frame.change === 'joined') session.participantJoined(frame.participant)
        return
      case 'call.left':
        session.participantLeft(frame.participantId)
        return
      case 'call.key':
        void session.receiveKey(frame.from, frame.key as CallE2eeKey)
        return
      case 'call.key-ack':
        session.receiveAck(frame.from, frame.kid)
        return
      default:
        return
    }
  }

  /** RTCConfiguration additions of the transform mode (only while encrypting). */
  rtcConfiguration(): Record<string, unknown> {
    return this.#session && this.#media ? this.#media.rtcConfiguration() : {}
  }

  /** Puts the transforms on a connection's new senders and receivers; `ownerOf` names whose media a receiver gets. */
  attach(pc: RTCPeerConnection, ownerOf: (transceiver: RTCRtpTransceiver) => string | null): void {
    if (this.#session) this.#media?.attach(pc, ownerOf)
  }

  keyMaterial(): E2eeKeyMaterial | null {
    return this.#session?.keyMaterial() ?? null
  }

  stats(): Promise<E2eeWorkerStats> | null {
    return this.#session ? (this.#media?.stats() ?? null) : null
  }

  close(): void {
    this.#session?.close()
    this.#session = null
    this.#media = null
    void this.#starting?.then(
      (media) => media.close(),
      () => {},
    )
    this.#starting = null
    this.#keyPair = null
    this.#early = []
  }
}
