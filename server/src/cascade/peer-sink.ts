/**
 * Host side: the call sink of a participant whose realtime session lives on another instance (the
 * "peer"). Every frame the call service sends it goes back over the peer's call channel as
 * `cascade.to-session`, with the room named by its actor id (the peer does not know our room ids).
 *
 * Its id — the participant id everyone in the call sees — is made here, never taken from the peer:
 * a peer choosing ids could otherwise collide with (and speak as) a local session.
 */
import { randomUUID } from 'node:crypto'
import { ErrorCodes, type ErrorCode, type HostCascadeFrame, type ServerMessage } from '@parley/protocol'
import type { Caller } from '../rooms/result.ts'
import type { CallSink } from '../calls/call-participant.ts'

export class PeerSink implements CallSink {
  readonly id = randomUUID()
  readonly caller: Caller
  /** The peer's own id for the session. */
  readonly session: string
  readonly #roomUri: (roomId: string) => string
  readonly #send: (frame: HostCascadeFrame) => void
  /** The room of the frame being handled: error frames carry no room of their own. */
  room: string

  constructor(options: {
    session: string
    caller: Caller
    room: string
    roomUri: (roomId: string) => string
    send: (frame: HostCascadeFrame) => void
  }) {
    this.session = options.session
    this.caller = options.caller
    this.room = options.room
    this.#roomUri = options.roomUri
    this.#send = options.send
  }

  send(frame: ServerMessage): void {
    const room = 'roomId' in frame && typeof frame.roomId === 'string' ? this.#roomUri(frame.roomId) : this.room
    this.#send({ type: 'cascade.to-session', room, session: this.session, frame } as HostCascadeFrame)
  }

  error(code: ErrorCode, id?: string, details?: Record<string, unknown>, message?: string): void {
    this.send({
      type: 'error',
      ...(id ? { id } : {}),
      error: { code, message: message ?? ErrorCodes[code].message, details: details ?? {} },
    })
  }

  callLeft(roomId: string): void {
    this.#send({ type: 'cascade.left', room: this.#roomUri(roomId), session: this.session })
  }
}
