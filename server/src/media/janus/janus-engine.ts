/**
 * JanusEngine: the SFU engine on Janus's VideoRoom. One WebSocket connection and one Janus session
 * per engine, a control handle for room management, one router (VideoRoom room) per call. When the
 * connection drops (Janus restarted or the external server went away) every router closes, the
 * engine says `unavailable` and reconnects with back-off until it is closed; `available` follows.
 */
import type { Logger } from '../../logger.ts'
import { EnhancedEventEmitter, InvalidStateError } from '../../lifecycle/enhanced-events.ts'
import type { MediaResult, SfuEngine, SfuEngineEvents } from '../engine.ts'
import { JanusConnection } from './janus-connection.ts'
import { toMediaError } from './janus-errors.ts'
import { JanusRouter, VIDEOROOM, type JanusRoomSettings } from './janus-router.ts'
import type { JanusHandle, JanusSession } from './janus-session.ts'
import type { JanusEndpoint } from './janus-supervisor.ts'
import type { JanusResult } from './janus-types.ts'

export type JanusEngineOptions = {
  endpoint: JanusEndpoint
  logger: Logger
  settings?: Partial<JanusRoomSettings>
  reconnectDelayMs?: number
}

type Link = { connection: JanusConnection; session: JanusSession; control: JanusHandle }

export class JanusEngine implements SfuEngine {
  readonly topology = 'sfu' as const
  readonly name = 'janus'
  readonly observer: EnhancedEventEmitter<SfuEngineEvents>
  #endpoint: JanusEndpoint
  #logger: Logger
  #settings: JanusRoomSettings
  #reconnectDelayMs: number
  #link: Link | undefined
  #routers = new Map<string, JanusRouter>()
  #reconnectTimer: NodeJS.Timeout | undefined
  #closed = false

  /** Connects to Janus; fails with what went wrong rather than retrying. */
  static async connect(options: JanusEngineOptions): Promise<MediaResult<JanusEngine>> {
    const engine = new JanusEngine(options)
    const linked = await engine.#connect()
    if (!linked.ok) return { ok: false, error: toMediaError(linked.error) }
    return { ok: true, value: engine }
  }

  private constructor(options: JanusEngineOptions) {
    this.#endpoint = options.endpoint
    this.#logger = options.logger.child({ component: 'janus-engine' })
    this.#settings = {
      maxPublishers: 100,
      bitrate: 1_000_000,
      audioLevelAverage: 25,
      audioActivePackets: 100,
      ...options.settings,
    }
    this.#reconnectDelayMs = options.reconnectDelayMs ?? 500
    this.observer = new EnhancedEventEmitter((event, error) =>
      this.#logger.error({ err: error, event }, 'engine listener failed'),
    )
  }

  get closed(): boolean {
    return this.#closed
  }

  get available(): boolean {
    return this.#link !== undefined
  }

  get routers(): ReadonlyMap<string, JanusRouter> {
    return this.#routers
  }

  async createRouter({ callId, e2ee = false }: { callId: string; e2ee?: boolean }): Promise<MediaResult<JanusRouter>> {
    if (this.#closed) throw new InvalidStateError('the Janus engine is closed')
    const link = this.#link
    if (!link)
      return { ok: false, error: { type: 'engine-unavailable', message: 'Janus is not connected (reconnecting)' } }
    const created = await JanusRouter.create({
      callId,
      e2ee,
      session: link.session,
      control: link.control,
      adminKey: this.#endpoint.adminKey,
      settings: this.#settings,
      logger: this.#logger,
    })
    if (!created.ok) return created
    const router = created.value
    if (this.#link !== link) {
      router.engineClosed('Janus connection lost')
      return {
        ok: false,
        error: { type: 'engine-unavailable', message: 'Janus connection lost while creating the room' },
      }
    }
    this.#routers.set(router.id, router)
    router.observer.on('close', () => this.#routers.delete(router.id))
    return { ok: true, value: router }
  }

  /** Closes every router and the connection. Idempotent. */
  close(): void {
    if (this.#closed) return
    this.#closed = true
    clearTimeout(this.#reconnectTimer)
    for (const router of this.#routers.values()) router.close()
    this.#routers.clear()
    const link = this.#link
    this.#link = undefined
    link?.session.close()
    // Let the destroy requests go out before the socket closes.
    setTimeout(() => link?.connection.close(), 100).unref()
    this.observer.safeEmit('close')
  }

  async #connect(): Promise<JanusResult<Link>> {
    const opened = await JanusConnection.open({
      url: this.#endpoint.url,
      apiSecret: this.#endpoint.apiSecret,
      logger: this.#logger,
    })
    if (!opened.ok) return opened
    const connection = opened.value
    const session = await connection.createSession()
    if (!session.ok) {
      connection.close()
      return session
    }
    const control = await session.value.attach(VIDEOROOM)
    if (!control.ok) {
      connection.close()
      return control
    }
    if (this.#closed) {
      connection.close()
      return { ok: false, error: { type: 'closed', message: 'engine closed while connecting' } }
    }
    const link = { connection, session: session.value, control: control.value }
    this.#link = link
    connection.observer.on('close', (reason) => this.#lost(link, reason))
    session.value.observer.on('close', (reason) => this.#lost(link, reason))
    this.#logger.info({ url: this.#endpoint.url }, 'connected to Janus')
    return { ok: true, value: link }
  }

  #lost(link: Link, reason: string): void {
    if (this.#link !== link || this.#closed) return
    this.#link = undefined
    link.connection.close()
    this.#logger.warn({ reason }, 'lost Janus; closing its calls and reconnecting')
    for (const router of this.#routers.values()) router.engineClosed(`Janus connection lost: ${reason}`)
    this.#routers.clear()
    this.observer.safeEmit('unavailable', reason)
    this.#scheduleReconnect(0)
  }

  #scheduleReconnect(attempt: number): void {
    if (this.#closed) return
    const delay = Math.min(this.#reconnectDelayMs * 2 ** attempt, 15_000)
    this.#reconnectTimer = setTimeout(() => {
      void this.#connect().then((result) => {
        if (result.ok) this.observer.safeEmit('available')
        else this.#scheduleReconnect(attempt + 1)
      })
    }, delay)
  }
}
