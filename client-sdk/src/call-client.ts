/**
 * The browser side of a call (spec/realtime.md, "Calls"), on top of a connected RealtimeClient:
 * join, publish camera, microphone and screen, subscribe, renegotiate, switch devices, pick
 * simulcast layers. Works with both engines the server may run:
 * - mesh: one RTCPeerConnection per other participant; whoever joins later offers to those already
 *   in the call; every offer and answer goes through `call.signal`.
 * - sfu: one sending connection per source (`call.publish`) and one receiving connection for every
 *   feed (`call.subscribe`, and the server's renegotiations as `call.offer`).
 * Descriptions are sent once ICE gathering is complete (no trickle), so a call costs a handful of
 * frames per connection however many candidates there are.
 */
import type {
  CallFeedView, CallMediaFlags, CallParticipantView, CallSource, ClientCallMessage, IceServers, MeshSignalBody, ServerCallAnswer, ServerCallJoined,
  ServerCallMessage, ServerCallOffer,
} from '@parley/protocol'
import { Emitter } from './emitter.ts'
import type { RealtimeClient } from './realtime-client.ts'
import { MeshPeers, gathered } from './call-mesh.ts'

export type CallTrackEvent = { participantId: string; feedId: string | null; track: MediaStreamTrack; stream: MediaStream | null }

export type CallClientEvents = {
  joined: ServerCallJoined
  participant: { change: 'joined' | 'updated'; participant: CallParticipantView }
  left: { participantId: string; reason: string }
  ended: { reason: string }
  feed: { change: 'added' | 'removed'; feed: CallFeedView }
  track: CallTrackEvent
  reaction: { participantId: string; emoji: string }
  recording: boolean
  /** Something failed in the background (a renegotiation, a relayed signal). */
  error: Error
}

export type CallClientOptions = {
  realtime: RealtimeClient
  roomId: string
  /** Overrides the ICE servers the server hands out (e.g. fresh ones from ParleyClient.iceServers()). */
  iceServers?: IceServers
  iceTransportPolicy?: RTCIceTransportPolicy
  /** SFU: subscribe to every feed as it appears (default true). */
  autoSubscribe?: boolean
  RTCPeerConnection?: typeof RTCPeerConnection
}

/** Janus 1.1.2 takes simulcast encodings only in the order high, medium, low. */
export const SIMULCAST_ENCODINGS: RTCRtpEncodingParameters[] = [
  { rid: 'h', maxBitrate: 900_000 },
  { rid: 'm', maxBitrate: 300_000, scaleResolutionDownBy: 2 },
  { rid: 'l', maxBitrate: 100_000, scaleResolutionDownBy: 4 },
]

export class CallClient extends Emitter<CallClientEvents> {
  readonly roomId: string
  readonly participants = new Map<string, CallParticipantView>()
  readonly feeds = new Map<string, CallFeedView>()
  /** Local sources: what this client sends. */
  readonly local = new Map<CallSource, MediaStream>()
  /** SFU connections: one per published source, and the receiving one. */
  readonly publishers = new Map<CallSource, RTCPeerConnection>()
  subscriber: RTCPeerConnection | null = null
  participantId: string | null = null
  engine: 'mesh' | 'sfu' | null = null
  readonly #rt: RealtimeClient
  readonly #options: CallClientOptions
  readonly #PC: typeof RTCPeerConnection
  readonly #offs: (() => void)[] = []
  #ice: IceServers | null = null
  #mesh: MeshPeers | null = null
  #subscribed = new Set<string>()
  /** SFU: track mids of the receiving connection → feed. */
  #mids = new Map<string, string>()
  #subscriberChain: Promise<unknown> = Promise.resolve()
  #media: CallMediaFlags = { audio: false, video: false, screen: false }

  constructor(options: CallClientOptions) {
    super((error) => queueMicrotask(() => { throw error }))
    this.roomId = options.roomId
    this.#rt = options.realtime
    this.#options = options
    const PC = options.RTCPeerConnection ?? globalThis.RTCPeerConnection
    if (!PC) throw new TypeError('No RTCPeerConnection: this runs in browsers (or pass options.RTCPeerConnection)')
    this.#PC = PC
    this.#offs.push(this.#rt.on('call', (frame) => this.#onFrame(frame)))
  }

