/**
 * A thin typed client for the Janus WebSocket API: one socket (subprotocol `janus-protocol`),
 * request/reply by transaction with time-outs, the `ack` of asynchronous plugin requests followed by
 * their `event`, and plugin errors lifted out of "success" and "event" replies. Unsolicited events
 * are routed to the session they belong to (see janus-session.ts), which also sends the keepalives.
 * Uses Node's built-in WebSocket client.
 */
import { randomUUID } from 'node:crypto'
import type { Logger } from '../../logger.ts'
import { EnhancedEventEmitter } from '../../lifecycle/enhanced-events.ts'
import type { JanusError, JanusMessage, JanusResult } from './janus-types.ts'
import { JanusSession } from './janus-session.ts'

export type JanusConnectionEvents = { close: [reason: string] }

type Pending = {
  resolve: (result: JanusResult<JanusMessage>) => void
  timer: NodeJS.Timeout
  /** Requests whose `ack` is the final answer (keepalive, trickle); others wait for success/event. */
  ackIsFinal: boolean
}

export type JanusConnectOptions = {
  url: string
  apiSecret: string
  logger: Logger
  /** How long to wait for the socket to open. */
  connectTimeoutMs?: number
  /** How long to wait for any reply (the `event` of an asynchronous request included). */
  requestTimeoutMs?: number
}

export class JanusConnection {
  readonly observer: EnhancedEventEmitter<JanusConnectionEvents>
  #socket: WebSocket
  #apiSecret: string
  #logger: Logger
  #requestTimeoutMs: number
  #pending = new Map<string, Pending>()
  #sessions = new Map<number, JanusSession>()
  #closed = false

  static open(options: JanusConnectOptions): Promise<JanusResult<JanusConnection>> {
    return new Promise((resolve) => {
      let socket: WebSocket
      try {
        socket = new WebSocket(options.url, 'janus-protocol')
      } catch (error) {
        resolve({ ok: false, error: { type: 'closed', message: `bad Janus URL: ${(error as Error).message}` } })
        return
      }
      const timer = setTimeout(() => {
        socket.close()
        resolve({
          ok: false,
          error: { type: 'timeout', message: `Janus at ${options.url} did not open a WebSocket in time` },
        })
      }, options.connectTimeoutMs ?? 5000)
      socket.addEventListener(
        'open',
        () => {
          clearTimeout(timer)
          resolve({ ok: true, value: new JanusConnection(socket, options) })
        },
        { once: true },
      )
      socket.addEventListener(
        'error',
        () => {
          clearTimeout(timer)
          resolve({ ok: false, error: { type: 'closed', message: `cannot connect to Janus at ${options.url}` } })
        },
        { once: true },
      )
    })
  }

