/**
 * Member side of a call on the host's SFU when we run an SFU too (DESIGN.md §2.7, cascaded SFUs):
 * our participants' media goes to our own Janus only, and the two instances exchange streams over
 * werift bridges, one copy per stream per instance.
 *
 * The host stays the authority: joins, leaves, permissions, moderation and keys go to it as
 * before; only the SDP frames of our sessions (`call.publish`, `call.subscribe`, …) are answered
 * here, on a router of our own Janus for this call. Our sessions see the host's call as it is —
 * its participant ids and its feed ids — and we translate at the edge of our router:
 * - a host feed someone here subscribes to is carried by one FeedBridge into our router (however
 *   many of our sessions want it: one copy) and our sessions receive that copy, announced to them
 *   under the host's feed id; a restarted bridge's new copy is consumed again (a renegotiation);
 * - a host feed that is the copy of one of our own participants' feeds is served from the original
 *   on our router (it never goes to the host and back);
 * - what our participants publish lands on our router, and a FeedBridge per feed republishes it in
 *   the host's call as that participant's (`call.publish` for their session over the channel).
 * Mute and camera off decided on the host are enforced on our router too, for our own subscribers.
 */
import type { RTCIceServer } from 'werift'
import {
  ErrorCodes,
  type CallFeedView,
  type CallParticipantView,
  type CallSource,
  type ClientCallMessage,
  type ErrorCode,
  type HostCascadeFrame,
  type PeerCascadeFrame,
  type ServerMessage,
} from '@parley/protocol'
import type { Logger } from '../logger.ts'
import type { RecvTransport, Router } from '../media/engine.ts'
import { fromMedia as refusalOf, type CallRefusal } from '../calls/call-errors.ts'
import { FeedBridges } from '../media/bridge/feed-bridges.ts'
import type { FeedBridge } from '../media/bridge/feed-bridge.ts'
import { routerTarget } from '../media/bridge/feed-ends.ts'
import { checkSdp } from '../media/sdp.ts'
import { RemoteFeedOrigin } from './remote-feed-origin.ts'
import { bridgedMember, closeMember, type BridgedMember } from './bridged-member.ts'
import { FeedCopies } from './feed-copies.ts'

/** The frames of a session answered on our own SFU instead of the host's. */
export type BridgedSdpMessage = Extract<
  ClientCallMessage,
  {
    type:
      'call.publish' | 'call.unpublish' | 'call.subscribe' | 'call.subscribe-answer' | 'call.candidate' | 'call.layers'
  }
>
const SDP_TYPES = new Set<string>([
  'call.publish',
  'call.unpublish',
  'call.subscribe',
  'call.subscribe-answer',
  'call.candidate',
  'call.layers',
])
export const isBridgedSdp = (message: ClientCallMessage): message is BridgedSdpMessage => SDP_TYPES.has(message.type)

export type BridgedCallDeps = {
  /** The room's actor id on its host. */
  room: string
  /** Our SFU's router for this call. */
  router: Router
  /** Over our call channel to the host. */
  send(frame: PeerCascadeFrame): void
  hostAddresses: readonly string[]
  /** Our STUN/TURN servers, asked for at every start of a bridge (TURN credentials expire). */
  iceServers(): readonly RTCIceServer[]
  logger: Logger
  /** How long a subscription waits for a host feed's first copy here. */
  copyTimeoutMs?: number
  /** The last of our sessions left, or the call is over: the owner forgets this call. */
  onClose(): void
}

type Member = BridgedMember

type Refusal = CallRefusal

export class BridgedCall {
  readonly room: string
  readonly router: Router
  readonly #deps: BridgedCallDeps
  readonly #log: Logger
  readonly #origin: RemoteFeedOrigin
  /** Host feeds carried into our router: one copy per feed, whoever wants it. */
  readonly inbound: FeedBridges
  readonly #members = new Map<string, Member>()
  /** The host's feeds as it announced them (the owner of each, for our own feeds' copies). */
  readonly #views = new Map<string, CallFeedView>()
  readonly #copies = new FeedCopies()
  #closed = false

