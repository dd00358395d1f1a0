/**
 * The call service: one call per room, run on this instance (the room's host). The realtime
 * gateway hands it every `call.*` frame with the session it came from; each is checked against the
 * policy (decide() through RoomService.access) before anything happens, and every refusal is an
 * error frame to that session only — the other participants never notice.
 *
 * Engines: `mesh` relays offers, answers and candidates only between participants of the same call
 * and refuses joins past the cap; an SFU (Janus) carries the media, and Parley mediates the SDP
 * (call-sfu.ts): browsers never talk to the media server.
 *
 * With several nodes, the node that starts a room's call holds its lease (call-lease.ts) and runs
 * it; a join for a room whose lease another node holds is answered `{ ownedBy }`, and the caller
 * (call-forwarding.ts) sends the frame there. On one node the in-memory lease always says "ours".
 */
import type { ClientCallMessage, CallMediaFlags, IceServers } from '@parley/protocol'
import type { Logger } from '../logger.ts'
import type { Store } from '../store/ports.ts'
import type { MediaEngine } from '../media/engine.ts'
import { fromMedia, type CallRefusal } from './call-errors.ts'
import type { RoomService } from '../rooms/room-service.ts'
import type { RoomEventLog } from '../rooms/event-log.ts'
import type { RoomAction } from '../rooms/policy.ts'
import type { Caller } from '../rooms/result.ts'
import { Call } from './call.ts'
import type { CallLeaveReason, CallParticipant, CallSink } from './call-participant.ts'
import { SfuSignalling } from './call-sfu.ts'
import { CallRecorder } from './call-recorder.ts'
import { InMemoryCallLeases, type CallLeases } from './call-lease.ts'
import { messageView } from '../rooms/views.ts'
import { relayKeys } from './call-keys.ts'

export type CallServiceDeps = {
  engine: MediaEngine
  store: Store
  rooms: RoomService
  events: RoomEventLog
  iceServers(actorId: string): IceServers
  logger: Logger
  /** Who runs each room's call; default: this node alone (in memory). */
  leases?: CallLeases
  /** Told when a call starts (Web Push rings the room's other members). */
  onCallStarted?: (roomId: string, caller: Caller) => void
  /** Whether one of the room's meetings is on now (then a moderator opens its call); default: never. */
  meetingInProgress?: (roomId: string) => Promise<boolean>
}

/** What became of a call frame: handled here (replies went to the sink), or the room's call is run by another node. */
export type CallHandled = undefined | { ownedBy: string }

/** What the realtime gateway needs: CallService itself on one node, CallForwarding in front of it on several. */
export interface CallFrontDoor {
  handle(sink: CallSink, message: ClientCallMessage): Promise<unknown>
  sessionClosed(sessionId: string): void
  sessionLeftRoom(sessionId: string, roomId: string): void
  /** Which of these rooms have a call running now, on this node or (several nodes) any. */
  activeCalls(roomIds: string[]): Promise<string[]>
  close(): Promise<void> | void
}

/**
 * What CallForwarding sits in front of on several nodes: the call service, or the cascade's member
 * side in front of it (which runs the calls of rooms hosted elsewhere on the node holding their
 * lease). `handle` answers `{ ownedBy }` when another node runs the room's call.
 */
export interface CallRunner extends CallFrontDoor {
  handle(sink: CallSink, message: ClientCallMessage): Promise<CallHandled>
  /** Whether this node runs the room's call now (its frames are handled here without a lookup). */
  runs(roomId: string): boolean
  /** The sinks of everyone in calls run here (sessions on other nodes among them, which a dead node's are released). */
  sinks(): Iterable<CallSink>
  /** The room's lease was lost (another node may run it now): its call ends here. */
  leaseLost(roomId: string): void
}

type Msg<T extends ClientCallMessage['type']> = Extract<ClientCallMessage, { type: T }>

