/**
 * Our document loaders for Fedify: every fetch of a remote document (actors, objects, keys, JSON-LD
 * contexts, signed fetches) goes through `fetchLimited`, which
 * - refuses private, loopback, link-local and unique-local addresses (Fedify's `validatePublicUrl`,
 *   which resolves the host and checks every address) and non-https URLs, on every redirect hop,
 *   unless the instance is on a test network (`allowPrivateAddress`);
 * - stops reading a body past `maxBytes` and gives up after `timeoutMs`;
 * - sends our User-Agent.
 * Fedify's preloaded JSON-LD contexts are answered without a fetch, as Fedify's own loader does.
 * Fedify refuses custom loader factories together with its `allowPrivateAddress`/`userAgent`
 * options, so those are not given to `createFederation` any more: these loaders do their work.
 */
import {
  FetchError,
  UrlError,
  createActivityPubRequest,
  getRemoteDocument,
  preloadedContexts,
  signRequest,
  validatePublicUrl,
  type AuthenticatedDocumentLoaderFactory,
  type DocumentLoader,
  type DocumentLoaderFactory,
  type KvKey,
  type KvStore,
  type Context,
  type RemoteDocument,
} from '@fedify/fedify'
import { lookupObject } from '@fedify/fedify/vocab'
import { cachedDocumentLoader } from './document-cache.ts'

export const DEFAULT_FETCH_MAX_BYTES = 1024 * 1024
export const DEFAULT_FETCH_TIMEOUT_MS = 10_000
const MAX_REDIRECTS = 10

export type FetchLimits = {
  /** Test networks only: allow loopback/private addresses and plain http. */
  allowPrivateAddress: boolean
  /** Bodies longer than this are refused (reading stops there). */
  maxBytes: number
  /** Each fetch (with its redirects) is aborted after this. */
  timeoutMs: number
  /** Our User-Agent header. */
  userAgent: string
}

/** A remote body past the size limit. */
export class DocumentTooLargeError extends FetchError {
  constructor(url: string, maxBytes: number) {
    super(url, `Remote document is larger than ${maxBytes} bytes`)
    this.name = 'DocumentTooLargeError'
  }
}

/** Refuses a URL we must not fetch (see the module comment). */
export async function checkFetchUrl(url: string, allowPrivateAddress: boolean): Promise<void> {
  if (allowPrivateAddress) {
    const protocol = new URL(url).protocol
    if (protocol !== 'https:' && protocol !== 'http:') throw new UrlError(`Unsupported protocol: ${protocol}`)
    return
  }
  if (new URL(url).protocol !== 'https:') throw new UrlError(`Only https is allowed: ${url}`)
  await validatePublicUrl(url)
}

/** Reads at most `maxBytes` of the body; past that, cancels the stream and throws. */
export async function readLimited(response: Response, url: string, maxBytes: number): Promise<Uint8Array> {
  const declared = Number(response.headers.get('content-length'))
  if (Number.isFinite(declared) && declared > maxBytes) {
    await response.body?.cancel().catch(() => {})
    throw new DocumentTooLargeError(url, maxBytes)
  }
  if (!response.body) return new Uint8Array(0)
  const reader = response.body.getReader()
  const chunks: Uint8Array[] = []
  let total = 0
  for (;;) {
    const { done, value } = await reader.read()
    if (done) break
    total += value.byteLength
    if (total > maxBytes) {
      await reader.cancel().catch(() => {})
      throw new DocumentTooLargeError(url, maxBytes)
    }
    chunks.push(value)
  }
  const body = new Uint8Array(total)
  let offset = 0
  for (const chunk of chunks) {
    body.set(chunk, offset)
    offset += chunk.byteLength
  }
  return body
}

type Sign = (request: Request) => Promise<Request>

