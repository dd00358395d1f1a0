/**
 * End-to-end encrypted media in the browser: puts the encryption worker (worker-main.ts) on every
 * RTCRtpSender and RTCRtpReceiver of a call's connections, with WebRTC encoded transforms —
 * `RTCRtpScriptTransform` where the browser has it (the standard; Chromium, Safari, Firefox), else
 * Chromium's insertable streams (`createEncodedStreams()`, whose streams are transferred to the same
 * worker). Without either, or without a worker, this browser cannot take part in an end-to-end
 * encrypted call: `e2eeSupport()` says why, and the call client announces no capability, so the
 * server refuses the join (`e2ee-required`) instead of letting it through unencrypted.
 *
 * The worker is made from a Blob URL of its source, so a page's Content-Security-Policy must allow
 * `worker-src blob:`; an app that cannot may serve `e2eeWorkerSource()` as a file and pass
 * `createWorker`.
 */
import type { FrameKey } from './frame-crypto.ts'
import type { E2eeMediaSink } from './e2ee-session.ts'
import {
  e2eeWorkerSource,
  type E2eeWorkerStats,
  type FromWorker,
  type ToWorker,
  type TransformOptions,
} from './worker-main.ts'

export type E2eeTransformMode = 'script-transform' | 'encoded-streams'
export type E2eeSupport = { ok: true; mode: E2eeTransformMode } | { ok: false; reason: string }

type EncodedStreams = { readable: ReadableStream; writable: WritableStream }
type WithEncodedStreams = { createEncodedStreams?: () => EncodedStreams }
type ScriptTransformConstructor = new (worker: Worker, options: TransformOptions) => RTCRtpTransform

/** Whether this browser can encrypt media end to end, and how. */
export function e2eeSupport(): E2eeSupport {
  const g = globalThis as {
    crypto?: Crypto
    Worker?: unknown
    RTCRtpScriptTransform?: unknown
    RTCRtpSender?: { prototype: object }
    RTCRtpReceiver?: { prototype: object }
  }
  if (!g.crypto?.subtle)
    return { ok: false, reason: 'no WebCrypto (crypto.subtle): the page must be a secure context (https or localhost)' }
  if (typeof g.Worker !== 'function') return { ok: false, reason: 'no Web Workers' }
  if (typeof g.RTCRtpScriptTransform === 'function' && g.RTCRtpSender && 'transform' in g.RTCRtpSender.prototype)
    return { ok: true, mode: 'script-transform' }
  const sender = g.RTCRtpSender?.prototype as WithEncodedStreams | undefined
  const receiver = g.RTCRtpReceiver?.prototype as WithEncodedStreams | undefined
  if (typeof sender?.createEncodedStreams === 'function' && typeof receiver?.createEncodedStreams === 'function')
    return { ok: true, mode: 'encoded-streams' }
  return {
    ok: false,
    reason: 'no WebRTC encoded transforms (neither RTCRtpScriptTransform nor RTCRtpSender.createEncodedStreams)',
  }
}

export type E2eeMediaOptions = {
  mode: E2eeTransformMode
  /** Makes the worker (default: from a Blob URL of e2eeWorkerSource()). */
  createWorker?: () => Worker
  needKey(participantId: string, kid: number): void
  decrypting(participantId: string, ok: boolean): void
  error(error: Error): void
}

export class E2eeMedia implements E2eeMediaSink {
  readonly mode: E2eeTransformMode
  readonly #options: E2eeMediaOptions
  readonly #worker: Worker
  readonly #url: string | null
  readonly #ids = new WeakMap<RTCRtpSender | RTCRtpReceiver, number>()
  readonly #owners = new Map<number, string | null>()
  readonly #stats = new Map<number, (stats: E2eeWorkerStats) => void>()
  #nextId = 1
  #closed = false

  private constructor(options: E2eeMediaOptions, worker: Worker, url: string | null) {
    this.mode = options.mode
    this.#options = options
    this.#worker = worker
    this.#url = url
    worker.onmessage = (event: MessageEvent<FromWorker>) => this.#receive(event.data)
    worker.onerror = (event) => options.error(new Error(`The encryption worker failed: ${event.message}`))
  }

  /** Starts the worker and waits until it answers (a worker blocked by the page's CSP never does). */
  static async start(options: E2eeMediaOptions, timeoutMs = 5000): Promise<E2eeMedia> {
    let url: string | null = null
    let worker: Worker
    if (options.createWorker) worker = options.createWorker()
    else {
      url = URL.createObjectURL(new Blob([e2eeWorkerSource()], { type: 'text/javascript' }))
      worker = new Worker(url, { name: 'parley-e2ee' })
    }
    const media = new E2eeMedia(options, worker, url)
    const answered = await Promise.race([
      media.stats().then(() => true),
      new Promise<false>((resolve) => setTimeout(() => resolve(false), timeoutMs)),
    ])
    if (!answered) {
      media.close()
      throw new Error('the encryption worker did not start (a Content-Security-Policy without worker-src blob:?)')
    }
    return media
  }

