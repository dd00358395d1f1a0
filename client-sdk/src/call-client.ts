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
 * In end-to-end encrypted rooms every frame is encrypted in the browser (e2ee/call-e2ee.ts).
 */
import type {
  CallFeedView,
  CallMediaFlags,
  CallParticipantView,
  CallSource,
  ClientCallMessage,
  FileView,
  IceServers,
  MeshSignalBody,
  MessageView,
  ServerCallJoined,
  ServerCallMessage,
} from '@parley/protocol'
import { Emitter } from './emitter.ts'
import type { RealtimeClient } from './realtime-client.ts'
import { MeshPeers } from './call-mesh.ts'
import { SfuPeers } from './call-sfu.ts'
import { CallE2ee, type CallE2eeOptions, type E2eeOff } from './e2ee/call-e2ee.ts'
import type { E2eeKeyMaterial, E2eeState } from './e2ee/e2ee-session.ts'
import type { E2eeWorkerStats } from './e2ee/worker-main.ts'
import type { FilesClient, UploadOptions, UploadProgress } from './files-client.ts'

export type CallTrackEvent = {
  participantId: string
  feedId: string | null
  track: MediaStreamTrack
  stream: MediaStream | null
}

export type CallClientEvents = {
  joined: ServerCallJoined
  participant: { change: 'joined' | 'updated'; participant: CallParticipantView }
  left: { participantId: string; reason: string }
  ended: { reason: string }
  feed: { change: 'added' | 'removed'; feed: CallFeedView }
  track: CallTrackEvent
  reaction: { participantId: string; emoji: string }
  recording: boolean
  /** A participant shared a file with the call: it is the room's chat message `seq` (yours too). */
  'file-shared': { participantId: string; seq: number; file: FileView }
  /** End-to-end encryption changed: keys, the verification code, who decrypts (see `CallClient.e2ee`). */
  e2ee: E2eeState | E2eeOff
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
  /**
   * End-to-end encryption, used whenever the call is end-to-end encrypted (its room has `e2ee`).
   * Pass `{ required: room.e2ee }` so that a server answering "not encrypted" for such a room is
   * refused rather than believed.
   */
  e2ee?: CallE2eeOptions
  /** Uploads for `shareFile()` (Parley.call() passes `rest.files`). */
  files?: FilesClient
}

export { SIMULCAST_ENCODINGS } from './call-sfu.ts'

export class CallClient extends Emitter<CallClientEvents> {
  readonly roomId: string
  readonly participants = new Map<string, CallParticipantView>()
  readonly feeds = new Map<string, CallFeedView>()
  /** Local sources: what this client sends. */
  readonly local = new Map<CallSource, MediaStream>()
  participantId: string | null = null
  engine: 'mesh' | 'sfu' | null = null
  readonly #rt: RealtimeClient
  readonly #options: CallClientOptions
  readonly #PC: typeof RTCPeerConnection
  readonly #offs: (() => void)[] = []
  #ice: IceServers | null = null
  #mesh: MeshPeers | null = null
  readonly #sfu: SfuPeers
  #media: CallMediaFlags = { audio: false, video: false, screen: false }
  readonly #e2ee: CallE2ee

