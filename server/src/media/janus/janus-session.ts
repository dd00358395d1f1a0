/**
 * A Janus session and its plugin handles, as lifecycle objects: the session sends keepalives (Janus
 * drops silent sessions after its session_timeout), keeps its handles in a Map and forgets them when
 * they close; `close()` destroys on the Janus side, `connectionClosed()` only forgets (the parent is
 * gone). Handles turn unsolicited Janus events into typed events.
 */
import type { Logger } from '../../logger.ts'
import { EnhancedEventEmitter, InvalidStateError } from '../../lifecycle/enhanced-events.ts'
import type { JanusConnection } from './janus-connection.ts'
import type { JanusMessage, JanusResult, Jsep, PluginReply } from './janus-types.ts'

export type JanusSessionEvents = { close: [reason: string] }

export class JanusSession {
  readonly id: number
  readonly observer: EnhancedEventEmitter<JanusSessionEvents>
  #connection: JanusConnection
  #logger: Logger
  #handles = new Map<number, JanusHandle>()
  #keepalive: NodeJS.Timeout
  #closed = false

  constructor({
    id,
    connection,
    logger,
    keepaliveMs = 25_000,
  }: {
    id: number
    connection: JanusConnection
    logger: Logger
    keepaliveMs?: number
  }) {
    this.id = id
    this.#connection = connection
    this.#logger = logger.child({ janusSession: id })
    this.observer = new EnhancedEventEmitter((event, error) =>
      this.#logger.error({ err: error, event }, 'Janus session listener failed'),
    )
    this.#keepalive = setInterval(() => void this.#sendKeepalive(), keepaliveMs)
    this.#keepalive.unref()
  }

  get closed(): boolean {
    return this.#closed
  }

  get handles(): ReadonlyMap<number, JanusHandle> {
    return this.#handles
  }

  request(
    body: Record<string, unknown>,
    options?: { ackIsFinal?: boolean; timeoutMs?: number },
  ): Promise<JanusResult<JanusMessage>> {
    return this.#connection.request({ ...body, session_id: this.id }, options)
  }

