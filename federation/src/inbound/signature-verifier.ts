/**
 * The checks every HTTP-signed request from another server passes, whatever it carries — an inbox
 * POST (inbound-gate.ts) or a call channel upgrade (call-channel-auth.ts) — kept in one place so
 * neither door is laxer than the other. Fedify's own verifier takes a key's `owner` as written,
 * accepts any digest algorithm it knows and ignores the algorithm label; here a request needs
 * 1. exactly one HTTP signature (draft-cavage or RFC 9421) whose keyId is an http(s) URL, covering
 *    the method, the target, the host (or the full target URI) and the date, and the body's digest
 *    when there is a body;
 * 2. a SHA-256 digest of the body that matches (a digest without SHA-256 is refused, also on a
 *    request without a body that carries one);
 * 3. a Date (or `created`) within the window either way;
 * 4. a key the given actor owns (signer-keys.ts: listed by the actor document from the actor's own
 *    server, the key document's `id` the keyId, its `owner` the actor);
 * 5. an algorithm label that agrees with the key, and a signature that verifies with it.
 * Which actor must own the key is the caller's to say: an inbox the activity's actor, a call
 * channel the instance actor of the key's origin. Replays are the caller's too (replay-guard.ts).
 */
import { Temporal } from '@js-temporal/polyfill'
import { verifyRequestDetailed, type DocumentLoader, type KeyCache } from '@fedify/fedify'
import type { CryptographicKey } from '@fedify/fedify/vocab'
import type { InboundRefusal } from './inbound-refusal.ts'
import {
  checkDigest,
  labelContradicts,
  missingCoverage,
  readSignature,
  type SignatureHeader,
} from './signature-headers.ts'
import type { SignerKeys } from './signer-keys.ts'
import { verifyCavageRsa } from './cavage-rsa.ts'

export type SignatureVerifierOptions = {
  keys: SignerKeys
  contextLoader: DocumentLoader
  windowSeconds: number
  now?: () => number
  /**
   * Checks a draft-cavage rsa-sha256 signature itself (cavage-rsa.ts) instead of through Fedify's
   * verifier, which re-reads and re-digests the request (default true). False: Fedify checks every
   * signature, the slow path the security tests also run against (with the inbox hand-over off).
   */
  fastRsa?: boolean
}

/** The signature as read, when steps 1–3 passed; null when the request carries none. */
export type SignatureRead = { ok: true; signature: SignatureHeader } | { ok: false; refusal: InboundRefusal }

export type SignatureVerification =
  | { ok: true; key: CryptographicKey }
  | { ok: false; refusal: InboundRefusal; /** The actor's own server answered 410 Gone. */ gone: boolean }

const noFetch: DocumentLoader = (url) => Promise.reject(new Error(`not fetched while checking a signature: ${url}`))

export class SignatureVerifier {
  readonly #options: SignatureVerifierOptions
  readonly #now: () => number

  constructor(options: SignatureVerifierOptions) {
    this.#options = options
    this.#now = options.now ?? Date.now
  }

  /**
   * Steps 1–3, which need no key and fetch nothing: the one signature, what it covers, the body's
   * digest (`body` null: the request has none) and its date. Null when the request is unsigned.
   */
  read(request: Request, body: Uint8Array | null): SignatureRead | null {
    const read = readSignature(request.headers)
    if (read === null) return null
    if (!read.ok) return refused(read.code, read.message)
    const signature = read.value
    const missing = missingCoverage(signature, body !== null)
    if (missing !== null) return refused('signature-malformed', `the signature does not cover ${missing}`)
    const digest = checkDigest(signature.spec, request.headers, body)
    if (!digest.ok) return refused(digest.code, digest.message)
    const { windowSeconds } = this.#options
    if (signature.signedAt === null || Math.abs(this.#now() - signature.signedAt) > windowSeconds * 1000)
      return refused('signature-expired', `signed too long ago or in the future (window ${windowSeconds} s)`)
    return { ok: true, signature }
  }

  /** Steps 4–5: the key `actorId` owns, a label that agrees with it, and a signature that verifies. */
  async verify(
    request: Request,
    body: Uint8Array | null,
    signature: SignatureHeader,
    actorId: URL,
  ): Promise<SignatureVerification> {
    const resolved = await this.#options.keys.resolve(signature.keyId, actorId)
    if (!resolved.ok) return resolved
    if (labelContradicts(signature, resolved.type))
      return {
        ok: false,
        refusal: {
          code: 'signature-algorithm-mismatch',
          message: `"${signature.algorithm}" is not how a ${resolved.type} key signs`,
        },
        gone: false,
      }
    const key = resolved.key
    const quick =
      this.#options.fastRsa !== false &&
      body !== null &&
      signature.spec === 'draft-cavage-http-signatures-12' &&
      key.publicKey
        ? await verifyCavageRsa(request, signature.keyId, key.publicKey)
        : null
    if (quick === true) return { ok: true, key }
    if (quick === false) return this.#invalid(signature, actorId, 'invalidSignature')
    // Fedify checks the signature itself with the key resolved above, and fetches nothing.
    const keyCache: KeyCache = {
      get: (id) => Promise.resolve(id.href === signature.keyId.href ? key : undefined),
      set: () => Promise.resolve(),
    }
    const verification = await verifyRequestDetailed(
      new Request(request.url, {
        method: request.method,
        headers: request.headers,
        ...(body === null ? {} : { body: body as Uint8Array<ArrayBuffer> }),
      }),
      {
        keyCache,
        documentLoader: noFetch,
        contextLoader: this.#options.contextLoader,
        timeWindow: { seconds: this.#options.windowSeconds },
        currentTime: Temporal.Instant.fromEpochMilliseconds(this.#now()),
        spec: signature.spec,
      },
    )
    if (!verification.verified) return this.#invalid(signature, actorId, verification.reason.type)
    return { ok: true, key }
  }

  /** A signature that does not verify with the key: refused, and the key read again next time (it may have rotated). */
  #invalid(signature: SignatureHeader, actorId: URL, reason: string): SignatureVerification {
    this.#options.keys.forget(signature.keyId, actorId)
    return {
      ok: false,
      refusal: { code: 'signature-invalid', message: `the signature does not verify (${reason})` },
      gone: false,
    }
  }
}

function refused(code: InboundRefusal['code'], message: string): SignatureRead {
  return { ok: false, refusal: { code, message } }
}
