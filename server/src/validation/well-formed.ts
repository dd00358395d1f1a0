/**
 * Whether every string of a parsed JSON value, keys included, is well-formed UTF-16. A `\uD800`
 * escape alone is ASCII on the wire — it passes any UTF-8 check — but is no text: stored or hashed
 * as UTF-8 it becomes U+FFFD, so a name silently changes and two different passwords match.
 * Iterative: a body may nest deep.
 */
export function wellFormedJson(value: unknown): boolean {
  const pending: unknown[] = [value]
  while (pending.length > 0) {
    const next = pending.pop()
    if (typeof next === 'string') {
      if (!next.isWellFormed()) return false
    } else if (Array.isArray(next)) pending.push(...next)
    else if (next !== null && typeof next === 'object')
      for (const [key, item] of Object.entries(next)) {
        if (!key.isWellFormed()) return false
        pending.push(item)
      }
  }
  return true
}
