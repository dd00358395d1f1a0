/**
 * The strict compact reader: builds the activity of the one shape most inbound traffic has — a
 * Mastodon `Create` of a `Note` (direct messages, member posts) — straight from its compact JSON,
 * without the JSON-LD expansion (about 0.4 ms of CPU per activity, the largest single cost of an
 * inbox POST after SQLite; docs/federation-performance.md). It is a parser, not a shortcut past a
 * check: what it returns is the same `Create` and `Note` the full parse gives (same classes, same
 * values, compared by their expanded JSON-LD in compact-reader.test.ts), and the gate runs every
 * signature, key-ownership, origin and replay check on it as on any activity.
 *
 * It reads only what it can read exactly, and answers `undefined` (→ the full parse) for anything
 * else: a context other than ActivityStreams followed by the security vocabulary or Mastodon's
 * own term definitions, each
 * exactly as Mastodon writes it (a definition that could change what a key means — `@vocab`,
 * `@language`, a redefined `content` — is not among them), a key it does not know, a value of
 * another JSON type, a URL that is not absolute http(s), a date the full parse would read
 * differently, attachments, custom emoji. Nothing is fetched.
 */
import { Temporal } from '@js-temporal/polyfill'
import {
  Collection,
  CollectionPage,
  Create,
  Hashtag,
  LanguageString,
  Mention,
  Note,
  type DocumentLoader,
} from '@fedify/fedify/vocab'

const AS = 'https://www.w3.org/ns/activitystreams'
const SECURITY_V1 = 'https://w3id.org/security/v1'

/**
 * Mastodon's term definitions (app/lib/activitypub/adapter.rb, `NAMED_CONTEXT_MAP` and
 * `CONTEXT_EXTENSION_MAP`) that can accompany a Create of a Note, exactly as it writes them. None
 * names a term this reader maps to the object; the ostatus ones name keys no Fedify class reads.
 */
const MASTODON_TERMS: Record<string, unknown> = {
  ostatus: 'http://ostatus.org#',
  atomUri: 'ostatus:atomUri',
  inReplyToAtomUri: 'ostatus:inReplyToAtomUri',
  conversation: 'ostatus:conversation',
  sensitive: 'as:sensitive',
  toot: 'http://joinmastodon.org/ns#',
  votersCount: 'toot:votersCount',
  Hashtag: 'as:Hashtag',
}

/** Keys of a Create and of its Note that the reader maps, or that (by the terms above) no class reads. */
const CREATE_KEYS = new Set(['@context', 'id', 'type', 'actor', 'published', 'to', 'cc', 'object'])
const NOTE_KEYS = new Set([
  'id',
  'type',
  'summary',
  'inReplyTo',
  'published',
  'updated',
  'url',
  'attributedTo',
  'to',
  'cc',
  'sensitive',
  'atomUri',
  'inReplyToAtomUri',
  'conversation',
  'content',
  'contentMap',
  'attachment',
  'tag',
  'replies',
])
/** Keys of a Note that no Fedify class reads, whether or not the context defines them. */
const IGNORED = ['atomUri', 'inReplyToAtomUri', 'conversation'] as const

/** Thrown inside the reader for a shape it does not read exactly; never escapes it. */
class NotCompact extends Error {}
const notCompact = (): never => {
  throw new NotCompact()
}

type Json = Record<string, unknown>
const isObject = (value: unknown): value is Json => typeof value === 'object' && value !== null && !Array.isArray(value)

/**
 * The activity, read without expansion, or `undefined` when `json` is not a shape this reader
 * reads exactly (the caller then runs the full parse). `documentLoader` and `contextLoader` are
 * given to every object made, as the full parse gives them (for their later lazy fetches).
 */
export function readCompactActivity(
  json: unknown,
  loaders: { documentLoader: DocumentLoader; contextLoader: DocumentLoader },
): Create | undefined {
  try {
    if (!isObject(json) || json.type !== 'Create') return undefined
    const terms = contextTerms(json['@context'])
    onlyKeys(json, CREATE_KEYS)
    const note = json.object
    if (!isObject(note)) return notCompact()
    onlyKeys(note, NOTE_KEYS)
    // Keys no Fedify class reads (ostatus terms, or a term the context leaves undefined, which
    // ActivityStreams' `"@vocab": "_:"` turns into a blank-node property): skipped, as the full
    // parse skips them — if they are plain strings, which its expansion could not fail on.
    for (const key of IGNORED) if (key in note && note[key] !== null) stringOf(note[key])
    if ('sensitive' in note && note.sensitive !== null && typeof note.sensitive !== 'boolean') notCompact()
    return new Create(
      {
        id: url(json.id),
        actor: url(json.actor),
        published: optional(json.published, instant),
        tos: urls(json.to),
        ccs: urls(json.cc),
        object: readNote(note, terms, loaders),
      },
      loaders,
    )
  } catch {
    // NotCompact, or a value a constructor refused: the full parse decides about those.
    return undefined
  }
}