  constructor(deps: BridgedCallDeps) {
    this.room = deps.room
    this.router = deps.router
    this.#deps = deps
    this.#log = deps.logger.child({ component: 'bridged-call', room: deps.room })
    this.#origin = new RemoteFeedOrigin({ room: deps.room, send: deps.send })
    this.inbound = new FeedBridges({
      origin: this.#origin,
      target: routerTarget(deps.router),
      hostAddresses: deps.hostAddresses,
      iceServers: deps.iceServers,
      logger: this.#log,
      participantPrefix: 'from-host',
    })
    this.inbound.observer.on('bridged', (feedId, copy) => this.#bridged(feedId, copy.id))
    this.inbound.observer.on('unbridged', (feedId) => {
      this.#copies.delete(feedId)
      for (const member of this.#members.values()) member.wants.delete(feedId)
    })
    deps.router.observer.once('close', (reason) => this.#lost(reason))
  }

  get closed(): boolean {
    return this.#closed
  }

  /** Every bridge running for this call: host feeds carried in, our feeds carried out (for tests and metrics). */
  bridges(): { inbound: FeedBridge[]; outbound: FeedBridge[] } {
    return {
      inbound: [...this.inbound.bridges().values()],
      outbound: [...this.#members.values()].flatMap((m) => [...m.outbound.bridges().values()]),
    }
  }

  has(session: string): boolean {
    return this.#members.has(session)
  }

  /** A session of ours is in the host's call (its `call.joined`, whose feeds are the host's snapshot). */
  join(
    session: string,
    joined: { participantId: string; participants: CallParticipantView[]; feeds: CallFeedView[] },
    actor: { id: string; name: string },
    deliver: (frame: ServerMessage) => void,
  ): void {
    if (this.#closed) return
    this.#setFeeds(joined.feeds)
    const self = joined.participants.find((p) => p.participantId === joined.participantId)
    this.#leave(session)
    this.#members.set(
      session,
      bridgedMember({
        session,
        participantId: joined.participantId,
        media: self?.media ?? { audio: false, video: false, screen: false },
        deliver,
        room: this.room,
        router: this.router,
        actor,
        send: this.#deps.send,
        hostAddresses: this.#deps.hostAddresses,
        iceServers: this.#deps.iceServers,
        logger: this.#log,
        onRefused: (code, source) => this.#refusedOnHost(session, code, source),
      }),
    )
  }

  /** A session of ours left the host's call (or went away): its media here goes too. */
  leave(session: string): void {
    this.#leave(session)
    if (this.#members.size === 0) this.close('nobody of ours in the call')
  }

  /** A frame of the host for one of our sessions; true when it was the bridge's, not the session's. */
  toSession(frame: Extract<HostCascadeFrame, { type: 'cascade.to-session' }>): boolean {
    const member = this.#members.get(frame.session)
    if (!member) return false
    if (member.target.receive(frame)) return true
    const inner = frame.frame
    if (inner.type === 'call.feed') {
      if (inner.change === 'added') this.#views.set(inner.feed.feedId, inner.feed)
      else this.#views.delete(inner.feed.feedId)
      this.#origin.feedChanged(inner.change, inner.feed)
    }
    return false
  }

  /** Room-wide call news of the host: mute and camera off apply here too; the end ends us. */
  news(frame: ServerMessage): void {
    if (frame.type === 'call.ended') return this.close('the call ended')
    if (frame.type !== 'call.participant') return
    const member = [...this.#members.values()].find((m) => m.participantId === frame.participant.participantId)
    if (!member) return
    member.media = { ...frame.participant.media }
    void this.#applyMedia(member)
  }

  /** Bridge frames of the host (`cascade.bridge-offer`, `-closed`, refusals); true when they were ours. */
  hostFrame(frame: HostCascadeFrame): boolean {
    return this.#origin.receive(frame)
  }

  /** A session's SDP frame, answered on our router. */
  async handle(session: string, message: BridgedSdpMessage): Promise<void> {
    const member = this.#members.get(session)
    if (!member) return
    let refusal: Refusal | undefined
    try {
      refusal = await this.#handle(member, message)
    } catch (error) {
      this.#log.error({ err: error, type: message.type }, 'bridged call frame failed')
      refusal = { code: 'internal-error' }
    }
    if (refusal) this.#error(member, refusal, message.id)
  }

  /** Our session turned its screen off (`call.update`): the publication here ends (and so its copy on the host). */
  screenOff(session: string): void {
    const member = this.#members.get(session)
    member?.sends.get('screen')?.close()
    member?.sends.delete('screen')
  }

  /** The channel to the host dropped: the bridges over it are gone (the owner closes us). */
  channelDown(): void {
    this.#origin.channelDown()
    for (const member of this.#members.values()) member.target.channelDown()
  }

  close(reason: string): void {
    if (this.#closed) return
    this.#closed = true
    for (const session of [...this.#members.keys()]) this.#leave(session)
    this.inbound.close()
    this.#copies.close()
    this.router.close()
    this.#log.info({ reason }, 'bridged call closed')
    this.#deps.onClose()
  }

  /**
   * Our media server lost the call's room (Janus went away): our sessions have no media any more.
   * They leave the host's call (as a closed session would) and hear that the call is gone for them.
   */
  #lost(reason: string): void {
    if (this.#closed) return
    this.#log.warn({ reason }, 'our SFU lost a bridged call')
    for (const member of this.#members.values()) {
      member.deliver({ type: 'call.ended', roomId: this.room, reason: 'media-unavailable' })
      this.#deps.send({ type: 'cascade.released', room: this.room, session: member.session })
    }
    this.close(`our router closed: ${reason}`)
  }

  async #handle(member: Member, message: BridgedSdpMessage): Promise<Refusal | undefined> {
    const ack = () => {
      if (message.id) member.deliver({ type: 'call.ack', id: message.id, roomId: this.room })
      return undefined
    }
    switch (message.type) {
      case 'call.publish':
        return this.#publish(member, message)
      case 'call.unpublish':
        member.sends.get(message.source)?.close()
        member.sends.delete(message.source)
        return ack()
      case 'call.subscribe': {
        const run = member.order.then(() => this.#subscribe(member, message.feedIds, message.id))
        member.order = run.catch(() => undefined) // the failure is the caller's answer (returned below); the queue goes on
        return run
      }
      case 'call.subscribe-answer': {
        const recv = member.recv
        if (!recv || recv.closed) return { code: 'media-not-found', details: { reason: 'subscribe first' } }
        const set = await recv.setRemoteAnswer(message.sdp)
        return set.ok ? ack() : refusalOf(set.error)
      }
      case 'call.candidate': {
        const transport = message.transport === 'subscriber' ? member.recv : member.sends.get(message.transport)
        if (!transport || transport.closed)
          return { code: 'media-not-found', details: { transport: message.transport } }
        const added = await transport.addIceCandidate(message.candidate)
        return added.ok ? ack() : refusalOf(added.error)
      }
      case 'call.layers': {
        // A copy of a host feed has one layer: the host forwards the one our subscribers of it
        // need, the highest any of them asked for (werift cannot pass simulcast on). Our own
        // participants' feeds have theirs, chosen here.
        const local = [...member.hostIds].find(([, hostId]) => hostId === message.feedId)?.[0]
        const consumer = [...(member.recv?.consumers.values() ?? [])].find(
          (c) => c.producerId === local && c.kind === 'video',
        )
        if (!consumer) return { code: 'media-not-found', details: { feedId: message.feedId.slice(0, 64) } }
        if (this.#copies.get(message.feedId) === local) {
          member.layers.set(message.feedId, message.spatialLayer)
          this.#chooseLayer(message.feedId)
          return ack()
        }
        const set = await consumer.setPreferredLayers({
          spatialLayer: message.spatialLayer,
          ...(message.temporalLayer === undefined ? {} : { temporalLayer: message.temporalLayer }),
        })
        return set.ok ? ack() : refusalOf(set.error)
      }
    }
  }

  async #publish(
    member: Member,
    message: Extract<BridgedSdpMessage, { type: 'call.publish' }>,
  ): Promise<Refusal | undefined> {
    // The host decides who may publish what: our router takes only what a participant may send
    // there (its permissions answer the bridge's own publish; a refusal there ends the bridge).
    const checked = checkSdp(message.sdp)
    if (!checked.ok) return refusalOf(checked.error)
    member.sends.get(message.source)?.close()
    member.sends.delete(message.source)
    const created = await this.router.createSendTransport({ participantId: member.session })
    if (!created.ok) return refusalOf(created.error)
    const transport = created.value
    if (!this.#members.has(member.session)) {
      transport.close()
      return { code: 'not-in-call' }
    }
    member.sends.set(message.source, transport)
    transport.observer.on('close', () => {
      if (member.sends.get(message.source) === transport) member.sends.delete(message.source)
    })
    const produced = await transport.produce({
      source: message.source,
      offerSdp: message.sdp,
      ...(message.trickle ? { trickle: true } : {}),
    })
    if (!produced.ok) {
      transport.close()
      return refusalOf(produced.error)
    }
    const { producer, answerSdp } = produced.value
    if (message.source === 'camera') await this.#applyMedia(member)
    // The answer names the feed on our router; the host announces its copy (call.feed) when the
    // bridge is up, and everyone — our own sessions too — knows the feed by that id.
    member.deliver({
      type: 'call.answer',
      ...(message.id ? { id: message.id } : {}),
      roomId: this.room,
      source: message.source,
      feedId: producer.id,
      sdp: answerSdp,
    })
    member.outbound.want(producer.id, 'host')
    producer.observer.once('close', () => member.outbound.release(producer.id, 'host'))
    return undefined
  }

  async #subscribe(member: Member, feedIds: readonly string[], id: string | undefined): Promise<Refusal | undefined> {
    const locals: string[] = []
    for (const hostId of feedIds) {
      const local = await this.#localFeed(member, hostId)
      if (typeof local !== 'string') return local
      member.hostIds.set(local, hostId)
      locals.push(local)
    }
    const recv = await this.#recv(member)
    if ('code' in recv) return recv
    const consumed = await recv.consume({ producerIds: locals })
    if (!consumed.ok) return refusalOf(consumed.error)
    member.deliver({
      type: 'call.offer',
      ...(id ? { id } : {}),
      roomId: this.room,
      sdp: consumed.value.offerSdp,
      tracks: this.#tracks(member, recv),
    })
    return undefined
  }

  /**
   * The host refused to take one of our session's publications (its permissions, say): trying
   * again would only be refused again, so the publication ends here too and the session hears why.
   * A host that cannot take it now (media trouble) is tried again by the bridge.
   */
  #refusedOnHost(session: string, code: ErrorCode, source: CallSource): void {
    if (code === 'media-unavailable' || code === 'internal-error' || code === 'media-not-ready') return
    const member = this.#members.get(session)
    if (!member) return
    this.#log.info({ code, source }, 'the host refused a publication of ours')
    member.sends.get(source)?.close()
    member.sends.delete(source)
    this.#error(member, { code, details: { source } }, undefined)
  }

  /** Our router's producer that serves a host feed to our sessions. */
  async #localFeed(member: Member, hostId: string): Promise<string | Refusal> {
    const view = this.#views.get(hostId)
    if (!view) return { code: 'media-not-found', details: { feedId: hostId.slice(0, 64) } }
    // The host's copy of one of our own participants' feeds: the original is here.
    const owner = [...this.#members.values()].find((m) => m.participantId === view.participantId)
    if (owner) {
      const producer = owner.sends.get(view.source)?.producer
      return producer && !producer.closed
        ? producer.id
        : { code: 'media-not-found', details: { feedId: hostId.slice(0, 64) } }
    }
    member.wants.add(hostId)
    this.inbound.want(hostId, member.session)
    const copy = await this.#copies.wait(hostId, this.#deps.copyTimeoutMs ?? 15_000)
    return copy ?? { code: 'media-unavailable', details: { feedId: hostId.slice(0, 64) } }
  }

  /**
   * The layer the host forwards us of its feed: the highest our sessions watching it asked for; a
   * session that asked for none takes the highest layer. Until someone asks, the host's default.
   */
  #chooseLayer(hostId: string): void {
    const watching = [...this.#members.values()].filter((m) => m.wants.has(hostId))
    if (!watching.some((m) => m.layers.has(hostId))) return
    this.inbound.setLayer(hostId, Math.max(...watching.map((m) => m.layers.get(hostId) ?? 2)))
  }

  /** A host feed's copy is up here: a first one, or a restarted bridge's new one (sessions move to it). */
  #bridged(hostId: string, copy: string): void {
    const previous = this.#copies.set(hostId, copy)
    if (previous === undefined || previous === copy) return
    for (const member of this.#members.values()) {
      if (!member.wants.has(hostId) || !member.recv) continue
      member.hostIds.set(copy, hostId)
      const run = member.order.then(async () => {
        const recv = member.recv
        if (!recv || recv.closed || !this.#members.has(member.session)) return
        const consumed = await recv.consume({ producerIds: [copy] })
        if (!consumed.ok) return this.#log.warn({ error: consumed.error, hostId }, 'cannot move to the new copy')
        member.deliver({
          type: 'call.offer',
          roomId: this.room,
          sdp: consumed.value.offerSdp,
          tracks: this.#tracks(member, recv),
        })
      })
      member.order = run.catch((error: unknown) => this.#log.warn({ err: error }, 'renegotiation failed'))
    }
  }

  async #recv(member: Member): Promise<RecvTransport | Refusal> {
    if (member.recv && !member.recv.closed) return member.recv
    const created = await this.router.createRecvTransport({ participantId: member.session })
    if (!created.ok) return refusalOf(created.error)
    const recv = created.value
    if (!this.#members.has(member.session)) {
      recv.close()
      return { code: 'not-in-call' }
    }
    member.recv = recv
    // Our SFU renegotiates when a feed goes away: the browser answers as to any offer.
    recv.observer.on('offer', (sdp) =>
      member.deliver({ type: 'call.offer', roomId: this.room, sdp, tracks: this.#tracks(member, recv) }),
    )
    return recv
  }

  #tracks(member: Member, recv: RecvTransport) {
    return [...recv.consumers.values()]
      .filter((c) => !c.closed)
      .map((c) => ({ feedId: member.hostIds.get(c.producerId) ?? c.producerId, kind: c.kind, mid: c.mid }))
  }

  /** Muted or camera off on the host: our router forwards nothing of it either. */
  async #applyMedia(member: Member): Promise<void> {
    const camera = member.sends.get('camera')?.producer
    if (!camera || camera.closed) return
    for (const kind of camera.kinds) {
      const on = member.media[kind]
      if (on === !camera.paused.has(kind)) continue
      const done = on ? await camera.resume(kind) : await camera.pause(kind)
      if (!done.ok) this.#log.warn({ error: done.error, kind }, 'cannot apply the host’s media flags here')
    }
  }

  #setFeeds(views: readonly CallFeedView[]): void {
    this.#views.clear()
    for (const view of views) this.#views.set(view.feedId, view)
    this.#origin.setFeeds(views)
  }

  #leave(session: string): void {
    const member = this.#members.get(session)
    if (!member) return
    this.#members.delete(session)
    closeMember(member, (hostId) => this.inbound.release(hostId, session))
    // Those still watching may need less than the one who left.
    for (const hostId of member.layers.keys()) this.#chooseLayer(hostId)
  }

  #error(member: Member, refusal: Refusal, id: string | undefined): void {
    member.deliver({
      type: 'error',
      ...(id ? { id } : {}),
      error: {
        code: refusal.code,
        message: refusal.message ?? ErrorCodes[refusal.code].message,
        details: { roomId: this.room.slice(0, 64), ...refusal.details },
      },
    })
  }
}
