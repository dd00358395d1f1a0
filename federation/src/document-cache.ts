/**
 * The caches in front of our document loaders (see document-loader.ts), made once per federation.
 *
 * Why not Fedify's `kvCache()`: Fedify calls the loader factories for every context it creates —
 * several times per inbound activity and once per delivery — and `kvCache()` builds a
 * `URLPattern` (a slow polyfill on Node) and parses Temporal durations on every call, then
 * tests the pattern on every load: about 1.5 ms of CPU each time, more than the JSON-LD
 * expansion it serves. Here the factories hand out the same two loaders, and
 * - Fedify's preloaded contexts (ActivityStreams, security/v1, Mastodon's toot namespace, …) are
 *   answered from memory before anything else, never from the network or the KvStore;
 * - other JSON-LD contexts (immutable in practice) are kept in memory too, for `ttlMs`, with the
 *   KvStore behind them (shared by nodes, survives restarts);
 * - documents (actors, keys, objects) are kept only in the KvStore, for `ttlMs` (Fedify's default
 *   of 5 minutes), so that every node sees one copy and a refreshed actor replaces it for all;
 * - contexts and objects are kept under different keys: a context loader takes plain JSON, which an
 *   object loader must refuse, so a document loaded as a context is never answered as an object;
 * - a URL is cached without its fragment (`…/users/a#main-key` and `…/users/a` are one fetch),
 *   and concurrent loads of one URL share one fetch (ten requests signed with a new key fetch it
 *   once, not ten times).
 */
import { preloadedContexts, type DocumentLoader, type KvKey, type KvStore, type RemoteDocument } from '@fedify/fedify'
import { Temporal } from '@js-temporal/polyfill'

export const DEFAULT_DOCUMENT_TTL_MS = 5 * 60 * 1000
/** Distinct remote contexts kept in memory (Fediverse software uses a handful). */
const MEMORY_CONTEXTS = 256

export type CachedLoaderOptions = {
  /** Loads what is not cached (our limited loader). */
  loader: DocumentLoader
  kv: KvStore
  prefix: KvKey
  /** How long a loaded document is kept. */
  ttlMs?: number
  /** Contexts are also kept in memory (they do not change; documents may). */
  kind: 'context' | 'object'
  now?: () => number
  /** Told when the kv store fails (the load goes on without the cache, but a broken store must show). */
  onCacheError?: (error: unknown, failed: string) => void
}

/** A loader answering preloaded contexts from memory, then the caches, then `loader`. */
export function cachedDocumentLoader(options: CachedLoaderOptions): DocumentLoader {
  const { loader, kv, prefix, kind } = options
  const ttlMs = options.ttlMs ?? DEFAULT_DOCUMENT_TTL_MS
  const ttl = Temporal.Duration.from({ milliseconds: ttlMs })
  const now = options.now ?? Date.now
  const memory = new Map<string, { document: RemoteDocument; expires: number }>()
  const inFlight = new Map<string, Promise<RemoteDocument>>()
  const cacheFailed = options.onCacheError ?? (() => {})

  const load = async (url: string): Promise<RemoteDocument> => {
    const key: KvKey = kind === 'context' ? [...prefix, 'context', url] : [...prefix, url]
    let document =
      (await kv
        .get<RemoteDocument>(key)
        .catch((error: unknown) => cacheFailed(error, 'reading the document cache failed'))) ?? undefined
    if (document === undefined) {
      document = await loader(url)
      // A cache that cannot be written is no reason to fail the load.
      await kv
        .set(key, document, { ttl })
        .catch((error: unknown) => cacheFailed(error, 'writing the document cache failed'))
    }
    if (kind === 'context') {
      if (memory.size >= MEMORY_CONTEXTS) memory.delete(memory.keys().next().value as string)
      memory.set(url, { document, expires: now() + ttlMs })
    }
    return document
  }

  return async (requested) => {
    if (Object.hasOwn(preloadedContexts, requested))
      return { contextUrl: null, document: preloadedContexts[requested], documentUrl: requested }
    const url = withoutFragment(requested)
    if (kind === 'context') {
      const hit = memory.get(url)
      if (hit && hit.expires > now()) return hit.document
      memory.delete(url)
    }
    const running = inFlight.get(url)
    if (running) return running
    // Shared by whoever asks meanwhile, so it takes no caller's abort signal: the loader's own
    // deadline ends it.
    const work = load(url).finally(() => inFlight.delete(url))
    inFlight.set(url, work)
    return work
  }
}

function withoutFragment(url: string): string {
  const hash = url.indexOf('#')
  return hash < 0 ? url : url.slice(0, hash)
}
