/**
 * One `Range: bytes=…` header against a file of `size` bytes (RFC 9110 §14). Only single ranges
 * are served; a header we do not take (several ranges, another unit, bad syntax) is ignored and the
 * whole file sent, as the RFC allows. A range that starts past the end cannot be satisfied (416).
 */
export type RangeVerdict =
  { type: 'whole' } | { type: 'partial'; start: number; end: number } | { type: 'unsatisfiable' }

const SINGLE = /^bytes=(\d*)-(\d*)$/

export function parseRange(header: string | undefined, size: number): RangeVerdict {
  if (header === undefined) return { type: 'whole' }
  const match = SINGLE.exec(header.trim())
  if (!match) return { type: 'whole' }
  const [, from = '', to = ''] = match
  if (from === '' && to === '') return { type: 'whole' }
  if (from.length > 15 || to.length > 15) return { type: 'unsatisfiable' }
  if (from === '') {
    // A suffix: the last `to` bytes.
    const length = Number(to)
    if (length === 0 || size === 0) return { type: 'unsatisfiable' }
    return { type: 'partial', start: Math.max(0, size - length), end: size - 1 }
  }
  const start = Number(from)
  const end = to === '' ? size - 1 : Math.min(Number(to), size - 1)
  if (to !== '' && Number(to) < start) return { type: 'whole' }
  if (start >= size) return { type: 'unsatisfiable' }
  return { type: 'partial', start, end }
}
