/**
 * Remote actors read through the cached document loader, kept parsed. A direct message names its
 * sender's profile, which is in the document cache (its key was fetched to check the signature):
 * reading it there costs a KvStore read, parsing it again a JSON-LD expansion and a walk of every
 * actor class — most of a direct message's remaining parse work. The parsed actor is kept beside
 * the exact JSON it came from and reused only while the cache still holds that same JSON, so a
 * refreshed or expired document (another node's, too) is parsed anew at once: nothing is shown
 * that the document cache would not show.
 */
import type { DocumentLoader } from '@fedify/fedify'
import { Object as ASObject, isActor, type Actor } from '@fedify/fedify/vocab'

export type ParsedActorsOptions = {
  /** The cached, unsigned document loader. */
  documentLoader: DocumentLoader
  contextLoader: DocumentLoader
  /** Parsed actors kept at most (least recently used dropped first). */
  maxEntries?: number
}

export class ParsedActors {
  readonly #options: ParsedActorsOptions
  readonly #max: number
  readonly #parsed = new Map<string, { json: string; actor: Actor }>()

  constructor(options: ParsedActorsOptions) {
    this.#options = options
    this.#max = options.maxEntries ?? 1000
  }

  /**
   * The actor document at `id`, loaded through the cached loader from `id`'s own origin and whose
   * `id` is `id`; null when it cannot be loaded or is not such an actor (the caller may then try
   * a signed fetch).
   */
  async get(id: URL): Promise<Actor | null> {
    const { documentLoader, contextLoader } = this.#options
    let document: Awaited<ReturnType<DocumentLoader>>
    try {
      document = await documentLoader(id.href)
    } catch {
      return null
    }
    if (new URL(document.documentUrl).origin !== id.origin) return null
    const json = JSON.stringify(document.document)
    const kept = this.#parsed.get(id.href)
    if (kept?.json === json) {
      // Most recently used last.
      this.#parsed.delete(id.href)
      this.#parsed.set(id.href, kept)
      return kept.actor
    }
    let parsed: unknown
    try {
      parsed = await ASObject.fromJsonLd(document.document, { documentLoader, contextLoader })
    } catch {
      return null
    }
    if (!isActor(parsed) || parsed.id?.href !== id.href) return null
    this.#parsed.delete(id.href)
    if (this.#parsed.size >= this.#max) this.#parsed.delete(this.#parsed.keys().next().value as string)
    this.#parsed.set(id.href, { json, actor: parsed })
    return parsed
  }
}
