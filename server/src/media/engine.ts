/**
 * The media engine port. Shaped after mediasoup's model (Worker → Router → Transport →
 * Producer/Consumer) so a mediasoup engine can be added where it installs, with two deliberate
 * differences, both because Parley mediates SDP for browsers (they never talk to the SFU):
 * - transports speak SDP: a send transport takes the browser's offer and returns the answer, a
 *   receive transport returns an offer and takes the browser's answer;
 * - a producer is one published source (camera with microphone, or a screen), not one track: that
 *   is what Janus's VideoRoom publishes as one feed.
 *
 * Two topologies: `sfu` engines (JanusEngine) carry media; the `mesh` engine (MeshEngine) carries
 * none and only relays signalling between the browsers of one call. The call service switches on
 * `topology`.
 */
import type { EnhancedEventEmitter } from '../lifecycle/enhanced-events.ts'
import type { MeshEngine } from './mesh/mesh-engine.ts'

export type MediaSource = 'camera' | 'screen'
export type MediaKind = 'audio' | 'video'

/** Expected failures, returned as values; the call service maps them to protocol error codes. */
export type MediaError =
  | { type: 'engine-unavailable'; message: string }
  | { type: 'invalid-sdp'; message: string }
  | { type: 'no-usable-codec'; message: string }
  | { type: 'producer-not-found'; producerId: string }
  | { type: 'producer-not-ready'; producerId: string }
  | { type: 'call-full'; max: number }
  | { type: 'not-in-call'; participantId: string }
  | { type: 'recording-unavailable'; message: string }
  | { type: 'engine-error'; code: number; message: string }

export type MediaResult<T> = { ok: true; value: T } | { ok: false; error: MediaError }

/**
 * `trickle: true` when the browser sends its candidates one by one through `addIceCandidate`
 * (ending with `null`); false (the default) when the SDP already holds them all.
 */
export type SdpOptions = { trickle?: boolean }

export type IceCandidate = { candidate: string; sdpMid?: string | null; sdpMLineIndex?: number | null }

export type SfuEngineEvents = {
  /** The engine lost its media server (e.g. Janus restarted): every router was closed. */
  unavailable: [reason: string]
  available: []
  close: []
}

export interface SfuEngine {
  readonly topology: 'sfu'
  readonly name: string
  readonly closed: boolean
  readonly observer: EnhancedEventEmitter<SfuEngineEvents>
  readonly routers: ReadonlyMap<string, Router>
  /**
   * One router per call. `e2ee`: the browsers encrypt their media end to end (SFrame); the media
   * server is told so (Janus refuses publishers that do not declare it) and forwards frames it cannot read.
   */
  createRouter(options: { callId: string; e2ee?: boolean }): Promise<MediaResult<Router>>
  close(): void
}

export type RouterEvents = {
  newproducer: [producer: Producer]
  close: [reason: string]
}

export interface Router {
  readonly id: string
  readonly callId: string
  readonly closed: boolean
  readonly observer: EnhancedEventEmitter<RouterEvents>
  readonly producers: ReadonlyMap<string, Producer>
  readonly transports: ReadonlyMap<string, SendTransport | RecvTransport>
  createSendTransport(options: { participantId: string }): Promise<MediaResult<SendTransport>>
  createRecvTransport(options: { participantId: string }): Promise<MediaResult<RecvTransport>>
  close(): void
  /** The engine closed or lost its server. */
  engineClosed(reason: string): void
}

export type TransportEvents = {
  /** ICE and DTLS are up: media can flow. */
  connected: []
  /** The media server lost the PeerConnection (ICE failed, DTLS alert, browser gone). */
  disconnected: [reason: string]
  close: [reason: string]
}

export interface SendTransport {
  readonly id: string
  readonly direction: 'send'
  readonly participantId: string
  readonly closed: boolean
  readonly observer: EnhancedEventEmitter<TransportEvents>
  readonly producer: Producer | undefined
  /** Publishes the browser's offer; resolves with the SDP answer for it. */
  produce(
    options: SdpOptions & { source: MediaSource; offerSdp: string },
  ): Promise<MediaResult<{ producer: Producer; answerSdp: string }>>
  addIceCandidate(candidate: IceCandidate | null): Promise<MediaResult<void>>
  close(): void
  routerClosed(reason: string): void
}

export type RecvTransportEvents = TransportEvents & {
  /** The server renegotiates (a producer went away or changed): hand this offer to the browser. */
  offer: [offerSdp: string]
}

export interface RecvTransport {
  readonly id: string
  readonly direction: 'recv'
  readonly participantId: string
  readonly closed: boolean
  readonly observer: EnhancedEventEmitter<RecvTransportEvents>
  readonly consumers: ReadonlyMap<string, Consumer>
  /**
   * Subscribes to producers that are live (waiting briefly for ones still connecting) and resolves
   * with the SDP offer to hand to the browser; its answer goes to `setRemoteAnswer`.
   */
  consume(options: {
    producerIds: readonly string[]
  }): Promise<MediaResult<{ consumers: Consumer[]; offerSdp: string }>>
  setRemoteAnswer(answerSdp: string, options?: SdpOptions): Promise<MediaResult<void>>
  addIceCandidate(candidate: IceCandidate | null): Promise<MediaResult<void>>
  close(): void
  routerClosed(reason: string): void
}

export type ProducerEvents = {
  /** The media server's voice activity detection: the producer started or stopped talking. */
  speaking: [speaking: boolean]
  close: [reason: string]
}

export interface Producer {
  readonly id: string
  readonly participantId: string
  readonly source: MediaSource
  readonly kinds: readonly MediaKind[]
  /** The publisher's connection is up on the media server (only then can anyone consume it). */
  readonly isLive: boolean
  readonly closed: boolean
  readonly observer: EnhancedEventEmitter<ProducerEvents>
  /** Kinds the server currently does not forward (camera off, muted). */
  readonly paused: ReadonlySet<MediaKind>
  /**
   * Stops forwarding one kind to every consumer, enforced on the server (camera off must mean no
   * frame reaches anyone, whatever the browser does); `resume` forwards it again.
   */
  pause(kind: MediaKind): Promise<MediaResult<void>>
  resume(kind: MediaKind): Promise<MediaResult<void>>
  readonly recording: boolean
  /** Starts recording this producer's media on the media server. */
  startRecording(): Promise<MediaResult<void>>
  /** Stops recording; resolves with the raw recording files (convert them with the engine's converter). */
  stopRecording(): Promise<MediaResult<{ files: string[] }>>
  close(): void
  transportClosed(reason: string): void
}

export type ConsumerEvents = { close: [reason: string] }

export type SimulcastLayers = { spatialLayer: number; temporalLayer?: number }

export interface Consumer {
  readonly id: string
  readonly producerId: string
  readonly kind: MediaKind
  /** The SDP media id of this consumer's m-line in the receive transport's offer. */
  readonly mid: string
  readonly closed: boolean
  readonly observer: EnhancedEventEmitter<ConsumerEvents>
  readonly preferredLayers: SimulcastLayers | undefined
  /** The spatial layer the server says it forwards now (switches wait for a keyframe). */
  readonly currentSpatialLayer: number | undefined
  /**
   * Simulcast: which layer of the producer's video this consumer receives (0 = smallest), e.g. the
   * one that fits the tile it is shown in. Without simulcast the server has only one layer.
   */
  setPreferredLayers(layers: SimulcastLayers): Promise<MediaResult<void>>
  close(): void
  /** Its producer closed, or its transport did. */
  producerClosed(): void
  transportClosed(reason: string): void
}

export type MediaEngine = SfuEngine | MeshEngine
