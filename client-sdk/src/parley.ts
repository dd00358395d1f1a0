/**
 * `Parley`: the one entry point for integrators. It owns the REST client, the realtime connection
 * and (in browsers, `@parley/client/browser`) the calls, under one authentication and one
 * lifecycle: `connect()` once, listen with `on()`, `close()` once. The parts stay reachable
 * (`rest`, `realtime`) for what the facade does not wrap.
 */
import type { GuestSession, LoginRequest, RegisterRequest, ServerWelcome, SessionInfo } from '@parley/protocol'
import { ParleyApiError } from './errors.ts'
import { ParleyClient } from './rest-client.ts'
import { RealtimeClient, type ConnectionState, type RealtimeEvents } from './realtime-client.ts'
import type { FederationClient } from './federation-client.ts'
import type { MeetingsClient } from './meetings-client.ts'
import type { AccountClient } from './account-client.ts'

/**
 * How a Parley client authenticates: an API token, a guest secret (from `joinAsGuest`), or a
 * browser session — the cookie the browser keeps plus the session's CSRF token for writes.
 */
export type ParleyAuth = { token: string } | { guestSecret: string } | { csrfToken: string }

export type ParleyOptions = {
  /** The instance's base URL, e.g. `https://talk.example.org`. */
  baseUrl: string
  auth: ParleyAuth
  fetch?: typeof fetch
  WebSocket?: typeof WebSocket
  /** Last seen sequence numbers per room (e.g. persisted by the app): the realtime part resumes from them. */
  positions?: Record<string, number>
  reconnect?: { initialDelayMs?: number; maxDelayMs?: number } | false
}

/** Options of the static sign-in helpers: everything but `auth`, which they obtain. */
export type ParleyConnectOptions = Omit<ParleyOptions, 'auth'>

/** Thrown when a closed Parley client is used again. */
export class InvalidStateError extends Error {
  override name = 'InvalidStateError'
}

type ParleyConstructor<T extends Parley> = new (options: ParleyOptions) => T

/**
 * The one entry point of the SDK: the REST client, the realtime connection and (from
 * `@parley/client/browser`) calls, on one authentication and one lifecycle.
 *
 * ```ts
 * const parley = new Parley({ baseUrl: 'https://talk.example.org', auth: { token } })
 * await parley.connect()
 * parley.on('event', ({ roomId, event }) => console.log(roomId, event.type))
 * parley.close()
 * ```
 */
export class Parley {
  readonly baseUrl: string
  readonly auth: ParleyAuth
  /** The typed REST client (rooms, chat, polls, recordings, …). */
  readonly rest: ParleyClient
  /** The realtime connection: events, typing, presence, call signalling. */
  readonly realtime: RealtimeClient
  #closed = false

  constructor(options: ParleyOptions) {
    this.baseUrl = options.baseUrl.replace(/\/$/, '')
    this.auth = options.auth
    this.rest = new ParleyClient({
      baseUrl: this.baseUrl,
      auth: options.auth,
      ...(options.fetch ? { fetch: options.fetch } : {}),
    })
    const auth = options.auth
    this.realtime = new RealtimeClient({
      baseUrl: this.baseUrl,
      // A browser session authenticates the socket with its cookie.
      ...('token' in auth ? { auth: { token: auth.token } } : {}),
      ...('guestSecret' in auth ? { auth: { guestSecret: auth.guestSecret } } : {}),
      ...(options.positions ? { positions: options.positions } : {}),
      ...(options.reconnect !== undefined ? { reconnect: options.reconnect } : {}),
      ...(options.WebSocket ? { WebSocket: options.WebSocket } : {}),
    })
  }

  /** Signs in with a username and password (a browser session: the browser keeps the cookie). */
  static async signIn<T extends Parley>(
    this: ParleyConstructor<T>,
    options: ParleyConnectOptions & LoginRequest,
  ): Promise<{ parley: T; session: SessionInfo }> {
    const { username, password, ...rest } = options
    const session = await anonymous(options).account.signIn({ username, password })
    return { parley: new this({ ...rest, auth: { csrfToken: session.csrfToken } }), session }
  }

  /** Creates an account (with an invite code where needed) and signs in. */
  static async register<T extends Parley>(
    this: ParleyConstructor<T>,
    options: ParleyConnectOptions & RegisterRequest,
  ): Promise<{ parley: T; session: SessionInfo }> {
    const { username, password, displayName, inviteCode, ...rest } = options
    const session = await anonymous(options).account.register({
      username,
      password,
      ...(displayName ? { displayName } : {}),
      ...(inviteCode ? { inviteCode } : {}),
    })
    return { parley: new this({ ...rest, auth: { csrfToken: session.csrfToken } }), session }
  }

  /** The browser's current session, if it has one (null when signed out or expired). */
  static async resumeSession<T extends Parley>(
    this: ParleyConstructor<T>,
    options: ParleyConnectOptions,
  ): Promise<{ parley: T; session: SessionInfo } | null> {
    try {
      const session = await anonymous(options).account.session()
      return { parley: new this({ ...options, auth: { csrfToken: session.csrfToken } }), session }
    } catch (error) {
      if (error instanceof ParleyApiError && error.status === 401) return null
      throw error
    }
  }

  /** Opens a public room by its link as a guest (a name, the room's password if it has one). */
  static async joinAsGuest<T extends Parley>(
    this: ParleyConstructor<T>,
    options: ParleyConnectOptions & { roomId: string; displayName: string; password?: string },
  ): Promise<{ parley: T; guest: GuestSession }> {
    const { roomId, displayName, password, ...rest } = options
    const guest = await anonymous(options).joinAsGuest(roomId, {
      displayName,
      ...(password ? { password } : {}),
    })
    return { parley: new this({ ...rest, auth: { guestSecret: guest.secret } }), guest }
  }

  get account(): AccountClient {
    return this.rest.account
  }

  get federation(): FederationClient {
    return this.rest.federation
  }

  /** Meetings: scheduling, upcoming occurrences, answers, calendars (`rest.meetings`). */
  get meetings(): MeetingsClient {
    return this.rest.meetings
  }

  /** The realtime connection's state: connecting, open, reconnecting or closed. */
  get state(): ConnectionState {
    return this.realtime.state
  }

  get closed(): boolean {
    return this.#closed
  }

  /** Opens the realtime connection (it reconnects by itself until close()); resolves with the first welcome. */
  connect(): Promise<ServerWelcome> {
    if (this.#closed) throw new InvalidStateError('This Parley client is closed')
    return this.realtime.connect()
  }

  /** Listens to a realtime event; returns the function that stops listening. */
  on<K extends keyof RealtimeEvents>(type: K, listener: (payload: RealtimeEvents[K]) => void): () => void {
    return this.realtime.on(type, listener)
  }

  /** Ends a browser session on the server, then closes. */
  async signOut(): Promise<void> {
    try {
      if ('csrfToken' in this.auth) await this.account.signOut()
    } finally {
      this.close()
    }
  }

  /** Closes the realtime connection (pending requests are rejected at once). Idempotent. */
  close(): void {
    if (this.#closed) return
    this.#closed = true
    this.realtime.close()
  }
}

function anonymous(options: ParleyConnectOptions): ParleyClient {
  return new ParleyClient({ baseUrl: options.baseUrl, ...(options.fetch ? { fetch: options.fetch } : {}) })
}