  /** What RTCPeerConnections of this call need: insertable streams must be asked for up front. */
  rtcConfiguration(): Record<string, unknown> {
    return this.mode === 'encoded-streams' ? { encodedInsertableStreams: true } : {}
  }

  /** Puts encryption on every sender and decryption on every receiver of a connection not done yet. */
  attach(pc: RTCPeerConnection, ownerOf: (transceiver: RTCRtpTransceiver) => string | null): void {
    if (this.#closed) return
    for (const transceiver of pc.getTransceivers()) {
      if (transceiver.currentDirection === 'stopped') continue
      preferVp8(transceiver)
      const { sender, receiver } = transceiver
      const kind = receiver.track.kind === 'audio' ? 'audio' : 'video'
      if (!this.#ids.has(sender)) this.#transform(sender, { operation: 'encrypt', kind, id: this.#nextId++ })
      const owner = ownerOf(transceiver)
      let id = this.#ids.get(receiver)
      if (id === undefined) {
        id = this.#nextId++
        this.#setOwner(id, owner)
        this.#transform(receiver, { operation: 'decrypt', kind, id })
      } else if (this.#owners.get(id) !== owner) this.#setOwner(id, owner)
    }
  }

  setSendKey(kid: number, key: FrameKey): void {
    this.#post({ type: 'send-key', kid, key })
  }

  setReceiveKey(participantId: string, kid: number, key: FrameKey): void {
    this.#post({ type: 'receive-key', participantId, kid, key })
  }

  forget(participantId: string): void {
    this.#post({ type: 'forget', participantId })
  }

  /** Frames, bytes and WebCrypto time per direction and kind, and what was dropped. */
  stats(): Promise<E2eeWorkerStats> {
    const requestId = this.#nextId++
    return new Promise((resolve) => {
      this.#stats.set(requestId, resolve)
      this.#post({ type: 'stats', requestId })
    })
  }

  close(): void {
    if (this.#closed) return
    this.#closed = true
    this.#worker.terminate()
    if (this.#url) URL.revokeObjectURL(this.#url)
  }

  #setOwner(id: number, participantId: string | null): void {
    this.#owners.set(id, participantId)
    this.#post({ type: 'owner', id, participantId })
  }

  #transform(target: RTCRtpSender | RTCRtpReceiver, options: TransformOptions): void {
    this.#ids.set(target, options.id)
    if (this.mode === 'script-transform') {
      const ScriptTransform = (globalThis as unknown as { RTCRtpScriptTransform: ScriptTransformConstructor })
        .RTCRtpScriptTransform
      target.transform = new ScriptTransform(this.#worker, options)
      return
    }
    const streams = (target as WithEncodedStreams).createEncodedStreams?.()
    if (!streams) throw new TypeError('createEncodedStreams() is missing')
    this.#worker.postMessage({ type: 'stream', ...options, ...streams } satisfies ToWorker, [
      streams.readable,
      streams.writable,
    ] as unknown as Transferable[])
  }

  #post(message: ToWorker): void {
    if (!this.#closed) this.#worker.postMessage(message)
  }

  #receive(message: FromWorker): void {
    switch (message.type) {
      case 'need-key':
        this.#options.needKey(message.participantId, message.kid)
        return
      case 'decrypting':
        this.#options.decrypting(message.participantId, message.ok)
        return
      case 'stats':
        this.#stats.get(message.requestId)?.(message.stats)
        this.#stats.delete(message.requestId)
        return
    }
  }
}

/**
 * Video as VP8: the frame format leaves exactly VP8's header bytes readable (frame-crypto.ts), and
 * packetisers of other codecs (H.264) parse the frame itself, which encryption would break.
 */
function preferVp8(transceiver: RTCRtpTransceiver): void {
  if (transceiver.receiver.track.kind !== 'video' || typeof transceiver.setCodecPreferences !== 'function') return
  const codecs = RTCRtpReceiver.getCapabilities?.('video')?.codecs ?? []
  const wanted = codecs.filter((c) => /^video\/(vp8|rtx|red|ulpfec|flexfec-03)$/i.test(c.mimeType))
  if (!wanted.some((c) => /vp8/i.test(c.mimeType))) return
  try {
    transceiver.setCodecPreferences(wanted)
  } catch {
    // A browser that refuses the list keeps its own order (VP8 first in every browser today).
  }
}
