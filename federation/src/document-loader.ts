/**
 * Our document loaders for Fedify: every fetch of a remote document (actors, objects, keys, JSON-LD
 * contexts, signed fetches) goes through the instance's `RemoteFetcher` (address policy checked
 * before and at connect time on every redirect hop, size and time limits, our User-Agent).
 * Fedify's preloaded JSON-LD contexts are answered without a fetch, as Fedify's own loader does.
 * Fedify refuses custom loader factories together with its `allowPrivateAddress`/`userAgent`
 * options, so those are not given to `createFederation` any more: these loaders do their work.
 */
import {
  createActivityPubRequest,
  getRemoteDocument,
  kvCache,
  preloadedContexts,
  signRequest,
  type AuthenticatedDocumentLoaderFactory,
  type DocumentLoader,
  type DocumentLoaderFactory,
  type KvKey,
  type KvStore,
  type RemoteDocument,
} from '@fedify/fedify'
import type { RemoteFetcher } from './remote-fetcher.ts'

type Sign = (request: Request) => Promise<Request>

/** One document loader; `sign` signs each request (authenticated fetches). */
export function limitedDocumentLoader(fetcher: RemoteFetcher, sign?: Sign): DocumentLoader {
  const load = async (url: string, options?: { signal?: AbortSignal }): Promise<RemoteDocument> => {
    const first = new URL(url).href
    if (first in preloadedContexts) return { contextUrl: null, document: preloadedContexts[first], documentUrl: first }
    const { url: final, response } = await fetcher.fetch(
      first,
      async (hop) => {
        const request = createActivityPubRequest(hop, { userAgent: fetcher.limits.userAgent })
        return sign ? sign(request) : request
      },
      options?.signal,
    )
    return getRemoteDocument(final, response, load)
  }
  return load
}

/** The three factories for `createFederation` (document and context loaders cached in `kv`). */
export function documentLoaderFactories(fetcher: RemoteFetcher, kv: KvStore, prefix: KvKey): {
  documentLoaderFactory: DocumentLoaderFactory
  contextLoaderFactory: DocumentLoaderFactory
  authenticatedDocumentLoaderFactory: AuthenticatedDocumentLoaderFactory
} {
  const loader = limitedDocumentLoader(fetcher)
  return {
    documentLoaderFactory: () => kvCache({ loader, kv, prefix, kind: 'object' }),
    contextLoaderFactory: () => kvCache({ loader, kv, prefix, kind: 'context' }),
    // Signed fetches are not cached (as in Fedify: the answer may depend on who asks).
    authenticatedDocumentLoaderFactory: (identity) => limitedDocumentLoader(fetcher, (request) => signRequest(request, identity.privateKey, identity.keyId)),
  }
}
