/**
 * Who is at the other end of a server-to-server call channel (spec/cascade.md). The channel is a
 * WebSocket whose upgrade request is signed with HTTP Message Signatures (RFC 9421, through Fedify's
 * `signRequest`), and verified like an inbox request: Fedify's `verifyRequestDetailed` with our
 * guarded, cached document loader fetching the key, a date window, the key's owner on the key's
 * own origin, domain policy, and each signature used once (a replayed upgrade is refused).
 *
 * A channel speaks for a whole instance, so the upgrade is signed with the instance actor's key
 * (`{origin}/actor`, instance-actor.ts), never a user's, and the verifier accepts only a key owned
 * by the peer's instance actor. What the host learns and believes is the peer's origin; which rooms
 * and participants the peer may speak for is checked per frame against that origin (server/src/cascade/).
 */
import { createHash, randomUUID, type webcrypto } from 'node:crypto'
import { Temporal } from '@js-temporal/polyfill'
import { signRequest, verifyRequestDetailed, type DocumentLoader, type KvStore } from '@fedify/fedify'
import { isIP, type LookupFunction } from 'node:net'
import type { DomainPolicy } from './domain-policy.ts'
import { bareHost, isPublicAddress, publicOnlyLookup, systemLookup } from './address-policy.ts'
import { isInstanceActorUri } from './instance-actor.ts'

export type ChannelPeer = {
  /** The peer instance's origin (`https://host[:port]`): the only thing a channel is trusted for. */
  origin: string
  /** The key the upgrade was signed with. */
  keyId: string
}

export type ChannelAuthFailure =
  'no-signature' | 'invalid-signature' | 'not-instance-actor' | 'key-unavailable' | 'replayed' | 'blocked'

export type ChannelAuthResult = { ok: true; peer: ChannelPeer } | { ok: false; reason: ChannelAuthFailure }

export type CallChannelAuthDeps = {
  /** The instance actor's first (RSA) key: its id as the actor document names it, and its private half. */
  signingKey: () => Promise<{ keyId: URL; privateKey: webcrypto.CryptoKey } | null>
  documentLoader: DocumentLoader
  contextLoader: DocumentLoader
  kv: KvStore
  policy: DomainPolicy
  signatureWindowSeconds: number
  /** Test networks only: channels may connect to loopback and private addresses. */
  allowPrivateAddress: boolean
  now: () => number
}

export class CallChannelAuth {
  readonly #deps: CallChannelAuthDeps

  constructor(deps: CallChannelAuthDeps) {
    this.#deps = deps
  }

  /**
   * The headers to send with the upgrade to `url` (an https URL: the host verifies against its own
   * public origin), signed with the instance actor's RSA key; null when it has none.
   */
  async sign(url: string): Promise<Record<string, string> | null> {
    const pair = await this.#deps.signingKey()
    if (!pair) return null
    const signed = await signRequest(new Request(url, { method: 'GET' }), pair.privateKey, pair.keyId, {
      spec: 'rfc9421',
      currentTime: Temporal.Instant.fromEpochMilliseconds(this.#deps.now()),
      // RSA PKCS#1 v1.5 is deterministic: without a nonce, two upgrades in one second would share a signature (a "replay").
      rfc9421: { nonce: randomUUID() },
    })
    const headers: Record<string, string> = {}
    signed.headers.forEach((value, name) => {
      headers[name] = value
    })
    return headers
  }

  /**
   * How an outbound channel connects (the same address policy as every federation fetch): names
   * resolve to public addresses only, and an IP-literal host must be public; null when the host is
   * refused (a private address, or a blocked domain).
   */
  connectOptions(url: string): { lookup?: LookupFunction } | null {
    const { hostname } = new URL(url)
    if (this.#deps.policy.blocks(url)) return null
    if (this.#deps.allowPrivateAddress) return {}
    const host = bareHost(hostname)
    if (isIP(host) !== 0 && !isPublicAddress(host)) return null
    return { lookup: publicOnlyLookup(systemLookup, isPublicAddress) }
  }

  /** Verifies a channel upgrade, rebuilt as a Request for the host's public URL of the channel. */
  async verify(request: Request): Promise<ChannelAuthResult> {
    if (!request.headers.has('signature-input') || !request.headers.has('signature'))
      return { ok: false, reason: 'no-signature' }
    const keyIdHint = /keyid="([^"]+)"/.exec(request.headers.get('signature-input') ?? '')?.[1]
    if (keyIdHint && this.#deps.policy.blocks(keyIdHint)) return { ok: false, reason: 'blocked' }
    const result = await verifyRequestDetailed(request, {
      documentLoader: this.#deps.documentLoader,
      contextLoader: this.#deps.contextLoader,
      spec: 'rfc9421',
      timeWindow: { seconds: this.#deps.signatureWindowSeconds },
      currentTime: Temporal.Instant.fromEpochMilliseconds(this.#deps.now()),
    })
    if (!result.verified)
      return { ok: false, reason: result.reason.type === 'keyFetchError' ? 'key-unavailable' : 'invalid-signature' }
    const keyId = result.key.id
    const owner = result.key.ownerId
    // A key speaks for its own origin only: a key document on one host naming an owner on another proves nothing.
    if (!keyId || !owner || keyId.origin !== owner.origin) return { ok: false, reason: 'invalid-signature' }
    // Only the instance speaks for the instance: a user's key (even a valid one) opens no channel.
    if (!isInstanceActorUri(owner)) return { ok: false, reason: 'not-instance-actor' }
    if (this.#deps.policy.blocks(keyId.href)) return { ok: false, reason: 'blocked' }
    // Each signature opens one channel: the same signed upgrade seen again is a replay.
    const digest = createHash('sha256')
      .update(request.headers.get('signature') ?? '')
      .update('\0')
      .update(request.headers.get('signature-input') ?? '')
      .digest('base64url')
    const replayKey = ['parley', 'cascade-replay', digest] as const
    if ((await this.#deps.kv.get(replayKey)) !== undefined) return { ok: false, reason: 'replayed' }
    await this.#deps.kv.set(replayKey, this.#deps.now(), {
      ttl: Temporal.Duration.from({ seconds: this.#deps.signatureWindowSeconds * 2 }),
    })
    return { ok: true, peer: { origin: keyId.origin, keyId: keyId.href } }
  }
}
