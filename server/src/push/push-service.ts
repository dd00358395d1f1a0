/**
 * Web Push for one instance: browsers' subscriptions (each tied to the session or token that made
 * it, at most `pushMaxSubscriptionsPerUser` per person) and the pushes for mentions, replies and
 * incoming calls. Pushes go to every subscription of the person, whether or not they have a
 * realtime session open: a phone in a pocket must ring while the laptop's tab is open, and each
 * push carries the notification tag the open web client uses too, so the service worker shows one
 * notification, not two (and none while a window of the client is visible).
 *
 * Sending never fails or delays the action that caused it: pushes wait in a bounded in-memory
 * queue, a few at a time. A subscription the push service calls gone (404/410), or whose session
 * ended or token was revoked, is removed.
 */
import { randomUUID } from 'node:crypto'
import { PUSH_PAYLOAD_MAX_BYTES, type PushPayload, type PushSubscriptionCreate } from '@parley/protocol'
import type { Logger } from '../logger.ts'
import type { Store } from '../store/ports.ts'
import type { PushSubscriptionRecord } from '../store/push-records.ts'
import type { Authenticated } from '../accounts/account-service.ts'
import { fail, ok, type Result } from '../rooms/result.ts'
import { checkEndpoint, checkKeys } from './endpoint-policy.ts'
import type { PushSender, PushSendOptions } from './push-sender.ts'

export type PushServiceDeps = {
  store: Store
  sender: PushSender
  publicKey: string
  logger: Logger
  maxPerUser: number
  allowPrivate: boolean
  now?: () => number
  /** Pushes being sent at once, at most. */
  concurrency?: number
  /** Pushes waiting, at most; more are dropped (and logged). */
  maxQueued?: number
}

type Job = { subscription: PushSubscriptionRecord; payload: string; options: PushSendOptions }

/** Who made a subscription: the browser session or the API token. */
export function ownerOf(auth: Authenticated): string {
  return auth.via === 'session' ? `session:${auth.session.idHash}` : `token:${auth.token.id}`
}

export class PushService {
  readonly publicKey: string
  readonly #store: Store
  readonly #sender: PushSender
  readonly #log: Logger
  readonly #maxPerUser: number
  readonly #allowPrivate: boolean
  readonly #now: () => number
  readonly #concurrency: number
  readonly #maxQueued: number
  readonly #queue: Job[] = []
  #running = 0
  #waiters: (() => void)[] = []
  /** Notify calls still reading subscriptions (idle() waits for them too). */
  #preparing = 0
  #closed = false

  constructor(deps: PushServiceDeps) {
    this.publicKey = deps.publicKey
    this.#store = deps.store
    this.#sender = deps.sender
    this.#log = deps.logger.child({ component: 'push' })
    this.#maxPerUser = deps.maxPerUser
    this.#allowPrivate = deps.allowPrivate
    this.#now = deps.now ?? Date.now
    this.#concurrency = deps.concurrency ?? 4
    this.#maxQueued = deps.maxQueued ?? 1000
  }

