/**
 * SDP mediation for calls on an SFU (Janus): browsers never talk to the media server. A
 * participant publishes each source (camera with microphone, screen) on its own send transport
 * (`call.publish` → `call.answer`), and receives every feed it subscribes to on one receive
 * transport (`call.subscribe` → `call.offer` → `call.subscribe-answer`); the server's own
 * renegotiations arrive as `call.offer` without an id. Mute and camera off are enforced on the
 * media server (paused producers), whatever the browser does.
 */
import type { CallMediaFlags, CallSource, ClientCallMessage } from '@parley/protocol'
import type { Logger } from '../logger.ts'
import type { MediaKind, Router } from '../media/engine.ts'
import { checkSdp } from '../media/sdp.ts'
import type { RoomAction } from '../rooms/policy.ts'
import type { Caller } from '../rooms/result.ts'
import type { Call } from './call.ts'
import type { CallParticipant } from './call-participant.ts'
import { fromMedia, type CallRefusal } from './call-errors.ts'

type SfuMessage = Extract<
  ClientCallMessage,
  {
    type:
      'call.publish' | 'call.unpublish' | 'call.subscribe' | 'call.subscribe-answer' | 'call.candidate' | 'call.layers'
  }
>

export type SfuSignallingDeps = {
  access(caller: Caller, roomId: string, action: RoomAction): Promise<CallRefusal | undefined>
  logger: Logger
}

export class SfuSignalling {
  readonly #access: SfuSignallingDeps['access']
  readonly #log: Logger

  constructor(deps: SfuSignallingDeps) {
    this.#access = deps.access
    this.#log = deps.logger
  }

  async handle(
    call: Call,
    router: Router,
    self: CallParticipant,
    caller: Caller,
    message: SfuMessage,
  ): Promise<CallRefusal | undefined> {
    const ack = () => {
      if (message.id) self.sink.send({ type: 'call.ack', id: message.id, roomId: call.roomId })
      return undefined
    }
    switch (message.type) {
      case 'call.publish':
        return this.#publish(call, router, self, caller, message)
      case 'call.unpublish':
        self.sendTransports.get(message.source)?.close()
        self.sendTransports.delete(message.source)
        return ack()
      case 'call.subscribe':
        return this.#subscribe(call, router, self, message)
      case 'call.subscribe-answer': {
        const recv = self.recvTransport
        if (!recv || recv.closed) return { code: 'media-not-found', message: 'Nothing to answer: subscribe first' }
        const set = await recv.setRemoteAnswer(message.sdp)
        return set.ok ? ack() : fromMedia(set.error)
      }
      case 'call.candidate': {
        const transport =
          message.transport === 'subscriber' ? self.recvTransport : self.sendTransports.get(message.transport)
        if (!transport || transport.closed)
          return { code: 'media-not-found', message: `No ${message.transport} connection to add a candidate to` }
        const added = await transport.addIceCandidate(message.candidate)
        return added.ok ? ack() : fromMedia(added.error)
      }
      case 'call.layers': {
        const consumer = [...(self.recvTransport?.consumers.values() ?? [])].find(
          (c) => c.producerId === message.feedId && c.kind === 'video',
        )
        if (!consumer) return { code: 'media-not-found', details: { feedId: message.feedId } }
        const set = await consumer.setPreferredLayers({
          spatialLayer: message.spatialLayer,
          ...(message.temporalLayer === undefined ? {} : { temporalLayer: message.temporalLayer }),
        })
        return set.ok ? ack() : fromMedia(set.error)
      }
    }
  }

  /** Applies media flags to what the participant publishes (pause = the server forwards nothing). */
  async applyMedia(self: CallParticipant, media: CallMediaFlags): Promise<CallRefusal | undefined> {
    const camera = self.producer('camera')
    if (camera) {
      for (const kind of ['audio', 'video'] as const) {
        if (!camera.kinds.includes(kind)) continue
        const on = media[kind]
        if (on === !camera.paused.has(kind)) continue
        const done = on ? await camera.resume(kind) : await camera.pause(kind)
        if (!done.ok) return fromMedia(done.error)
      }
    }
    if (!media.screen && self.sendTransports.has('screen')) {
      self.sendTransports.get('screen')?.close()
      self.sendTransports.delete('screen')
    }
    return undefined
  }