  async attach(plugin: string): Promise<JanusResult<JanusHandle>> {
    if (this.#closed) throw new InvalidStateError('the Janus session is closed')
    const reply = await this.request({ janus: 'attach', plugin })
    if (!reply.ok) return reply
    const id = reply.value.data?.id
    if (typeof id !== 'number')
      return { ok: false, error: { type: 'janus-error', code: 0, message: 'Janus attached a handle without an id' } }
    const handle = new JanusHandle({ id, session: this, logger: this.#logger })
    if (this.#closed) {
      handle.sessionClosed()
      return { ok: false, error: { type: 'closed', message: 'the Janus session closed while attaching' } }
    }
    this.#handles.set(id, handle)
    handle.observer.on('close', () => this.#handles.delete(id))
    return { ok: true, value: handle }
  }

  /** Routes an unsolicited message (no pending transaction) to this session or one of its handles. */
  dispatch(message: JanusMessage): void {
    if (message.janus === 'timeout') {
      this.#forget('Janus timed the session out')
      return
    }
    if (message.sender !== undefined) this.#handles.get(message.sender)?.dispatch(message)
  }

  /** Destroys the session on Janus (best effort) and closes its handles. Idempotent. */
  close(): void {
    if (this.#closed) return
    void this.request({ janus: 'destroy' }, { timeoutMs: 3000 })
    this.#forget('closed by Parley')
  }

  /** The connection is gone: forget everything without talking to Janus. */
  connectionClosed(): void {
    this.#forget('the Janus connection closed')
  }

  #forget(reason: string): void {
    if (this.#closed) return
    this.#closed = true
    clearInterval(this.#keepalive)
    for (const handle of this.#handles.values()) handle.sessionClosed()
    this.#handles.clear()
    this.observer.safeEmit('close', reason)
  }

  async #sendKeepalive(): Promise<void> {
    const reply = await this.request({ janus: 'keepalive' }, { ackIsFinal: true, timeoutMs: 10_000 })
    if (!reply.ok && reply.error.type === 'janus-error') this.#forget(`keepalive refused: ${reply.error.message}`)
  }
}

export type JanusHandleEvents = {
  /** An unsolicited plugin event (e.g. a VideoRoom "event" about publishers joining or leaving). */
  event: [data: Record<string, unknown>, jsep: Jsep | undefined]
  webrtcup: []
  media: [info: { type: string; mid: string | undefined; receiving: boolean }]
  slowlink: [info: { mid: string | undefined; uplink: boolean; lost: number }]
  hangup: [reason: string]
  close: [reason: string]
}

export class JanusHandle {
  readonly id: number
  readonly observer: EnhancedEventEmitter<JanusHandleEvents>
  #session: JanusSession
  #closed = false
  #detached: Promise<void> = Promise.resolve()

  constructor({ id, session, logger }: { id: number; session: JanusSession; logger: Logger }) {
    this.id = id
    this.#session = session
    const log = logger.child({ janusHandle: id })
    this.observer = new EnhancedEventEmitter((event, error) =>
      log.error({ err: error, event }, 'Janus handle listener failed'),
    )
  }

  get closed(): boolean {
    return this.#closed
  }

  /**
   * A plugin request. Synchronous ones answer with "success" + plugindata, asynchronous ones with
   * "ack" then an "event" carrying the same transaction; both arrive here as one reply, and a plugin
   * error (error_code inside either) as `plugin-error`.
   */
  async message(
    body: Record<string, unknown>,
    jsep?: Jsep,
    options?: { timeoutMs?: number },
  ): Promise<JanusResult<PluginReply>> {
    if (this.#closed) throw new InvalidStateError('the Janus handle is closed')
    const reply = await this.#session.request(
      { janus: 'message', handle_id: this.id, body, ...(jsep ? { jsep } : {}) },
      options,
    )
    if (!reply.ok) return reply
    return { ok: true, value: { data: reply.value.plugindata?.data ?? {}, jsep: reply.value.jsep } }
  }

  /** Sends one ICE candidate, or `null` for end-of-candidates. */
  async trickle(
    candidate: { candidate: string; sdpMid?: string | null; sdpMLineIndex?: number | null } | null,
  ): Promise<JanusResult<void>> {
    if (this.#closed) throw new InvalidStateError('the Janus handle is closed')
    const reply = await this.#session.request(
      { janus: 'trickle', handle_id: this.id, candidate: candidate ?? { completed: true } },
      { ackIsFinal: true },
    )
    return reply.ok ? { ok: true, value: undefined } : reply
  }

  dispatch(message: JanusMessage): void {
    switch (message.janus) {
      case 'event':
        this.observer.safeEmit('event', message.plugindata?.data ?? {}, message.jsep)
        break
      case 'webrtcup':
        this.observer.safeEmit('webrtcup')
        break
      case 'media':
        this.observer.safeEmit('media', {
          type: String(message.type),
          mid: message.mid as string | undefined,
          receiving: message.receiving === true,
        })
        break
      case 'slowlink':
        this.observer.safeEmit('slowlink', {
          mid: message.mid as string | undefined,
          uplink: message.uplink === true,
          lost: Number(message.lost ?? 0),
        })
        break
      case 'hangup':
        this.observer.safeEmit('hangup', String(message.reason ?? 'hangup'))
        break
      case 'detached':
        this.#forget('Janus detached the handle')
        break
    }
  }

  /** Detaches on Janus (best effort). Idempotent. */
  close(): void {
    if (this.#closed) return
    if (!this.#session.closed) {
      this.#detached = this.#session.request({ janus: 'detach', handle_id: this.id }, { timeoutMs: 3000 }).then(
        () => undefined,
        () => undefined,
      )
    }
    this.#forget('closed by Parley')
  }

  /** Settles once Janus has answered the detach sent by close() (or at once when none was sent). */
  get detached(): Promise<void> {
    return this.#detached
  }

  sessionClosed(): void {
    this.#forget('the Janus session closed')
  }

  #forget(reason: string): void {
    if (this.#closed) return
    this.#closed = true
    this.observer.safeEmit('close', reason)
  }
}
