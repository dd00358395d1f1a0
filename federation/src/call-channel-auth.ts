/**
 * Who is at the other end of a server-to-server call channel (spec/cascade.md). The channel is a
 * WebSocket whose upgrade request is signed with HTTP Message Signatures (RFC 9421, through Fedify's
 * `signRequest`), and verified exactly as strictly as an inbox request — by the same code
 * (inbound/signature-verifier.ts): what the signature covers (here, with no body, the host it was
 * made for), any digest it carries, the date window, the key as its owner's own server lists it,
 * the algorithm label against the key, then the signature itself; domain policy; and each signature
 * claimed once, atomically (inbound/replay-guard.ts), so a replayed upgrade is refused even when
 * both copies arrive at once.
 *
 * A channel speaks for a whole instance, so the upgrade is signed with the instance actor's key
 * (`{origin}/actor`, instance-actor.ts), never a user's: the owner the key must have is the
 * instance actor of the keyId's own origin. What the host learns and believes is the peer's
 * origin; which rooms and participants the peer may speak for is checked per frame against that
 * origin (server/src/cascade/).
 */
import { createHash, randomUUID, type webcrypto } from 'node:crypto'
import { Temporal } from '@js-temporal/polyfill'
import { signRequest, type KvKey } from '@fedify/fedify'
import { isIP, type LookupFunction } from 'node:net'
import type { DomainPolicy } from './domain-policy.ts'
import { bareHost, isPublicAddress, publicOnlyLookup, systemLookup } from './address-policy.ts'
import { INSTANCE_IDENTIFIER } from './actor-identifiers.ts'
import type { InboundRefusal } from './inbound/inbound-refusal.ts'
import type { ReplayGuard } from './inbound/replay-guard.ts'
import type { SignatureVerifier } from './inbound/signature-verifier.ts'

export type ChannelPeer = {
  /** The peer instance's origin (`https://host[:port]`): the only thing a channel is trusted for. */
  origin: string
  /** The key the upgrade was signed with. */
  keyId: string
}

/** A refused upgrade: the inbox's stable code for the same refusal, and why. */
export type ChannelAuthResult = { ok: true; peer: ChannelPeer } | { ok: false; refusal: InboundRefusal }

export type CallChannelAuthDeps = {
  /** The instance actor's first (RSA) key: its id as the actor document names it, and its private half. */
  signingKey: () => Promise<{ keyId: URL; privateKey: webcrypto.CryptoKey } | null>
  /** The inbox's signature checks (and its key cache). */
  verifier: SignatureVerifier
  /** Where upgrades are claimed, atomically, for twice the signature window. */
  replays: ReplayGuard
  policy: DomainPolicy
  /** Test networks only: channels may connect to loopback and private addresses. */
  allowPrivateAddress: boolean
  now: () => number
}

const refused = (code: InboundRefusal['code'], message: string): ChannelAuthResult => ({
  ok: false,
  refusal: { code, message },
})

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
    const { verifier, policy, replays } = this.#deps
    const read = verifier.read(request, null)
    if (read === null) return refused('signature-missing', 'call channel upgrades must be signed')
    if (!read.ok) return { ok: false, refusal: read.refusal }
    const { signature } = read
    if (policy.blocks(signature.keyId.href)) return refused('domain-blocked', 'This domain is blocked here.')
    if (signature.spec !== 'rfc9421')
      return refused('signature-malformed', 'call channel upgrades are signed with RFC 9421 message signatures')
    // Only the instance speaks for the instance: the key must be its actor's, on the key's own origin
    // (a user's key, even a valid one, opens no channel; signer-keys.ts checks the actor lists it).
    const instanceActor = new URL(`/${INSTANCE_IDENTIFIER}`, signature.keyId.origin)
    const verified = await verifier.verify(request, null, signature, instanceActor)
    if (!verified.ok) return { ok: false, refusal: verified.refusal }
    // Each signature opens one channel: the same signed upgrade seen again is a replay.
    if (!(await replays.claim(replayKeyOf(request))))
      return refused('signature-replayed', 'This signed upgrade was already received.')
    return { ok: true, peer: { origin: signature.keyId.origin, keyId: signature.keyId.href } }
  }
}

/** An upgrade is identified by its signature (with a nonce: two upgrades never share one). */
function replayKeyOf(request: Request): KvKey {
  const digest = createHash('sha256')
    .update(request.headers.get('signature') ?? '')
    .update('\0')
    .update(request.headers.get('signature-input') ?? '')
    .digest('base64url')
  return ['parley', 'cascade-replay', digest]
}
