/**
 * How each delivery is posted: Fedify's `deliveryFetch` (a patch, patches/README.md) set to one
 * `undici.request` on the remote fetcher's guarded agent, instead of the global `fetch`.
 * - The connect-time address check (guarded-agent.ts) now covers deliveries and the redirects
 *   Fedify follows for them, which the global fetch could not: a name that answers a public address
 *   to the queue's pre-check (delivery-guard.ts) and 127.0.0.1 to the connect is refused.
 * - It skips the fetch standard's machinery (a second Request, body streams, the Response
 *   algorithm): about 0.15 ms less CPU per POST (docs/federation-performance.md, fifth round).
 * What Fedify asks of it is kept: redirects are not followed (Fedify follows them, as with
 * `redirect: 'manual'`), an abort signal aborts, a transport error is thrown (Fedify maps it to its
 * `FetchError` and retries). The answer's body is thrown away for a 2xx or 3xx (Fedify never reads
 * it) and kept up to 1 KiB otherwise (what Fedify logs and puts in its error). Every POST gives up
 * when the remote takes longer than the fetch time limit to answer or to send its body, where the
 * global fetch waited 300 s: a stuck inbox held a delivery worker that long.
 */
import type { Dispatcher } from 'undici'

/** What Fedify keeps of an error answer (`MAX_ERROR_RESPONSE_BODY_BYTES` in Fedify). */
const ERROR_BODY_BYTES = 1024

export type DeliveryPost = (request: Request, init?: { signal?: AbortSignal | null }) => Promise<Response>

export function deliveryPost(options: {
  /** The guarded agent (made on first use, as for fetches). */
  dispatcher: () => Dispatcher
  /** Our User-Agent, for requests that carry none. */
  userAgent: string
  timeoutMs: number
}): DeliveryPost {
  return async (request, init) => {
    const headers: Record<string, string> = {}
    for (const [name, value] of request.headers) headers[name] = value
    headers['user-agent'] ??= options.userAgent
    const body = request.body === null ? null : new Uint8Array(await request.arrayBuffer())
    const signal = init?.signal ?? request.signal
    const answer = await options.dispatcher().request({
      origin: new URL(request.url).origin,
      path: pathOf(request.url),
      method: request.method as Dispatcher.HttpMethod,
      headers,
      body,
      signal,
      headersTimeout: options.timeoutMs,
      bodyTimeout: options.timeoutMs,
    })
    const responseHeaders = new Headers()
    for (const [name, value] of Object.entries(answer.headers)) {
      if (Array.isArray(value)) for (const each of value) responseHeaders.append(name, each)
      else if (value !== undefined) responseHeaders.set(name, value)
    }
    const status = answer.statusCode
    if (status < 400) {
      await answer.body.dump()
      return new Response(null, { status, headers: responseHeaders })
    }
    return new Response(await readStart(answer.body, ERROR_BODY_BYTES), { status, headers: responseHeaders })
  }
}

/** The path and query of an absolute URL, as the request line carries them. */
function pathOf(url: string): string {
  const parsed = new URL(url)
  return `${parsed.pathname}${parsed.search}`
}

/** The first `max` bytes of a body; the rest is not read (leaving the loop early destroys the stream). */
async function readStart(body: Dispatcher.ResponseData['body'], max: number): Promise<Uint8Array<ArrayBuffer>> {
  const chunks: Uint8Array[] = []
  let total = 0
  for await (const chunk of body as AsyncIterable<Uint8Array>) {
    chunks.push(chunk)
    total += chunk.byteLength
    if (total >= max) break
  }
  return new Uint8Array(Buffer.concat(chunks).subarray(0, max))
}
