/**
 * One realtime session: one WebSocket of one client. Says hello, receives the events of every room
 * the caller is active in (resuming from the positions the client sends), relays typing, answers
 * pings, and protects the server: frames over 64 KiB, floods and slow readers get an error or are
 * disconnected with a reason, never buffered without bound.
 */
import { randomUUID } from 'node:crypto'
import type { WebSocket } from 'ws'
import {
  CloseCodes,
  ErrorCodes,
  MAX_FRAME_BYTES,
  REALTIME_FEATURES,
  REALTIME_VERSION,
  type ClientHello,
  type ErrorCode,
  type RoomRemovedReason,
  type ServerMessage,
} from '@parley/protocol'
import type { Caller } from '../rooms/result.ts'
import type { MembershipChange } from '../rooms/event-log.ts'
import type { HubListener } from './hub.ts'
import type { PresentActor } from './presence-registry.ts'
import type { CallSink } from '../calls/call-participant.ts'
import type { GatewayContext, StillValid } from './gateway-context.ts'
import { TokenBucket } from './token-bucket.ts'
import { parseClientFrame } from './client-frames.ts'
import { resumeRoom } from './resume.ts'
import { RoomStream, type StreamFrame } from './room-stream.ts'
import { userStatusView } from '../http/views.ts'

type State = 'awaiting-hello' | 'authenticating' | 'open' | 'closed'

export class RealtimeSession implements HubListener, CallSink {
  readonly id = randomUUID()
  readonly #ws: WebSocket
  readonly #ctx: GatewayContext
  readonly #bucket: TokenBucket
  #caller: Caller | null
  #stillValid: StillValid | null
  #state: State = 'awaiting-hello'
  #alive = true
  #dropped = 0
  #queue: (string | Buffer)[] = []
  #pendingMembership: MembershipChange[] = []
  /** User frames that arrived before the welcome: sent right after it. */
  #pendingUserFrames: Buffer[] = []
  #queuedBytes = 0
  readonly #timers: NodeJS.Timeout[] = []
  /** Rooms this session receives, each an ordered stream of frames (room-stream.ts). */
  readonly #rooms = new Map<string, RoomStream>()
  readonly #onClosed: (session: RealtimeSession) => void

