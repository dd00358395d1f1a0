/**
 * The key an inbound activity is signed with, accepted only as its actor's: the keyId, the key
 * document's `id`, its `owner` and the actor are one origin, the actor document (fetched from that
 * origin) lists the keyId among its keys, and the key document's `id` is the keyId (a document
 * without one is refused). Fedify alone trusts a key's `owner` as written, so a key served by
 * host A naming an actor of host B as owner would let A speak as B.
 *
 * Resolutions are merged (ten requests at once signed with one new key fetch it once: the
 * document cache merges the fetches, this merges the parsing) and only accepted keys are kept,
 * for `ttlMs`; a refused key is looked up again next time, never remembered as valid.
 */
import type { DocumentLoader, RemoteDocument } from '@fedify/fedify'
import { FetchError } from '@fedify/fedify'
import { CryptographicKey, Object as ASObject, isActor } from '@fedify/fedify/vocab'
import type { InboundRefusal } from './inbound-refusal.ts'

export type KeyType = 'rsa' | 'ed25519'

export type KeyResolution =
  | { ok: true; key: CryptographicKey; type: KeyType }
  | { ok: false; refusal: InboundRefusal; /** The actor's own server answered 410 Gone. */ gone: boolean }

export type SignerKeysOptions = {
  /** The cached, unsigned document loader (merges concurrent fetches of one URL). */
  documentLoader: DocumentLoader
  contextLoader: DocumentLoader
  ttlMs?: number
  /** Accepted keys kept at most (oldest dropped first). */
  maxEntries?: number
  now?: () => number
}

const refused = (code: InboundRefusal['code'], message: string, gone = false): KeyResolution => ({
  ok: false,
  refusal: { code, message },
  gone,
})

export class SignerKeys {
  readonly #options: SignerKeysOptions
  readonly #ttlMs: number
  readonly #max: number
  readonly #now: () => number
  readonly #accepted = new Map<string, { resolution: KeyResolution; expires: number }>()
  readonly #inFlight = new Map<string, Promise<KeyResolution>>()

  constructor(options: SignerKeysOptions) {
    this.#options = options
    this.#ttlMs = options.ttlMs ?? 5 * 60 * 1000
    this.#max = options.maxEntries ?? 10_000
    this.#now = options.now ?? Date.now
  }

  /** The key `keyId` names, if `actorId` owns it (see the module comment). */
  resolve(keyId: URL, actorId: URL): Promise<KeyResolution> {
    const cacheKey = `${keyId.href} ${actorId.href}`
    const hit = this.#accepted.get(cacheKey)
    if (hit && hit.expires > this.#now()) return Promise.resolve(hit.resolution)
    this.#accepted.delete(cacheKey)
    const running = this.#inFlight.get(cacheKey)
    if (running) return running
    const work = this.#resolve(keyId, actorId)
      .then((resolution) => {
        if (resolution.ok) {
          if (this.#accepted.size >= this.#max) this.#accepted.delete(this.#accepted.keys().next().value as string)
          this.#accepted.set(cacheKey, { resolution, expires: this.#now() + this.#ttlMs })
        }
        return resolution
      })
      .finally(() => this.#inFlight.delete(cacheKey))
    this.#inFlight.set(cacheKey, work)
    return work
  }

  /** Forgets an accepted key (its signature failed: the actor may have changed keys). */
  forget(keyId: URL, actorId: URL): void {
    this.#accepted.delete(`${keyId.href} ${actorId.href}`)
  }

  async #resolve(keyId: URL, actorId: URL): Promise<KeyResolution> {
    if (keyId.origin !== actorId.origin)
      return refused('signature-actor-mismatch', `key ${keyId.href} is not on the actor's server (${actorId.origin})`)
    const { documentLoader, contextLoader } = this.#options
    const load = async (url: URL): Promise<RemoteDocument | KeyResolution> => {
      try {
        return await documentLoader(url.href)
      } catch (error) {
        const status = error instanceof FetchError ? error.response?.status : undefined
        return refused('signature-key-unavailable', `${url.href} could not be loaded: ${String(error)}`, status === 410)
      }
    }
    const parse = async (document: RemoteDocument) => {
      try {
        return await ASObject.fromJsonLd(document.document, { documentLoader, contextLoader })
      } catch {
        return null
      }
    }

    // The actor, from its own server, must list the key.
    const actorDocument = await load(actorId)
    if ('ok' in actorDocument) return actorDocument
    if (new URL(actorDocument.documentUrl).origin !== actorId.origin)
      return refused('signature-actor-mismatch', `the actor document came from ${actorDocument.documentUrl}`)
    const actor = await parse(actorDocument)
    if (!isActor(actor) || actor.id?.href !== actorId.href)
      return refused('signature-actor-mismatch', `${actorId.href} is not an actor document with that id`)
    if (!actor.publicKeyIds.some((id) => id.href === keyId.href))
      return refused('signature-actor-mismatch', `${actorId.href} does not list the key ${keyId.href}`)

    // The key document: the actor itself (Mastodon's `#main-key`) or a document of its own.
    const sameDocument = withoutFragment(keyId) === withoutFragment(actorId)
    let key: CryptographicKey | null = null
    if (sameDocument) {
      for await (const candidate of actor.getPublicKeys({ documentLoader, contextLoader, suppressError: true }))
        if (candidate.id?.href === keyId.href) key = candidate
      if (key === null) return refused('signature-key-invalid', `no key with the id ${keyId.href} in the actor`)
    } else {
      const keyDocument = await load(keyId)
      if ('ok' in keyDocument) return keyDocument
      if (new URL(keyDocument.documentUrl).origin !== keyId.origin)
        return refused('signature-key-invalid', `the key document came from ${keyDocument.documentUrl}`)
      const parsed = await parse(keyDocument)
      if (!(parsed instanceof CryptographicKey)) return refused('signature-key-invalid', `${keyId.href} is not a key`)
      key = parsed
    }
    if (key.id === null) return refused('signature-key-invalid', 'the key document has no id')
    if (key.id.href !== keyId.href)
      return refused('signature-key-invalid', `the key's id is ${key.id.href}, not the keyId`)
    if (key.ownerId?.href !== actorId.href)
      return refused('signature-key-invalid', `the key's owner is ${key.ownerId?.href ?? 'missing'}, not the actor`)
    const type = keyType(key)
    if (type === null) return refused('signature-key-invalid', 'the key is neither RSA nor Ed25519')
    return { ok: true, key, type }
  }
}

function keyType(key: CryptographicKey): KeyType | null {
  const name = key.publicKey?.algorithm.name
  return name === 'RSASSA-PKCS1-v1_5' ? 'rsa' : name === 'Ed25519' ? 'ed25519' : null
}

function withoutFragment(url: URL): string {
  return url.href.split('#', 1)[0] ?? url.href
}
