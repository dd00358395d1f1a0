/**
 * One published feed carried from one SFU to another (DESIGN.md §2.7): the bridge subscribes to the
 * feed on the origin's router as an ordinary WebRTC subscriber and republishes the RTP packets into
 * the target's router as an ordinary publisher, without decoding. Both legs are werift peer
 * connections, so both are DTLS-SRTP with ICE (and TURN where configured) like any browser —
 * Janus 1.1.2's own remote publishers send plain RTP and must never cross instances.
 *
 * Lessons from the lab against Janus 1.1.2 (issue 10), each applied below:
 * - werift's default ICE servers point at a public STUN host: ours are always explicit.
 * - werift skips loopback and veth/tun/tap interfaces: the addresses to gather on are passed in.
 * - with `a=setup:actpass` on the publishing leg the DTLS handshake sometimes stalled ≈ 1 s: we offer
 *   `a=setup:active`.
 * - the origin's RTP header extensions carry the origin's ids: they are stripped rather than re-sent
 *   under ids the target never agreed to — except the audio level (RFC 6464), which is negotiated
 *   on both legs and re-sent under the id the target agreed to: the target's voice activity
 *   detection (who is speaking) reads it.
 * - werift's default bundle policy leaves two UDP sockets per bridge open after close(): max-bundle.
 * - without keyframe requests relayed back to the origin no frame ever decodes on the far side:
 *   the target's PLI/FIR go to the origin as a PLI, and one is sent as soon as the publishing leg
 *   is up.
 */
import {
  MediaStreamTrack,
  RTCPeerConnection,
  RTCRtpCodecParameters,
  RTP_EXTENSION_URI,
  useAudioLevelIndication,
  type RtpPacket,
  type RTCRtpTransceiver,
  type RTCIceServer,
} from 'werift'
import type { Logger } from '../../logger.ts'
import { EnhancedEventEmitter } from '../../lifecycle/enhanced-events.ts'
import type { MediaKind, MediaResult, Producer } from '../engine.ts'
import type { FeedOrigin, FeedTarget, OriginSubscription, TargetPublication } from './feed-ends.ts'

export type FeedBridgeOptions = {
  /** Where the feed is published (a router here, or a room's host over the call channel). */
  origin: FeedOrigin
  /** Where it is republished. */
  target: FeedTarget
  /** The simulcast layer to take from the origin (werift receives simulcast but cannot send it). */
  spatialLayer?: number
  /** The feed on the origin. */
  producerId: string
  /** The bridge's participant id on both routers. */
  participantId: string
  /** Addresses this side's ICE gathers on (werift skips loopback and virtual interfaces by itself). */
  hostAddresses: readonly string[]
  /** STUN/TURN servers for both legs; an empty list means host candidates only. */
  iceServers: readonly RTCIceServer[]
  logger: Logger
  /** How long each leg may take to connect (ICE and DTLS). */
  connectTimeoutMs?: number
}

export type FeedBridgeEvents = { close: [reason: string] }

/** What a leg's DTLS-SRTP transport says (for tests and metrics). */
export type LegState = { connection: string; dtls: string; srtp: boolean }

// What Parley's Janus rooms carry (janus-router.ts): opus and VP8, with the feedback Janus uses.
const CODECS = {
  audio: [new RTCRtpCodecParameters({ mimeType: 'audio/opus', clockRate: 48000, channels: 2, payloadType: 111 })],
  video: [
    new RTCRtpCodecParameters({
      mimeType: 'video/VP8',
      clockRate: 90000,
      payloadType: 96,
      rtcpFeedback: [{ type: 'nack' }, { type: 'nack', parameter: 'pli' }, { type: 'ccm', parameter: 'fir' }],
    }),
  ],
}

/** RFC 8285's one-byte header extension profile (the audio level is one byte, its id below 15). */
const ONE_BYTE_EXTENSIONS = 0xbede

export class FeedBridge {
  readonly observer: EnhancedEventEmitter<FeedBridgeEvents>
  /** The feed as republished on the target. */
  readonly producer: Pick<Producer, 'id'>
  readonly #subscriber: RTCPeerConnection
  readonly #publisher: RTCPeerConnection
  readonly #recv: OriginSubscription
  readonly #send: TargetPublication
  readonly #log: Logger
  readonly #forwarded = { audio: 0, video: 0 }
  #audioLevels = 0
  #closed = false
  #released: Promise<void> = Promise.resolve()

  private constructor(parts: {
    producer: Pick<Producer, 'id'>
    subscriber: RTCPeerConnection
    publisher: RTCPeerConnection
    recv: OriginSubscription
    send: TargetPublication
    log: Logger
  }) {
    this.producer = parts.producer
    this.#subscriber = parts.subscriber
    this.#publisher = parts.publisher
    this.#recv = parts.recv
    this.#send = parts.send
    this.#log = parts.log
    this.observer = new EnhancedEventEmitter((event, error) =>
      this.#log.error({ err: error, event }, 'feed bridge listener failed'),
    )
  }

