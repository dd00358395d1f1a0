/**
 * Realtime client: one WebSocket to /api/v1/realtime (the global `WebSocket` of browsers and
 * Node 22+), typed events, reconnection with exponential backoff and jitter, and resume: it keeps
 * the last sequence number seen per room and sends them in the next hello, so after a reconnect it
 * receives exactly what it missed (or a `resync` telling it to reload a room from the history API).
 */
import type {
  ClientMessage,
  HelloAuth,
  ServerBye,
  ServerError,
  ServerEvent,
  ServerMessage,
  ServerPong,
  ServerPresence,
  ServerResync,
  ServerRoomAdded,
  ServerRoomWaiting,
  ServerRoomRemoved,
  ServerTyping,
  ServerWelcome,
  ServerCallMessage,
  ClientCallMessage,
  ServerInvitationReceived,
  ServerStatus,
  ServerMeetingReminder,
  ServerMeetingStarted,
  ServerNotification,
} from '@parley/protocol'
import type { CloseCodes } from '@parley/protocol'
import { ParleyRealtimeError } from './errors.ts'
import { Emitter } from './emitter.ts'

export type ConnectionState = 'connecting' | 'open' | 'reconnecting' | 'closed'

export type RealtimeEvents = {
  welcome: ServerWelcome
  event: ServerEvent
  typing: ServerTyping
  presence: ServerPresence
  /** My own status changed (on this or another device). */
  status: ServerStatus
  resync: ServerResync
  'room.added': ServerRoomAdded
  /** I wait in a room's lobby, having joined it by its link here or on another device. */
  'room.waiting': ServerRoomWaiting
  'room.removed': ServerRoomRemoved
  /** An invitation to a room on another instance arrived. */
  'invitation.received': ServerInvitationReceived
  /** A meeting of one of my rooms starts soon (its reminderMinutes before each occurrence). */
  'meeting.reminder': ServerMeetingReminder
  /** A meeting's occurrence has begun: its room's call is open. */
  'meeting.started': ServerMeetingStarted
  /** A mention of me or a reply to my message, as it happens (also listed by `notifications()`). */
  notification: ServerNotification
  error: ServerError
  bye: ServerBye
  pong: ServerPong
  /** Every call.* frame (call-client.ts builds on these). */
  call: ServerCallMessage
  state: ConnectionState
  close: { code: number; reason: string }
}

export type RealtimeClientOptions = {
  /** The instance's base URL (http(s)://…); the WebSocket URL is derived from it. */
  baseUrl: string
  /** Token or guest secret sent in the hello; omit in browsers using the session cookie. */
  auth?: { token: string } | { guestSecret: string }
  /** Last seen sequence numbers, e.g. persisted from a previous run. */
  positions?: Record<string, number>
  reconnect?: { initialDelayMs?: number; maxDelayMs?: number } | false
  WebSocket?: typeof WebSocket
}

/**
 * The gateway's close codes (protocol's CloseCodes) by number. Only types are imported from the
 * protocol, so browser bundles carry no schemas; the compiler checks this table against it.
 */
const CLOSE_CODE_ERRORS: { [K in keyof typeof CloseCodes as (typeof CloseCodes)[K]]: K } = {
  4008: 'slow-consumer',
  4000: 'idle-timeout',
  4001: 'unauthenticated',
  4029: 'rate-limited',
  4002: 'hello-required',
  4003: 'session-ended',
}

/** The error for a socket that closed: the gateway's close code says why when it closed it. */
function closedError(code: number, reason: string): ParleyRealtimeError {
  const errorCode = CLOSE_CODE_ERRORS[code as keyof typeof CLOSE_CODE_ERRORS] ?? 'connection-closed'
  return new ParleyRealtimeError(errorCode, `The realtime connection closed (${code}${reason ? ` ${reason}` : ''})`, {
    closeCode: code,
  })
}

/** Close codes after which reconnecting cannot help. */
const FINAL_CLOSE_CODES = new Set([4001, 4003])

