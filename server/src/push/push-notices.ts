/**
 * What Parley pushes, as PushPayloads: mentions and replies (from the notifications a message
 * made) and incoming calls (a call started in a room of yours). Tags match the open web client's
 * own notifications (`<roomId>:<seq>`), so a browser shows one of them, not both.
 */
import { createHash } from 'node:crypto'
import type { PushPayload } from '@parley/protocol'
import type { MessageRecord, NotificationRecord, ParticipantRecord } from '../store/records.ts'
import type { Store } from '../store/ports.ts'
import type { PushService } from './push-service.ts'

const MESSAGE_TTL_SECONDS = 24 * 3600
/** A call nobody answered within a minute is no longer incoming. */
const CALL_TTL_SECONDS = 60
const BODY_CHARS = 200

export function messagePayload(
  n: NotificationRecord,
  message: Pick<MessageRecord, 'body' | 'actorName'>,
  roomName: string,
  now: number,
): PushPayload {
  const title =
    n.kind === 'mention'
      ? `${message.actorName} mentioned you in ${roomName}`
      : `${message.actorName} replied in ${roomName}`
  return {
    kind: n.kind,
    roomId: n.roomId,
    seq: n.seq,
    title: title.slice(0, 200),
    body: message.body.length > BODY_CHARS ? `${message.body.slice(0, BODY_CHARS)}…` : message.body,
    tag: `${n.roomId}:${n.seq}`,
    url: `/r/${encodeURIComponent(n.roomId)}`,
    sentAt: new Date(now).toISOString(),
  }
}

export function callPayload(roomId: string, roomName: string, callerName: string, now: number): PushPayload {
  return {
    kind: 'call',
    roomId,
    title: `${callerName} started a call in ${roomName}`.slice(0, 200),
    body: '',
    tag: `call:${roomId}`,
    url: `/r/${encodeURIComponent(roomId)}`,
    sentAt: new Date(now).toISOString(),
  }
}

/** The hooks the chat stack and the call service call; each only queues (never throws, never waits). */
export class PushNotices {
  readonly #push: PushService
  readonly #store: Store
  readonly #now: () => number
  readonly #onError: (error: unknown) => void

  constructor(deps: { push: PushService; store: Store; now?: () => number; onError: (error: unknown) => void }) {
    this.#push = deps.push
    this.#store = deps.store
    this.#now = deps.now ?? Date.now
    this.#onError = deps.onError
  }

  notified(notifications: NotificationRecord[], message: MessageRecord, roomName: string): void {
    for (const n of notifications)
      this.#push
        .notify(n.userId, messagePayload(n, message, roomName, this.#now()), {
          ttlSeconds: MESSAGE_TTL_SECONDS,
          urgency: 'normal',
        })
        .catch(this.#onError)
  }

  /** A call started in a room hosted here: its other members (local users who allow notifications) hear it ring. */
  callStarted(roomId: string, caller: { id: string; name: string }): void {
    void (async () => {
      const room = await this.#store.rooms.byId(roomId)
      if (!room) return
      const ringing = (p: ParticipantRecord) =>
        p.actorType === 'user' &&
        p.state === 'active' &&
        p.actorId !== caller.id &&
        p.notificationLevel !== 'none' &&
        !/^https?:/.test(p.actorId)
      const payload = callPayload(roomId, room.name, caller.name, this.#now())
      for (const p of (await this.#store.participants.list(roomId)).filter(ringing))
        await this.#push.notify(p.actorId, payload, {
          ttlSeconds: CALL_TTL_SECONDS,
          urgency: 'high',
          // A second start of the same room's call replaces one still waiting at the push service.
          topic: createHash('sha256').update(`call:${roomId}`).digest('base64url').slice(0, 32),
        })
    })().catch(this.#onError)
  }
}
