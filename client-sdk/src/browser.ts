/**
 * The browser build of @parley/client: everything in the package entry, plus calls. Its `Parley`
 * is the entry point's with `call(roomId)`, which needs the DOM's WebRTC types (type-checked by
 * client-sdk/tsconfig.json, not by the root project that also holds Node code: the DOM's and
 * Node's crypto types clash).
 */
import { Parley as ParleyBase } from './parley.ts'
import { CallClient, type CallClientOptions } from './call-client.ts'

export * from './index.ts'
export * from './call.ts'

/** The one entry point, with calls: REST, realtime and calls on one authentication and lifecycle. */
export class Parley extends ParleyBase {
  readonly #calls = new Set<CallClient>()

  /** The call of a room, on this client's realtime connection (join it with `call.join()`). */
  call(roomId: string, options: Omit<CallClientOptions, 'realtime' | 'roomId'> = {}): CallClient {
    if (this.closed) throw new TypeError('This Parley client is closed')
    const call = new CallClient({ files: this.rest.files, ...options, realtime: this.realtime, roomId })
    this.#calls.add(call)
    const forget = () => this.#calls.delete(call)
    call.on('ended', forget)
    return call
  }

  /** Closes every call of this client (their connections), then the realtime connection. */
  override close(): void {
    for (const call of this.#calls) call.close()
    this.#calls.clear()
    super.close()
  }
}
