/**
 * SFU calls in the browser (Janus, SDP mediated by Parley): one sending connection per published
 * source (`call.publish` → `call.answer`), one receiving connection for every feed subscribed to
 * (`call.subscribe` → `call.offer` → `call.subscribe-answer`, and the server's own renegotiations as
 * `call.offer` without an id). Negotiations of the receiving connection run one at a time.
 */
import type {
  CallSource,
  ClientCallMessage,
  ServerCallAnswer,
  ServerCallMessage,
  ServerCallOffer,
} from '@parley/protocol'
import { gathered } from './call-mesh.ts'

/** Janus 1.1.2 takes simulcast encodings only in the order high, medium, low. */
export const SIMULCAST_ENCODINGS: RTCRtpEncodingParameters[] = [
  { rid: 'h', maxBitrate: 900_000 },
  { rid: 'm', maxBitrate: 300_000, scaleResolutionDownBy: 2 },
  { rid: 'l', maxBitrate: 100_000, scaleResolutionDownBy: 4 },
]

export type SfuPeersDeps = {
  roomId: string
  create(): RTCPeerConnection
  request(message: ClientCallMessage): Promise<ServerCallMessage>
  /** The participant whose feed this is. */
  ownerOf(feedId: string): string | null
  /** A connection has new senders or receivers (end-to-end encryption puts its transforms on them). */
  prepared(pc: RTCPeerConnection, ownerOf: (transceiver: RTCRtpTransceiver) => string | null): void
  track(participantId: string, feedId: string | null, track: MediaStreamTrack, stream: MediaStream | null): void
}

export class SfuPeers {
  /** One sending connection per published source. */
  readonly publishers = new Map<CallSource, RTCPeerConnection>()
  subscriber: RTCPeerConnection | null = null
  /** The feed each m-line (mid) of the receiving connection carries. */
  readonly mids = new Map<string, string>()
  readonly #deps: SfuPeersDeps
  readonly #subscribed = new Set<string>()
  #chain: Promise<unknown> = Promise.resolve()

  constructor(deps: SfuPeersDeps) {
    this.#deps = deps
  }

  /** Publishes a source on a new connection (replacing the one it had). */
  async publish(source: CallSource, stream: MediaStream, simulcast: boolean): Promise<void> {
    this.publishers.get(source)?.close()
    const pc = this.#deps.create()
    this.publishers.set(source, pc)
    for (const track of stream.getTracks()) {
      const layers = simulcast && track.kind === 'video'
      pc.addTransceiver(track, {
        direction: 'sendonly',
        streams: [stream],
        ...(layers ? { sendEncodings: SIMULCAST_ENCODINGS.map((e) => ({ ...e })) } : {}),
      })
    }
    this.#deps.prepared(pc, () => null)
    await pc.setLocalDescription(await pc.createOffer())
    await gathered(pc)
    const answer = (await this.#deps.request({
      type: 'call.publish',
      roomId: this.#deps.roomId,
      source,
      sdp: pc.localDescription?.sdp ?? '',
    })) as ServerCallAnswer
    await pc.setRemoteDescription({ type: 'answer', sdp: answer.sdp })
  }

  async unpublish(source: CallSource): Promise<void> {
    this.publishers.get(source)?.close()
    this.publishers.delete(source)
    await this.#deps.request({ type: 'call.unpublish', roomId: this.#deps.roomId, source })
  }

  /** Receives these feeds on the receiving connection. */
  subscribe(feedIds: readonly string[]): Promise<void> {
    const wanted = feedIds.filter((id) => !this.#subscribed.has(id))
    if (wanted.length === 0) return Promise.resolve()
    for (const id of wanted) this.#subscribed.add(id)
    return this.#negotiate(
      () =>
        this.#deps.request({
          type: 'call.subscribe',
          roomId: this.#deps.roomId,
          feedIds: wanted,
        }) as Promise<ServerCallOffer>,
    )
  }

  feedRemoved(feedId: string): void {
    this.#subscribed.delete(feedId)
  }

  /** The server renegotiates the receiving connection (a feed went away, or more were added). */
  offered(offer: ServerCallOffer): Promise<void> {
    return this.#negotiate(async () => offer)
  }

  close(): void {
    for (const pc of this.publishers.values()) pc.close()
    this.publishers.clear()
    this.subscriber?.close()
    this.subscriber = null
  }

  #negotiate(getOffer: () => Promise<ServerCallOffer>): Promise<void> {
    const run = this.#chain.then(async () => this.#answer(await getOffer()))
    this.#chain = run.catch(() => {})
    return run
  }

  async #answer(offer: ServerCallOffer): Promise<void> {
    let pc = this.subscriber
    if (!pc) {
      pc = this.#deps.create()
      this.subscriber = pc
      pc.ontrack = (event) => {
        const feedId = this.mids.get(event.transceiver.mid ?? '') ?? null
        const participantId = (feedId && this.#deps.ownerOf(feedId)) || ''
        this.#deps.track(participantId, feedId, event.track, event.streams[0] ?? null)
      }
    }
    for (const t of offer.tracks) this.mids.set(t.mid, t.feedId)
    await pc.setRemoteDescription({ type: 'offer', sdp: offer.sdp })
    // Whose media each receiver carries: its m-line's feed's participant (m-lines may be reused).
    this.#deps.prepared(pc, (t) => this.#deps.ownerOf(this.mids.get(t.mid ?? '') ?? ''))
    await pc.setLocalDescription(await pc.createAnswer())
    await gathered(pc)
    await this.#deps.request({
      type: 'call.subscribe-answer',
      roomId: this.#deps.roomId,
      sdp: pc.localDescription?.sdp ?? '',
    })
  }
}
