/**
 * Every federation fetch of ours goes through one `RemoteFetcher` per instance, which
 * - refuses non-https URLs (http is allowed on a test network only) and, unless on a test network
 *   (`allowPrivateAddress`), hosts that are or resolve to non-public addresses: checked before each
 *   hop for a clear early error, and again at connect time by the guarded agent (DNS rebinding);
 * - follows redirects itself, so that every hop gets those checks, up to `MAX_REDIRECTS` hops (a
 *   document load shares that budget with the alternate links it follows: document-loader.ts);
 * - stops reading a body past `maxBytes` and gives up after `timeoutMs` (redirects included);
 * - sends our User-Agent (the caller's request builder sets it).
 */
import { isIP, type LookupFunction } from 'node:net'
import { FetchError } from '@fedify/fedify'
import type { Agent } from 'undici'
import { bareHost, isPublicAddress, resolveAll, systemLookup } from './address-policy.ts'
import { guardedAgent } from './guarded-agent.ts'
import { deliveryPost, type DeliveryPost } from './delivery-post.ts'
import {
  DocumentTooLargeError,
  FetchTimeoutError,
  PrivateAddressError,
  RedirectError,
  SchemeRefusedError,
} from './fetch-errors.ts'

export const DEFAULT_FETCH_MAX_BYTES = 1024 * 1024
export const DEFAULT_FETCH_TIMEOUT_MS = 10_000
export const MAX_REDIRECTS = 5

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

/** A fetched answer, its body read in full (within the limit). */
export type FetchedResponse = {
  /** The URL of the last hop. */
  url: string
  response: Response
  /** How many redirects were followed to get there. */
  redirects: number
}

/** Builds the request for one hop (a new one per hop, so that signed fetches sign each URL). */
export type RequestBuilder = (url: string) => Request | Promise<Request>

/**
 * Seams for tests, which have only loopback servers: `lookup` replaces Node's DNS lookup (the
 * pre-check and the connect both use it), `isPublicAddress` may call a loopback address public.
 */
export type FetcherTestOptions = {
  lookup?: LookupFunction
  isPublicAddress?: (address: string) => boolean
}

export class RemoteFetcher {
  readonly limits: FetchLimits
  readonly #lookup: LookupFunction
  /** Made by the first fetch (loading undici then, not at startup); see #dispatcher(). */
  #agent: Agent | null = null
  #closed = false

  readonly #isPublic: (address: string) => boolean
  /** Posts a delivery on the same guarded agent (delivery-post.ts): Fedify's `deliveryFetch`. */
  readonly post: DeliveryPost

  constructor(limits: FetchLimits, options: FetcherTestOptions = {}) {
    this.limits = Object.freeze({ ...limits })
    this.#lookup = options.lookup ?? systemLookup
    this.#isPublic = options.isPublicAddress ?? isPublicAddress
    this.post = deliveryPost({
      dispatcher: () => this.#dispatcher(),
      userAgent: this.limits.userAgent,
      timeoutMs: this.limits.timeoutMs,
    })
  }

