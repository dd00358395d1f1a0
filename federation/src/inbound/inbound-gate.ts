/**
 * What every signed POST to one of our inboxes (users', shared, rooms') must pass before Fedify
 * sees it. Fedify verifies signatures too, but takes a key's `owner` as written, accepts any digest
 * algorithm it knows and ignores the algorithm label, and lets Linked Data signatures or Object
 * Integrity Proofs stand in for the HTTP signature; here every activity, whatever its type, needs
 * 1. exactly one HTTP signature (draft-cavage or RFC 9421) whose keyId is an http(s) URL, covering
 *    the method, target, host, date and body digest;
 * 2. a SHA-256 digest of the body that matches (a Digest without SHA-256 is refused);
 * 3. a Date (or `created`) within the window either way (one hour: what Mastodon allows);
 * 4. a body that is one activity with exactly one actor, on the keyId's origin;
 * 5. a key its actor owns (signer-keys.ts): listed by the actor document from the actor's server;
 * 6. an algorithm label that agrees with the key, and a signature that verifies with it.
 * Replays are refused by the caller (federation.ts) for twice the window, which covers every Date
 * this accepts. The one activity let through without a key: a self-`Delete` whose actor's server
 * answers 410 Gone (inbox/delete.ts decides, as before).
 * What passed is handed on (parsed activity and verifying key): Fedify's inbox, patched for it
 * (patches/README.md), then neither verifies the signature again nor parses the body again.
 */
import { Temporal } from '@js-temporal/polyfill'
import { verifyRequestDetailed, type DocumentLoader, type KeyCache } from '@fedify/fedify'
import { Activity, Delete, type CryptographicKey } from '@fedify/fedify/vocab'
import type { InboundRefusal } from './inbound-refusal.ts'
import { checkDigest, labelContradicts, missingCoverage, readSignature } from './signature-headers.ts'
import type { SignerKeys } from './signer-keys.ts'

export type InboundGateOptions = {
  keys: SignerKeys
  contextLoader: DocumentLoader
  windowSeconds: number
  now?: () => number
}

/**
 * What the gate verified: the parsed activity, the key, and how to give the activity (and every
 * object parsed with it) the document loader the queue listener would have parsed it with — the
 * gate parses with one that fetches nothing (patches/README.md, "parsed activities").
 */
export type VerifiedActivity = {
  activity: Activity
  key: CryptographicKey
  bindDocumentLoader: (documentLoader: DocumentLoader) => void
}

/** A request that may go on to Fedify: with what was verified, or null for a gone actor's self-Delete. */
export type InboundPass = { ok: true; verified: VerifiedActivity | null }
export type InboundCheck = InboundPass | { ok: false; refusal: InboundRefusal }

const refusal = (code: InboundRefusal['code'], message: string): InboundCheck => ({
  ok: false,
  refusal: { code, message },
})

const noFetch: DocumentLoader = (url) => Promise.reject(new Error(`not fetched while checking a signature: ${url}`))

export class InboundGate {
  readonly #options: InboundGateOptions
  readonly #now: () => number

  constructor(options: InboundGateOptions) {
    this.#options = options
    this.#now = options.now ?? Date.now
  }

  /** Whether the request may go on to Fedify (and what was verified), or why it is refused. */
  async check(request: Request, body: Uint8Array): Promise<InboundCheck> {
    const read = readSignature(request.headers)
    if (read === null) return refusal('signature-missing', 'inbox requests must be signed')
    if (!read.ok) return refusal(read.code, read.message)
    const signature = read.value
    const missing = missingCoverage(signature)
    if (missing !== null) return refusal('signature-malformed', `the signature does not cover ${missing}`)
    const digest = checkDigest(signature.spec, request.headers, body)
    if (!digest.ok) return refusal(digest.code, digest.message)
    const windowMs = this.#options.windowSeconds * 1000
    if (signature.signedAt === null || Math.abs(this.#now() - signature.signedAt) > windowMs)
      return refusal(
        'signature-expired',
        `signed too long ago or in the future (window ${this.#options.windowSeconds} s)`,
      )

    // Objects parsed keep the loader they were parsed with for their lazy fetches: until the queue
    // listener binds its own, it fetches nothing.
    let documentLoader: DocumentLoader = noFetch
    const lateLoader: DocumentLoader = (url, options) => documentLoader(url, options)
    const activity = await this.#activity(body, lateLoader)
    if (activity === null) return refusal('activity-invalid', 'the body is not an activity with exactly one actor')
    const actorId = activity.actorIds[0]!
    if (signature.keyId.origin !== actorId.origin)
      return refusal('signature-actor-mismatch', `key ${signature.keyId.href} is not on ${actorId.origin}`)

    const resolved = await this.#options.keys.resolve(signature.keyId, actorId)
    if (!resolved.ok) {
      // A deleted account signs its own Delete with a key its server no longer shows (inbox/delete.ts).
      if (resolved.gone && activity instanceof Delete && activity.objectId?.href === actorId.href)
        return { ok: true, verified: null }
      return { ok: false, refusal: resolved.refusal }
    }
    if (labelContradicts(signature, resolved.type))
      return refusal('signature-algorithm-mismatch', `"${signature.algorithm}" is not how a ${resolved.type} key signs`)

    const key = resolved.key
    const keyCache: KeyCache = {
      get: (id) => Promise.resolve(id.href === signature.keyId.href ? key : undefined),
      set: () => Promise.resolve(),
    }
    const verification = await verifyRequestDetailed(
      new Request(request.url, {
        method: request.method,
        headers: request.headers,
        body: body as Uint8Array<ArrayBuffer>,
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
    if (!verification.verified) {
      this.#options.keys.forget(signature.keyId, actorId)
      return refusal('signature-invalid', `the signature does not verify (${verification.reason.type})`)
    }
    const bindDocumentLoader = (loader: DocumentLoader) => {
      documentLoader = loader
    }
    return { ok: true, verified: { activity, key, bindDocumentLoader } }
  }

  /** The body as an activity with exactly one http(s) actor, or null. Fetches nothing. */
  async #activity(body: Uint8Array, documentLoader: DocumentLoader): Promise<Activity | null> {
    let json: unknown
    try {
      json = JSON.parse(new TextDecoder().decode(body))
    } catch {
      return null
    }
    let activity: Activity
    try {
      activity = await Activity.fromJsonLd(json, {
        documentLoader,
        contextLoader: this.#options.contextLoader,
      })
    } catch {
      return null
    }
    const actors = activity.actorIds
    if (actors.length !== 1) return null
    const actor = actors[0]!
    return actor.protocol === 'https:' || actor.protocol === 'http:' ? activity : null
  }
}
