/**
 * MeshEngine: the embedded default. Browsers connect peer to peer; Parley carries no media and only
 * relays offers, answers and candidates between participants of the same call. A call holds at most
 * `maxParticipants` (each browser sends its camera to every other one, so the cap is what a home
 * uplink carries with video: 5 by default); one more join is refused with `call-full`.
 *
 * This is the outline the call service builds on: membership, the cap and the relay rule. Delivery
 * of relayed signals to sessions is the realtime gateway's (it listens to `signal`).
 */
import type { Logger } from '../../logger.ts'
import { EnhancedEventEmitter, InvalidStateError } from '../../lifecycle/enhanced-events.ts'
import type { IceCandidate, MediaResult } from '../engine.ts'
import { checkSdp } from '../sdp.ts'

export type MeshSignal =
  { type: 'offer' | 'answer'; sdp: string } | { type: 'candidate'; candidate: IceCandidate | null }

export type MeshEngineEvents = { close: [] }

export class MeshEngine {
  readonly topology = 'mesh' as const
  readonly name = 'mesh'
  readonly maxParticipants: number
  readonly observer: EnhancedEventEmitter<MeshEngineEvents>
  #logger: Logger
  #routers = new Map<string, MeshRouter>()
  #closed = false

  constructor({ maxParticipants, logger }: { maxParticipants: number; logger: Logger }) {
    if (!Number.isInteger(maxParticipants) || maxParticipants < 2)
      throw new TypeError('maxParticipants must be an integer >= 2')
    this.maxParticipants = maxParticipants
    this.#logger = logger.child({ component: 'mesh-engine' })
    this.observer = new EnhancedEventEmitter((event, error) =>
      this.#logger.error({ err: error, event }, 'engine listener failed'),
    )
  }

  get closed(): boolean {
    return this.#closed
  }

  get routers(): ReadonlyMap<string, MeshRouter> {
    return this.#routers
  }

  /** Mesh media never passes through the server: end-to-end encrypted or not, it only relays signalling. */
  async createRouter({ callId }: { callId: string; e2ee?: boolean }): Promise<MediaResult<MeshRouter>> {
    if (this.#closed) throw new InvalidStateError('the mesh engine is closed')
    const router = new MeshRouter({ callId, maxParticipants: this.maxParticipants, logger: this.#logger })
    this.#routers.set(router.id, router)
    router.observer.on('close', () => this.#routers.delete(router.id))
    return { ok: true, value: router }
  }

  close(): void {
    if (this.#closed) return
    this.#closed = true
    for (const router of this.#routers.values()) router.engineClosed('engine closed')
    this.#routers.clear()
    this.observer.safeEmit('close')
  }
}

export type MeshRouterEvents = {
  join: [participantId: string]
  leave: [participantId: string]
  /** Deliver `signal` from `from` to `to` (both in this call). */
  signal: [to: string, from: string, signal: MeshSignal]
  close: [reason: string]
}

export class MeshRouter {
  readonly id: string
  readonly callId: string
  readonly maxParticipants: number
  readonly observer: EnhancedEventEmitter<MeshRouterEvents>
  #participants = new Set<string>()
  #closed = false

  constructor({ callId, maxParticipants, logger }: { callId: string; maxParticipants: number; logger: Logger }) {
    this.id = callId
    this.callId = callId
    this.maxParticipants = maxParticipants
    const log = logger.child({ callId })
    this.observer = new EnhancedEventEmitter((event, error) =>
      log.error({ err: error, event }, 'router listener failed'),
    )
  }

  get closed(): boolean {
    return this.#closed
  }

  get participants(): ReadonlySet<string> {
    return this.#participants
  }

  join(participantId: string): MediaResult<void> {
    if (this.#closed) throw new InvalidStateError('the mesh call is closed')
    if (this.#participants.has(participantId)) return { ok: true, value: undefined }
    if (this.#participants.size >= this.maxParticipants)
      return { ok: false, error: { type: 'call-full', max: this.maxParticipants } }
    this.#participants.add(participantId)
    this.observer.safeEmit('join', participantId)
    return { ok: true, value: undefined }
  }

  leave(participantId: string): void {
    if (this.#participants.delete(participantId)) this.observer.safeEmit('leave', participantId)
  }

  /** Relays a signal between two participants of this call; anything else is refused. */
  relay(from: string, to: string, signal: MeshSignal): MediaResult<void> {
    if (this.#closed) throw new InvalidStateError('the mesh call is closed')
    if (!this.#participants.has(from)) return { ok: false, error: { type: 'not-in-call', participantId: from } }
    if (!this.#participants.has(to) || to === from)
      return { ok: false, error: { type: 'not-in-call', participantId: to } }
    if (signal.type !== 'candidate') {
      const checked = checkSdp(signal.sdp)
      if (!checked.ok) return checked
    }
    this.observer.safeEmit('signal', to, from, signal)
    return { ok: true, value: undefined }
  }

  close(): void {
    this.engineClosed('closed')
  }

  engineClosed(reason: string): void {
    if (this.#closed) return
    this.#closed = true
    this.#participants.clear()
    this.observer.safeEmit('close', reason)
  }
}
