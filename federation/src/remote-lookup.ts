/**
 * `ctx.lookupObject()` done with our fetcher. Fedify's own does its WebFinger step with the global
 * `fetch` (no size limit, no connect-time address check; see webfinger-client.ts) and swallows
 * the document loader's errors; this one does the WebFinger step through `RemoteFetcher` and loads
 * the document itself, then leaves parsing (and the check that the object's id has the document's
 * origin) to Fedify's `lookupObject`, handing it the loaded document so it fetches nothing itself.
 * Fetch refusals are thrown (`fetch-errors.ts`), so callers can tell why a lookup failed.
 */
import type { Context, DocumentLoader, RemoteDocument } from '@fedify/fedify'
import { lookupObject, toAcctUrl } from '@fedify/fedify/vocab'
import { lookupWebFinger, selfLinks } from './webfinger-client.ts'
import { remoteFetchErrorCode } from './fetch-errors.ts'
import type { RemoteFetcher } from './remote-fetcher.ts'

/** A handle (`@name@host`, `name@host`, `acct:name@host`) or a URL, looked up; null when not found. */
export async function lookupRemoteObject(
  ctx: Context<void>,
  target: string,
  fetcher: RemoteFetcher,
): ReturnType<typeof lookupObject> {
  const identifier = toAcctUrl(target) ?? new URL(target)
  let document: RemoteDocument | null = null
  let firstError: unknown = null
  if (identifier.protocol === 'https:' || identifier.protocol === 'http:') {
    try {
      document = await ctx.documentLoader(identifier.href)
    } catch (error) {
      firstError = error
    }
  }
  // As Fedify does: a URL that is no ActivityPub document (a profile page) may still be known to WebFinger.
  if (document === null && remoteFetchErrorCode(firstError) === null) {
    const jrd = await lookupWebFinger(identifier, fetcher)
    for (const href of jrd === null ? [] : selfLinks(jrd)) {
      try {
        document = await ctx.documentLoader(href)
        break
      } catch (error) {
        firstError ??= error
      }
    }
  }
  if (document === null) {
    if (remoteFetchErrorCode(firstError) !== null) throw firstError
    return null
  }
  const loaded = document
  const documentLoader: DocumentLoader = (url, options) =>
    url === loaded.documentUrl ? Promise.resolve(loaded) : ctx.documentLoader(url, options)
  return lookupObject(loaded.documentUrl, {
    documentLoader,
    contextLoader: ctx.contextLoader,
    userAgent: fetcher.limits.userAgent,
  })
}
