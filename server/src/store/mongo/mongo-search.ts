/**
 * What a search box's text becomes on MongoDB, with the same meaning as on SQLite's FTS5
 * (search-terms.ts): "quoted words" are a phrase, every other word a prefix (`rep` finds "report").
 * MongoDB's `$text` has phrases but no prefixes — a bare word there matches whole (stemmed) words
 * only — so phrases go to `$text` (each quoted, so all are required) and each bare word becomes a
 * case-insensitive regular expression anchored at the start of a word in the body. The user's
 * text is escaped, never read as regular-expression or `$text` syntax.
 */
import { searchTerms } from '../search-terms.ts'

/** Characters before which a word starts: the body's start, white space or common punctuation. */
const WORD_START = String.raw`(?:^|[\s(\[{"'“‘«<>@#*_~/.,;:!?-])`

const escapeRegExp = (text: string) => text.replace(/[.*+?^${}()|[\]\\/-]/g, '\\$&')

export type MongoTextFilter = {
  $text?: { $search: string }
  $and?: { body: { $regex: string; $options: string } }[]
}

/** The filter for `text`, or null when it has no terms (nothing to search for). */
export function mongoTextFilter(text: string): MongoTextFilter | null {
  const terms = searchTerms(text)
  if (terms.length === 0) return null
  const phrases = terms.filter((t) => t.phrase).map((t) => `"${t.words.join(' ').replaceAll('"', '')}"`)
  const prefixes = terms.filter((t) => !t.phrase).map((t) => t.words.join(' '))
  const filter: MongoTextFilter = {}
  if (phrases.length > 0) filter.$text = { $search: phrases.join(' ') }
  if (prefixes.length > 0)
    filter.$and = prefixes.map((word) => ({ body: { $regex: WORD_START + escapeRegExp(word), $options: 'i' } }))
  return filter
}
