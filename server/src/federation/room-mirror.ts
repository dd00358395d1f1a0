/**
 * Member side: a room hosted on another instance is, here, an ordinary room — a local room record
 * linked to the room's actor URL (store.remoteRooms), its local members as participants, its
 * messages and reactions in the ordinary tables and its events in the ordinary event log, so the
 * rooms API, the history, read markers and the realtime gateway (with resume and resync) serve it
 * like any other. The host stays the authority: this mirror changes only when the host announces
 * an event (or a history page is pulled), and it numbers everything as the host does — a message
 * keeps the host's seq, an event is logged at the host's event seq — so read markers, replies and
 * cursors mean the same on both sides. Events the host does not share (guests, calls) leave gaps in
 * the log, which the gateway already steps over.
 *
 * Nothing here emits a local durable event with a seq of its own: such a seq would collide with
 * the host's next one (see chat-service.ts for read markers in mirrors).
 */
import { randomUUID } from 'node:crypto'
import type { MessageView, ParticipantView, RoomEvent } from '@parley/protocol'
import type { FileAttachment, ReplicaMessageRecord, RoomFanoutEvent } from '@parley/federation'
import { copyViews } from './file-sharing.ts'
import type { Store } from '../store/ports.ts'
import type { MessageRecord, ParticipantRecord, RoomRecord } from '../store/records.ts'
import type { RoomEventLog } from '../rooms/event-log.ts'
import { messageView, publicRoomView } from '../rooms/views.ts'
import type { Logger } from '../logger.ts'
import { MirroredPolls } from './mirrored-polls.ts'

/** Copies of the files the host's messages share (file-sharing.ts). */
export type MirrorFiles = {
  keepNow(roomUri: string, seq: number, authorId: string, attachment: FileAttachment): Promise<void>
}

type ParticipantFanoutEvent = Extract<RoomFanoutEvent, { actor: unknown; type: `participant.${string}` }>

function isParticipantEvent(event: RoomFanoutEvent): event is ParticipantFanoutEvent {
  return (
    event.type === 'participant.joined' || event.type === 'participant.updated' || event.type === 'participant.left'
  )
}

/** The rosters of rooms hosted elsewhere (hosted-rosters.ts). */
export type MirrorRosters = {
  forget(roomUri: string): void
  participant(roomUri: string, actorId: string, userId: string): Promise<ParticipantView | null>
}

export class RoomMirror {
  readonly #store: Store
  readonly #origin: string
  readonly #now: () => number
  readonly #log: Logger | undefined
  readonly #files: MirrorFiles | undefined
  readonly #rosters: MirrorRosters | undefined
  /** Absent in CLI commands (no chat stack): changes are stored but not published. */
  readonly #events: RoomEventLog | null
  /** The host's polls, kept in the ordinary poll tables (mirrored-polls.ts). */
  readonly #polls: MirroredPolls
  /** Writes waiting to see their message here: keyed by local room and seq. */
  readonly #waiters = new Map<string, Set<() => void>>()

