/**
 * Member side: writes in rooms hosted elsewhere (posts, edits, deletes, reactions through the
 * ordinary chat API) go to the room's host, which decides (room-actions.ts in the federation).
 *
 * - Host reachable: the client gets the host's answer — the message as the mirror shows it once
 *   the host's event arrived (waited for briefly), or the host's refusal code and words.
 * - Host unreachable (network error, 5xx, timeout): the write is stored here and the client gets
 *   `write-queued` (202, the action id). A worker sends waiting writes in order, oldest first per
 *   room, backing off while the host stays down; the store keeps them across restarts. Writes
 *   made while others of the same room wait are queued behind them, so the host sees them in
 *   the order they were made. Each write keeps its action id across retries and the host applies
 *   an id once, so a write whose answer was lost is never posted twice.
 */
import { randomUUID } from 'node:crypto'
import type { ErrorCode, FileView, MessageView } from '@parley/protocol'
import { ErrorCodes } from '@parley/protocol'
import type { PollAction, RemoteRoomAction, RoomHostLink } from '@parley/federation'
import type { Store } from '../store/ports.ts'
import type { Logger } from '../logger.ts'
import { fail, ok, type Caller, type Result } from '../rooms/result.ts'
import type { RoomMirror } from './room-mirror.ts'
import { copyViews } from './file-sharing.ts'

/** How long a client waits for the host's event to reach the mirror before getting the answer built from the host's reply. */
const MIRROR_WAIT_MS = 5_000
/** Writes answered with the message they made or changed. */
type ChatAction = Exclude<RemoteRoomAction, PollAction>
const MAX_BACKOFF_MS = 30_000

export class RemoteRoomWrites {
  readonly #store: Store
  readonly #hosts: RoomHostLink
  readonly #mirror: RoomMirror
  readonly #log: Logger | undefined
  readonly #now: () => number
  readonly #baseBackoffMs: number
  /** The drain in progress (one at a time on this node), and whether another pass was asked for meanwhile. */
  #draining: Promise<void> | null = null
  #again = false
  #timer: NodeJS.Timeout | null = null
  #stopped = false

  constructor(deps: {
    store: Store
    /** The federation's link to rooms' hosts (built before the chat stack: federation-core.ts). */
    hosts: RoomHostLink
    mirror: RoomMirror
    log?: Logger
    now?: () => number
    /** First retry delay while a host is down (doubles per attempt, at most 30 s). */
    baseBackoffMs?: number
  }) {
    this.#store = deps.store
    this.#hosts = deps.hosts
    this.#mirror = deps.mirror
    this.#log = deps.log
    this.#now = deps.now ?? Date.now
    this.#baseBackoffMs = deps.baseBackoffMs ?? 1_000
  }

  /** The room URL when `roomId` is hosted elsewhere, else null. */
  hostOf(roomId: string): Promise<string | null> {
    return this.#store.remoteRooms.hostOf(roomId)
  }

