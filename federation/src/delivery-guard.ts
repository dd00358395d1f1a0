/**
 * Deliveries (POSTs to remote inboxes) are sent by Fedify itself, which checks no inbox address.
 * Each outbox message is checked here as the queue hands it to Fedify, just before the send: an
 * inbox that is not https or is, or resolves to, a non-public address (unless on a test network)
 * is dropped with a warning instead of being delivered and retried for days. The POST itself goes
 * through the remote fetcher's guarded agent (delivery-post.ts, Fedify's patched `deliveryFetch`),
 * whose connect-time check stops DNS rebinding between this check and the connect.
 */
import type { MessageQueue, MessageQueueEnqueueOptions, MessageQueueListenOptions } from '@fedify/fedify'
import { remoteFetchErrorCode } from './fetch-errors.ts'
import type { FederationLogger } from './log.ts'

/** Throws a fetch refusal (fetch-errors.ts) for a URL we must not send to. */
export type UrlCheck = (url: string) => Promise<void>

function outboxInbox(message: unknown): string | null {
  if (typeof message !== 'object' || message === null) return null
  const { type, inbox } = message as { type?: unknown; inbox?: unknown }
  return type === 'outbox' && typeof inbox === 'string' ? inbox : null
}

/** How long an origin found allowed is not checked again: a fan-out sends many messages to one. */
const ALLOWED_TTL_MS = 60_000
const ALLOWED_MAX = 10_000

/** Wraps a queue so that Fedify's outbox messages to refused inboxes are dropped before sending. */
export class DeliveryAddressGuard implements MessageQueue {
  readonly #inner: MessageQueue
  readonly #check: UrlCheck
  readonly #log: FederationLogger
  /** Origin → until when it counts as checked. */
  readonly #allowed = new Map<string, number>()

  constructor(inner: MessageQueue, check: UrlCheck, log: FederationLogger) {
    this.#inner = inner
    this.#check = check
    this.#log = log
    // Optional members are copied only when the inner queue has them: Fedify tests for presence.
    if (inner.enqueueMany) this.enqueueMany = (messages, options) => inner.enqueueMany!(messages, options)
    if (inner.getDepth) this.getDepth = () => inner.getDepth!()
  }

  get nativeRetrial(): boolean | undefined {
    return this.#inner.nativeRetrial
  }

  enqueueMany?: MessageQueue['enqueueMany']
  getDepth?: MessageQueue['getDepth']

  enqueue(message: unknown, options?: MessageQueueEnqueueOptions): Promise<void> {
    return this.#inner.enqueue(message, options)
  }

  listen(handler: (message: unknown) => Promise<void> | void, options?: MessageQueueListenOptions): Promise<void> {
    return this.#inner.listen(async (message) => {
      const inbox = outboxInbox(message)
      if (inbox !== null && !this.#recentlyAllowed(inbox)) {
        try {
          await this.#check(inbox)
          if (this.#allowed.size >= ALLOWED_MAX) this.#allowed.clear()
          this.#allowed.set(new URL(inbox).origin, Date.now() + ALLOWED_TTL_MS)
        } catch (error) {
          const code = remoteFetchErrorCode(error)
          // Anything but a refusal (a DNS failure, say) is left to the delivery and its retries.
          if (code !== null) {
            this.#log.warn({ inbox, code, err: error }, 'delivery refused: inbox address not allowed')
            return
          }
        }
      }
      return handler(message)
    }, options)
  }

  #recentlyAllowed(inbox: string): boolean {
    const until = this.#allowed.get(new URL(inbox).origin)
    return until !== undefined && until > Date.now()
  }
}