  constructor(options: CallClientOptions) {
    super((error) =>
      queueMicrotask(() => {
        throw error
      }),
    )
    this.roomId = options.roomId
    this.#rt = options.realtime
    this.#options = options
    const PC = options.RTCPeerConnection ?? globalThis.RTCPeerConnection
    if (!PC) throw new TypeError('No RTCPeerConnection: this runs in browsers (or pass options.RTCPeerConnection)')
    this.#PC = PC
    this.#e2ee = new CallE2ee(
      options.e2ee ?? {},
      () => this.emit('e2ee', this.e2ee),
      (error) => this.emit('error', error),
    )
    this.#sfu = new SfuPeers({
      roomId: this.roomId,
      create: () => new PC(this.rtcConfiguration()),
      request: (message) => this.#rt.request(message) as Promise<ServerCallMessage>,
      ownerOf: (feedId) => this.feeds.get(feedId)?.participantId ?? null,
      prepared: (pc, ownerOf) => this.#e2ee.attach(pc, ownerOf),
      track: (participantId, feedId, track, stream) => this.emit('track', { participantId, feedId, track, stream }),
    })
    this.#offs.push(this.#rt.on('call', (frame) => this.#onFrame(frame)))
  }

  get media(): CallMediaFlags {
    return { ...this.#media }
  }

  /**
   * Whether this call is end-to-end encrypted and with whom: every participant whose key arrived
   * and whose frames decrypt here; the verification code to compare out of band. When it is off,
   * `unsupported` says why this browser could not have encrypted (if it could not).
   */
  get e2ee(): E2eeState | E2eeOff {
    return this.#e2ee.state
  }

  /** End-to-end encryption: the keys this client holds now (diagnostics, tests); null when off. */
  e2eeKeyMaterial(): E2eeKeyMaterial | null {
    return this.#e2ee.keyMaterial()
  }

  /** End-to-end encryption: frames encrypted and decrypted, WebCrypto time, frames dropped; null when off. */
  e2eeStats(): Promise<E2eeWorkerStats> | null {
    return this.#e2ee.stats()
  }

  /** SFU: the feed each m-line (mid) of the receiving connection carries. */
  get mids(): ReadonlyMap<string, string> {
    return this.#sfu.mids
  }

  /** SFU connections: one per published source. */
  get publishers(): ReadonlyMap<CallSource, RTCPeerConnection> {
    return this.#sfu.publishers
  }

  /** SFU: the receiving connection. */
  get subscriber(): RTCPeerConnection | null {
    return this.#sfu.subscriber
  }

  /** Mesh: the connection to each other participant (for stats). */
  get peers(): ReadonlyMap<string, RTCPeerConnection> {
    return this.#mesh?.connections ?? new Map()
  }

  /** The RTCConfiguration this client's connections use. */
  rtcConfiguration(): RTCConfiguration {
    const ice = this.#options.iceServers ?? this.#ice
    return {
      iceServers: ice?.iceServers ?? [],
      ...(this.#options.iceTransportPolicy ? { iceTransportPolicy: this.#options.iceTransportPolicy } : {}),
      ...this.#e2ee.rtcConfiguration(),
    }
  }

  /** Joins (starting the call if there is none). Set local sources with publish() first for mesh, or after. */
  async join(media: CallMediaFlags): Promise<ServerCallJoined> {
    // A second join would bring new end-to-end keys the server does not take for the same participant.
    if (this.participantId) throw new Error('Already in this call: leave() first')
    const given = this.#options.iceServers?.expiresAt
    // TURN refuses expired REST credentials without a word to the page: say so before joining.
    if (given && Date.parse(given) <= Date.now())
      throw new Error(`The TURN credentials expired at ${given}: fetch fresh ones (ParleyClient.iceServers())`)
    const e2ee = await this.#e2ee.prepare()
    const joined = (await this.#rt
      .request({ type: 'call.join', roomId: this.roomId, media, ...(e2ee ? { e2ee } : {}) })
      .catch((error: unknown) => {
        throw this.#e2ee.refused(error)
      })) as ServerCallJoined
    this.#media = { ...media }
    this.participantId = joined.participantId
    this.engine = joined.engine
    this.#ice = joined.ice
    for (const p of joined.participants) this.participants.set(p.participantId, p)
    for (const f of joined.feeds) this.feeds.set(f.feedId, f)
    try {
      await this.#e2ee.begin(joined, (message) => this.#send(message))
    } catch (error) {
      await this.leave()
      throw error
    }
    if (joined.engine === 'mesh') {
      this.#mesh = new MeshPeers({
        self: joined.participantId,
        create: () => new this.#PC(this.rtcConfiguration()),
        local: () => this.#localTracks(),
        signal: (to, signal) => this.#send({ type: 'call.signal', roomId: this.roomId, to, signal }),
        track: (participantId, track, stream) => this.emit('track', { participantId, feedId: null, track, stream }),
        prepared: (remote, pc) => this.#e2ee.attach(pc, () => remote),
        error: (error) => this.emit('error', error),
      })
      // The later joiner offers to everyone already in the call.
      for (const p of joined.participants)
        if (p.participantId !== joined.participantId) this.#mesh.connect(p.participantId)
    } else {
      for (const source of this.local.keys()) await this.#publishSfu(source)
      const others = [...this.feeds.values()].filter((f) => f.participantId !== this.participantId)
      if (this.#options.autoSubscribe !== false && others.length > 0) await this.subscribe(others.map((f) => f.feedId))
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
    if (this.engine === 'sfu') await this.#sfu.unpublish(source)
    else this.#mesh?.renegotiateAll()
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
      for (const sender of pc?.getSenders() ?? [])
        if (sender.track && old.includes(sender.track)) await sender.replaceTrack(track)
    }
  }

  /** Mute, camera off, stop sharing, hand, speaking (mesh): the server tells everyone. */
  async update(changes: { media?: Partial<CallMediaFlags>; handRaised?: boolean; speaking?: boolean }): Promise<void> {
    const media = changes.media ? { ...this.#media, ...changes.media } : undefined
    if (media) this.#applyLocalMedia(media)
    await this.#request({
      type: 'call.update',
      roomId: this.roomId,
      ...(media ? { media } : {}),
      ...(changes.handRaised === undefined ? {} : { handRaised: changes.handRaised }),
      ...(changes.speaking === undefined ? {} : { speaking: changes.speaking }),
    })
  }

  /** SFU: receives these feeds on the receiving connection. */
  subscribe(feedIds: string[]): Promise<void> {
    return this.#sfu.subscribe(feedIds)
  }

  /** SFU simulcast: which layer of a feed's video to receive (0 = smallest). */
  async setLayers(feedId: string, spatialLayer: number, temporalLayer?: number): Promise<void> {
    await this.#request({
      type: 'call.layers',
      roomId: this.roomId,
      feedId,
      spatialLayer,
      ...(temporalLayer === undefined ? {} : { temporalLayer }),
    })
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

  /**
   * Shares a file with the call: uploads it into the call's room (a chat message with the file,
   * progress through `onProgress`), then announces that message to the call; everyone in the room
   * hears `file-shared`. Resolves with the message once the server took the announcement. If the
   * announcement is refused (the caller left the call meanwhile: `not-in-call`), the file stays in
   * the chat and the refusal is thrown as a ParleyRealtimeError.
   */
  async shareFile(
    file: Blob | Uint8Array,
    options: UploadOptions & { onProgress?: (progress: UploadProgress) => void } = {},
  ): Promise<MessageView> {
    if (!this.#options.files) throw new TypeError('shareFile: this CallClient has no files client (options.files)')
    if (!this.participantId) throw new Error('shareFile: join the call first')
    const message = await this.#options.files.upload(this.roomId, file, options)
    await this.#request({ type: 'call.share-file', roomId: this.roomId, seq: message.seq })
    return message
  }

  /** Leaves the call and closes every connection; the local tracks are the caller's to stop. */
  async leave(): Promise<void> {
    if (this.participantId) await this.#request({ type: 'call.leave', roomId: this.roomId }).catch(() => {})
    this.close()
  }

  close(): void {
    for (const off of this.#offs.splice(0)) off()
    this.#e2ee.close()
    this.#mesh?.close()
    this.#mesh = null
    this.#sfu.close()
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
    if (stream && this.participantId) await this.#sfu.publish(source, stream, this.#simulcast.get(source) === true)
  }

  #onFrame(frame: ServerCallMessage): void {
    if (frame.roomId !== this.roomId) return
    this.#e2ee.handle(frame)
    switch (frame.type) {
      case 'call.participant':
        this.participants.set(frame.participant.participantId, frame.participant)
        if (
          frame.participant.participantId === this.participantId &&
          !frame.participant.media.audio &&
          this.#media.audio
        ) {
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
          this.#sfu.feedRemoved(frame.feed.feedId)
        }
        this.emit('feed', { change: frame.change, feed: frame.feed })
        if (
          frame.change === 'added' &&
          this.#options.autoSubscribe !== false &&
          frame.feed.participantId !== this.participantId
        ) {
          this.subscribe([frame.feed.feedId]).catch((error: unknown) => this.emit('error', error as Error))
        }
        return
      case 'call.signal':
        this.#mesh?.receive(frame.from, frame.signal as MeshSignalBody)
        return
      case 'call.offer':
        // Only the server's own renegotiations arrive without an id; replies are taken by request().
        if (frame.id === undefined)
          this.#sfu.offered(frame).catch((error: unknown) => this.emit('error', error as Error))
        return
      case 'call.reaction':
        this.emit('reaction', { participantId: frame.participantId, emoji: frame.emoji })
        return
      case 'call.recording':
        this.emit('recording', frame.recording)
        return
      case 'call.file-shared':
        this.emit('file-shared', { participantId: frame.participantId, seq: frame.seq, file: frame.file })
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
