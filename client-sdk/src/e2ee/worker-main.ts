/**
 * The encryption worker of end-to-end encrypted calls: every encoded frame a call sends passes
 * through `encrypt` here before packetisation, every frame it receives through `decrypt` before
 * the decoder. Frames arrive as WebRTC encoded transforms — `RTCRtpScriptTransform` (the
 * `rtctransform` event) or, where a browser has only insertable streams, the streams of
 * `createEncodedStreams()` transferred here.
 *
 * - One worker per call client, so one counter per key across every stream (mesh sends the same
 *   key on several connections): a nonce is never used twice.
 * - Nothing leaves unencrypted: without a sending key a frame is dropped, never passed on.
 *   Received frames that do not decrypt (no key, wrong key, not encrypted at all) are dropped too;
 *   the decoder never sees them.
 * - A frame with a key id it lacks makes the worker ask the page (`need-key`): the session ratchets
 *   ahead when it can. When a key arrives for a sender whose frames were dropped, the worker asks
 *   that sender for a keyframe.
 *
 * The worker's source is `e2eeWorkerSource()`: this function and `frameCrypto` turned to text,
 * so both must stay self-contained (no imports at run time, no module-level names).
 */
import { frameCrypto, type FrameCrypto, type FrameKey } from './frame-crypto.ts'

export type TransformOptions = { operation: 'encrypt' | 'decrypt'; kind: 'audio' | 'video'; id: number }

export type ToWorker =
  | { type: 'send-key'; kid: number; key: FrameKey }
  | { type: 'receive-key'; participantId: string; kid: number; key: FrameKey }
  | { type: 'forget'; participantId: string }
  | { type: 'owner'; id: number; participantId: string | null }
  | ({ type: 'stream'; readable: ReadableStream; writable: WritableStream } & TransformOptions)
  | { type: 'stats'; requestId: number }

export type E2eeWorkerStats = {
  /** Per direction and kind: frames, their bytes, and milliseconds spent in WebCrypto. */
  encrypted: { audio: FrameCount; video: FrameCount }
  decrypted: { audio: FrameCount; video: FrameCount }
  /** Frames dropped: nothing to encrypt with yet, no key for them, failed authentication, malformed. */
  dropped: { noSendKey: number; unknownKey: number; authentication: number; malformed: number; noOwner: number }
  /**
   * Frames that arrived from someone who had already left the call (still in flight when their
   * keys were forgotten): discarded, not lost — nobody is waiting for them.
   */
  fromDeparted: number
}
export type FrameCount = { frames: number; bytes: number; ms: number }

export type FromWorker =
  | { type: 'need-key'; participantId: string; kid: number }
  | { type: 'decrypting'; participantId: string; ok: boolean }
  | { type: 'stats'; requestId: number; stats: E2eeWorkerStats }

type Scope = {
  postMessage(message: FromWorker): void
  onmessage: ((event: { data: ToWorker }) => void) | null
  onrtctransform?: ((event: { transformer: ScriptTransformer }) => void) | null
}
type ScriptTransformer = {
  readable: ReadableStream
  writable: WritableStream
  options: TransformOptions
  sendKeyFrameRequest?: () => Promise<void>
}
type EncodedFrame = { data: ArrayBuffer; type?: string }

/**
 * `failingAfter`: after this many frames in a row that do not decrypt, a sender whose frames
 * decrypted before no longer counts as decrypting.
 */