  get media(): CallMediaFlags {
    return { ...this.#media }
  }

  /** SFU: the feed each m-line (mid) of the receiving connection carries. */
  get mids(): ReadonlyMap<string, string> {
    return this.#mids
  }

  /** Mesh: the connection to each other participant (for stats). */
  get peers(): ReadonlyMap<string, RTCPeerConnection> {
    return this.#mesh?.connections ?? new Map()
  }

  /** The RTCConfiguration this client's connections use. */
  rtcConfiguration(): RTCConfiguration {
    const ice = this.#options.iceServers ?? this.#ice
    return { iceServers: ice?.iceServers ?? [], ...(this.#options.iceTransportPolicy ? { iceTransportPolicy: this.#options.iceTransportPolicy } : {}) }
  }

  /** Joins (starting the call if there is none). Set local sources with publish() first for mesh, or after. */
  async join(media: CallMediaFlags): Promise<ServerCallJoined> {
    const given = this.#options.iceServers?.expiresAt
    // TURN refuses expired REST credentials without a word to the page: say so before joining.
    if (given && Date.parse(given) <= Date.now()) throw new Error(`The TURN credentials expired at ${given}: fetch fresh ones (ParleyClient.iceServers())`)
    const joined = (await this.#rt.request({ type: 'call.join', roomId: this.roomId, media })) as ServerCallJoined
    this.#media = { ...media }
    this.participantId = joined.participantId
    this.engine = joined.engine
    this.#ice = joined.ice
    for (const p of joined.participants) this.participants.set(p.participantId, p)
    for (const f of joined.feeds) this.feeds.set(f.feedId, f)
    if (joined.engine === 'mesh') {
      this.#mesh = new MeshPeers({
        self: joined.participantId,
        create: () => new this.#PC(this.rtcConfiguration()),
        local: () => this.#localTracks(),
        signal: (to, signal) => this.#send({ type: 'call.signal', roomId: this.roomId, to, signal }),
        track: (participantId, track, stream) => this.emit('track', { participantId, feedId: null, track, stream }),
        error: (error) => this.emit('error', error),
      })
      // The later joiner offers to everyone already in the call.
      for (const p of joined.participants) if (p.participantId !== joined.participantId) this.#mesh.connect(p.participantId)
    } else {
      for (const source of this.local.keys()) await this.#publishSfu(source)
      if (this.#options.autoSubscribe !== false) await this.#autoSubscribe()
    }
    this.emit('joined', joined)
    return joined
  }

  /**
   * Sends a local source: `camera` (camera and/or microphone tracks) or `screen`. Publishing a
   * source again replaces it. `simulcast` sends three video layers (SFU only).
   */
  async publish(source: CallSource, stream: MediaStream, options: { simulcast?: boolean } = {}): Promise<void> {
    this.local.set(source, stream)
    this.#simulcast.set(source, options.simulcast === true)
    if (this.engine === 'sfu') await this.#publishSfu(source)
    else if (this.#mesh) this.#mesh.renegotiateAll()
  }

  async unpublish(source: CallSource): Promise<void> {
    const stream = this.local.get(source)
    this.local.delete(source)
    for (const track of stream?.getTracks() ?? []) track.stop()
    if (this.engine === 'sfu') {
      this.publishers.get(source)?.close()
      this.publishers.delete(source)
      await this.#request({ type: 'call.unpublish', roomId: this.roomId, source })
    } else this.#mesh?.renegotiateAll()
  }

  /** Switches a device (another camera or microphone) without renegotiating. */
  async replaceTrack(source: CallSource, track: MediaStreamTrack): Promise<void> {
    const stream = this.local.get(source)
    if (!stream) throw new Error(`nothing published as ${source}`)
    const old = stream.getTracks().filter((t) => t.kind === track.kind)
    for (const t of old) {
      stream.removeTrack(t)
      t.stop()
    }
    stream.addTrack(track)
    const connections = this.engine === 'sfu' ? [this.publishers.get(source)] : [...this.peers.values()]
    for (const pc of connections) {
      for (const sender of pc?.getSenders() ?? []) if (sender.track && old.includes(sender.track)) await sender.replaceTrack(track)
    }
  }

  /** Mute, camera off, stop sharing, hand, speaking (mesh): the server tells everyone. */
  async update(changes: { media?: Partial<CallMediaFlags>; handRaised?: boolean; speaking?: boolean }): Promise<void> {
    const media = changes.media ? { ...this.#media, ...changes.media } : undefined
    if (media) this.#applyLocalMedia(media)
    await this.#request({
      type: 'call.update', roomId: this.roomId, ...(media ? { media } : {}),
      ...(changes.handRaised === undefined ? {} : { handRaised: changes.handRaised }), ...(changes.speaking === undefined ? {} : { speaking: changes.speaking }),
    })
  }

  /** SFU: receives these feeds on the receiving connection. */
  subscribe(feedIds: string[]): Promise<void> {
    const wanted = feedIds.filter((id) => !this.#subscribed.has(id))
    if (wanted.length === 0) return Promise.resolve()
    for (const id of wanted) this.#subscribed.add(id)
    return this.#negotiateSubscriber(() => this.#rt.request({ type: 'call.subscribe', roomId: this.roomId, feedIds: wanted }) as Promise<ServerCallOffer>)
  }

  /** SFU simulcast: which layer of a feed's video to receive (0 = smallest). */
  async setLayers(feedId: string, spatialLayer: number, temporalLayer?: number): Promise<void> {
    await this.#request({ type: 'call.layers', roomId: this.roomId, feedId, spatialLayer, ...(temporalLayer === undefined ? {} : { temporalLayer }) })
  }

  react(emoji: string): Promise<void> {
    return this.#request({ type: 'call.reaction', roomId: this.roomId, emoji })
  }

  moderate(action: 'mute' | 'remove', participantId: string): Promise<void> {
    return this.#request({ type: 'call.moderate', roomId: this.roomId, action, participantId })
  }

  end(): Promise<void> {
    return this.#request({ type: 'call.end', roomId: this.roomId })
  }

  record(recording: boolean): Promise<void> {
    return this.#request({ type: 'call.recording', roomId: this.roomId, recording })
  }

  /** Leaves the call and closes every connection; the local tracks are the caller's to stop. */
  async leave(): Promise<void> {
    if (this.participantId) await this.#request({ type: 'call.leave', roomId: this.roomId }).catch(() => {})
    this.close()
  }

  close(): void {
    for (const off of this.#offs.splice(0)) off()
    this.#mesh?.close()
    this.#mesh = null
    for (const pc of this.publishers.values()) pc.close()
    this.publishers.clear()
    this.subscriber?.close()
    this.subscriber = null
    this.participantId = null
  }

  readonly #simulcast = new Map<CallSource, boolean>()

  #localTracks(): { track: MediaStreamTrack; stream: MediaStream }[] {
    return [...this.local.values()].flatMap((stream) => stream.getTracks().map((track) => ({ track, stream })))
  }

  /** Mute and camera off locally too: audio silenced, video sender emptied (no frames at all). */
  #applyLocalMedia(media: CallMediaFlags): void {
    this.#media = media
    for (const track of this.local.get('camera')?.getAudioTracks() ?? []) track.enabled = media.audio
    for (const track of this.local.get('camera')?.getVideoTracks() ?? []) track.enabled = media.video
  }

  async #publishSfu(source: CallSource): Promise<void> {
    const stream = this.local.get(source)
    if (!stream || !this.participantId) return
    this.publishers.get(source)?.close()
    const pc = new this.#PC(this.rtcConfiguration())
    this.publishers.set(source, pc)
    for (const track of stream.getTracks()) {
      const simulcast = track.kind === 'video' && this.#simulcast.get(source) === true
      pc.addTransceiver(track, { direction: 'sendonly', streams: [stream], ...(simulcast ? { sendEncodings: SIMULCAST_ENCODINGS.map((e) => ({ ...e })) } : {}) })
    }
    await pc.setLocalDescription(await pc.createOffer())
    await gathered(pc)
    const answer = (await this.#rt.request({ type: 'call.publish', roomId: this.roomId, source, sdp: pc.localDescription?.sdp ?? '' })) as ServerCallAnswer
    await pc.setRemoteDescription({ type: 'answer', sdp: answer.sdp })
  }

  async #autoSubscribe(): Promise<void> {
    const others = [...this.feeds.values()].filter((f) => f.participantId !== this.participantId).map((f) => f.feedId)
    if (others.length > 0) await this.subscribe(others)
  }

  /** Receiving-connection negotiations run one at a time (the server's offers included). */
  #negotiateSubscriber(getOffer: () => Promise<ServerCallOffer>): Promise<void> {
    const run = this.#subscriberChain.then(async () => {
      const offer = await getOffer()
      await this.#answerSubscriber(offer)
    })
    this.#subscriberChain = run.catch(() => {})
    return run
  }

  async #answerSubscriber(offer: ServerCallOffer): Promise<void> {
    let pc = this.subscriber
    if (!pc) {
      pc = new this.#PC(this.rtcConfiguration())
      this.subscriber = pc
      pc.ontrack = (event) => {
        const feedId = this.#mids.get(event.transceiver.mid ?? '') ?? null
        const participantId = (feedId && this.feeds.get(feedId)?.participantId) || ''
        this.emit('track', { participantId, feedId, track: event.track, stream: event.streams[0] ?? null })
      }
    }
    for (const t of offer.tracks) this.#mids.set(t.mid, t.feedId)
    await pc.setRemoteDescription({ type: 'offer', sdp: offer.sdp })
    await pc.setLocalDescription(await pc.createAnswer())
    await gathered(pc)
    await this.#request({ type: 'call.subscribe-answer', roomId: this.roomId, sdp: pc.localDescription?.sdp ?? '' })
  }

  #onFrame(frame: ServerCallMessage): void {
    if (frame.roomId !== this.roomId) return
    switch (frame.type) {
      case 'call.participant':
        this.participants.set(frame.participant.participantId, frame.participant)
        if (frame.participant.participantId === this.participantId && !frame.participant.media.audio && this.#media.audio) {
          // A moderator muted us: silence the microphone here too.
          this.#applyLocalMedia({ ...this.#media, audio: false })
        }
        this.emit('participant', { change: frame.change, participant: frame.participant })
        return
      case 'call.left':
        this.participants.delete(frame.participantId)
        this.#mesh?.disconnect(frame.participantId)
        if (frame.participantId === this.participantId) this.close()
        this.emit('left', { participantId: frame.participantId, reason: frame.reason })
        return
      case 'call.ended':
        if (this.participantId) this.close()
        this.emit('ended', { reason: frame.reason })
        return
      case 'call.feed':
        if (frame.change === 'added') this.feeds.set(frame.feed.feedId, frame.feed)
        else {
          this.feeds.delete(frame.feed.feedId)
          this.#subscribed.delete(frame.feed.feedId)
        }
        this.emit('feed', { change: frame.change, feed: frame.feed })
        if (frame.change === 'added' && this.#options.autoSubscribe !== false && frame.feed.participantId !== this.participantId) {
          this.subscribe([frame.feed.feedId]).catch((error: unknown) => this.emit('error', error as Error))
        }
        return
      case 'call.signal':
        this.#mesh?.receive(frame.from, frame.signal as MeshSignalBody)
        return
      case 'call.offer':
        // Only the server's own renegotiations arrive without an id; replies are taken by request().
        if (frame.id === undefined) this.#negotiateSubscriber(async () => frame).catch((error: unknown) => this.emit('error', error as Error))
        return
      case 'call.reaction':
        this.emit('reaction', { participantId: frame.participantId, emoji: frame.emoji })
        return
      case 'call.recording':
        this.emit('recording', frame.recording)
        return
      default:
        return
    }
  }

  async #request(message: ClientCallMessage): Promise<void> {
    await this.#rt.request(message)
  }

  #send(message: ClientCallMessage): void {
    this.#request(message).catch((error: unknown) => this.emit('error', error as Error))
  }
}