export class CallService implements CallRunner {
  readonly #engine: MediaEngine
  readonly #store: Store
  readonly #rooms: RoomService
  readonly #events: RoomEventLog
  readonly #iceServers: (actorId: string) => IceServers
  readonly #log: Logger
  readonly #calls = new Map<string, Call>()
  /** Calls being created, so two simultaneous joins make one call. */
  readonly #starting = new Map<string, Promise<Call | CallRefusal | { ownedBy: string }>>()
  readonly #sfu: SfuSignalling
  readonly #recorder: CallRecorder
  readonly #leases: CallLeases
  readonly #onCallStarted: (roomId: string, caller: Caller) => void
  readonly #meetingInProgress: (roomId: string) => Promise<boolean>

  constructor(deps: CallServiceDeps) {
    this.#engine = deps.engine
    this.#store = deps.store
    this.#rooms = deps.rooms
    this.#events = deps.events
    this.#iceServers = deps.iceServers
    this.#log = deps.logger.child({ component: 'calls' })
    this.#sfu = new SfuSignalling({
      access: (caller, roomId, action) => this.#allowed(caller, roomId, action),
      logger: this.#log,
    })
    this.#recorder = new CallRecorder({ logger: this.#log, recordings: deps.store.recordings })
    this.#leases = deps.leases ?? new InMemoryCallLeases()
    this.#onCallStarted = deps.onCallStarted ?? (() => {})
    this.#meetingInProgress = deps.meetingInProgress ?? (() => Promise.resolve(false))
  }

  get engineName(): string {
    return this.#engine.name
  }

  /** The call in a room, if any (for tests and the REST API). */
  call(roomId: string): Call | undefined {
    return this.#calls.get(roomId)
  }

  async activeCalls(roomIds: string[]): Promise<string[]> {
    // A call's lease is held for as long as it runs, by whichever node runs it.
    const running = await Promise.all(
      roomIds.map(async (roomId) => this.#calls.has(roomId) || (await this.#leases.holder(roomId)) !== null),
    )
    return roomIds.filter((_, i) => running[i])
  }

  /** Every call this node runs. */
  calls(): IterableIterator<Call> {
    return this.#calls.values()
  }

  runs(roomId: string): boolean {
    return this.#calls.has(roomId)
  }

  *sinks(): Iterable<CallSink> {
    for (const call of this.#calls.values())
      for (const participant of call.participants.values()) yield participant.sink
  }

  leaseLost(roomId: string): void {
    const call = this.#calls.get(roomId)
    if (!call) return
    this.#log.warn(
      { roomId, callId: call.id },
      'call lease lost (another node may run this room now): ending the call here',
    )
    call.close('media-unavailable')
  }

  /** Handles one call frame from a session that said hello. Never throws; refusals become error frames. */
  async handle(sink: CallSink, message: ClientCallMessage): Promise<CallHandled> {
    const caller = sink.caller
    if (!caller) {
      sink.error('unauthenticated', message.id)
      return undefined
    }
    let refusal: CallRefusal | { ownedBy: string } | undefined
    try {
      refusal = await this.#dispatch(sink, caller, message)
    } catch (error) {
      this.#log.error({ err: error, type: message.type, roomId: message.roomId }, 'call message failed')
      refusal = { code: 'internal-error' }
    }
    if (refusal && 'ownedBy' in refusal) return refusal
    if (refusal)
      sink.error(refusal.code, message.id, { roomId: message.roomId.slice(0, 64), ...refusal.details }, refusal.message)
    return undefined
  }

  /** The session went away: it leaves every call it was in. */
  sessionClosed(sessionId: string): void {
    for (const call of [...this.#calls.values()]) {
      const participant = call.participants.get(sessionId)
      if (participant) void this.#release(call, participant, 'disconnected')
    }
  }

  /** The session no longer receives the room (removed, banned, sent to the lobby): it leaves its call. */
  sessionLeftRoom(sessionId: string, roomId: string): void {
    const call = this.#calls.get(roomId)
    const participant = call?.participants.get(sessionId)
    if (call && participant) void this.#release(call, participant, 'removed')
  }

  close(): void {
    for (const call of [...this.#calls.values()]) call.close('media-unavailable')
  }

  async #dispatch(
    sink: CallSink,
    caller: Caller,
    message: ClientCallMessage,
  ): Promise<CallRefusal | { ownedBy: string } | undefined> {
    if (message.type === 'call.join') return this.#join(sink, caller, message)
    const allowed = await this.#allowed(caller, message.roomId, 'call.join')
    if (allowed) return allowed
    const call = this.#calls.get(message.roomId)
    if (!call) return { code: 'no-call' }
    const self = call.participants.get(sink.id)
    if (message.type === 'call.end') return this.#end(caller, call, sink, message)
    if (message.type === 'call.recording') return this.#recording(caller, call, sink, message)
    if (!self) return { code: 'not-in-call', details: { participantId: sink.id } }
    switch (message.type) {
      case 'call.leave':
        await this.#release(call, self, 'left')
        return this.#ack(sink, message)
      case 'call.update':
        return this.#update(caller, call, self, message)
      case 'call.reaction':
        call.emit({ type: 'call.reaction', roomId: call.roomId, participantId: self.id, emoji: message.emoji })
        return this.#ack(sink, message)
      case 'call.signal': {
        const mesh = call.mesh
        if (!mesh) return { code: 'engine-mismatch' }
        const relayed = mesh.relay(self.id, message.to, message.signal)
        return relayed.ok ? this.#ack(sink, message) : fromMedia(relayed.error)
      }
      case 'call.moderate':
        return this.#moderate(caller, call, self, message)
      case 'call.share-file':
        return this.#shareFile(caller, call, self, message)
      case 'call.key':
      case 'call.key-ack':
        return relayKeys(call, self, message) ?? this.#ack(sink, message)
      case 'call.publish':
      case 'call.unpublish':
      case 'call.subscribe':
      case 'call.subscribe-answer':
      case 'call.candidate':
      case 'call.layers': {
        const sfu = call.sfu
        if (!sfu) return { code: 'engine-mismatch' }
        return this.#sfu.handle(call, sfu, self, caller, message)
      }
    }
  }

  async #join(
    sink: CallSink,
    caller: Caller,
    message: Msg<'call.join'>,
  ): Promise<CallRefusal | { ownedBy: string } | undefined> {
    // In an end-to-end encrypted room only clients that encrypt get in (policy: e2ee-required).
    const access = await this.#rooms.access(caller, message.roomId, 'call.join', {
      encrypts: message.e2ee !== undefined,
    })
    if (!access.ok) return { code: access.error.type }
    const media = await this.#allowedMedia(caller, message.roomId, message.media)
    if ('code' in media) return media
    let call = this.#calls.get(message.roomId)
    if (!call) {
      const started = await this.#start(caller, message.roomId, access.value.room.e2ee)
      if (!(started instanceof Call)) return started
      call = started
    }
    const existing = call.participants.get(sink.id)
    if (!existing) {
      const mesh = call.mesh
      if (mesh) {
        const joined = mesh.join(sink.id)
        if (!joined.ok) return fromMedia(joined.error)
      }
      const { self } = access.value
      const participant = call.add({
        sink,
        actor: { type: caller.type, id: caller.id, name: self.displayName },
        moderator: self.role === 'owner' || self.role === 'moderator',
        media,
        publicKey: call.e2ee ? (message.e2ee?.publicKey ?? null) : null,
        onListenerError: (event, error) => this.#log.error({ err: error, event }, 'participant listener failed'),
      })
      const roomId = call.roomId
      // A session on another node must hear that it is out (its node stops routing to us).
      if (sink.callLeft) participant.observer.on('close', () => sink.callLeft?.(roomId))
    }
    sink.send({
      type: 'call.joined',
      ...(message.id ? { id: message.id } : {}),
      roomId: call.roomId,
      callId: call.id,
      participantId: sink.id,
      engine: call.mesh ? 'mesh' : 'sfu',
      participants: call.views(),
      feeds: call.feeds(),
      recording: call.recording,
      e2ee: call.e2ee,
      ice: this.#iceServers(caller.id),
    })
    return undefined
  }

  /**
   * Starts the room's call: needs the `call` permission (joining a running call does not), and
   * while one of the room's meetings is on, a moderator's role (the meeting's call is theirs to open).
   */
  async #start(caller: Caller, roomId: string, e2ee: boolean): Promise<Call | CallRefusal | { ownedBy: string }> {
    const pending = this.#starting.get(roomId)
    if (pending) return pending
    const starting = (async (): Promise<Call | CallRefusal | { ownedBy: string }> => {
      const refused = await this.#allowed(caller, roomId, 'call.start', {
        meetingInProgress: await this.#meetingInProgress(roomId),
      })
      if (refused) return refused
      // Another node may have started this room's call meanwhile: then it runs it, not us.
      const holder = await this.#leases.claim(roomId)
      if (holder !== this.#leases.nodeId) return { ownedBy: holder }
      const created = await this.#engine.createRouter({ callId: roomId, e2ee })
      if (!created.ok) {
        await this.#leases.release(roomId)
        return fromMedia(created.error)
      }
      const call = new Call({
        roomId,
        e2ee,
        router: created.value,
        broadcast: (frame) => this.#events.ephemeral(roomId, frame),
        logger: this.#log,
      })
      this.#calls.set(roomId, call)
      call.observer.on('close', () => {
        if (this.#calls.get(roomId) === call) this.#calls.delete(roomId)
        this.#recorder.callEnded(call)
        // Unless a new call of ours already took the room (started right after this one ended).
        if (!this.#calls.has(roomId) && !this.#starting.has(roomId)) {
          this.#leases
            .release(roomId)
            .catch((error: unknown) => this.#log.warn({ err: error, roomId }, 'cannot release the call lease'))
        }
      })
      this.#log.info({ roomId, callId: call.id, engine: this.#engine.name }, 'call started')
      this.#onCallStarted(roomId, caller)
      return call
    })()
    this.#starting.set(roomId, starting)
    try {
      return await starting
    } finally {
      this.#starting.delete(roomId)
    }
  }

  async #update(
    caller: Caller,
    call: Call,
    self: CallParticipant,
    message: Msg<'call.update'>,
  ): Promise<CallRefusal | undefined> {
    if (message.media) {
      const media = await this.#allowedMedia(caller, call.roomId, message.media)
      if ('code' in media) return media
      const paused = await this.#sfu.applyMedia(self, media)
      if (paused) return paused
      self.media = media
      // Muted is not speaking: the SFU pauses a muted stream, so its voice detection never says
      // "stopped" (the highlight would stay on someone silent) nor, after the unmute, "started"
      // again: the last thing it heard counts. Mesh browsers report their own speaking.
      self.speaking = media.audio && (call.mesh ? self.speaking : self.voice)
    }
    if (message.handRaised !== undefined) self.handRaised = message.handRaised
    // Speaking comes from the media server's audio levels on an SFU; mesh browsers report their own.
    if (message.speaking !== undefined && call.mesh) self.speaking = message.speaking && self.media.audio
    call.updated(self)
    return this.#ack(self.sink, message)
  }

  async #moderate(
    caller: Caller,
    call: Call,
    self: CallParticipant,
    message: Msg<'call.moderate'>,
  ): Promise<CallRefusal | undefined> {
    const target = call.participants.get(message.participantId)
    if (!target) return { code: 'not-in-call', details: { participantId: message.participantId.slice(0, 64) } }
    const record = await this.#store.participants.get(call.roomId, target.actor.id)
    const refused = await this.#allowed(caller, call.roomId, 'call.moderate', {
      target: { role: record?.role ?? 'guest', isSelf: target.actor.id === caller.id },
    })
    if (refused) return refused
    if (message.action === 'remove') await this.#release(call, target, 'removed')
    else {
      const media = { ...target.media, audio: false }
      await this.#sfu.applyMedia(target, media)
      target.media = media
      call.updated(target)
    }
    return this.#ack(self.sink, message)
  }

  /** A participant shows the call a file they shared in the room's chat (their own file message). */
  async #shareFile(
    caller: Caller,
    call: Call,
    self: CallParticipant,
    message: Msg<'call.share-file'>,
  ): Promise<CallRefusal | undefined> {
    const refused = await this.#allowed(caller, call.roomId, 'file.read')
    if (refused) return refused
    const shared = await this.#store.messages.get(call.roomId, message.seq)
    const file = shared && shared.deletedAt === null ? messageView(shared).file : undefined
    if (!shared || !file) return { code: 'message-not-found', details: { seq: message.seq } }
    if (shared.actorType !== caller.type || shared.actorId !== caller.id) return { code: 'not-author' }
    call.emit({ type: 'call.file-shared', roomId: call.roomId, participantId: self.id, seq: shared.seq, file })
    return this.#ack(self.sink, message)
  }

  async #end(caller: Caller, call: Call, sink: CallSink, message: Msg<'call.end'>): Promise<CallRefusal | undefined> {
    const refused = await this.#allowed(caller, call.roomId, 'call.moderate', {
      target: { role: 'guest', isSelf: false },
    })
    if (refused) return refused
    // What was being recorded is kept: recording stops (and converts) before the media goes.
    if (call.recording)
      await this.#recorder
        .stop(call)
        .catch((error: unknown) => this.#log.warn({ err: error, roomId: call.roomId }, 'cannot stop the recording'))
    call.close('ended-by-moderator')
    // Besides call.ended, which reaches the moderator's session with everyone else's.
    return this.#ack(sink, message)
  }

  async #recording(
    caller: Caller,
    call: Call,
    sink: CallSink,
    message: Msg<'call.recording'>,
  ): Promise<CallRefusal | undefined> {
    const refused = await this.#allowed(caller, call.roomId, 'call.record')
    if (refused) return refused
    const result = message.recording ? await this.#recorder.start(call) : await this.#recorder.stop(call)
    if (!result.ok) {
      this.#log.warn({ roomId: call.roomId, error: result.error, recording: message.recording }, 'recording refused')
      return fromMedia(result.error)
    }
    return this.#ack(sink, message)
  }

  /** Media flags the caller may send: turning something on needs its publish permission. */
  async #allowedMedia(caller: Caller, roomId: string, media: CallMediaFlags): Promise<CallMediaFlags | CallRefusal> {
    const checks: [keyof CallMediaFlags, RoomAction][] = [
      ['audio', 'call.publish-audio'],
      ['video', 'call.publish-video'],
      ['screen', 'call.publish-screen'],
    ]
    for (const [flag, action] of checks) {
      if (!media[flag]) continue
      const refused = await this.#allowed(caller, roomId, action)
      if (refused) return { ...refused, details: { ...refused.details, media: flag } }
    }
    return { ...media }
  }

  async #allowed(
    caller: Caller,
    roomId: string,
    action: RoomAction,
    extra: Parameters<RoomService['access']>[3] = {},
  ): Promise<CallRefusal | undefined> {
    const access = await this.#rooms.access(caller, roomId, action, extra)
    return access.ok ? undefined : { code: access.error.type }
  }

  /**
   * Takes a participant out of the call. While recording, their producers' recordings are stopped
   * and converted first (closing the producers would leave raw files behind).
   */
  async #release(call: Call, participant: CallParticipant, reason: CallLeaveReason): Promise<void> {
    if (call.recording) {
      const kept = await this.#recorder
        .stopParticipant(call, participant.id)
        .catch((error: unknown) => ({ ok: false as const, error }))
      if (!kept.ok)
        this.#log.warn({ error: kept.error, roomId: call.roomId }, 'cannot keep the recording of a leaving participant')
    }
    participant.close(reason)
  }

  #ack(sink: CallSink, message: ClientCallMessage): undefined {
    if (message.id) sink.send({ type: 'call.ack', id: message.id, roomId: message.roomId })
    return undefined
  }
}