  constructor(
    ws: WebSocket,
    ctx: GatewayContext,
    caller: Caller | null,
    stillValid: StillValid | null,
    onClosed: (session: RealtimeSession) => void,
  ) {
    this.#ws = ws
    this.#ctx = ctx
    this.#caller = caller
    this.#stillValid = stillValid
    this.#onClosed = onClosed
    this.#bucket = new TokenBucket(ctx.limits.messagesPerSecond, ctx.limits.messagesPerSecond * 2)
    ws.on('message', (data, isBinary) => this.#onFrame(data as Buffer, isBinary))
    ws.on('pong', () => (this.#alive = true))
    ws.on('close', () => this.#cleanup())
    ws.on('error', () => this.#cleanup())
    this.#timers.push(
      setTimeout(() => this.#state === 'awaiting-hello' && this.close('hello-required'), ctx.limits.helloTimeoutMs),
    )
    this.#timers.push(
      setInterval(() => {
        if (!this.#alive) return this.close('idle-timeout')
        this.#alive = false
        ws.ping()
      }, ctx.limits.pingIntervalMs),
    )
    // Logging out, revoking the token, disabling the account or removing the guest ends the session.
    this.#timers.push(setInterval(() => void this.#recheck(), ctx.limits.reauthIntervalMs))
  }

  async #recheck(): Promise<void> {
    if (this.#state !== 'open' || !this.#stillValid) return
    try {
      if (!(await this.#stillValid())) this.close('session-ended')
    } catch (error) {
      this.#ctx.log.warn({ err: error, sessionId: this.id }, 'realtime credential check failed')
    }
  }

  /** Said hello and welcomed: counted as online. */
  get isOpen(): boolean {
    return this.#state === 'open'
  }

  get caller(): Caller | null {
    return this.#caller
  }

  /**
   * Queues a frame unless the client has fallen too far behind, in which case it is cut off. Queued
   * frames go out together once per event-loop turn (one corked write for several frames), so a
   * busy room costs fewer system calls per delivery.
   */
  sendRaw(raw: string | Buffer): void {
    if (this.#state === 'closed') return
    if (this.#ws.bufferedAmount + this.#queuedBytes > this.#ctx.limits.sendBufferBytes) {
      this.close('slow-consumer')
      return
    }
    this.#queue.push(raw)
    this.#queuedBytes += raw.length
    if (this.#queue.length === 1) this.#ctx.flusher.schedule(this)
  }

  /** Writes the queued frames (called by the gateway's flusher). */
  flush(): void {
    const frames = this.#queue
    if (frames.length === 0) return
    this.#queue = []
    this.#queuedBytes = 0
    if (this.#ws.readyState !== this.#ws.OPEN) return
    // ws keeps its net.Socket private; corking it merges the frames into one writev.
    const socket = (this.#ws as unknown as { _socket?: { cork(): void; uncork(): void } })._socket
    socket?.cork()
    // Buffers are frames already encoded once for the whole room: sent as text, not re-encoded.
    for (const raw of frames) this.#ws.send(raw, { binary: false })
    socket?.uncork()
  }

  send(message: ServerMessage): void {
    this.sendRaw(JSON.stringify(message))
  }

  error(code: ErrorCode, id?: string, details?: Record<string, unknown>, message?: string): void {
    this.send({
      type: 'error',
      ...(id ? { id } : {}),
      error: { code, message: message ?? ErrorCodes[code].message, details: details ?? {} },
    })
  }

  /** Ends the session with a reason: a bye frame (when it can still be read), then the close code. */
  close(reason: keyof typeof CloseCodes | 'server-closing'): void {
    if (this.#state === 'closed') return
    const slow = reason === 'slow-consumer'
    if (slow) this.#queue = []
    else this.flush()
    if (!slow && reason !== 'server-closing') this.#ws.send(JSON.stringify({ type: 'bye', reason }))
    this.#cleanup()
    const code = reason === 'server-closing' ? 1001 : CloseCodes[reason]
    this.#ws.close(code, reason)
    // A slow reader may never read the close frame: drop the connection outright.
    if (slow)
      this.#ctx.log.info(
        { sessionId: this.id, bufferedAmount: this.#ws.bufferedAmount },
        'slow realtime consumer disconnected',
      )
    const kill = setTimeout(() => this.#ws.terminate(), slow ? 500 : 2000)
    kill.unref()
  }

  roomFrame(roomId: string, raw: Buffer, frame: ServerMessage): void {
    if (this.#state === 'closed') return
    this.#rooms.get(roomId)?.accept({ raw, frame, seq: frame.type === 'event' ? frame.seq : null })
  }

  #stream(roomId: string): RoomStream {
    const stream = new RoomStream({
      deliver: ({ raw, frame }) => {
        this.sendRaw(raw)
        if (frame.type === 'event') this.#afterEvent(roomId, frame.event)
      },
      missing: async (afterSeq, beforeSeq) => {
        const events = await this.#ctx.store.events.since(
          roomId,
          afterSeq,
          Math.min(beforeSeq - afterSeq - 1, this.#ctx.limits.maxReplay),
        )
        return events
          .filter((e) => e.seq < beforeSeq)
          .map((e): StreamFrame => {
            const frame = {
              type: 'event' as const,
              roomId,
              seq: e.seq,
              event: e.data as unknown as Extract<ServerMessage, { type: 'event' }>['event'],
            }
            return { raw: JSON.stringify(frame), frame, seq: e.seq }
          })
      },
      onError: (error) =>
        this.#ctx.log.warn({ err: error, sessionId: this.id, roomId }, 'filling a sequence gap failed'),
      gapWaitMs: this.#ctx.limits.gapWaitMs,
    })
    this.#rooms.set(roomId, stream)
    return stream
  }

  membership(change: MembershipChange): void {
    // Changes that race the hello are applied once the session is open, not lost.
    if (this.#state === 'authenticating') {
      this.#pendingMembership.push(change)
      return
    }
    if (this.#state !== 'open') return
    if (change.kind === 'ended') {
      // A guest's page says why it ends (turned away from the lobby, removed, the room deleted).
      this.#removed(change.roomId, change.reason)
      return this.close('session-ended')
    }
    void this.#refreshRoom(change.roomId, change.reason).catch((error: unknown) =>
      this.#ctx.log.warn({ err: error, sessionId: this.id }, 'membership refresh failed'),
    )
  }

  userFrame(raw: Buffer): void {
    if (this.#state === 'authenticating') this.#pendingUserFrames.push(raw)
    else if (this.#state === 'open') {
      this.sendRaw(raw)
      // The user's status changed: their rooms hear it from one local session of theirs.
      if (raw.subarray(0, 24).toString('latin1').startsWith('{"type":"status"')) this.#presence(true, true)
    }
  }

  #onFrame(data: Buffer, isBinary: boolean): void {
    this.#alive = true
    if (this.#state === 'closed') return
    if (data.length > MAX_FRAME_BYTES)
      return this.error('frame-too-large', undefined, { limit: MAX_FRAME_BYTES, size: data.length })
    if (!this.#bucket.take()) {
      this.#dropped += 1
      if (this.#dropped > this.#ctx.limits.messagesPerSecond * 10) return this.close('rate-limited')
      return this.error('rate-limited', undefined, { messagesPerSecond: this.#ctx.limits.messagesPerSecond })
    }
    const frame = parseClientFrame(data, isBinary)
    if (!frame.ok) return this.error(frame.code, frame.id, frame.details)
    const { message, id } = frame
    if (message.type === 'ping') return this.send({ type: 'pong', ...(id ? { id } : {}) })
    if (message.type === 'hello') {
      if (this.#state !== 'awaiting-hello') return this.error('already-hello', id)
      this.#state = 'authenticating'
      void this.#hello(message).catch((error: unknown) => {
        this.#ctx.log.error({ err: error, sessionId: this.id }, 'hello failed')
        this.error('internal-error', id)
        this.close('session-ended')
      })
      return
    }
    if (this.#state !== 'open') return this.error('hello-required', id)
    if (message.type === 'typing') return void this.#typing(message.roomId, message.typing, id)
    void this.#ctx.calls.handle(this, message)
  }

  async #hello(hello: ClientHello): Promise<void> {
    if (hello.auth) {
      const auth = await this.#ctx.authenticate(hello.auth)
      if (!auth.ok) {
        this.error(auth.error, hello.id)
        this.close('unauthenticated')
        return
      }
      this.#caller = auth.caller
      this.#stillValid = auth.stillValid
    }
    const caller = this.#caller
    if (!caller) {
      this.error('unauthenticated', hello.id)
      this.close('unauthenticated')
      return
    }
    await this.#ctx.hub.watchActor(caller.id, this)
    if (caller.type === 'user') await this.#ctx.hub.watchUser(caller.id, this)
    const mine = (await this.#ctx.rooms.listMine(caller)).filter((a) => a.self.state === 'active')
    const resume = hello.resume ?? {}
    // Until each room's starting point is known, its live frames wait (nothing lost).
    for (const { room } of mine) this.#stream(room.id)
    await Promise.all(mine.map(({ room }) => this.#ctx.hub.joinRoom(room.id, this)))
    for (const { room } of mine) this.#ctx.hostedTyping?.watch(caller, room.id)
    const rooms: Record<string, number> = {}
    for (const { room } of mine) rooms[room.id] = (await this.#ctx.store.rooms.byId(room.id))?.lastSeq ?? room.lastSeq
    const calls = await this.#ctx.calls.activeCalls(mine.map(({ room }) => room.id))
    const online = await this.#onlineIn(Object.keys(rooms))
    if (this.#state !== 'authenticating') return
    this.#state = 'open'
    this.send({
      type: 'welcome',
      ...(hello.id ? { id: hello.id } : {}),
      version: REALTIME_VERSION,
      sessionId: this.id,
      features: [...REALTIME_FEATURES],
      actor: { type: caller.type, id: caller.id, name: caller.name },
      rooms,
      online,
      calls,
      limits: {
        maxFrameBytes: MAX_FRAME_BYTES,
        messagesPerSecond: this.#ctx.limits.messagesPerSecond,
        pingIntervalMs: this.#ctx.limits.pingIntervalMs,
      },
    })
    for (const roomId of Object.keys(resume)) if (!this.#rooms.has(roomId)) this.#removed(roomId.slice(0, 64))
    for (const [roomId, stream] of [...this.#rooms]) {
      const position = resume[roomId]
      stream.start(
        position === undefined
          ? (rooms[roomId] ?? 0)
          : await resumeRoom(this, this.#ctx, roomId, position, rooms[roomId] ?? 0),
      )
    }
    this.#presence(true)
    for (const raw of this.#pendingUserFrames.splice(0)) this.sendRaw(raw)
    for (const change of this.#pendingMembership.splice(0)) this.membership(change)
  }

  /** After an event about this session's own membership, stop or keep receiving the room. */
  #afterEvent(roomId: string, event: Extract<ServerMessage, { type: 'event' }>['event']): void {
    const me = this.#caller?.id
    if (event.type === 'room.deleted') this.#dropRoom(roomId, 'deleted')
    else if (event.type === 'participant.left' && event.actorId === me) this.#dropRoom(roomId, event.reason)
    else if (
      event.type === 'participant.updated' &&
      event.participant.actorId === me &&
      event.participant.state !== 'active'
    )
      this.#dropRoom(roomId, event.participant.state === 'banned' ? 'banned' : undefined)
  }

  #dropRoom(roomId: string, reason: RoomRemovedReason | undefined): void {
    const stream = this.#rooms.get(roomId)
    if (!stream) return
    stream.close()
    this.#rooms.delete(roomId)
    this.#ctx.hub.leaveRoom(roomId, this)
    this.#ctx.calls.sessionLeftRoom(this.id, roomId)
    this.#presenceIn(roomId, false)
    this.#removed(roomId, reason)
    if (this.#caller?.type === 'guest') this.close('session-ended')
  }

  #removed(roomId: string, reason?: RoomRemovedReason): void {
    this.send({ type: 'room.removed', roomId, ...(reason ? { reason } : {}) })
  }

  async #refreshRoom(roomId: string, reason: RoomRemovedReason | undefined): Promise<void> {
    const caller = this.#caller
    if (!caller) return
    const access = await this.#ctx.rooms.access(caller, roomId, 'chat.read')
    if (!access.ok) {
      const why = reason ?? (access.error.type === 'banned' ? 'banned' : undefined)
      if (this.#rooms.has(roomId)) return this.#dropRoom(roomId, why)
      // Waiting in the lobby (they just joined it, here or on another device): nothing of the room
      // yet, but every page of theirs can show that they wait.
      if (access.error.type === 'in-lobby') return this.send({ type: 'room.waiting', roomId })
      // Someone waiting in the lobby never received the room, yet their page waits for it: told
      // that they were turned away, that the room is gone, or that they left it on another device.
      this.#removed(roomId, why)
      if (caller.type === 'guest') this.close('session-ended')
      return
    }
    if (this.#rooms.has(roomId)) return
    const stream = this.#stream(roomId)
    await this.#ctx.hub.joinRoom(roomId, this)
    const lastSeq = (await this.#ctx.store.rooms.byId(roomId))?.lastSeq ?? 0
    if (this.#rooms.get(roomId) !== stream) return
    this.send({ type: 'room.added', roomId, lastSeq })
    stream.start(lastSeq)
    this.#ctx.hostedTyping?.watch(caller, roomId)
    this.#presenceIn(roomId, true)
  }

  async #typing(roomId: string, typing: boolean, id: string | undefined): Promise<void> {
    const caller = this.#caller as Caller
    const allowed = await this.#ctx.rooms.access(caller, roomId, 'chat.typing')
    if (!allowed.ok) return this.error(allowed.error.type, id, { roomId: roomId.slice(0, 64) })
    // A room hosted elsewhere: the host tells everyone (us included), as it does for its own people.
    if (await this.#ctx.hostedTyping?.typing(caller, roomId, typing)) return
    this.#ctx.events.ephemeral(roomId, {
      type: 'typing',
      roomId,
      actor: { type: caller.type, id: caller.id, name: allowed.value.self.displayName },
      typing,
    })
  }

  /** Who else has a session open in each room, on any node of the instance (presence-registry.ts). */
  async #onlineIn(roomIds: string[]): Promise<Record<string, PresentActor[]>> {
    const me = this.#caller?.id
    const online = await this.#ctx.presence.online(roomIds)
    for (const roomId of roomIds) online[roomId] = (online[roomId] ?? []).filter((a) => a.id !== me)
    return online
  }

  #presence(online: boolean, statusChanged = false): void {
    for (const roomId of this.#rooms.keys()) this.#presenceIn(roomId, online, statusChanged)
  }

  /**
   * Says in the room that the caller came online (with their status) or went offline. Another local
   * session of the same person keeps them online; a status change is told by the first of them.
   */
  #presenceIn(roomId: string, online: boolean, statusChanged = false): void {
    const caller = this.#caller
    if (!caller) return
    const actor = { type: caller.type, id: caller.id, name: caller.name }
    // Registered before the presence frame goes out: whoever sees the frame and then connects finds us in `online`.
    const registered = online
      ? this.#ctx.presence.add(roomId, this.id, actor)
      : this.#ctx.presence.remove(roomId, this.id)
    const mine = [...this.#ctx.hub.listenersOf(roomId)].filter((l) => (l as RealtimeSession).caller?.id === caller.id)
    if (statusChanged ? mine[0] !== this : mine.some((l) => l !== this))
      return void registered.catch(this.#warn(roomId))
    const frame = { type: 'presence' as const, roomId, actor, online }
    if (!online)
      // Still online through a session on another node: no offline frame.
      return void registered
        .then(() => this.#ctx.presence.online([roomId]))
        .then((now) => {
          if (!(now[roomId] ?? []).some((a) => a.id === caller.id)) this.#ctx.events.ephemeral(roomId, frame)
        })
        .catch(this.#warn(roomId))
    if (caller.type !== 'user')
      return void registered.then(() => this.#ctx.events.ephemeral(roomId, frame), this.#warn(roomId))
    void Promise.all([this.#ctx.people.status(caller.id), registered])
      .then(([status]) => {
        // Closed meanwhile: its offline frame went out already and must stay the last word.
        if (this.#state !== 'closed' && this.#rooms.has(roomId))
          this.#ctx.events.ephemeral(roomId, { ...frame, status: userStatusView(status) })
      })
      .catch(this.#warn(roomId))
  }

  #warn(roomId: string): (error: unknown) => void {
    return (error) => this.#ctx.log.warn({ err: error, sessionId: this.id, roomId }, 'presence not told')
  }

  #cleanup(): void {
    if (this.#state === 'closed') return
    const wasOpen = this.#state === 'open'
    this.#state = 'closed'
    for (const timer of this.#timers) clearTimeout(timer)
    if (wasOpen) this.#presence(false)
    for (const [roomId, stream] of this.#rooms) {
      stream.close()
      this.#ctx.hub.leaveRoom(roomId, this)
    }
    this.#rooms.clear()
    if (this.#caller) this.#ctx.hub.unwatchActor(this.#caller.id, this)
    if (this.#caller?.type === 'user') this.#ctx.hub.unwatchUser(this.#caller.id, this)
    this.#ctx.calls.sessionClosed(this.id)
    this.#onClosed(this)
  }
}
