/**
 * What a fetched remote answer is: an ActivityPub document, or a page naming one (an alternate
 * link), or neither. Replaces Fedify's `getRemoteDocument`, which
 * - takes any content type (text/plain, application/json, application/octet-stream, none) as JSON-LD,
 * - scans HTML with a backtracking regular expression (`<a ` and 4,000 spaces block the event loop
 *   for half a minute), and parses the Link header with another,
 * - and follows alternate links without bound (a page whose Link names itself is fetched forever).
 * Here every scan is one forward pass over input that the fetcher already limited in size (no
 * regular expression sees remote input), and the caller (document-loader.ts) bounds the hops.
 */
import { FetchError } from '@fedify/fedify'
import { ContentTypeRefusedError } from './fetch-errors.ts'

/** What a document loader may take: an ActivityPub object, or (for JSON-LD contexts) any JSON-LD. */
export type DocumentKind = 'object' | 'context'

export type ParsedAnswer = { document: unknown } | { alternate: string }

const ACTIVITYSTREAMS_PROFILE = 'https://www.w3.org/ns/activitystreams'
/** Longest Link header read; links past it are ignored. */
const MAX_LINK_HEADER = 8192
const MAX_LINKS = 32
/** Only the start of an HTML page is searched for its alternate link (it belongs in `<head>`). */
export const MAX_HTML_SCAN = 256 * 1024

/** A media type split into its lowercased type and its parameters (quoted values unquoted). */
export function parseMediaType(header: string | null): { type: string; params: Map<string, string> } | null {
  if (header === null) return null
  const semicolon = header.indexOf(';')
  const type = (semicolon < 0 ? header : header.slice(0, semicolon)).trim().toLowerCase()
  if (type === '') return null
  const params = semicolon < 0 ? new Map<string, string>() : parseParams(header, semicolon + 1, header.length).params
  return { type, params }
}

/** Whether the media type names an ActivityStreams document. */
export function isActivityPubType(header: string | null): boolean {
  const media = parseMediaType(header)
  if (media === null) return false
  if (media.type === 'application/activity+json') return true
  if (media.type !== 'application/ld+json') return false
  const profile = media.params.get('profile')
  return profile !== undefined && profile.split(/[ \t]+/).includes(ACTIVITYSTREAMS_PROFILE)
}

function isAcceptable(header: string | null, kind: DocumentKind): boolean {
  if (isActivityPubType(header)) return true
  if (kind !== 'context') return false
  // JSON-LD contexts are commonly served as plain JSON-LD or JSON.
  const type = parseMediaType(header)?.type
  return type === 'application/ld+json' || type === 'application/json'
}

const isHtml = (header: string | null): boolean => {
  const type = parseMediaType(header)?.type
  return type === 'text/html' || type === 'application/xhtml+xml'
}

/**
 * The document of an answer, or the alternate link it names. Not-OK answers throw Fedify's
 * `FetchError` with the response (the inbox tells a gone actor by its 410); answers that are no
 * ActivityPub document and name none throw `ContentTypeRefusedError`.
 */
export async function parseRemoteAnswer(url: string, response: Response, kind: DocumentKind): Promise<ParsedAnswer> {
  if (!response.ok) throw new FetchError(url, `HTTP ${response.status}: ${url}`, response.clone())
  const contentType = response.headers.get('content-type')
  if (isAcceptable(contentType, kind)) {
    const text = await response.text()
    try {
      return { document: JSON.parse(text) as unknown }
    } catch {
      throw new FetchError(url, `Not JSON: ${url}`)
    }
  }
  const fromLink = alternateFromLinkHeader(response.headers.get('link'), url)
  if (fromLink !== null) {
    await response.body?.cancel().catch(() => {}) // best effort: this body is not read, cancelling only frees the socket
    return { alternate: fromLink }
  }
  if (isHtml(contentType)) {
    const fromHtml = alternateFromHtml(await response.text(), url)
    if (fromHtml !== null) return { alternate: fromHtml }
  } else await response.body?.cancel().catch(() => {}) // best effort: this body is not read, cancelling only frees the socket
  throw new ContentTypeRefusedError(url, contentType)
}

/** `rel="alternate"` with an ActivityPub type in a Link header, resolved against `base`. */
export function alternateFromLinkHeader(header: string | null, base: string): string | null {
  if (header === null) return null
  const text = header.length > MAX_LINK_HEADER ? header.slice(0, MAX_LINK_HEADER) : header
  let i = 0
  for (let count = 0; count < MAX_LINKS && i < text.length; count++) {
    const open = text.indexOf('<', i)
    if (open < 0) return null
    const close = text.indexOf('>', open + 1)
    if (close < 0) return null
    const target = text.slice(open + 1, close).trim()
    const { params, end } = parseParams(text, close + 1, text.length, ',')
    i = end + 1
    if (isAlternate(params)) {
      const resolved = resolve(target, base)
      if (resolved !== null) return resolved
    }
  }
  return null
}

/**
 * The first `<link>` or `<a>` with `rel="alternate"` and an ActivityPub type in an HTML page,
 * resolved against `base`. One pass over the first `MAX_HTML_SCAN` characters: each is looked at a
 * bounded number of times.
 */
