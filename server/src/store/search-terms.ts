/**
 * What people type into a search box, read as terms: "quoted words" are a phrase, every other word
 * a prefix (`rep` finds "report"). The stores turn terms into their own query language (FTS5,
 * MongoDB text search), so operator syntax typed by a user is never interpreted.
 */
export type SearchTerm = { words: string[]; phrase: boolean }

/** At most this many terms are used: a pasted essay must not become a huge query. */
export const MAX_TERMS = 16

export function searchTerms(text: string): SearchTerm[] {
  const terms: SearchTerm[] = []
  // Control characters separate words too: a NUL would end FTS5's quoted string early.
  const words = (part: string) => part.split(/[\s"\p{Cc}]+/u).filter(Boolean)
  // Split on quotes: odd pieces were inside a pair of quotes (an unclosed quote runs to the end).
  text.split('"').forEach((part, i) => {
    if (i % 2 === 1) {
      const inside = words(part)
      if (inside.length > 0) terms.push({ words: inside, phrase: true })
    } else for (const word of words(part)) terms.push({ words: [word], phrase: false })
  })
  return terms.slice(0, MAX_TERMS)
}

/** FTS5: each term quoted (quotes inside doubled); a bare word also matches as a prefix. */
export function ftsMatch(terms: SearchTerm[]): string {
  return terms
    .map((t) => {
      const quoted = `"${t.words.join(' ').replaceAll('"', '""')}"`
      return t.phrase ? quoted : `${quoted}*`
    })
    .join(' ')
}