  constructor(deps: {
    store: Store
    origin: string
    events?: RoomEventLog
    now?: () => number
    log?: Logger
    files?: MirrorFiles
    rosters?: MirrorRosters
  }) {
    this.#rosters = deps.rosters
    this.#store = deps.store
    this.#events = deps.events ?? null
    this.#files = deps.files
    this.#origin = new URL(deps.origin).origin
    this.#now = deps.now ?? Date.now
    this.#log = deps.log
    this.#polls = new MirroredPolls({
      store: this.#store,
      now: this.#now,
      localId: (actorId) => this.#localId(actorId),
      append: (roomId, seq, event) => this.#append(roomId, seq, event),
      view: (roomId, seq) => this.#view(roomId, seq),
      ...(this.#log ? { log: this.#log } : {}),
    })
  }

  /** The local room mirroring `roomUri`, created (and linked) when missing. */
  async ensureRoom(roomUri: string, name: string): Promise<string> {
    const known = await this.#store.remoteRooms.roomOf(roomUri)
    if (known) return known
    const room: RoomRecord = {
      id: randomUUID(),
      kind: 'group',
      name,
      description: '',
      listable: 'none',
      readOnly: false,
      lobby: false,
      e2ee: false,
      passwordHash: null,
      messageExpirySeconds: null,
      lastSeq: 0,
      pairKey: null,
      createdBy: roomUri,
      createdAt: this.#now(),
      deletedAt: null,
    }
    await this.#store.rooms.create(room)
    if (await this.#store.remoteRooms.link(room.id, roomUri)) return room.id
    // Another node linked one first: use it (the record made here stays unlinked and unlisted).
    await this.#store.rooms.update(room.id, { deletedAt: this.#now() })
    return (await this.#store.remoteRooms.roomOf(roomUri)) as string
  }

  /** A local user joined the remote room (accepted its invitation): a participant of the mirror. */
  async join(roomUri: string, name: string, userId: string): Promise<string> {
    const roomId = await this.ensureRoom(roomUri, name)
    const user = await this.#store.users.byId(userId)
    const existing = await this.#store.participants.get(roomId, userId)
    if (!existing || existing.state !== 'active') {
      const participant: ParticipantRecord = {
        roomId,
        actorType: 'user',
        actorId: userId,
        displayName: user?.displayName ?? userId,
        role: 'member',
        state: 'active',
        permissions: null,
        lastReadSeq: 0,
        favourite: false,
        archived: false,
        notificationLevel: 'all',
        joinedAt: this.#now(),
      }
      await this.#store.participants.put(participant)
    }
    this.#events?.membership(userId, { roomId, kind: 'changed' })
    this.#events?.mirrorChanged(roomUri)
    return roomId
  }

  /** A local user is no longer in the remote room (left, removed). */
  async leave(roomUri: string, userId: string): Promise<void> {
    const roomId = await this.#store.remoteRooms.roomOf(roomUri)
    if (!roomId) return
    if (await this.#store.participants.remove(roomId, userId)) {
      this.#events?.membership(userId, { roomId, kind: 'changed' })
      this.#events?.mirrorChanged(roomUri)
    }
  }

  /** The room was deleted on its host: deleted here too, its members told. */
  async deleted(roomUri: string): Promise<void> {
    const roomId = await this.#store.remoteRooms.roomOf(roomUri)
    if (!roomId) return
    const members = await this.#store.participants.list(roomId)
    const room = await this.#store.rooms.update(roomId, { deletedAt: this.#now() })
    if (room && this.#events) {
      const seq = room.lastSeq + 1
      await this.#append(roomId, seq, { type: 'room.deleted' } as RoomEvent)
    }
    for (const p of members) this.#events?.membership(p.actorId, { roomId, kind: 'changed', reason: 'deleted' })
    this.#events?.mirrorChanged(roomUri)
  }

  /** The host renamed the room (its event `eventSeq`). */
  async renamed(roomUri: string, name: string, eventSeq: number): Promise<void> {
    const roomId = await this.#store.remoteRooms.roomOf(roomUri)
    if (!roomId) return
    const room = await this.#store.rooms.update(roomId, { name })
    if (!room) return
    await this.#append(roomId, eventSeq, { type: 'room.updated', room: publicRoomView({ ...room, lastSeq: eventSeq }) })
  }

  /** The host's event `eventSeq`, applied once to the replica: the same change here, as the same room event. */
  async applied(roomUri: string, eventSeq: number, event: RoomFanoutEvent): Promise<void> {
    const roomId = await this.#store.remoteRooms.roomOf(roomUri)
    if (!roomId) return
    const messages = this.#store.messages
    // Applied before (a redelivery after a crash between the mirror and the replica's marker): once only.
    const [logged] = await this.#store.events.since(roomId, eventSeq - 1, 1)
    if (logged?.seq === eventSeq) return
    if (event.type === 'read') {
      // A member's read marker as the host counts it (its event seq is the host's, like any other).
      await this.#append(roomId, eventSeq, {
        type: 'read',
        actorId: await this.#localId(event.actor.id),
        lastReadSeq: event.lastReadSeq,
        everyoneReadSeq: event.everyoneReadSeq,
      })
      return
    }
    if (event.type === 'poll.new' || event.type === 'poll.updated') {
      await this.#polls.applied(roomId, eventSeq, event)
      return
    }
    if (isParticipantEvent(event)) {
      await this.#participantChanged(roomUri, roomId, eventSeq, event)
      return
    }
    if (event.type === 'message.expired') {
      // Gone here already when its expiresAt came (the sweep); else now. Logged either way, at the host's seq.
      await messages.remove(roomId, event.messageSeq)
      await this.#append(roomId, eventSeq, { type: 'message.expired', messageSeq: event.messageSeq })
      return
    }
    // A change to a message not here yet: the replica answers missing-message and the delivery is retried.
    if (event.type !== 'message.new' && !(await messages.get(roomId, event.messageSeq))) return
    switch (event.type) {
      case 'message.new': {
        const record: MessageRecord = {
          roomId,
          seq: event.messageSeq,
          kind: 'text',
          actorType: 'user',
          actorId: await this.#localId(event.author.id),
          actorName: event.author.name,
          body: event.body,
          data: null,
          replyTo: event.replyTo,
          createdAt: event.createdAt,
          editedAt: event.editedAt,
          deletedAt: null,
          // Removed here at that time by the expiry sweep, hidden before it, whether or not the host is reachable then.
          expiresAt: event.expiresAt ?? null,
        }
        if (!(await messages.get(roomId, record.seq))) await messages.create(record)
        // The file first: the live event then carries it, as a local message's does.
        const attachment = event.attachments?.[0]
        if (attachment) await this.#files?.keepNow(roomUri, event.messageSeq, event.author.id, attachment)
        await this.#append(
          roomId,
          eventSeq,
          { type: 'message.new', message: await this.#view(roomId, record.seq) },
          { expiresAt: record.expiresAt },
        )
        break
      }
      case 'message.edited': {
        if (!(await messages.edit(roomId, event.messageSeq, event.body, event.editedAt ?? this.#now()))) return
        await this.#append(roomId, eventSeq, {
          type: 'message.edited',
          message: await this.#view(roomId, event.messageSeq),
        })
        break
      }
      case 'message.deleted': {
        if (!(await messages.tombstone(roomId, event.messageSeq, event.at))) return
        await this.#append(roomId, eventSeq, {
          type: 'message.deleted',
          message: await this.#view(roomId, event.messageSeq),
        })
        break
      }
      case 'reaction.added':
      case 'reaction.removed': {
        const actorId = await this.#localId(event.actor.id)
        if (event.type === 'reaction.added')
          await messages.addReaction({
            roomId,
            seq: event.messageSeq,
            emoji: event.emoji,
            actorType: 'user',
            actorId,
            actorName: event.actor.name,
            createdAt: this.#now(),
          })
        else await messages.removeReaction(roomId, event.messageSeq, event.emoji, actorId)
        await this.#append(roomId, eventSeq, {
          type: event.type,
          messageSeq: event.messageSeq,
          emoji: event.emoji,
          actor: { type: 'user', id: actorId, name: event.actor.name },
        })
        break
      }
    }
    this.#wake(roomId, event.messageSeq)
  }

  /**
   * The host says a user joined, left or changed role: the roster kept here is forgotten (on every
   * node), and the change is the ordinary participant event, the participant as the host's roster
   * has them. When the host does not answer for the roster, no event is logged: the participants
   * list shows the change when asked, and the gap in the log is stepped over like any other.
   */
  async #participantChanged(
    roomUri: string,
    roomId: string,
    eventSeq: number,
    event: ParticipantFanoutEvent,
  ): Promise<void> {
    this.#rosters?.forget(roomUri)
    this.#events?.mirrorChanged(roomUri)
    const actorId = await this.#localId(event.actor.id)
    if (event.type === 'participant.left') {
      await this.#append(roomId, eventSeq, { type: 'participant.left', actorId, reason: event.reason })
      return
    }
    const asker = (await this.#store.participants.list(roomId)).find(
      (p) => p.actorType === 'user' && p.state === 'active',
    )
    const participant = asker ? await this.#rosters?.participant(roomUri, actorId, asker.actorId) : null
    if (!participant) {
      this.#log?.info(
        { roomUri, eventSeq, type: event.type, component: 'federation' },
        'participant not in the host roster',
      )
      return
    }
    await this.#append(roomId, eventSeq, { type: event.type, participant })
  }

  /**
   * A page of the host's history (a first join, or what was missed): messages not here yet are
   * added, with their `message.new` at their seq (a message's seq is its event's on the host);
   * messages here already take the host's state.
   */
  async pulled(roomUri: string, pulled: readonly ReplicaMessageRecord[]): Promise<void> {
    const roomId = await this.#store.remoteRooms.roomOf(roomUri)
    if (!roomId) return
    const messages = this.#store.messages
    for (const m of pulled) {
      const existing = await messages.get(roomId, m.seq)
      if (m.poll !== undefined && m.deletedAt === null) {
        // A poll (its votes as the host has them now): kept through the ordinary poll tables.
        const author = { id: m.authorId, name: m.authorName }
        if (!(await this.#polls.pulled(roomId, { seq: m.seq, author, createdAt: m.createdAt, poll: m.poll }))) continue
      } else if (!existing) {
        if (m.expiresAt != null && m.expiresAt <= this.#now()) continue
        await messages.create({
          roomId,
          seq: m.seq,
          kind: 'text',
          actorType: 'user',
          actorId: await this.#localId(m.authorId),
          actorName: m.authorName,
          body: m.body,
          data: null,
          replyTo: m.replyTo,
          createdAt: m.createdAt,
          editedAt: m.editedAt,
          deletedAt: m.deletedAt,
          expiresAt: m.expiresAt ?? null,
        })
      } else {
        if (m.deletedAt !== null && existing.deletedAt === null) await messages.tombstone(roomId, m.seq, m.deletedAt)
        else if (m.deletedAt === null && (existing.body !== m.body || existing.editedAt !== m.editedAt))
          await messages.edit(roomId, m.seq, m.body, m.editedAt ?? this.#now())
      }
      const have = await messages.reactions(roomId, [m.seq])
      const want = await Promise.all(m.reactions.map(async (r) => ({ ...r, actorId: await this.#localId(r.actorId) })))
      for (const r of have)
        if (!want.some((w) => w.emoji === r.emoji && w.actorId === r.actorId))
          await messages.removeReaction(roomId, m.seq, r.emoji, r.actorId)
      for (const w of want)
        await messages.addReaction({
          roomId,
          seq: m.seq,
          emoji: w.emoji,
          actorType: 'user',
          actorId: w.actorId,
          actorName: w.actorName,
          createdAt: this.#now(),
        })
      if (!existing)
        await this.#append(
          roomId,
          m.seq,
          { type: 'message.new', message: await this.#view(roomId, m.seq) },
          { ifFree: true, expiresAt: m.expiresAt ?? null },
        )
      this.#wake(roomId, m.seq)
    }
  }

  /** Resolves once message `seq` of the local room is here (true), or after `timeoutMs` (false). */
  async waitForMessage(roomId: string, seq: number, timeoutMs: number): Promise<boolean> {
    if (await this.#store.messages.get(roomId, seq)) return true
    const key = `${roomId} ${seq}`
    return new Promise<boolean>((resolve) => {
      const waiters = this.#waiters.get(key) ?? new Set()
      this.#waiters.set(key, waiters)
      const done = (found: boolean) => {
        clearTimeout(timer)
        waiters.delete(wake)
        if (waiters.size === 0) this.#waiters.delete(key)
        resolve(found)
      }
      const wake = () => done(true)
      const timer = setTimeout(() => done(false), timeoutMs)
      waiters.add(wake)
      // It may have arrived between the read above and now.
      void this.#store.messages.get(roomId, seq).then((m) => m && done(true))
    })
  }

  /** Resolves once the host's event `seq` of the local room is logged here (true), or after `timeoutMs` (false). */
  async waitForEvent(roomId: string, seq: number, timeoutMs: number): Promise<boolean> {
    const logged = async () => (await this.#store.events.since(roomId, seq - 1, 1))[0]?.seq === seq
    if (await logged()) return true
    const key = `${roomId} event ${seq}`
    return new Promise<boolean>((resolve) => {
      const waiters = this.#waiters.get(key) ?? new Set()
      this.#waiters.set(key, waiters)
      const done = (found: boolean) => {
        clearTimeout(timer)
        waiters.delete(wake)
        if (waiters.size === 0) this.#waiters.delete(key)
        resolve(found)
      }
      const wake = () => done(true)
      const timer = setTimeout(() => done(false), timeoutMs)
      waiters.add(wake)
      void logged().then((found) => found && done(true))
    })
  }

  /** A message of the mirror as clients see it. */
  async view(roomId: string, seq: number): Promise<MessageView | null> {
    return (await this.#store.messages.get(roomId, seq)) ? this.#view(roomId, seq) : null
  }

  #wake(roomId: string, seq: number): void {
    for (const wake of this.#waiters.get(`${roomId} ${seq}`) ?? []) wake()
  }

  async #view(roomId: string, seq: number): Promise<MessageView> {
    const message = (await this.#store.messages.get(roomId, seq)) as MessageRecord
    const view = messageView(message, await this.#store.messages.reactions(roomId, [seq]))
    // The copy kept here of the host's file, as the history shows it.
    const file = message.deletedAt === null ? (await copyViews(this.#store, roomId, [seq])).get(seq) : undefined
    return file ? { ...view, file } : view
  }

  /** Logs the event at the host's seq and publishes it; `ifFree`: skip when that seq is taken (a page overlapping events). */
  async #append(
    roomId: string,
    seq: number,
    event: RoomEvent,
    options: { ifFree?: boolean; expiresAt?: number | null } = {},
  ): Promise<void> {
    const { ifFree = false, expiresAt = null } = options
    const [taken] = await this.#store.events.since(roomId, seq - 1, 1)
    if (taken?.seq === seq) {
      if (!ifFree) this.#log?.debug({ roomId, seq, component: 'federation' }, 'mirrored event known already')
      return
    }
    await this.#store.events.append({
      roomId,
      seq,
      type: event.type,
      data: event as unknown as Record<string, unknown>,
      createdAt: this.#now(),
      // An expiring message's event carries its body: it goes when the message does.
      expiresAt,
    })
    await this.#store.remoteRooms.advanceSeq(roomId, seq)
    this.#events?.publishStored(roomId, seq, event)
    for (const wake of this.#waiters.get(`${roomId} event ${seq}`) ?? []) wake()
  }

  /** Our own users' actor URLs are their user ids here (so "mine" is recognised); others stay URLs. */
  async #localId(actorId: string): Promise<string> {
    const prefix = `${this.#origin}/users/`
    if (!actorId.startsWith(prefix)) return actorId
    const user = await this.#store.users.byUsername(decodeURIComponent(actorId.slice(prefix.length)))
    return user?.id ?? actorId
  }
}