export function alternateFromHtml(page: string, base: string): string | null {
  const html = page.length > MAX_HTML_SCAN ? page.slice(0, MAX_HTML_SCAN) : page
  let i = 0
  for (;;) {
    const lt = html.indexOf('<', i)
    if (lt < 0) return null
    let j = lt + 1
    while (j < html.length && isLetter(html.charCodeAt(j))) j++
    const name = html.slice(lt + 1, j).toLowerCase()
    if ((name !== 'a' && name !== 'link') || j >= html.length || !isTagNameEnd(html.charCodeAt(j))) {
      i = j > lt + 1 ? j : lt + 1
      continue
    }
    const tag = parseAttributes(html, j)
    if (tag === null) return null // no closing `>`: the rest is no tag
    if (isAlternate(tag.attributes) && tag.attributes.has('href')) {
      const resolved = resolve(tag.attributes.get('href') ?? '', base)
      if (resolved !== null) return resolved
    }
    i = tag.end + 1
  }
}

function isAlternate(attributes: Map<string, string>): boolean {
  const rel = attributes.get('rel')
  if (
    rel === undefined ||
    !rel
      .toLowerCase()
      .split(/[ \t\n\r\f]+/)
      .includes('alternate')
  )
    return false
  return isActivityPubType(attributes.get('type') ?? null)
}

function resolve(target: string, base: string): string | null {
  try {
    const url = new URL(target, base)
    return url.protocol === 'https:' || url.protocol === 'http:' ? url.href : null
  } catch {
    return null
  }
}

const isLetter = (c: number) => (c >= 65 && c <= 90) || (c >= 97 && c <= 122)
const isSpace = (c: number) => c === 32 || c === 9 || c === 10 || c === 12 || c === 13
const isTagNameEnd = (c: number) => isSpace(c) || c === 47 /* / */ || c === 62 /* > */

/** Attributes from `start` to the tag's `>` (quotes respected), or null when the tag never ends. */
function parseAttributes(html: string, start: number): { attributes: Map<string, string>; end: number } | null {
  const attributes = new Map<string, string>()
  let i = start
  for (;;) {
    while (i < html.length && (isSpace(html.charCodeAt(i)) || html.charCodeAt(i) === 47)) i++
    if (i >= html.length) return null
    if (html.charCodeAt(i) === 62) return { attributes, end: i }
    const nameStart = i
    while (i < html.length) {
      const c = html.charCodeAt(i)
      if (isSpace(c) || c === 61 /* = */ || c === 62 || c === 47) break
      i++
    }
    const name = html.slice(nameStart, i).toLowerCase()
    while (i < html.length && isSpace(html.charCodeAt(i))) i++
    if (html.charCodeAt(i) !== 61) {
      if (!attributes.has(name)) attributes.set(name, '')
      continue
    }
    i++
    while (i < html.length && isSpace(html.charCodeAt(i))) i++
    if (i >= html.length) return null
    const quote = html.charCodeAt(i)
    let value: string
    if (quote === 34 || quote === 39) {
      const close = html.indexOf(quote === 34 ? '"' : "'", i + 1)
      if (close < 0) return null
      value = html.slice(i + 1, close)
      i = close + 1
    } else {
      const valueStart = i
      while (i < html.length && !isSpace(html.charCodeAt(i)) && html.charCodeAt(i) !== 62) i++
      value = html.slice(valueStart, i)
    }
    if (!attributes.has(name)) attributes.set(name, decodeEntities(value))
  }
}

/** The few entities that appear in URLs and media types of attributes. */
function decodeEntities(value: string): string {
  if (!value.includes('&')) return value
  return value.replaceAll('&quot;', '"').replaceAll('&#39;', "'").replaceAll('&amp;', '&')
}

/**
 * `; name=value; name="quoted"` parameters from `start`, up to `stop` (a character outside quotes)
 * or `end`; names lowercased, the first of a repeated name kept.
 */
function parseParams(
  text: string,
  start: number,
  end: number,
  stop?: string,
): { params: Map<string, string>; end: number } {
  const params = new Map<string, string>()
  let i = start
  while (i < end) {
    const c = text[i]
    if (c === stop) break
    if (c === ';' || c === ' ' || c === '\t') {
      i++
      continue
    }
    const nameStart = i
    while (i < end && text[i] !== '=' && text[i] !== ';' && text[i] !== stop) i++
    const name = text.slice(nameStart, i).trim().toLowerCase()
    let value = ''
    if (text[i] === '=') {
      i++
      while (i < end && (text[i] === ' ' || text[i] === '\t')) i++
      if (text[i] === '"') {
        let close = i + 1
        let out = ''
        while (close < end && text[close] !== '"') {
          if (text[close] === '\\' && close + 1 < end) close++
          out += text[close]
          close++
        }
        value = out
        i = close + 1
      } else {
        const valueStart = i
        while (i < end && text[i] !== ';' && text[i] !== stop) i++
        value = text.slice(valueStart, i).trim()
      }
    }
    if (name !== '' && !params.has(name)) params.set(name, value)
  }
  return { params, end: i }
}