  #dispatcher(): Agent {
    if (this.#agent) return this.#agent
    if (this.#closed) throw new DOMException('the remote fetcher is closed', 'InvalidStateError')
    this.#agent = guardedAgent({
      allowPrivateAddress: this.limits.allowPrivateAddress,
      lookup: this.#lookup,
      isPublicAddress: this.#isPublic,
    })
    return this.#agent
  }

  /** Refuses a URL we must not fetch (see the module comment); the connect-time check follows. */
  async checkUrl(url: string): Promise<void> {
    const parsed = new URL(url)
    if (this.limits.allowPrivateAddress) {
      if (parsed.protocol !== 'https:' && parsed.protocol !== 'http:')
        throw new SchemeRefusedError(`Unsupported protocol: ${parsed.protocol}`)
      return
    }
    if (parsed.protocol !== 'https:') throw new SchemeRefusedError(`Only https is allowed: ${url}`)
    const host = bareHost(parsed.hostname)
    const addresses =
      isIP(host) !== 0
        ? [host]
        : await resolveAll(this.#lookup, host).catch((error: unknown) => {
            throw new FetchError(
              url,
              `DNS lookup of ${host} failed: ${error instanceof Error ? error.message : String(error)}`,
            )
          })
    const refused = addresses.find((address) => !this.#isPublic(address))
    if (refused !== undefined) throw new PrivateAddressError(host, refused)
  }

  /** Fetches `url`, following redirects (each hop checked) and reading the whole body within the limits. */
  async fetch(
    url: string,
    build: RequestBuilder,
    signal?: AbortSignal,
    maxRedirects: number = MAX_REDIRECTS,
  ): Promise<FetchedResponse> {
    return this.#follow(url, build, this.limits.timeoutMs, signal, maxRedirects, async (response, current) => {
      const body = await readLimited(response, current, this.limits.maxBytes)
      return new Response(body.byteLength === 0 ? null : (body as Uint8Array<ArrayBuffer>), {
        status: response.status,
        statusText: response.statusText,
        headers: response.headers,
      })
    })
  }

  /**
   * Fetches `url` as `fetch()` does (every hop checked), but hands the body over as a stream instead
   * of reading it: for files, which must not be held whole. The stream fails with
   * `DocumentTooLargeError` past `maxBytes` (a larger declared Content-Length is refused before
   * any body is read), and the whole transfer is aborted after `timeoutMs`.
   */
  async stream(
    url: string,
    build: RequestBuilder,
    limits: { maxBytes: number; timeoutMs: number },
    signal?: AbortSignal,
  ): Promise<FetchedResponse> {
    return this.#follow(url, build, limits.timeoutMs, signal, MAX_REDIRECTS, async (response, current) => {
      const declared = Number(response.headers.get('content-length'))
      if (Number.isFinite(declared) && declared > limits.maxBytes) {
        await response.body?.cancel().catch(() => {}) // best effort: this body is not read, cancelling only frees the socket
        throw new DocumentTooLargeError(current, limits.maxBytes)
      }
      let total = 0
      const limited = response.body?.pipeThrough(
        new TransformStream<Uint8Array, Uint8Array>({
          transform(chunk, controller) {
            total += chunk.byteLength
            if (total > limits.maxBytes) controller.error(new DocumentTooLargeError(current, limits.maxBytes))
            else controller.enqueue(chunk)
          },
        }),
      )
      return new Response(limited ?? null, {
        status: response.status,
        statusText: response.statusText,
        headers: response.headers,
      })
    })
  }

  /** Follows redirects (each hop checked) and hands the last answer to `finish`, within `timeoutMs` in all. */
  async #follow(
    url: string,
    build: RequestBuilder,
    timeoutMs: number,
    signal: AbortSignal | undefined,
    maxRedirects: number,
    finish: (response: Response, url: string) => Promise<Response>,
  ): Promise<FetchedResponse> {
    const timeout = AbortSignal.timeout(timeoutMs)
    const combined = signal ? AbortSignal.any([signal, timeout]) : timeout
    let current = new URL(url).href
    const visited = new Set<string>()
    for (let hop = 0; ; hop++) {
      try {
        combined.throwIfAborted()
        await this.checkUrl(current)
        visited.add(current)
        const request = await build(current)
        const response = await fetch(request, {
          redirect: 'manual',
          signal: combined,
          dispatcher: this.#dispatcher(),
        } as RequestInit)
        const location = response.headers.get('location')
        if (response.status >= 300 && response.status < 400 && location !== null) {
          await response.body?.cancel().catch(() => {}) // best effort: this body is not read, cancelling only frees the socket
          if (hop >= maxRedirects)
            throw new RedirectError(current, 'fetch-too-many-redirects', `Too many redirections (${hop + 1})`)
          const next = new URL(location, current).href
          if (visited.has(next))
            throw new RedirectError(current, 'fetch-redirect-loop', `Redirect loop detected: ${next}`)
          current = next
          continue
        }
        return { url: current, response: await finish(response, current), redirects: hop }
      } catch (error) {
        if (timeout.aborted && !(signal?.aborted ?? false)) throw new FetchTimeoutError(current, timeoutMs)
        // fetch() wraps what the connector refused in `TypeError: fetch failed`: give the reason.
        const cause = error instanceof TypeError ? error.cause : undefined
        if (cause instanceof PrivateAddressError) throw cause
        throw error
      }
    }
  }

  /** Closes the agent's idle connections; fetches after this fail. */
  async close(): Promise<void> {
    this.#closed = true
    await this.#agent?.close()
  }
}

/** Reads at most `maxBytes` of the body; past that, cancels the stream and throws. */
export async function readLimited(response: Response, url: string, maxBytes: number): Promise<Uint8Array> {
  const declared = Number(response.headers.get('content-length'))
  if (Number.isFinite(declared) && declared > maxBytes) {
    await response.body?.cancel().catch(() => {}) // best effort: this body is not read, cancelling only frees the socket
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
      await reader.cancel().catch(() => {}) // best effort: this body is not read, cancelling only frees the socket
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
