/**
 * One call in one room. Keeps who is in it and their state, and the engine's router for it: a
 * MeshRouter (signalling relayed between the call's browsers) or an SFU Router (media through the
 * media server). Room-wide news (joined, updated, left, ended, reactions, recording) goes to every
 * active session of the room as ephemeral frames; lobby sessions have no room stream, so they see
 * nothing. Directed frames (relayed signals, SDP) go to one participant's session only.
 */
import { randomUUID } from 'node:crypto'
import type { CallFeedView, CallParticipantView, ServerMessage } from '@parley/protocol'
import type { Logger } from '../logger.ts'
import { EnhancedEventEmitter } from '../lifecycle/enhanced-events.ts'
import type { MeshRouter } from '../media/mesh/mesh-engine.ts'
import type { Producer, Router } from '../media/engine.ts'
import { CallParticipant, type CallLeaveReason, type CallSink } from './call-participant.ts'

export type CallEndReason = 'empty' | 'ended-by-moderator' | 'media-unavailable'
export type CallEvents = { close: [reason: CallEndReason] }

export type CallDeps = {
  roomId: string
  /** End-to-end encrypted (the room's e2ee): every participant encrypts and exchanges keys. */
  e2ee: boolean
  router: MeshRouter | Router
  /** Publishes a frame to every active session of the room. */
  broadcast(frame: ServerMessage): void
  logger: Logger
}

export class Call {
  readonly id = randomUUID()
  readonly roomId: string
  readonly e2ee: boolean
  readonly router: MeshRouter | Router
  readonly observer: EnhancedEventEmitter<CallEvents>
  readonly participants = new Map<string, CallParticipant>()
  recording = false
  /** Raw recording files collected from producers whose recording stopped (SFU). */
  readonly recordedFiles: string[] = []
  readonly #broadcast: (frame: ServerMessage) => void
  readonly #log: Logger
  #closed = false

  constructor(deps: CallDeps) {
    this.roomId = deps.roomId
    this.e2ee = deps.e2ee
    this.router = deps.router
    this.#broadcast = deps.broadcast
    this.#log = deps.logger.child({ component: 'call', roomId: deps.roomId, callId: this.id })
    this.observer = new EnhancedEventEmitter((event, error) =>
      this.#log.error({ err: error, event }, 'call listener failed'),
    )
    const routerClosed = (reason: string) => {
      if (!this.#closed) this.#log.warn({ reason }, 'the media router closed under the call')
      this.close('media-unavailable')
    }
    if ('relay' in this.router) {
      this.router.observer.on('signal', (to, from, signal) => {
        this.participants.get(to)?.sink.send({ type: 'call.signal', roomId: this.roomId, from, signal })
      })
      this.router.observer.on('close', routerClosed)
    } else {
      this.router.observer.on('newproducer', (producer) => this.#watchProducer(producer))
      this.router.observer.on('close', routerClosed)
    }
  }

  get closed(): boolean {
    return this.#closed
  }

  get mesh(): MeshRouter | undefined {
    return 'relay' in this.router ? this.router : undefined
  }

  get sfu(): Router | undefined {
    return 'relay' in this.router ? undefined : this.router
  }

  views(): CallParticipantView[] {
    return [...this.participants.values()].map((p) => p.view())
  }

  feeds(): CallFeedView[] {
    const sfu = this.sfu
    if (!sfu) return []
    return [...sfu.producers.values()].filter((p) => !p.closed).map(feedView)
  }

  /** Adds a participant; the caller checked permission and (for mesh) the cap. */
  add(options: ConstructorParameters<typeof CallParticipant>[0]): CallParticipant {
    const participant = new CallParticipant(options)
    this.participants.set(participant.id, participant)
    participant.observer.on('close', (reason) => this.#removed(participant, reason))
    this.#broadcast({
      type: 'call.participant',
      roomId: this.roomId,
      change: 'joined',
      participant: participant.view(),
    })
    return participant
  }

  updated(participant: CallParticipant): void {
    if (this.participants.get(participant.id) !== participant) return
    this.#broadcast({
      type: 'call.participant',
      roomId: this.roomId,
      change: 'updated',
      participant: participant.view(),
    })
  }

  emit(frame: ServerMessage): void {
    this.#broadcast(frame)
  }

  /** Sends a frame to every participant of the call (not the whole room). */
  toParticipants(frame: ServerMessage, except?: string): void {
    for (const participant of this.participants.values()) if (participant.id !== except) participant.sink.send(frame)
  }

  close(reason: CallEndReason): void {
    if (this.#closed) return
    this.#closed = true
    for (const participant of [...this.participants.values()]) participant.close('ended')
    this.participants.clear()
    this.router.close()
    this.#broadcast({ type: 'call.ended', roomId: this.roomId, reason })
    this.#log.info({ reason }, 'call ended')
    this.observer.safeEmit('close', reason)
  }

  #removed(participant: CallParticipant, reason: CallLeaveReason): void {
    if (this.participants.get(participant.id) !== participant) return
    this.participants.delete(participant.id)
    this.mesh?.leave(participant.id)
    this.#broadcast({
      type: 'call.left',
      roomId: this.roomId,
      participantId: participant.id,
      actorId: participant.actor.id,
      reason,
    })
    if (this.participants.size === 0 && !this.#closed) this.close('empty')
  }

  #watchProducer(producer: Producer): void {
    const feed = feedView(producer)
    this.toParticipants({ type: 'call.feed', roomId: this.roomId, change: 'added', feed })
    producer.observer.on('speaking', (speaking) => {
      const participant = this.participants.get(producer.participantId)
      if (!participant || producer.source !== 'camera') return
      participant.voice = speaking
      // A muted participant is not speaking, whatever the audio levels said just before the mute.
      const now = speaking && participant.media.audio
      if (participant.speaking === now) return
      participant.speaking = now
      this.updated(participant)
    })
    producer.observer.on('close', () => {
      if (!this.#closed) this.toParticipants({ type: 'call.feed', roomId: this.roomId, change: 'removed', feed })
    })
    if (this.recording) {
      void producer.startRecording().then((started) => {
        if (!started.ok)
          this.#log.warn({ error: started.error, producerId: producer.id }, 'cannot record a new producer')
      })
    }
  }
}

export function feedView(producer: Producer): CallFeedView {
  return {
    feedId: producer.id,
    participantId: producer.participantId,
    source: producer.source,
    kinds: [...producer.kinds],
  }
}

export type { CallSink }