function readNote(
  note: Json,
  terms: Set<string>,
  loaders: { documentLoader: DocumentLoader; contextLoader: DocumentLoader },
): Note {
  if (note.type !== 'Note') notCompact()
  if ('attachment' in note && !(Array.isArray(note.attachment) && note.attachment.length === 0)) notCompact()
  return new Note(
    {
      id: url(note.id),
      summary: optional(note.summary, (value) => stringOf(value)),
      replyTarget: optional(note.inReplyTo, url),
      published: optional(note.published, instant),
      updated: optional(note.updated, instant),
      url: optional(note.url, url),
      attribution: url(note.attributedTo),
      tos: urls(note.to),
      ccs: urls(note.cc),
      // Mastodon's term; without it the key is a blank-node property the full parse does not read.
      sensitive: terms.has('sensitive') ? optional(note.sensitive, (value) => value as boolean) : null,
      contents: contents(note.content, note.contentMap),
      tags: list(note.tag).map((value) => tag(value, terms)),
      replies: optional(note.replies, (value) => replies(value, loaders)),
    },
    loaders,
  )
}

/**
 * The terms the context defines beyond ActivityStreams; refuses any context that is not AS, then
 * the security vocabulary or Mastodon's terms.
 */
function contextTerms(context: unknown): Set<string> {
  if (context === AS) return new Set()
  if (!Array.isArray(context) || context[0] !== AS) return notCompact()
  const terms = new Set<string>()
  for (const entry of context.slice(1)) {
    // The security vocabulary (keys, signatures) redefines only `id` and `type`, to the same.
    if (entry === SECURITY_V1) continue
    if (!isObject(entry)) return notCompact()
    for (const [term, definition] of Object.entries(entry)) {
      if (MASTODON_TERMS[term] !== definition || terms.has(term)) notCompact()
      terms.add(term)
    }
  }
  return terms
}

function onlyKeys(object: Json, allowed: Set<string>): void {
  for (const key of Object.keys(object)) if (!allowed.has(key)) notCompact()
}

function optional<T>(value: unknown, read: (value: unknown) => T): T | null {
  return value === undefined || value === null ? null : read(value)
}

function stringOf(value: unknown): string {
  return typeof value === 'string' ? value : notCompact()
}

/** An absolute http(s) URL, as the full parse would make it (a relative one would need the document's base). */
function url(value: unknown): URL {
  if (typeof value !== 'string' || !(value.startsWith('https://') || value.startsWith('http://'))) return notCompact()
  const parsed = URL.parse(value)
  return parsed ?? notCompact()
}

/** One value or an array of them (JSON-LD reads both alike), never nested arrays. */
function list(value: unknown): unknown[] {
  if (value === undefined || value === null) return []
  return Array.isArray(value) ? value : [value]
}

const urls = (value: unknown): URL[] => list(value).map(url)

/**
 * An `xsd:dateTime` read as the full parse reads it (a time without an offset taken as UTC), but
 * only in the form Mastodon writes, so that no lenient reading of an odd form can differ.
 */
const DATE_TIME = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(\.\d{1,9})?(Z|[+-]\d{2}:\d{2})$/
function instant(value: unknown): Temporal.Instant {
  if (typeof value !== 'string' || !DATE_TIME.test(value)) return notCompact()
  return Temporal.Instant.from(value)
}

/** `content` then `contentMap` by language, the order the expansion gives them. */
function contents(content: unknown, contentMap: unknown): (string | LanguageString)[] {
  const values: (string | LanguageString)[] = []
  if (content !== undefined && content !== null) values.push(stringOf(content))
  if (contentMap !== undefined && contentMap !== null) {
    if (!isObject(contentMap)) return notCompact()
    for (const language of Object.keys(contentMap).sort()) {
      const text = contentMap[language]
      if (text === null) continue
      if (!/^[A-Za-z]{1,8}(-[A-Za-z0-9]{1,8})*$/.test(language)) notCompact()
      // The expansion lower-cases the tag.
      values.push(new LanguageString(stringOf(text), language.toLowerCase()))
    }
  }
  return values
}

/** A Mention or a hashtag as Mastodon writes them (`type`, `href`, `name`); custom emoji and others go to the full parse. */
function tag(value: unknown, terms: Set<string>): Mention | Hashtag {
  if (!isObject(value)) return notCompact()
  onlyKeys(value, TAG_KEYS)
  const values = { href: url(value.href), name: stringOf(value.name) }
  if (value.type === 'Mention') return new Mention(values)
  // `Hashtag` is Mastodon's term, not ActivityStreams'.
  if (value.type === 'Hashtag' && terms.has('Hashtag')) return new Hashtag(values)
  return notCompact()
}
const TAG_KEYS = new Set(['type', 'href', 'name'])

/** Mastodon's replies collection: its id and an empty first page pointing on. */
function replies(
  value: unknown,
  loaders: { documentLoader: DocumentLoader; contextLoader: DocumentLoader },
): Collection {
  if (!isObject(value) || value.type !== 'Collection') return notCompact()
  onlyKeys(value, REPLIES_KEYS)
  const first = value.first
  if (!isObject(first) || first.type !== 'CollectionPage') return notCompact()
  onlyKeys(first, PAGE_KEYS)
  if (!Array.isArray(first.items) || first.items.length !== 0) notCompact()
  return new Collection(
    {
      id: url(value.id),
      first: new CollectionPage({ next: optional(first.next, url), partOf: optional(first.partOf, url) }, loaders),
    },
    loaders,
  )
}
const REPLIES_KEYS = new Set(['id', 'type', 'first'])
const PAGE_KEYS = new Set(['type', 'next', 'partOf', 'items'])
