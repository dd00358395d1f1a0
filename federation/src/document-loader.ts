/**
 * Our document loaders for Fedify: every fetch of a remote document (actors, objects, keys, JSON-LD
 * contexts, signed fetches) goes through the instance's `RemoteFetcher` (address policy checked
 * before and at connect time on every redirect hop, size and time limits, our User-Agent).
 * Signed fetches double-knock as Fedify's own authenticated loader does (which we cannot use: it
 * calls the global fetch): RFC 9421 first, or what the origin took last time; when the answer
 * refuses the signature, once more with the other spec, and the spec that worked is remembered.
 * Fedify's preloaded JSON-LD contexts are answered without a fetch, as Fedify's own loader does.
 * What an answer is (document, alternate link, or refused) is decided by remote-document.ts; a load
 * follows at most `MAX_REDIRECTS` redirect and alternate-link hops in all, never the same URL
 * twice, and ends within one deadline (the fetcher's `timeoutMs`) however many hops it takes.
 * Fedify refuses custom loader factories together with its `allowPrivateAddress`/`userAgent`
 * options, so those are not given to `createFederation` any more: these loaders do their work.
 */
import {
  createActivityPubRequest,
  preloadedContexts,
  signRequest,
  type AuthenticatedDocumentLoaderFactory,
  type DocumentLoader,
  type DocumentLoaderFactory,
  type HttpMessageSignaturesSpec,
  type HttpMessageSignaturesSpecDeterminer,
  type KvKey,
  type KvStore,
  type RemoteDocument,
} from '@fedify/fedify'
import { MAX_REDIRECTS, type FetchedResponse, type RemoteFetcher } from './remote-fetcher.ts'
import { parseRemoteAnswer, type DocumentKind } from './remote-document.ts'
import { FetchTimeoutError, RedirectError } from './fetch-errors.ts'
import { KvSignatureSpecs } from './signature-specs.ts'
import { cachedDocumentLoader } from './document-cache.ts'

/** Who signs a signed fetch, and where what each origin takes is remembered. */
export type Signer = {
  identity: Parameters<AuthenticatedDocumentLoaderFactory>[0]
  specs: HttpMessageSignaturesSpecDeterminer
}

/** Answers that refuse a signature (or its absence): worth a second knock with the other spec. */
const SIGNATURE_REFUSED = new Set([400, 401, 403])

const otherSpec = (spec: HttpMessageSignaturesSpec): HttpMessageSignaturesSpec =>
  spec === 'rfc9421' ? 'draft-cavage-http-signatures-12' : 'rfc9421'

/**
 * One document loader; with a `signer`, each request is signed (authenticated fetches). `kind`
 * says which content types it takes (see remote-document.ts): JSON-LD contexts may be plain JSON.
 */
export function limitedDocumentLoader(
  fetcher: RemoteFetcher,
  signer?: Signer,
  kind: DocumentKind = 'object',
): DocumentLoader {
  const fetchAs = (
    url: string,
    spec: HttpMessageSignaturesSpec | null,
    signal: AbortSignal,
    maxRedirects: number,
  ): Promise<FetchedResponse> =>
    fetcher.fetch(
      url,
      async (hop) => {
        const request = createActivityPubRequest(hop, { userAgent: fetcher.limits.userAgent })
        return signer && spec
          ? signRequest(request, signer.identity.privateKey, signer.identity.keyId, { spec })
          : request
      },
      signal,
      maxRedirects,
    )
  const doubleKnock = async (
    url: string,
    { specs }: Signer,
    signal: AbortSignal,
    maxRedirects: number,
  ): Promise<FetchedResponse> => {
    const origin = new URL(url).origin
    const first = await specs.determineSpec(origin)
    const fetched = await fetchAs(url, first, signal, maxRedirects)
    if (!SIGNATURE_REFUSED.has(fetched.response.status)) {
      if (fetched.response.ok) await specs.rememberSpec(origin, first)
      return fetched
    }
    await fetched.response.body?.cancel().catch(() => {}) // best effort: this body is not read, cancelling only frees the socket
    const second = otherSpec(first)
    const retried = await fetchAs(url, second, signal, maxRedirects)
    if (retried.response.ok) await specs.rememberSpec(origin, second)
    return retried
  }
  return async (url: string, options?: { signal?: AbortSignal }): Promise<RemoteDocument> => {
    const first = new URL(url).href
    if (Object.hasOwn(preloadedContexts, first))
      return { contextUrl: null, document: preloadedContexts[first], documentUrl: first }
    // One deadline for the whole load, alternate links and redirects included.
    const deadline = AbortSignal.timeout(fetcher.limits.timeoutMs)
    const signal = options?.signal ? AbortSignal.any([options.signal, deadline]) : deadline
    const visited = new Set<string>()
    let current = first
    let hops = 0
    try {
      for (;;) {
        visited.add(current)
        const {
          url: final,
          response,
          redirects,
        } = signer
          ? await doubleKnock(current, signer, signal, MAX_REDIRECTS - hops)
          : await fetchAs(current, null, signal, MAX_REDIRECTS - hops)
        hops += redirects
        visited.add(final)
        const answer = await parseRemoteAnswer(final, response, kind)
        if ('document' in answer) return { contextUrl: null, document: answer.document, documentUrl: final }
        if (visited.has(answer.alternate))
          throw new RedirectError(final, 'fetch-redirect-loop', `Alternate link loop: ${answer.alternate}`)
        if (++hops > MAX_REDIRECTS)
          throw new RedirectError(final, 'fetch-too-many-redirects', `More than ${MAX_REDIRECTS} hops from ${first}`)
        current = answer.alternate
      }
    } catch (error) {
      if (deadline.aborted && !(options?.signal?.aborted ?? false) && !(error instanceof FetchTimeoutError))
        throw new FetchTimeoutError(current, fetcher.limits.timeoutMs)
      throw error
    }
  }
}

/**
 * The three factories for `createFederation`. Fedify calls them for every context it makes (several
 * times per inbound activity, once per delivery), so the cached loaders are made once, here, and
 * handed out each time (see document-cache.ts for why not Fedify's `kvCache()`).
 */
export function documentLoaderFactories(
  fetcher: RemoteFetcher,
  kv: KvStore,
  prefix: KvKey,
  onCacheError?: (error: unknown, failed: string) => void,
): {
  documentLoaderFactory: DocumentLoaderFactory
  contextLoaderFactory: DocumentLoaderFactory
  authenticatedDocumentLoaderFactory: AuthenticatedDocumentLoaderFactory
} {
  const specs = new KvSignatureSpecs(kv)
  const logged = onCacheError ? { onCacheError } : {}
  const documentLoader = cachedDocumentLoader({
    loader: limitedDocumentLoader(fetcher),
    kv,
    prefix,
    kind: 'object',
    ...logged,
  })
  const contextLoader = cachedDocumentLoader({
    loader: limitedDocumentLoader(fetcher, undefined, 'context'),
    kv,
    prefix,
    kind: 'context',
    ...logged,
  })
  return {
    documentLoaderFactory: () => documentLoader,
    contextLoaderFactory: () => contextLoader,
    // Signed fetches are not cached (as in Fedify: the answer may depend on who asks).
    authenticatedDocumentLoaderFactory: (identity) => limitedDocumentLoader(fetcher, { identity, specs }),
  }
}
