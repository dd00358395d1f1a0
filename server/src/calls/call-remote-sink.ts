/**
 * The envelopes call frames travel in between server nodes (on `node:<id>` topics of the bus), and
 * the sink a call's owner node uses for a participant whose realtime session lives on another node:
 * every frame for that session is sent back over the bus to its node, which writes it to the socket.
 *
 * The bus is inside the trust boundary: only Parley nodes reach Redis (clients never do), so the
 * caller carried by a forwarded frame is the one the session's node authenticated, and the owner
 * believes it. It still applies the room policy to that caller exactly as to its own sessions.
 */
import { ErrorCodes, type ClientCallMessage, type ErrorCode, type ServerMessage } from '@parley/protocol'
import type { Caller } from '../rooms/result.ts'
import type { CallSink } from './call-participant.ts'

/** From a session's node to the node running the call. `node` is always the sender's node. */
export type ToOwner =
  /** A session's call frame; `hops` counts re-forwards (the call moved while the frame travelled). */
  | { kind: 'call'; node: string; sessionId: string; caller: Caller; message: ClientCallMessage; hops: number }
  /** The session closed (`roomId` null) or stopped receiving the room: it leaves the call. */
  | { kind: 'released'; node: string; sessionId: string; roomId: string | null }

/** From the node running the call back to a session's node. */
export type ToSession =
  | { kind: 'frame'; node: string; sessionId: string; frame: ServerMessage }
  /** The session is no longer a participant of the room's call (left, removed, call ended). */
  | { kind: 'left'; node: string; sessionId: string; roomId: string }

export type Envelope = ToOwner | ToSession

export class RemoteSink implements CallSink {
  readonly id: string
  readonly caller: Caller
  /** The node the session lives on. */
  readonly node: string
  readonly #ownNode: string
  readonly #post: (node: string, envelope: ToSession) => void

  constructor(options: {
    sessionId: string
    caller: Caller
    node: string
    ownNode: string
    post: (node: string, envelope: ToSession) => void
  }) {
    this.id = options.sessionId
    this.caller = options.caller
    this.node = options.node
    this.#ownNode = options.ownNode
    this.#post = options.post
  }

  send(frame: ServerMessage): void {
    this.#post(this.node, { kind: 'frame', node: this.#ownNode, sessionId: this.id, frame })
  }

  /** The same error frame the session would have built itself. */
  error(code: ErrorCode, id?: string, details?: Record<string, unknown>, message?: string): void {
    this.send({
      type: 'error',
      ...(id ? { id } : {}),
      error: { code, message: message ?? ErrorCodes[code].message, details: details ?? {} },
    })
  }

  callLeft(roomId: string): void {
    this.#post(this.node, { kind: 'left', node: this.#ownNode, sessionId: this.id, roomId })
  }
}