  private constructor(socket: WebSocket, options: JanusConnectOptions) {
    this.#socket = socket
    this.#apiSecret = options.apiSecret
    this.#logger = options.logger
    this.#requestTimeoutMs = options.requestTimeoutMs ?? 10_000
    this.observer = new EnhancedEventEmitter((event, error) =>
      this.#logger.error({ err: error, event }, 'Janus connection listener failed'),
    )
    socket.addEventListener('message', (event) => this.#onMessage(event.data))
    socket.addEventListener('close', () => this.#shutdown('Janus closed the WebSocket'))
    socket.addEventListener('error', () => this.#shutdown('Janus WebSocket error'))
  }

  get closed(): boolean {
    return this.#closed
  }

  get sessions(): ReadonlyMap<number, JanusSession> {
    return this.#sessions
  }

  /** Sends one request and resolves with its final reply; never rejects. */
  request(
    body: Record<string, unknown>,
    options: { ackIsFinal?: boolean; timeoutMs?: number } = {},
  ): Promise<JanusResult<JanusMessage>> {
    if (this.#closed)
      return Promise.resolve({ ok: false, error: { type: 'closed', message: 'the Janus connection is closed' } })
    const transaction = randomUUID()
    const message = { ...body, transaction, ...(this.#apiSecret ? { apisecret: this.#apiSecret } : {}) }
    return new Promise((resolve) => {
      const timer = setTimeout(() => {
        this.#pending.delete(transaction)
        resolve({
          ok: false,
          error: { type: 'timeout', message: `Janus did not answer "${String(body.janus)}" in time` },
        })
      }, options.timeoutMs ?? this.#requestTimeoutMs)
      this.#pending.set(transaction, { resolve, timer, ackIsFinal: options.ackIsFinal ?? false })
      this.#logger.debug({ janus: body.janus, transaction }, 'Janus request')
      try {
        this.#socket.send(JSON.stringify(message))
      } catch (error) {
        // The socket is closing; its close event follows and closes the rest.
        clearTimeout(this.#pending.get(transaction)?.timer)
        this.#pending.delete(transaction)
        resolve({ ok: false, error: { type: 'closed', message: `cannot send to Janus: ${(error as Error).message}` } })
      }
    })
  }

  /** `{"janus":"info"}`: the server's name and version; also a liveness check. */
  async info(): Promise<JanusResult<{ version: string; plugins: string[]; transports: string[] }>> {
    const reply = await this.request({ janus: 'info' })
    if (!reply.ok) return reply
    const {
      version_string: version,
      plugins,
      transports,
    } = reply.value as { version_string?: string; plugins?: object; transports?: object }
    return {
      ok: true,
      value: {
        version: version ?? '?',
        plugins: Object.keys(plugins ?? {}),
        transports: Object.keys(transports ?? {}),
      },
    }
  }

  /** keepaliveMs: how often the session says it is alive (Janus's session_timeout is 60 s by default). */
  async createSession({ keepaliveMs = 25_000 }: { keepaliveMs?: number } = {}): Promise<JanusResult<JanusSession>> {
    const reply = await this.request({ janus: 'create' })
    if (!reply.ok) return reply
    const id = reply.value.data?.id
    if (typeof id !== 'number')
      return { ok: false, error: { type: 'janus-error', code: 0, message: 'Janus created a session without an id' } }
    if (this.#closed) return { ok: false, error: { type: 'closed', message: 'the Janus connection is closed' } }
    const session = new JanusSession({ id, connection: this, logger: this.#logger, keepaliveMs })
    this.#sessions.set(id, session)
    session.observer.on('close', () => this.#sessions.delete(id))
    return { ok: true, value: session }
  }

  /** Idempotent. Sessions see `connectionClosed()`; pending requests resolve as closed. */
  close(): void {
    if (this.#closed) return
    this.#socket.close()
    this.#shutdown('closed by Parley')
  }

  #shutdown(reason: string): void {
    if (this.#closed) return
    this.#closed = true
    for (const [transaction, pending] of this.#pending) {
      clearTimeout(pending.timer)
      pending.resolve({ ok: false, error: { type: 'closed', message: `Janus connection closed: ${reason}` } })
      this.#pending.delete(transaction)
    }
    for (const session of this.#sessions.values()) session.connectionClosed()
    this.#sessions.clear()
    this.observer.safeEmit('close', reason)
  }

  #onMessage(data: unknown): void {
    let message: JanusMessage
    try {
      message = JSON.parse(String(data)) as JanusMessage
    } catch {
      this.#logger.warn('Janus sent a frame that is not JSON')
      return
    }
    this.#logger.debug(
      { janus: message.janus, transaction: message.transaction, sender: message.sender },
      'Janus message',
    )
    const pending = message.transaction ? this.#pending.get(message.transaction) : undefined
    if (pending && message.transaction) {
      if (message.janus === 'ack' && !pending.ackIsFinal) return
      // An event carrying the transaction of an asynchronous request is its answer.
      if (
        message.janus === 'ack' ||
        message.janus === 'success' ||
        message.janus === 'error' ||
        message.janus === 'event' ||
        message.janus === 'server_info'
      ) {
        this.#pending.delete(message.transaction)
        clearTimeout(pending.timer)
        pending.resolve(toResult(message))
        return
      }
    }
    if (message.session_id !== undefined) this.#sessions.get(message.session_id)?.dispatch(message)
  }
}

function toResult(message: JanusMessage): JanusResult<JanusMessage> {
  if (message.janus === 'error') {
    return {
      ok: false,
      error: {
        type: 'janus-error',
        code: message.error?.code ?? 0,
        message: message.error?.reason ?? 'unknown Janus error',
      },
    }
  }
  const data = message.plugindata?.data
  if (data && typeof data.error_code === 'number') {
    const error: JanusError = {
      type: 'plugin-error',
      code: data.error_code,
      message: typeof data.error === 'string' ? data.error : 'unknown plugin error',
    }
    return { ok: false, error }
  }
  return { ok: true, value: message }
}