  /** Subscribes on the origin, publishes on the target, and starts forwarding once both legs are up. */
  static async start(options: FeedBridgeOptions): Promise<MediaResult<FeedBridge>> {
    const log = options.logger.child({ component: 'feed-bridge', producerId: options.producerId })
    const source = options.origin.feed(options.producerId)
    if (!source) return { ok: false, error: { type: 'producer-not-found', producerId: options.producerId } }
    const config = {
      iceServers: [...options.iceServers],
      iceAdditionalHostAddresses: [...options.hostAddresses],
      iceUseIpv6: false,
      // Janus bundles everything; werift 0.25.2 also leaks the sockets of the per-m-line transports
      // it makes otherwise (they outlive close()).
      bundlePolicy: 'max-bundle' as const,
      codecs: CODECS,
      // Only the audio level, re-sent under the target's id; the origin's other extensions are stripped.
      headerExtensions: { audio: [useAudioLevelIndication()], video: [] },
    }
    const subscriber = new RTCPeerConnection(config)
    const publisher = new RTCPeerConnection(config)
    const cleanup: Array<() => void> = [() => subscriber.close(), () => publisher.close()]
    const fail = (error: MediaResult<never> & { ok: false }) => {
      for (const step of cleanup.reverse()) step()
      return error
    }
    try {
      // Subscribing leg: the origin offers the feed, werift answers.
      const incoming = new Map<MediaKind, MediaStreamTrack>()
      subscriber.onTrack.subscribe((track) => incoming.set(track.kind as MediaKind, track))
      const recv = await options.origin.subscribe(options.producerId, options.participantId)
      if (!recv.ok) return fail(recv)
      cleanup.push(() => recv.value.close())
      await subscriber.setRemoteDescription({ type: 'offer', sdp: recv.value.offerSdp })
      await subscriber.setLocalDescription(await subscriber.createAnswer())
      await gathered(subscriber)
      const answered = await recv.value.answer(subscriber.localDescription?.sdp ?? '')
      if (!answered.ok) return fail(answered)
      if (options.spatialLayer !== undefined && recv.value.chooseLayer) {
        const chosen = await recv.value.chooseLayer(options.spatialLayer)
        if (!chosen.ok) log.info({ error: chosen.error }, 'cannot choose the simulcast layer: taking what comes')
      }

      // Publishing leg: werift offers (setup:active), the target answers.
      const outgoing = new Map<MediaKind, RTCRtpTransceiver>()
      for (const kind of source.kinds)
        outgoing.set(kind, publisher.addTransceiver(new MediaStreamTrack({ kind }), { direction: 'sendonly' }))
      // werift takes its own offer only as made; the target gets it with setup:active, and its
      // answer (passive) makes werift the DTLS client, as an active offer would.
      await publisher.setLocalDescription(await publisher.createOffer())
      await gathered(publisher)
      const send = await options.target.publish(
        options.participantId,
        source.source,
        activeSetup(publisher.localDescription?.sdp ?? ''),
      )
      if (!send.ok) return fail(send)
      cleanup.push(() => send.value.close())
      await publisher.setRemoteDescription({ type: 'answer', sdp: send.value.answerSdp })

      const bridge = new FeedBridge({
        producer: send.value.producer,
        subscriber,
        publisher,
        recv: recv.value,
        send: send.value,
        log,
      })
      const timeout = options.connectTimeoutMs ?? 10_000
      await Promise.all([connected(subscriber, timeout), connected(publisher, timeout)])
      bridge.#forward(incoming, outgoing)
      bridge.#watch()
      log.info({ kinds: source.kinds, target: send.value.producer.id }, 'feed bridged')
      return { ok: true, value: bridge }
    } catch (error) {
      log.warn({ err: error }, 'feed bridge failed to start')
      return fail({
        ok: false,
        error: { type: 'engine-unavailable', message: String((error as Error).message ?? error) },
      })
    }
  }

  get closed(): boolean {
    return this.#closed
  }

  /** Packets forwarded so far, per kind. */
  get forwarded(): Readonly<Record<MediaKind, number>> {
    return this.#forwarded
  }

  /** Audio packets forwarded with their audio level (the target's voice activity detection reads it). */
  get audioLevelsForwarded(): number {
    return this.#audioLevels
  }

