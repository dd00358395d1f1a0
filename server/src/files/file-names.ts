/**
 * File names as people give them: kept as written (any script, spaces, dots), but never a path and
 * never something that corrupts a header or a terminal. Refused: empty names, `.` and `..`, path
 * separators (`/`, `\`), control characters (C0, DEL, C1), bidirectional overrides and isolates (they
 * make `evil‮gpj.exe` look like `evilexe.jpg`), and names longer than 255 bytes of UTF-8.
 */
import { MAX_FILE_NAME_BYTES } from '@parley/protocol'

const FORBIDDEN = /[/\\\u0000-\u001f\u007f-\u009f\u202a-\u202e\u2066-\u2069\ufeff]/u

export type NameCheck = { ok: true; name: string } | { ok: false; reason: string }

export function checkFileName(raw: string): NameCheck {
  const name = raw.normalize('NFC')
  if (name.trim() === '') return { ok: false, reason: 'empty' }
  if (name === '.' || name === '..') return { ok: false, reason: 'a path segment' }
  if (FORBIDDEN.test(name)) return { ok: false, reason: 'path separators or control characters' }
  if (Buffer.byteLength(name, 'utf8') > MAX_FILE_NAME_BYTES)
    return { ok: false, reason: `longer than ${MAX_FILE_NAME_BYTES} bytes` }
  return { ok: true, name }
}

/**
 * `Content-Disposition` for a download: an ASCII fallback `filename` (non-ASCII and quotes replaced)
 * and the exact name as RFC 8187 `filename*`.
 */
export function contentDisposition(kind: 'inline' | 'attachment', name: string): string {
  const fallback = name.replace(/[^\x20-\x7e]/g, '_').replace(/["\\%]/g, '_')
  const encoded = encodeURIComponent(name).replace(/['()*]/g, (c) => `%${c.charCodeAt(0).toString(16).toUpperCase()}`)
  return `${kind}; filename="${fallback}"; filename*=UTF-8''${encoded}`
}