/** One document loader; `sign` signs each request (authenticated fetches). */
export function limitedDocumentLoader(limits: FetchLimits, sign?: Sign): DocumentLoader {
  const load = async (url: string, options?: { signal?: AbortSignal }): Promise<RemoteDocument> => {
    const first = new URL(url).href
    if (Object.hasOwn(preloadedContexts, first)) return { contextUrl: null, document: preloadedContexts[first], documentUrl: first }
    const timeout = AbortSignal.timeout(limits.timeoutMs)
    const signal = options?.signal ? AbortSignal.any([options.signal, timeout]) : timeout
    let current = first
    const visited = new Set<string>()
    for (let hop = 0; ; hop++) {
      signal.throwIfAborted()
      await checkFetchUrl(current, limits.allowPrivateAddress)
      visited.add(current)
      let request = createActivityPubRequest(current, { userAgent: limits.userAgent })
      if (sign) request = await sign(request)
      let response: Response
      let body: Uint8Array
      try {
        response = await fetch(request, { redirect: 'manual', signal })
        const location = response.headers.get('location')
        if (response.status >= 300 && response.status < 400 && location !== null) {
          await response.body?.cancel().catch(() => {})
          if (hop >= MAX_REDIRECTS) throw new FetchError(current, `Too many redirections (${hop + 1})`)
          const next = new URL(location, current).href
          if (visited.has(next)) throw new FetchError(current, `Redirect loop detected: ${next}`)
          current = next
          continue
        }
        body = await readLimited(response, current, limits.maxBytes)
      } catch (error) {
        if (timeout.aborted && !(options?.signal?.aborted ?? false)) {
          throw new FetchError(current, `Timed out after ${limits.timeoutMs} ms`)
        }
        throw error
      }
      const copy = new Response(body.byteLength === 0 ? null : (body as Uint8Array<ArrayBuffer>), { status: response.status, statusText: response.statusText, headers: response.headers })
      return getRemoteDocument(current, copy, load)
    }
  }
  return load
}

/**
 * The three factories for `createFederation`. Fedify calls them for every context it makes (several
 * times per inbound activity, once per delivery), so the cached loaders are made once, here, and
 * handed out each time (see document-cache.ts for why not Fedify's `kvCache()`).
 */
export function documentLoaderFactories(limits: FetchLimits, kv: KvStore, prefix: KvKey): {
  documentLoaderFactory: DocumentLoaderFactory
  contextLoaderFactory: DocumentLoaderFactory
  authenticatedDocumentLoaderFactory: AuthenticatedDocumentLoaderFactory
} {
  const loader = limitedDocumentLoader(limits)
  const documentLoader = cachedDocumentLoader({ loader, kv, prefix, kind: 'object' })
  const contextLoader = cachedDocumentLoader({ loader, kv, prefix, kind: 'context' })
  return {
    documentLoaderFactory: () => documentLoader,
    contextLoaderFactory: () => contextLoader,
    // Signed fetches are not cached (as in Fedify: the answer may depend on who asks).
    authenticatedDocumentLoaderFactory: (identity) => limitedDocumentLoader(limits, (request) => signRequest(request, identity.privateKey, identity.keyId)),
  }
}

/**
 * `ctx.lookupObject()` with our limits: Fedify's own passes WebFinger lookups its federation-level
 * `allowPrivateAddress` and `userAgent`, which we no longer set (see the module comment), so a
 * handle lookup would refuse the test network and send Fedify's User-Agent. Documents go through
 * the context's loaders (ours); the WebFinger request itself gets our time limit.
 */
export function lookupRemoteObject(ctx: Context<void>, target: string, limits: FetchLimits): ReturnType<typeof lookupObject> {
  return lookupObject(target, {
    documentLoader: ctx.documentLoader,
    contextLoader: ctx.contextLoader,
    userAgent: limits.userAgent,
    allowPrivateAddress: limits.allowPrivateAddress,
    signal: AbortSignal.timeout(limits.timeoutMs),
  } as Parameters<typeof lookupObject>[1])
}
