/**
 * Member side: our one call channel to another instance that hosts rooms our users are in. A
 * WebSocket to the host's CASCADE_CHANNEL_PATH, its upgrade signed (RFC 9421) with the key of a
 * local user who is a member there; frames sent while it (re)connects wait in a bounded queue.
 *
 * While anyone still needs it (`wanted`), a dropped channel reconnects with exponential backoff
 * (0.25 s doubling to 30 s, with jitter), and `onOpen` lets the owner subscribe its rooms again.
 * Every drop is reported (`onDown`), so sessions in the host's calls hear that the call is gone
 * rather than waiting on a channel that will not answer.
 */
import WebSocket from 'ws'
import Value from 'typebox/value'
import {
  CASCADE_CHANNEL_PATH,
  CASCADE_VERSION,
  HostCascadeFrame,
  MAX_CASCADE_FRAME_BYTES,
  type PeerCascadeFrame,
} from '@parley/protocol'
import type { ParleyFederation } from '@parley/federation'
import type { Logger } from '../logger.ts'

export type PeerChannelDeps = {
  /** The host's origin. */
  origin: string
  federation: Pick<ParleyFederation, 'callChannels'>
  logger: Logger
  onFrame: (frame: HostCascadeFrame) => void
  onOpen: () => void
  onDown: () => void
  /** Whether the channel is still needed: while it is, a dropped channel reconnects. */
  wanted: () => boolean
  /** How often the host is pinged; silent for two intervals is a dead channel. */
  pingIntervalMs?: number
}

const MAX_QUEUED = 1000
const BACKOFF_MIN_MS = 250
const BACKOFF_MAX_MS = 30_000

export class PeerChannel {
  readonly origin: string
  readonly #deps: PeerChannelDeps
  readonly #log: Logger
  #socket: WebSocket | null = null
  #queue: string[] = []
  #backoffMs = BACKOFF_MIN_MS
  #retry: NodeJS.Timeout | undefined
  #pinger: NodeJS.Timeout | undefined
  #connecting = false
  #closed = false

  constructor(deps: PeerChannelDeps) {
    this.origin = deps.origin
    this.#deps = deps
    this.#log = deps.logger.child({ component: 'cascade-peer', host: deps.origin })
  }

  get open(): boolean {
    return this.#socket?.readyState === WebSocket.OPEN
  }

  /** Sends now, or once connected (connecting if need be). */
  send(frame: PeerCascadeFrame): void {
    if (this.#closed) return
    const raw = JSON.stringify(frame)
    if (this.open) return this.#socket?.send(raw)
    if (this.#queue.length >= MAX_QUEUED) this.#queue.shift()
    this.#queue.push(raw)
    this.connect()
  }

  /** Connects unless connected, connecting or waiting to retry. */
  connect(): void {
    if (this.#closed || this.#connecting || this.#socket || this.#retry) return
    this.#connecting = true
    void this.#connect().finally(() => (this.#connecting = false))
  }

  close(): void {
    if (this.#closed) return
    this.#closed = true
    clearTimeout(this.#retry)
    clearInterval(this.#pinger)
    this.#queue = []
    this.#socket?.close(1001, 'going-away')
    this.#socket = null
  }

  async #connect(): Promise<void> {
    const httpUrl = `${this.origin}${CASCADE_CHANNEL_PATH}`
    const connectOptions = this.#deps.federation.callChannels.connectOptions(httpUrl)
    if (!connectOptions) {
      this.#log.warn('call channel host refused by the address or domain policy')
      return this.#dropped()
    }
    let headers: Record<string, string> | null
    try {
      headers = await this.#deps.federation.callChannels.sign(httpUrl)
    } catch (error) {
      this.#log.warn({ err: error }, 'cannot sign the call channel upgrade')
      headers = null
    }
    if (!headers || this.#closed) return this.#dropped()
    const socket = new WebSocket(httpUrl.replace(/^http/, 'ws'), {
      headers: { ...headers, 'parley-cascade-version': String(CASCADE_VERSION) },
      maxPayload: MAX_CASCADE_FRAME_BYTES,
      handshakeTimeout: 10_000,
      perMessageDeflate: false,
      followRedirects: false,
      ...connectOptions,
    })
    this.#socket = socket
    let alive = true
    socket.on('open', () => {
      this.#backoffMs = BACKOFF_MIN_MS
      this.#log.info('call channel open')
      this.#pinger = setInterval(() => {
        if (!alive) return socket.terminate()
        alive = false
        socket.ping()
      }, this.#deps.pingIntervalMs ?? 2000)
      this.#pinger.unref()
      this.#deps.onOpen()
      for (const raw of this.#queue.splice(0)) socket.send(raw)
    })
    socket.on('pong', () => (alive = true))
    socket.on('message', (data, isBinary) => {
      alive = true
      if (isBinary) return
      let parsed: unknown
      try {
        parsed = JSON.parse((data as Buffer).toString('utf8'))
      } catch {
        return this.#log.warn('unreadable frame from the host')
      }
      // The host is another server: what it sends is checked like anything remote.
      if (!Value.Check(HostCascadeFrame, parsed)) return this.#log.warn('frame from the host matches no schema')
      this.#deps.onFrame(parsed as HostCascadeFrame)
    })
    socket.on('unexpected-response', (_request, response) => {
      this.#log.warn({ status: response.statusCode }, 'call channel upgrade refused')
      socket.terminate()
    })
    socket.on('error', (error) => this.#log.info({ err: error }, 'call channel error'))
    socket.on('close', (code) => {
      if (this.#socket !== socket) return
      this.#log.info({ code }, 'call channel closed')
      clearInterval(this.#pinger)
      this.#socket = null
      this.#dropped()
    })
  }

  #dropped(): void {
    this.#socket = null
    this.#deps.onDown()
    if (this.#closed || !this.#deps.wanted()) {
      this.#queue = []
      return
    }
    const delay = this.#backoffMs * (0.75 + Math.random() * 0.5)
    this.#backoffMs = Math.min(this.#backoffMs * 2, BACKOFF_MAX_MS)
    this.#retry = setTimeout(() => {
      this.#retry = undefined
      this.connect()
    }, delay)
    this.#retry.unref()
  }
}