export function e2eeWorkerMain(scope: Scope, fc: FrameCrypto, failingAfter = 25): void {
  const counts = () => ({ frames: 0, bytes: 0, ms: 0 })
  const stats: E2eeWorkerStats = {
    encrypted: { audio: counts(), video: counts() },
    decrypted: { audio: counts(), video: counts() },
    dropped: { noSendKey: 0, unknownKey: 0, authentication: 0, malformed: 0, noOwner: 0 },
    fromDeparted: 0,
  }
  const sending = new Map<number, { key: FrameKey; ctr: number }>()
  let sendKid = -1
  const receiving = new Map<string, Map<number, FrameKey>>()
  const owners = new Map<number, string | null>()
  const transformers = new Map<number, ScriptTransformer>()
  const requested = new Set<string>()
  const starving = new Set<string>()
  const health = new Map<string, { ok: boolean; failures: number }>()
  /** Participants who left (forget): their late frames are discarded without asking for keys. */
  const departed = new Set<string>()

  function report(participantId: string, ok: boolean): void {
    const h = health.get(participantId) ?? { ok: false, failures: 0 }
    health.set(participantId, h)
    if (ok) {
      h.failures = 0
      if (!h.ok) {
        h.ok = true
        scope.postMessage({ type: 'decrypting', participantId, ok: true })
      }
    } else if (h.ok && ++h.failures >= failingAfter) {
      h.ok = false
      scope.postMessage({ type: 'decrypting', participantId, ok: false })
    }
  }

  async function encrypt(frame: EncodedFrame, kind: 'audio' | 'video'): Promise<EncodedFrame | null> {
    const data = new Uint8Array(frame.data)
    if (data.byteLength === 0) return frame
    const current = sending.get(sendKid)
    if (!current) {
      stats.dropped.noSendKey++
      return null
    }
    const started = performance.now()
    const ctr = current.ctr++
    const sealed = await fc.encryptFrame(
      data,
      fc.unencryptedBytes(kind, frame.type === 'key'),
      current.key,
      sendKid,
      ctr,
    )
    if (!sealed) {
      stats.dropped.malformed++
      return null
    }
    const count = stats.encrypted[kind]
    count.ms += performance.now() - started
    count.frames++
    count.bytes += sealed.byteLength
    frame.data = sealed.buffer as ArrayBuffer
    return frame
  }

  async function decrypt(frame: EncodedFrame, kind: 'audio' | 'video', id: number): Promise<EncodedFrame | null> {
    const data = new Uint8Array(frame.data)
    if (data.byteLength === 0) return frame
    const owner = owners.get(id)
    if (!owner) {
      stats.dropped.noOwner++
      return null
    }
    if (departed.has(owner)) {
      stats.fromDeparted++
      return null
    }
    const keys = receiving.get(owner)
    const started = performance.now()
    const opened = await fc.decryptFrame(data, fc.unencryptedBytes(kind, frame.type === 'key'), (kid) => keys?.get(kid))
    if (!opened.ok) {
      stats.dropped[opened.reason === 'unknown-key' ? 'unknownKey' : opened.reason]++
      starving.add(owner)
      if (opened.reason === 'unknown-key' && opened.kid !== undefined && !requested.has(`${owner} ${opened.kid}`)) {
        requested.add(`${owner} ${opened.kid}`)
        scope.postMessage({ type: 'need-key', participantId: owner, kid: opened.kid })
      }
      report(owner, false)
      return null
    }
    const count = stats.decrypted[kind]
    count.ms += performance.now() - started
    count.frames++
    count.bytes += data.byteLength
    report(owner, true)
    frame.data = opened.data.buffer as ArrayBuffer
    return frame
  }

  function run(readable: ReadableStream, writable: WritableStream, options: TransformOptions): void {
    const step = options.operation === 'encrypt' ? encrypt : decrypt
    void readable
      .pipeThrough(
        new TransformStream({
          async transform(frame: EncodedFrame, controller) {
            const out = await step(frame, options.kind, options.id)
            if (out) controller.enqueue(out)
          },
        }),
      )
      .pipeTo(writable)
      .catch(() => {
        // The connection closed or renegotiated the stream away: nothing to do.
      })
  }

  scope.onrtctransform = (event) => {
    const transformer = event.transformer
    transformers.set(transformer.options.id, transformer)
    run(transformer.readable, transformer.writable, transformer.options)
  }

  scope.onmessage = (event) => {
    const message = event.data
    switch (message.type) {
      case 'send-key': {
        const kept = sending.get(message.kid)
        // The same KID again keeps its counter: a nonce is never reused.
        sending.clear()
        sending.set(message.kid, kept ?? { key: message.key, ctr: 0 })
        sendKid = message.kid
        return
      }
      case 'receive-key': {
        const keys = receiving.get(message.participantId) ?? new Map<number, FrameKey>()
        keys.set(message.kid, message.key)
        for (const old of [...keys.keys()].sort((a, b) => a - b).slice(0, -4)) keys.delete(old)
        receiving.set(message.participantId, keys)
        // Back in the call (the same session joined again).
        departed.delete(message.participantId)
        if (starving.delete(message.participantId)) {
          // Its frames were dropped until now: ask for a keyframe instead of waiting for the next one.
          for (const [id, owner] of owners) {
            if (owner === message.participantId)
              void transformers
                .get(id)
                ?.sendKeyFrameRequest?.()
                .catch(() => {})
          }
        }
        return
      }
      case 'forget':
        departed.add(message.participantId)
        receiving.delete(message.participantId)
        health.delete(message.participantId)
        starving.delete(message.participantId)
        for (const key of [...requested]) if (key.startsWith(`${message.participantId} `)) requested.delete(key)
        return
      case 'owner':
        owners.set(message.id, message.participantId)
        return
      case 'stream':
        run(message.readable, message.writable, { operation: message.operation, kind: message.kind, id: message.id })
        return
      case 'stats':
        scope.postMessage({ type: 'stats', requestId: message.requestId, stats: JSON.parse(JSON.stringify(stats)) })
        return
    }
  }
}

/** The worker's whole source: the main function and the frame crypto, as text. */
export function e2eeWorkerSource(): string {
  return `'use strict';\n(${e2eeWorkerMain.toString()})(self, (${frameCrypto.toString()})());\n`
}
