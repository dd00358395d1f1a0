/**
 * WebFinger lookups (RFC 7033) through our `RemoteFetcher`. Fedify's `lookupWebFinger` calls the
 * global `fetch` with no way to pass a fetch function, dispatcher or size limit (2.3.6), and reads
 * the JRD with `response.json()`, so a hostile server could stream an endless body into memory and
 * its only address check happens before the fetch resolves the name again. This does the same
 * lookup as Fedify's (same URL, `Accept`, redirect following) with our limits and address policy.
 */
import type { RemoteFetcher } from './remote-fetcher.ts'
import { isActivityPubType } from './remote-document.ts'

/** The parts of a JRD we read. */
export type ResourceDescriptor = {
  subject?: string
  aliases?: string[]
  links?: { rel: string; type?: string; href?: string }[]
}

/**
 * The WebFinger descriptor of `resource` (`acct:name@host`, or an http(s) URL asked of its own
 * host), or null when the server has none (404/410, other errors, not a JRD). Fetch refusals
 * (`fetch-errors.ts`) and network errors are thrown.
 */
export async function lookupWebFinger(
  resource: URL,
  fetcher: RemoteFetcher,
  signal?: AbortSignal,
): Promise<ResourceDescriptor | null> {
  let server: string
  let protocol = 'https:'
  if (resource.protocol === 'acct:') {
    const at = resource.pathname.lastIndexOf('@')
    server = at < 0 ? '' : resource.pathname.slice(at + 1)
    if (server === '' || /[/?#]/.test(server)) return null
  } else if (resource.protocol === 'https:' || resource.protocol === 'http:') {
    protocol = resource.protocol
    server = resource.host
  } else return null
  const url = new URL(`${protocol}//${server}/.well-known/webfinger`)
  url.searchParams.set('resource', resource.href)
  const { response } = await fetcher.fetch(
    url.href,
    (hop) => new Request(hop, { headers: { accept: 'application/jrd+json', 'user-agent': fetcher.limits.userAgent } }),
    signal,
  )
  if (!response.ok) return null
  let jrd: unknown
  try {
    jrd = await response.json()
  } catch {
    return null
  }
  if (typeof jrd !== 'object' || jrd === null || Array.isArray(jrd)) return null
  const links = (jrd as { links?: unknown }).links
  if (links !== undefined && !Array.isArray(links)) return null
  return jrd as ResourceDescriptor
}

/** The ActivityPub actor a descriptor points to (`rel="self"` with an ActivityStreams type). */
export function selfLinks(jrd: ResourceDescriptor): string[] {
  return (jrd.links ?? [])
    .filter((link) => typeof link === 'object' && link !== null && link.rel === 'self' && typeof link.href === 'string')
    .filter((link) => typeof link.type === 'string' && isActivityPubType(link.type))
    .map((link) => link.href as string)
}
