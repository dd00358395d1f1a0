/**
 * How deeply a JSON text nests, found by one scan that skips strings, without parsing it. Inbox
 * bodies nested deeper than any real activity are refused before the JSON-LD machinery (which
 * recurses) can run out of stack on them.
 */
export const MAX_ACTIVITY_DEPTH = 64

export function jsonDepth(text: string): number {
  let depth = 0
  let max = 0
  let inString = false
  for (let i = 0; i < text.length; i++) {
    const c = text.charCodeAt(i)
    if (inString) {
      if (c === 0x5c)
        i++ // backslash: skip the escaped character
      else if (c === 0x22) inString = false
    } else if (c === 0x22) inString = true
    else if (c === 0x7b || c === 0x5b) {
      depth++
      if (depth > max) max = depth
    } else if (c === 0x7d || c === 0x5d) depth--
  }
  return max
}
