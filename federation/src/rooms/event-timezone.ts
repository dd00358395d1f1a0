/**
 * Mobilizon's `timezone` on Events: Mobilizon (and the WordPress and Gancio plugins that talk to
 * it) read an Event's IANA zone from a top-level `timezone` key, defined in their JSON-LD context as
 * `mz:timezone` (mz = https://joinmobilizon.org/ns#). Fedify's vocabulary has no such property and
 * drops what it does not know when it compacts an activity, so:
 *
 * - out: `TimedEvent` (an `Event` that keeps its zone) adds the property to its expanded form, which
 *   is what an activity embedding it compacts; `ZonedActivity` (`Create`/`Update` of such an Event)
 *   then names it `timezone` and adds the term to the document's `@context`. The JSON is final
 *   before Fedify signs it (Object Integrity Proof, Linked Data signature), so signatures cover it.
 * - in: `eventTimeZone()` reads it from the JSON as received (Fedify keeps the document it parsed),
 *   whichever way the sender's context spells it: `timezone` mapped to mz:timezone, `mz:timezone`,
 *   or the full IRI.
 */
import { Create, Event, Update } from '@fedify/fedify/vocab'

export const MZ = 'https://joinmobilizon.org/ns#'
export const MZ_TIMEZONE = `${MZ}timezone`
/** The context entry that names it `timezone`, as Mobilizon's context does. */
export const TIMEZONE_TERMS = { mz: MZ, timezone: 'mz:timezone' } as const

type Json = Record<string, unknown>
type ToJsonLdOptions = Parameters<Event['toJsonLd']>[0]
const isObject = (value: unknown): value is Json => typeof value === 'object' && value !== null && !Array.isArray(value)

/** Adds the `timezone` term to a compacted document's context (once). */
function withTerm(json: Json): Json {
  const context = json['@context']
  const list = Array.isArray(context) ? [...(context as unknown[])] : context === undefined ? [] : [context]
  if (!list.some((c) => isObject(c) && c.timezone === TIMEZONE_TERMS.timezone)) list.push({ ...TIMEZONE_TERMS })
  return { ...json, '@context': list }
}

/** Renames the full IRI (what compaction leaves for a term it does not know) to `timezone` in `node`. */
function named(node: Json): { node: Json; renamed: boolean } {
  if (!(MZ_TIMEZONE in node)) return { node, renamed: false }
  const { [MZ_TIMEZONE]: value, ...rest } = node
  return { node: { ...rest, timezone: value }, renamed: true }
}

export class TimedEvent extends Event {
  #timeZone: string

  /** `timeZone` rides in the values, since Fedify's `clone()` calls the constructor with (values, options). */
  constructor(
    values: ConstructorParameters<typeof Event>[0] & { timeZone?: string },
    options?: ConstructorParameters<typeof Event>[1],
  ) {
    super(values, options)
    this.#timeZone = values.timeZone ?? 'UTC'
  }

  get timeZone(): string {
    return this.#timeZone
  }

  override clone(values?: Parameters<Event['clone']>[0], options?: Parameters<Event['clone']>[1]): Event {
    const copy = super.clone(values, options) as TimedEvent
    copy.#timeZone = this.#timeZone
    return copy
  }

  override async toJsonLd(options: ToJsonLdOptions = {}): Promise<unknown> {
    const json = await super.toJsonLd(options)
    if (options.format === 'expand') {
      const [node] = json as Json[]
      if (node) node[MZ_TIMEZONE] = [{ '@value': this.#timeZone }]
      return json
    }
    // Compacted (served on its own, or Fedify's shortcut form): the key and its term.
    return withTerm({ ...(json as Json), timezone: this.#timeZone })
  }
}

/** Fedify compacts an activity with its own context: the embedded Event's zone gets its Mobilizon name back. */
function zonedJson(json: Json, options: ToJsonLdOptions): Json {
  if (options?.format === 'expand' || !isObject(json.object)) return json
  const { node, renamed } = named(json.object)
  if (!renamed && !('timezone' in node)) return json
  return withTerm({ ...json, object: node })
}

export class ZonedCreate extends Create {
  override async toJsonLd(options: ToJsonLdOptions = {}): Promise<unknown> {
    return zonedJson((await super.toJsonLd(options)) as Json, options)
  }
}

export class ZonedUpdate extends Update {
  override async toJsonLd(options: ToJsonLdOptions = {}): Promise<unknown> {
    return zonedJson((await super.toJsonLd(options)) as Json, options)
  }
}

/** The IRI a term of a compacted document stands for, per its `@context` (inline contexts only; null if undefined there). */
function termIri(context: unknown, term: string): string | null {
  const list = Array.isArray(context) ? context : [context]
  let iri: string | null = null
  const prefixes = new Map<string, string>()
  for (const entry of list) {
    if (!isObject(entry)) continue
    for (const [key, value] of Object.entries(entry)) if (typeof value === 'string') prefixes.set(key, value)
    const definition = entry[term]
    const id = typeof definition === 'string' ? definition : isObject(definition) ? definition['@id'] : undefined
    if (typeof id === 'string') iri = id
  }
  if (iri === null) return null
  const colon = iri.indexOf(':')
  const prefix = colon > 0 ? prefixes.get(iri.slice(0, colon)) : undefined
  return prefix !== undefined && !iri.startsWith('http') ? prefix + iri.slice(colon + 1) : iri
}

const text = (value: unknown): string | null => {
  const first = Array.isArray(value) ? value[0] : value
  const raw = isObject(first) ? first['@value'] : first
  return typeof raw === 'string' && raw.length > 0 && raw.length <= 100 ? raw : null
}

/**
 * The zone an Event states in `node` (the Event's JSON as received), read with the document's
 * `context` (the Event's own, or the activity's when embedded): null when it states none.
 */
export function eventTimeZone(node: unknown, context: unknown): string | null {
  if (!isObject(node)) return null
  const contexts = [context, node['@context']].filter((c) => c !== undefined)
  if ('timezone' in node && contexts.some((c) => termIri(c, 'timezone') === MZ_TIMEZONE)) return text(node.timezone)
  if (MZ_TIMEZONE in node) return text(node[MZ_TIMEZONE])
  if ('mz:timezone' in node && contexts.some((c) => termIri(c, 'mz') === MZ)) return text(node['mz:timezone'])
  return null
}

/**
 * The zone of an Event received in `activity`: from the activity's JSON as it arrived when the
 * Event is embedded there (Mobilizon embeds it), else from the Event's own document (fetched).
 */
export async function receivedTimeZone(activity: Create | Update, event: Event): Promise<string | null> {
  const raw = await activity.toJsonLd().catch(() => null)
  if (isObject(raw) && isObject(raw.object) && event.id !== null && raw.object.id === event.id.href)
    return eventTimeZone(raw.object, raw['@context'])
  return eventTimeZone(await event.toJsonLd().catch(() => null), undefined)
}