  async subscribe(
    auth: Authenticated,
    input: PushSubscriptionCreate,
  ): Promise<
    Result<PushSubscriptionRecord, 'push-endpoint-invalid' | 'push-keys-invalid' | 'push-subscription-limit'>
  > {
    const endpoint = checkEndpoint(input.endpoint, { allowPrivate: this.#allowPrivate })
    if (!endpoint.ok) return endpoint
    const keys = checkKeys(input.keys)
    if (!keys.ok) return keys
    const userId = auth.user.id
    const existing = await this.#store.push.byEndpoint(input.endpoint)
    const count = await this.#store.push.countForUser(userId)
    if (existing?.userId !== userId && count >= this.#maxPerUser)
      return fail('push-subscription-limit', { limit: this.#maxPerUser })
    const stored = await this.#store.push.put({
      id: randomUUID(),
      userId,
      endpoint: input.endpoint,
      p256dh: input.keys.p256dh,
      auth: input.keys.auth,
      owner: ownerOf(auth),
      createdAt: this.#now(),
    })
    this.#log.info({ userId, subscriptionId: stored.id, host: endpoint.value.host }, 'push subscription added')
    return ok(stored)
  }

  list(userId: string): Promise<PushSubscriptionRecord[]> {
    return this.#store.push.listForUser(userId)
  }

  remove(userId: string, id: string): Promise<boolean> {
    return this.#store.push.delete(userId, id)
  }

  /**
   * Queues the payload for every subscription of the user. Resolves once queued (not sent);
   * `idle()` resolves once everything queued was sent or given up.
   */
  async notify(userId: string, payload: PushPayload, options: PushSendOptions): Promise<void> {
    if (this.#closed) return
    this.#preparing += 1
    try {
      const json = fitted(payload)
      for (const subscription of await this.#store.push.listForUser(userId)) {
        if (this.#queue.length >= this.#maxQueued) {
          this.#log.warn({ userId, queued: this.#queue.length }, 'push queue full: push dropped')
          break
        }
        this.#queue.push({ subscription, payload: json, options })
      }
    } finally {
      this.#preparing -= 1
    }
    this.#pump()
  }

  /** Resolves once no push is queued or being sent. */
  idle(): Promise<void> {
    if (this.#isIdle()) return Promise.resolve()
    return new Promise((resolve) => this.#waiters.push(resolve))
  }

  async close(): Promise<void> {
    this.#closed = true
    this.#queue.length = 0
    await this.idle()
    await this.#sender.close()
  }

  #isIdle(): boolean {
    return this.#queue.length === 0 && this.#running === 0 && this.#preparing === 0
  }

  #pump(): void {
    while (this.#running < this.#concurrency && this.#queue.length > 0) {
      const job = this.#queue.shift() as Job
      this.#running += 1
      void this.#deliver(job)
        .catch((error: unknown) => this.#log.warn({ err: error }, 'push not sent'))
        .finally(() => {
          this.#running -= 1
          this.#pump()
          if (this.#isIdle()) for (const resolve of this.#waiters.splice(0)) resolve()
        })
    }
    if (this.#isIdle()) for (const resolve of this.#waiters.splice(0)) resolve()
  }

  async #deliver({ subscription, payload, options }: Job): Promise<void> {
    const log = { subscriptionId: subscription.id, userId: subscription.userId }
    if (!(await this.#ownerStillValid(subscription))) {
      await this.#store.push.deleteByEndpoint(subscription.endpoint)
      this.#log.info(log, 'push subscription removed: its session or token ended')
      return
    }
    const result = await this.#sender.send(subscription, payload, options)
    switch (result.type) {
      case 'sent':
        this.#log.debug({ ...log, status: result.status }, 'push sent')
        return
      case 'gone':
        await this.#store.push.deleteByEndpoint(subscription.endpoint)
        this.#log.info({ ...log, status: result.status }, 'push subscription removed: gone at the push service')
        return
      case 'refused':
        this.#log.warn({ ...log, status: result.status }, 'push refused by the push service')
        return
      case 'failed':
        this.#log.warn({ ...log, error: result.error }, 'push not delivered')
        return
    }
  }

  async #ownerStillValid(subscription: PushSubscriptionRecord): Promise<boolean> {
    const now = this.#now()
    const user = await this.#store.users.byId(subscription.userId)
    if (!user || user.disabled || user.deletedAt !== null) return false
    const [kind, key] = [
      subscription.owner.slice(0, subscription.owner.indexOf(':')),
      subscription.owner.slice(subscription.owner.indexOf(':') + 1),
    ]
    if (kind === 'session') {
      const session = await this.#store.sessions.byIdHash(key)
      return session !== null && session.userId === user.id && session.expiresAt > now
    }
    const token = (await this.#store.tokens.listForUser(user.id)).find((t) => t.id === key)
    return token !== undefined && token.revokedAt === null && (token.expiresAt === null || token.expiresAt > now)
  }
}

/** The payload as JSON within PUSH_PAYLOAD_MAX_BYTES: the body is shortened until it fits. */
export function fitted(payload: PushPayload): string {
  let json = JSON.stringify(payload)
  let body = payload.body
  while (Buffer.byteLength(json) > PUSH_PAYLOAD_MAX_BYTES && body.length > 0) {
    body = body.slice(0, Math.floor(body.length / 2))
    json = JSON.stringify({ ...payload, body: body + '…' })
  }
  return json
}
