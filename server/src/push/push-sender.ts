/**
 * Sends one encrypted push message to one push service. web-push makes the request (RFC 8291
 * aes128gcm encryption with the subscription's keys, RFC 8292 VAPID signature); we send it
 * ourselves through the federation's guarded agent, so the address is checked where the socket is
 * made (no DNS rebinding into our network), with a total time limit, no redirects and at most
 * 16 KiB of answer read. Every outcome is a value: the service decides what a refusal means.
 */
import type webpush from 'web-push'
import type { Dispatcher } from 'undici'
import { guardedAgent } from '@parley/federation'
import type { PushSubscriptionRecord } from '../store/push-records.ts'

export type VapidDetails = { subject: string; publicKey: string; privateKey: string }

export type PushSendOptions = {
  /** Seconds the push service keeps the message for a browser that is offline. */
  ttlSeconds: number
  urgency: 'very-low' | 'low' | 'normal' | 'high'
  /** Replaces a message with the same topic still waiting at the push service (URL-safe base64, ≤ 32). */
  topic?: string
}

export type PushSendResult =
  | { type: 'sent'; status: number }
  /** 404/410: the browser unsubscribed or the subscription expired; forget it. */
  | { type: 'gone'; status: number }
  | { type: 'refused'; status: number }
  | { type: 'failed'; error: string }

export type PushSenderOptions = {
  vapid: VapidDetails
  timeoutMs: number
  /** Test and development instances only: loopback and private addresses are reachable. */
  allowPrivate: boolean
}

const MAX_ANSWER_BYTES = 16 * 1024

export class PushSender {
  readonly #vapid: VapidDetails
  readonly #timeoutMs: number
  readonly #allowPrivate: boolean
  /** Made by the first push (guardedAgent loads undici then, not at startup). */
  #agent: Dispatcher | null = null
  #closed = false

  constructor(options: PushSenderOptions) {
    this.#vapid = options.vapid
    this.#timeoutMs = options.timeoutMs
    this.#allowPrivate = options.allowPrivate
  }

  async send(subscription: PushSubscriptionRecord, payload: string, options: PushSendOptions): Promise<PushSendResult> {
    // web-push (≈ 300 ms and 9 MB to load) at the first push, not at startup.
    const { default: pushCrypto } = await import('web-push')
    let details: ReturnType<typeof webpush.generateRequestDetails>
    try {
      details = pushCrypto.generateRequestDetails(
        { endpoint: subscription.endpoint, keys: { p256dh: subscription.p256dh, auth: subscription.auth } },
        payload,
        {
          vapidDetails: this.#vapid,
          TTL: options.ttlSeconds,
          urgency: options.urgency,
          contentEncoding: 'aes128gcm',
          ...(options.topic ? { topic: options.topic } : {}),
        },
      )
    } catch (error) {
      return { type: 'failed', error: `cannot encrypt: ${(error as Error).message}` }
    }
    // This workspace's undici (a second copy of it: the root's is another major) at the first push too.
    const { request } = await import('undici')
    const signal = AbortSignal.timeout(this.#timeoutMs)
    try {
      const answer = await request(subscription.endpoint, {
        method: 'POST',
        headers: details.headers as Record<string, string>,
        body: details.body as Buffer,
        dispatcher: this.#dispatcher(),
        signal,
        headersTimeout: this.#timeoutMs,
        bodyTimeout: this.#timeoutMs,
      })
      await drain(answer.body)
      const status = answer.statusCode
      if (status >= 200 && status < 300) return { type: 'sent', status }
      if (status === 404 || status === 410) return { type: 'gone', status }
      return { type: 'refused', status }
    } catch (error) {
      const err = error as Error & { code?: string }
      return { type: 'failed', error: signal.aborted ? 'timeout' : (err.code ?? err.name ?? 'error') }
    }
  }

  #dispatcher(): Dispatcher {
    if (this.#agent) return this.#agent
    if (this.#closed) throw new DOMException('the push sender is closed', 'InvalidStateError')
    this.#agent = guardedAgent({ allowPrivateAddress: this.#allowPrivate })
    return this.#agent
  }

  async close(): Promise<void> {
    this.#closed = true
    await this.#agent?.close()
  }
}

/** Reads (and drops) at most MAX_ANSWER_BYTES of the answer; a longer one is cut off. */
async function drain(body: Dispatcher.ResponseData['body']): Promise<void> {
  let read = 0
  for await (const chunk of body) {
    read += (chunk as Buffer).length
    if (read > MAX_ANSWER_BYTES) {
      body.destroy()
      return
    }
  }
}