  async #publish(
    call: Call,
    router: Router,
    self: CallParticipant,
    caller: Caller,
    message: Extract<SfuMessage, { type: 'call.publish' }>,
  ): Promise<CallRefusal | undefined> {
    const checked = checkSdp(message.sdp)
    if (!checked.ok) return fromMedia(checked.error)
    const refused = await this.#mayPublish(caller, call.roomId, message.source, checked.value.kinds)
    if (refused) return refused
    // Publishing a source again replaces the previous publication (e.g. another device).
    self.sendTransports.get(message.source)?.close()
    self.sendTransports.delete(message.source)
    const created = await router.createSendTransport({ participantId: self.id })
    if (!created.ok) return fromMedia(created.error)
    const transport = created.value
    if (self.closed) {
      transport.close()
      return { code: 'not-in-call', details: { participantId: self.id } }
    }
    self.sendTransports.set(message.source, transport)
    transport.observer.on('close', () => {
      if (self.sendTransports.get(message.source) === transport) self.sendTransports.delete(message.source)
    })
    const produced = await transport.produce({
      source: message.source,
      offerSdp: message.sdp,
      ...(message.trickle ? { trickle: true } : {}),
    })
    if (!produced.ok) {
      transport.close()
      return fromMedia(produced.error)
    }
    const { producer, answerSdp } = produced.value
    // Muted or camera off before publishing: the server holds that kind back from the start.
    if (message.source === 'camera') {
      for (const kind of producer.kinds) {
        if (!self.media[kind]) {
          const paused = await producer.pause(kind)
          if (!paused.ok) this.#log.warn({ error: paused.error, kind }, 'cannot pause a new producer')
        }
      }
    }
    self.sink.send({
      type: 'call.answer',
      ...(message.id ? { id: message.id } : {}),
      roomId: call.roomId,
      source: message.source,
      feedId: producer.id,
      sdp: answerSdp,
    })
    return undefined
  }

  async #mayPublish(
    caller: Caller,
    roomId: string,
    source: CallSource,
    kinds: MediaKind[],
  ): Promise<CallRefusal | undefined> {
    const actions: RoomAction[] =
      source === 'screen'
        ? ['call.publish-screen']
        : kinds.map((kind) => (kind === 'audio' ? 'call.publish-audio' : 'call.publish-video'))
    for (const action of actions) {
      const refused = await this.#access(caller, roomId, action)
      if (refused) return { ...refused, details: { ...refused.details, action } }
    }
    return undefined
  }

  async #subscribe(
    call: Call,
    router: Router,
    self: CallParticipant,
    message: Extract<SfuMessage, { type: 'call.subscribe' }>,
  ): Promise<CallRefusal | undefined> {
    for (const feedId of message.feedIds) {
      const producer = router.producers.get(feedId)
      if (!producer || producer.closed) return { code: 'media-not-found', details: { feedId: feedId.slice(0, 64) } }
    }
    let recv = self.recvTransport
    if (!recv || recv.closed) {
      const created = await router.createRecvTransport({ participantId: self.id })
      if (!created.ok) return fromMedia(created.error)
      recv = created.value
      if (self.closed) {
        recv.close()
        return { code: 'not-in-call', details: { participantId: self.id } }
      }
      self.recvTransport = recv
      const transport = recv
      // The media server renegotiates when a feed goes away: the browser answers as to any offer.
      transport.observer.on('offer', (sdp) =>
        self.sink.send({ type: 'call.offer', roomId: call.roomId, sdp, tracks: tracksOf(transport) }),
      )
    }
    const consumed = await recv.consume({ producerIds: message.feedIds })
    if (!consumed.ok) return fromMedia(consumed.error)
    self.sink.send({
      type: 'call.offer',
      ...(message.id ? { id: message.id } : {}),
      roomId: call.roomId,
      sdp: consumed.value.offerSdp,
      tracks: tracksOf(recv),
    })
    return undefined
  }
}

function tracksOf(recv: {
  consumers: ReadonlyMap<string, { producerId: string; kind: MediaKind; mid: string; closed: boolean }>
}) {
  return [...recv.consumers.values()]
    .filter((c) => !c.closed)
    .map((c) => ({ feedId: c.producerId, kind: c.kind, mid: c.mid }))
}