export class RealtimeClient extends Emitter<RealtimeEvents> {
  readonly #options: RealtimeClientOptions
  readonly #positions: Map<string, number>
  readonly #WebSocket: typeof WebSocket
  #socket: WebSocket | null = null
  #state: ConnectionState = 'closed'
  #attempt = 0
  #timer: ReturnType<typeof setTimeout> | null = null
  #wanted = false
  #nextId = 1
  /** Requests waiting for their reply: all rejected at once when the socket closes. */
  readonly #pending = new Set<(error: ParleyRealtimeError) => void>()

  constructor(options: RealtimeClientOptions) {
    super()
    this.#options = options
    this.#positions = new Map(Object.entries(options.positions ?? {}))
    const Ctor = options.WebSocket ?? globalThis.WebSocket
    if (!Ctor) throw new TypeError('No WebSocket implementation: pass options.WebSocket')
    this.#WebSocket = Ctor
  }

  get state(): ConnectionState {
    return this.#state
  }

  /** Last sequence number seen per room. */
  get positions(): Record<string, number> {
    return Object.fromEntries(this.#positions)
  }

  /** Connects (and keeps reconnecting until close()); resolves with the first welcome. */
  connect(): Promise<ServerWelcome> {
    if (this.#socket) throw new Error('already connected or connecting')
    this.#wanted = true
    this.#attempt = 0
    const welcomed = new Promise<ServerWelcome>((resolve, reject) => {
      const offWelcome = this.on('welcome', (w) => {
        offWelcome()
        offClose()
        resolve(w)
      })
      const offClose = this.on('close', ({ code, reason }) => {
        if (this.#state !== 'closed') return
        offWelcome()
        offClose()
        reject(closedError(code, reason))
      })
    })
    this.#open()
    return welcomed
  }

  close(): void {
    this.#wanted = false
    if (this.#timer) clearTimeout(this.#timer)
    this.#timer = null
    const socket = this.#socket
    this.#socket = null
    socket?.close(1000, 'client closing')
    this.#rejectPending(new ParleyRealtimeError('connection-closed', 'The realtime client was closed'))
    this.#setState('closed')
  }

  #rejectPending(error: ParleyRealtimeError): void {
    for (const cut of [...this.#pending]) cut(error)
  }

  /** Sends a frame; throws ParleyRealtimeError `connection-closed` when the socket is not open. */
  send(message: ClientMessage): void {
    if (this.#socket?.readyState !== 1)
      throw new ParleyRealtimeError('connection-closed', `The realtime connection is ${this.#state}, not open`)
    this.#socket.send(JSON.stringify(message))
  }

  typing(roomId: string, typing: boolean): void {
    this.send({ type: 'typing', roomId, typing })
  }

  ping(): Promise<ServerPong> {
    const id = `p${this.#nextId++}`
    const pong = this.next('pong', (p) => p.id === id)
    this.send({ type: 'ping', id })
    return pong
  }

  /**
   * Sends a call message with a fresh id and resolves with the server's reply to it (call.joined,
   * call.answer, call.offer or call.ack); an error frame for it rejects with ParleyRealtimeError.
   */
  request(message: ClientCallMessage, timeoutMs = 15_000): Promise<ServerCallMessage> {
    const id = `c${this.#nextId++}`
    return new Promise((resolve, reject) => {
      const timer = setTimeout(() => {
        done()
        reject(new ParleyRealtimeError('request-timeout', `No reply to ${message.type} within ${timeoutMs} ms`))
      }, timeoutMs)
      const offCall = this.on('call', (frame) => {
        if (!('id' in frame) || frame.id !== id) return
        done()
        resolve(frame)
      })
      const offError = this.on('error', (frame) => {
        if (frame.id !== id) return
        done()
        reject(new ParleyRealtimeError(frame.error.code, frame.error.message, frame.error.details))
      })
      // The socket closed before the reply: no reply will come on it (a new socket is a new session).
      const cut = (error: ParleyRealtimeError) => {
        done()
        reject(error)
      }
      this.#pending.add(cut)
      const done = () => {
        clearTimeout(timer)
        offCall()
        offError()
        this.#pending.delete(cut)
      }
      try {
        this.send({ ...message, id })
      } catch (error) {
        done()
        reject(error as Error)
      }
    })
  }

  /** The next event of `type` that passes `filter`, within `timeoutMs`. */
  next<K extends keyof RealtimeEvents>(
    type: K,
    filter: (payload: RealtimeEvents[K]) => boolean = () => true,
    timeoutMs = 5000,
  ): Promise<RealtimeEvents[K]> {
    return new Promise((resolve, reject) => {
      const timer = setTimeout(() => {
        off()
        reject(new ParleyRealtimeError('request-timeout', `No ${String(type)} within ${timeoutMs} ms`))
      }, timeoutMs)
      const off = this.on(type, (payload) => {
        if (!filter(payload)) return
        clearTimeout(timer)
        off()
        resolve(payload)
      })
    })
  }

  #open(): void {
    this.#setState(this.#attempt === 0 ? 'connecting' : 'reconnecting')
    const url = this.#options.baseUrl.replace(/^http/, 'ws').replace(/\/$/, '') + '/api/v1/realtime'
    const socket = new this.#WebSocket(url)
    this.#socket = socket
    socket.onopen = () => {
      const auth = this.#options.auth
      const helloAuth: HelloAuth | undefined = auth
        ? 'token' in auth
          ? { type: 'token', token: auth.token }
          : { type: 'guest', secret: auth.guestSecret }
        : undefined
      const resume = this.positions
      socket.send(
        JSON.stringify({
          type: 'hello',
          version: 1,
          ...(helloAuth ? { auth: helloAuth } : {}),
          ...(Object.keys(resume).length > 0 ? { resume } : {}),
        }),
      )
    }
    socket.onmessage = (message) => {
      if (typeof message.data !== 'string') return
      let frame: ServerMessage
      try {
        frame = JSON.parse(message.data) as ServerMessage
      } catch {
        return // not a frame of ours (nothing a server of ours sends): ignored
      }
      this.#receive(frame)
    }
    socket.onclose = (event) => {
      if (this.#socket !== socket) return
      this.#socket = null
      this.#rejectPending(closedError(event.code, event.reason))
      const final = FINAL_CLOSE_CODES.has(event.code) || !this.#wanted || this.#options.reconnect === false
      if (final) this.#setState('closed')
      this.emit('close', { code: event.code, reason: event.reason })
      if (!final) this.#scheduleReconnect()
    }
  }

  #receive(message: ServerMessage): void {
    switch (message.type) {
      case 'welcome':
        this.#attempt = 0
        // Rooms we had no position for start at their current seq (load history for the past).
        for (const [roomId, seq] of Object.entries(message.rooms))
          if (!this.#positions.has(roomId)) this.#positions.set(roomId, seq)
        this.#setState('open')
        this.emit('welcome', message)
        return
      case 'event':
        if (message.seq > (this.#positions.get(message.roomId) ?? 0)) this.#positions.set(message.roomId, message.seq)
        this.emit('event', message)
        return
      case 'resync':
        this.#positions.set(message.roomId, message.lastSeq)
        this.emit('resync', message)
        return
      case 'room.added':
        this.#positions.set(message.roomId, message.lastSeq)
        this.emit('room.added', message)
        return
      case 'room.removed':
        this.#positions.delete(message.roomId)
        this.emit('room.removed', message)
        return
      case 'typing':
      case 'presence':
      case 'status':
      case 'room.waiting':
      case 'invitation.received':
      case 'meeting.reminder':
      case 'meeting.started':
      case 'notification':
      case 'error':
      case 'bye':
      case 'pong':
        this.emit(message.type, message as never)
        return
      default:
        this.emit('call', message)
    }
  }

  #scheduleReconnect(): void {
    const { initialDelayMs = 250, maxDelayMs = 10_000 } = this.#options.reconnect || {}
    const delay = Math.min(maxDelayMs, initialDelayMs * 2 ** this.#attempt) * (0.5 + Math.random() / 2)
    this.#attempt += 1
    this.#setState('reconnecting')
    this.#timer = setTimeout(() => {
      this.#timer = null
      if (this.#wanted) this.#open()
    }, delay)
  }

  #setState(state: ConnectionState): void {
    if (this.#state === state) return
    this.#state = state
    this.emit('state', state)
  }
}