  /** The copies of the files of these messages of local room `roomId` (hosted elsewhere), as views, by seq. */
  copies(roomId: string, seqs: readonly number[]): Promise<Map<number, FileView>> {
    return copyViews(this.#store, roomId, seqs)
  }

  /** Forwards `action` by `caller` (a participant of the mirror) in local room `roomId` to its host. */
  async write(caller: Caller, roomId: string, roomUri: string, action: ChatAction): Promise<Result<MessageView>> {
    const sent = await this.#send(caller, roomId, roomUri, action)
    return sent.ok ? this.#answer(caller, roomId, action, sent.value.seq, sent.value.actionId) : sent
  }

  /**
   * Forwards a poll action (new poll, vote, closing); answered once the mirror has the host's
   * event `seq` (the poll's message for a new poll, else the event of its new results), or with
   * `write-queued` (accepted) when it is still on its way. Unreachable host: queued like any write.
   */
  async poll(caller: Caller, roomId: string, roomUri: string, action: PollAction): Promise<Result<{ seq: number }>> {
    const sent = await this.#send(caller, roomId, roomUri, action)
    if (!sent.ok) return sent
    const { seq, actionId } = sent.value
    if (await this.#mirror.waitForEvent(roomId, seq, MIRROR_WAIT_MS)) return ok({ seq })
    return fail('write-queued', { actionId, roomId, seq, accepted: true })
  }

  /** Sends `action` now (or queues it behind waiting writes, or while the host is down): the host's seq, or its refusal. */
  async #send(
    caller: Caller,
    roomId: string,
    roomUri: string,
    action: RemoteRoomAction,
  ): Promise<Result<{ seq: number; actionId: string }>> {
    if (caller.type !== 'user') return fail('guest-not-allowed')
    const user = await this.#store.users.byId(caller.id)
    if (!user) return fail('room-not-found')
    const actionId = randomUUID()
    // Behind writes still waiting for this room: the host must get them first.
    if ((await this.#store.remoteRooms.queued(roomId)).length > 0)
      return this.#queue(caller.id, roomId, action, actionId)
    const outcome = await this.#hosts.forward(user.username, roomUri, action, actionId)
    switch (outcome.type) {
      case 'accepted':
        return ok({ seq: outcome.seq, actionId })
      case 'refused':
        return refusal(outcome.code, outcome.message)
      case 'unreachable':
        this.#log?.info(
          { roomId, roomUri, actionId, reason: outcome.reason, component: 'federation' },
          "room's host unreachable: write queued",
        )
        return this.#queue(caller.id, roomId, action, actionId)
    }
  }

  /**
   * The caller read up to `seq`: the host hears at once (not queued — a read marker is superseded
   * by the next one, and the member keeps its own). Refusals are the host's code; unreachable is fine.
   */
  async markRead(caller: Caller, roomId: string, roomUri: string, seq: number): Promise<Result<true>> {
    if (caller.type !== 'user') return fail('guest-not-allowed')
    const user = await this.#store.users.byId(caller.id)
    if (!user) return fail('room-not-found')
    const outcome = await this.#hosts.forward(user.username, roomUri, { type: 'read', seq }, randomUUID())
    switch (outcome.type) {
      case 'accepted':
        return ok(true)
      case 'refused':
        return refusal(outcome.code, outcome.message)
      case 'unreachable':
        this.#log?.info(
          { roomId, roomUri, reason: outcome.reason, component: 'federation' },
          'read marker kept here: host unreachable',
        )
        return ok(true)
    }
  }

  /** Starts sending what waits (after a restart, too). */
  start(): void {
    this.#stopped = false
    this.kick()
  }

  /** Asks for a pass over the waiting writes now. */
  kick(): void {
    if (this.#stopped) return
    if (this.#timer) {
      clearTimeout(this.#timer)
      this.#timer = null
    }
    if (this.#draining) {
      this.#again = true
      return
    }
    this.#draining = this.#drain()
      .catch((error: unknown) => this.#log?.warn({ err: error, component: 'federation' }, 'queued room writes failed'))
      .finally(() => {
        this.#draining = null
        if (this.#again) {
          this.#again = false
          this.kick()
        }
      })
  }

  /** Resolves once no write waits here (tests: the queue drained). */
  async drained(): Promise<void> {
    for (;;) {
      await this.#draining
      if ((await this.#store.remoteRooms.queued()).length === 0) return
      await new Promise((resolve) => setTimeout(resolve, 50))
    }
  }

  /** Stops the worker and waits for the pass in progress (shutdown: before the store closes). */
  async stop(): Promise<void> {
    this.#stopped = true
    if (this.#timer) clearTimeout(this.#timer)
    this.#timer = null
    await this.#draining
  }

  async #queue<T>(userId: string, roomId: string, action: RemoteRoomAction, actionId: string): Promise<Result<T>> {
    await this.#store.remoteRooms.enqueue({
      actionId,
      roomId,
      userId,
      action: action as unknown as Record<string, unknown>,
      createdAt: this.#now(),
      attempts: 0,
    })
    this.#schedule(this.#baseBackoffMs)
    return fail('write-queued', { actionId, roomId })
  }

  #schedule(delayMs: number): void {
    if (this.#stopped || this.#timer || this.#draining) return
    this.#timer = setTimeout(() => {
      this.#timer = null
      this.kick()
    }, delayMs)
    this.#timer.unref()
  }

  /** One pass: every room's waiting writes in order, until one finds its host still down. */
  async #drain(): Promise<void> {
    const waiting = await this.#store.remoteRooms.queued()
    const blocked = new Set<string>()
    let backoff = 0
    for (const write of waiting) {
      if (this.#stopped) return
      if (blocked.has(write.roomId)) continue
      const roomUri = await this.#store.remoteRooms.hostOf(write.roomId)
      const user = await this.#store.users.byId(write.userId)
      if (!roomUri || !user) {
        await this.#store.remoteRooms.dequeue(write.actionId)
        continue
      }
      const action = write.action as unknown as RemoteRoomAction
      const outcome = await this.#hosts.forward(user.username, roomUri, action, write.actionId)
      if (outcome.type === 'unreachable') {
        await this.#store.remoteRooms.attempted(write.actionId)
        blocked.add(write.roomId)
        backoff = Math.max(backoff, Math.min(MAX_BACKOFF_MS, this.#baseBackoffMs * 2 ** Math.min(write.attempts, 10)))
        continue
      }
      await this.#store.remoteRooms.dequeue(write.actionId)
      if (outcome.type === 'refused')
        this.#log?.warn(
          { roomId: write.roomId, actionId: write.actionId, code: outcome.code, component: 'federation' },
          'queued room write refused by the host',
        )
      else
        this.#log?.info(
          { roomId: write.roomId, actionId: write.actionId, seq: outcome.seq },
          'queued room write delivered',
        )
    }
    if (blocked.size > 0) {
      this.#draining = null
      this.#schedule(backoff)
    }
  }

  /**
   * The message the host accepted, as the mirror shows it once the host's event is here (waited
   * for briefly); a post whose event is still on its way (the member instance is busy, e.g.
   * pulling a long history) is answered from the host's answer and the request.
   */
  async #answer(
    caller: Caller,
    roomId: string,
    action: ChatAction,
    seq: number,
    actionId: string,
  ): Promise<Result<MessageView>> {
    const target = action.type === 'post' ? seq : action.seq
    if (action.type === 'post') await this.#mirror.waitForMessage(roomId, target, MIRROR_WAIT_MS)
    const view = await this.#mirror.view(roomId, target)
    if (view) return ok(view)
    if (action.type !== 'post') return fail('write-queued', { actionId, roomId, seq: target, accepted: true })
    const now = new Date(this.#now()).toISOString()
    return ok({
      roomId,
      seq,
      kind: 'text',
      actor: { type: 'user', id: caller.id, name: caller.name },
      body: action.body,
      data: null,
      replyTo: action.replyTo ?? null,
      createdAt: now,
      editedAt: null,
      deletedAt: null,
      expiresAt: null,
      reactions: [],
    })
  }
}

/** The host's refusal as the client gets it: its code when it is one of ours, its words in `details.host`. */
export function refusal<T = MessageView>(code: string, message: string): Result<T> {
  const known = Object.hasOwn(ErrorCodes, code) && code !== 'write-queued' ? (code as ErrorCode) : 'remote-refused'
  return fail(known, { host: { code, message } })
}
