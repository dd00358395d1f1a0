/**
 * One participant of a call: one realtime session of one person. Holds their call state (media
 * flags, hand, speaking) and, on an SFU, their send transports (one per source) and their one
 * receive transport. Closing it closes its transports (which close its producers on the media
 * server); the call forgets it on `close`.
 */
import type { CallMediaFlags, CallParticipantView, CallSource, ServerMessage } from '@parley/protocol'
import type { ErrorCode } from '@parley/protocol'
import { EnhancedEventEmitter } from '../lifecycle/enhanced-events.ts'
import type { Caller } from '../rooms/result.ts'
import type { Producer, RecvTransport, SendTransport } from '../media/engine.ts'

/** Where a participant's frames go: its realtime session, or (on a call's owner node) a session on another node. */
export interface CallSink {
  readonly id: string
  readonly caller: Caller | null
  send(message: ServerMessage): void
  error(code: ErrorCode, id?: string, details?: Record<string, unknown>, message?: string): void
  /** The participant of this sink left the room's call, for any reason (a sink on another node forgets its route). */
  callLeft?(roomId: string): void
}

export type CallLeaveReason = 'left' | 'removed' | 'disconnected' | 'ended'

export type CallParticipantEvents = { close: [reason: CallLeaveReason] }

export class CallParticipant {
  readonly id: string
  readonly sink: CallSink
  readonly actor: { type: 'user' | 'guest'; id: string; name: string }
  readonly moderator: boolean
  /** End-to-end encrypted calls: the public key others encrypt their media keys for (from call.join). */
  readonly publicKey: string | null
  readonly observer: EnhancedEventEmitter<CallParticipantEvents>
  media: CallMediaFlags
  handRaised = false
  speaking = false
  /**
   * SFU only: what the media server's voice detection last said of their camera's audio. It
   * reports changes only, and not while the audio is paused (muted), so `speaking` is this while
   * unmuted: an unmute takes it up again without waiting for a change that may never come.
   */
  voice = false
  /** SFU only: one send transport per published source, one receive transport. */
  readonly sendTransports = new Map<CallSource, SendTransport>()
  recvTransport: RecvTransport | undefined
  #closed = false

  constructor(options: {
    sink: CallSink
    actor: CallParticipant['actor']
    moderator: boolean
    media: CallMediaFlags
    publicKey?: string | null
    onListenerError: (event: string, error: unknown) => void
  }) {
    this.id = options.sink.id
    this.sink = options.sink
    this.actor = options.actor
    this.moderator = options.moderator
    this.publicKey = options.publicKey ?? null
    this.media = { ...options.media }
    this.observer = new EnhancedEventEmitter(options.onListenerError)
  }

  get closed(): boolean {
    return this.#closed
  }

  producer(source: CallSource): Producer | undefined {
    const producer = this.sendTransports.get(source)?.producer
    return producer && !producer.closed ? producer : undefined
  }

  view(): CallParticipantView {
    return {
      participantId: this.id,
      actor: { ...this.actor },
      media: { ...this.media },
      handRaised: this.handRaised,
      speaking: this.speaking,
      moderator: this.moderator,
      ...(this.publicKey ? { e2ee: { publicKey: this.publicKey } } : {}),
    }
  }

  close(reason: CallLeaveReason): void {
    if (this.#closed) return
    this.#closed = true
    for (const transport of this.sendTransports.values()) transport.close()
    this.sendTransports.clear()
    this.recvTransport?.close()
    this.recvTransport = undefined
    this.observer.safeEmit('close', reason)
  }
}