  /** Both legs' transport state: each must be DTLS-SRTP, connected. */
  /** Asks the origin for another simulcast layer (the copy keeps its one layer: whichever comes). */
  async chooseLayer(spatialLayer: number): Promise<MediaResult<void>> {
    if (this.#closed || !this.#recv.chooseLayer) return { ok: true, value: undefined }
    return this.#recv.chooseLayer(spatialLayer)
  }

  legs(): { subscriber: LegState; publisher: LegState } {
    return { subscriber: legState(this.#subscriber), publisher: legState(this.#publisher) }
  }

  /** Resolves once both peer connections have let their sockets go. */
  get released(): Promise<void> {
    return this.#released
  }

  close(reason = 'closed'): void {
    if (this.#closed) return
    this.#closed = true
    this.#released = Promise.all([this.#subscriber.close(), this.#publisher.close()]).then(
      () => undefined,
      (error: unknown) => this.#log.warn({ err: error }, 'feed bridge did not close cleanly'),
    )
    this.#recv.close()
    this.#send.close()
    this.#log.info({ reason }, 'feed bridge closed')
    this.observer.safeEmit('close', reason)
  }

  #forward(incoming: Map<MediaKind, MediaStreamTrack>, outgoing: Map<MediaKind, RTCRtpTransceiver>): void {
    for (const [kind, transceiver] of outgoing) {
      const track = incoming.get(kind)
      if (!track) continue
      const payloadType = transceiver.codecs[0]?.payloadType ?? CODECS[kind][0]!.payloadType
      // The audio level's id on each leg (each side chose its own), when both agreed to it.
      const levelIn = audioLevelId(this.#subscriber.getTransceivers().find((t) => t.kind === kind))
      const levelOut = audioLevelId(transceiver)
      let mediaSsrc = track.ssrc ?? 0
      track.onReceiveRtp.subscribe((rtp: RtpPacket) => {
        if (this.#closed) return
        mediaSsrc = rtp.header.ssrc
        // The origin's extension ids mean nothing to the target: only the audio level goes on,
        // under the target's id; the payload is untouched.
        const level =
          levelIn !== undefined && levelOut !== undefined
            ? rtp.header.extensions.find((e) => e.id === levelIn)
            : undefined
        rtp.header.extensions = level ? [{ id: levelOut!, payload: level.payload }] : []
        rtp.header.extension = level !== undefined
        if (level) {
          rtp.header.extensionProfile = ONE_BYTE_EXTENSIONS
          this.#audioLevels += 1
        }
        rtp.header.payloadType = payloadType
        this.#forwarded[kind] += 1
        // Per packet, like any RTP sender: a lost packet is UDP's lot, and a leg that fails for good
        // shows in its connection state, which closes the bridge; one log line per packet would not help.
        void transceiver.sender.sendRtp(rtp).catch(() => undefined)
      })
      if (kind !== 'video') continue
      const receiver = this.#subscriber.getTransceivers().find((t) => t.kind === 'video')?.receiver
      const askKeyframe = () => {
        // A lost keyframe request is asked again on the next need (RTCP is best effort by design).
        if (mediaSsrc !== 0 && !this.#closed) void receiver?.sendRtcpPLI(mediaSsrc).catch(() => undefined)
      }
      // The target (a new subscriber there) needs a keyframe: the origin is asked for one.
      transceiver.sender.onPictureLossIndication.subscribe(askKeyframe)
      const first = track.onReceiveRtp.subscribe(() => {
        first.unSubscribe()
        askKeyframe()
      })
    }
  }

  /** Either leg failing, the origin's feed or either transport closing ends the bridge (its owner restarts it). */
  #watch(): void {
    for (const pc of [this.#subscriber, this.#publisher]) {
      pc.connectionStateChange.subscribe((state) => {
        if (state === 'failed' || state === 'closed') this.close(`leg ${state}`)
      })
    }
    this.#recv.onClose(() => this.close('subscription closed'))
    this.#send.onClose(() => this.close('publication closed'))
  }
}

function audioLevelId(transceiver: RTCRtpTransceiver | undefined): number | undefined {
  return transceiver?.headerExtensions.find((e) => e.uri === RTP_EXTENSION_URI.audioLevelIndication)?.id
}

function activeSetup(sdp: string): string {
  return sdp.replace(/a=setup:actpass/g, 'a=setup:active')
}

function gathered(pc: RTCPeerConnection): Promise<void> {
  if (pc.iceGatheringState === 'complete') return Promise.resolve()
  return new Promise((resolve) => {
    const sub = pc.iceGatheringStateChange.subscribe((state) => {
      if (state !== 'complete') return
      sub.unSubscribe()
      resolve()
    })
  })
}

function connected(pc: RTCPeerConnection, timeoutMs: number): Promise<void> {
  if (pc.connectionState === 'connected') return Promise.resolve()
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`bridge leg not connected within ${timeoutMs} ms`)), timeoutMs)
    const sub = pc.connectionStateChange.subscribe((state) => {
      if (state === 'connected') {
        clearTimeout(timer)
        sub.unSubscribe()
        resolve()
      } else if (state === 'failed' || state === 'closed') {
        clearTimeout(timer)
        sub.unSubscribe()
        reject(new Error(`bridge leg ${state}`))
      }
    })
  })
}

function legState(pc: RTCPeerConnection): LegState {
  const dtls = pc.getTransceivers()[0]?.sender.dtlsTransport
  return {
    connection: pc.connectionState,
    dtls: dtls?.state ?? 'new',
    srtp: dtls?.srtpStarted === true,
  }
}
