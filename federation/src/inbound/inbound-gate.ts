/**
 * What every signed POST to one of our inboxes (users', shared, rooms') must pass before Fedify
 * sees it. Fedify verifies signatures too, but takes a key's `owner` as written, accepts any digest
 * algorithm it knows and ignores the algorithm label, and lets Linked Data signatures or Object
 * Integrity Proofs stand in for the HTTP signature; here every activity, whatever its type, needs
 * the signature checks every signed request passes (signature-verifier.ts: one well-formed HTTP
 * signature covering method, target, host, date and body digest; a matching SHA-256 digest; a date
 * within the window; a key its owner's own server lists; a label that agrees with the key) and
 * a body that is one activity with exactly one actor, on the keyId's origin — the owner the key
 * must have. Replays are refused by the caller (request-handler.ts) for twice the window, which
 * covers every Date this accepts. The one activity let through without a key: a self-`Delete`
 * whose actor's server answers 410 Gone (inbox/delete.ts decides, as before).
 * What passed is handed on (parsed activity and verifying key): Fedify's inbox, patched for it
 * (patches/README.md), then neither verifies the signature again nor parses the body again.
 */
import type { DocumentLoader } from '@fedify/fedify'
import { Activity, Delete, type CryptographicKey } from '@fedify/fedify/vocab'
import type { InboundRefusal } from './inbound-refusal.ts'
import type { SignatureVerifier } from './signature-verifier.ts'
import { readCompactActivity } from './compact-reader.ts'

export type InboundGateOptions = {
  /** The signature checks shared with the call channel. */
  verifier: SignatureVerifier
  contextLoader: DocumentLoader
  /**
   * Whether the common Mastodon shape is read without JSON-LD expansion (compact-reader.ts: the
   * same objects, anything unusual parsed in full). Default true; off with the hand-over, so the
   * security suite runs both ways.
   */
  compactReader?: boolean
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

  constructor(options: InboundGateOptions) {
    this.#options = options
  }

  /** Whether the request may go on to Fedify (and what was verified), or why it is refused. */
  async check(request: Request, body: Uint8Array): Promise<InboundCheck> {
    const { verifier } = this.#options
    const read = verifier.read(request, body)
    if (read === null) return refusal('signature-missing', 'inbox requests must be signed')
    if (!read.ok) return { ok: false, refusal: read.refusal }
    const { signature } = read

    // Objects parsed keep the loader they were parsed with for their lazy fetches: until the queue
    // listener binds its own, it fetches nothing.
    let documentLoader: DocumentLoader = noFetch
    const lateLoader: DocumentLoader = (url, options) => documentLoader(url, options)
    const activity = await this.#activity(body, lateLoader)
    if (activity === null) return refusal('activity-invalid', 'the body is not an activity with exactly one actor')
    const actorId = activity.actorIds[0]!
    if (signature.keyId.origin !== actorId.origin)
      return refusal('signature-actor-mismatch', `key ${signature.keyId.href} is not on ${actorId.origin}`)

    const verified = await verifier.verify(request, body, signature, actorId)
    if (!verified.ok) {
      // A deleted account signs its own Delete with a key its server no longer shows (inbox/delete.ts).
      if (verified.gone && activity instanceof Delete && activity.objectId?.href === actorId.href)
        return { ok: true, verified: null }
      return { ok: false, refusal: verified.refusal }
    }
    const bindDocumentLoader = (loader: DocumentLoader) => {
      documentLoader = loader
    }
    return { ok: true, verified: { activity, key: verified.key, bindDocumentLoader } }
  }
  /** The body as an activity with exactly one http(s) actor, or null. Fetches nothing. */
  async #activity(body: Uint8Array, documentLoader: DocumentLoader): Promise<Activity | null> {
    let json: unknown
    try {
      json = JSON.parse(new TextDecoder().decode(body))
    } catch {
      return null
    }
    const loaders = { documentLoader, contextLoader: this.#options.contextLoader }
    let activity: Activity | undefined =
      this.#options.compactReader === false ? undefined : readCompactActivity(json, loaders)
    try {
      activity ??= await Activity.fromJsonLd(json, loaders)
    } catch {
      return null
    }
    const actors = activity.actorIds
    if (actors.length !== 1) return null
    const actor = actors[0]!
    return actor.protocol === 'https:' || actor.protocol === 'http:' ? activity : null
  }
}
