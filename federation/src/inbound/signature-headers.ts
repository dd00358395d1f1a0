/**
 * The HTTP signature of an inbound request as written (draft-cavage `Signature`, or RFC 9421
 * `Signature-Input` + `Signature`) and its body digest (`Digest`, `Content-Digest`), read without
 * regular expressions and refused when ambiguous: one signature per request, a keyId that is an
 * http(s) URL, and the parts that bind it to this request covered.
 */
import { createHash, timingSafeEqual } from 'node:crypto'
import { decodeDict } from 'structured-field-values'
import type { InboundRefusalCode } from './inbound-refusal.ts'

export type SignatureHeader = {
  spec: 'draft-cavage-http-signatures-12' | 'rfc9421'
  keyId: URL
  /** The algorithm the sender names (`algorithm` / `alg`), lowercased; null when it names none. */
  algorithm: string | null
  /** Covered headers / components, lowercased. */
  covered: string[]
  /** When it was signed, in ms: the `created` parameter, else the `Date` header. */
  signedAt: number | null
}

export type Parsed<T> = { ok: true; value: T } | { ok: false; code: InboundRefusalCode; message: string }

const refuse = (
  code: InboundRefusalCode,
  message: string,
): { ok: false; code: InboundRefusalCode; message: string } => ({
  ok: false,
  code,
  message,
})

/** The one signature of a request, or why it is refused; null when it carries none. */
export function readSignature(headers: Headers): Parsed<SignatureHeader> | null {
  const input = headers.get('signature-input')
  if (input !== null) return readRfc9421(input, headers)
  const cavage = headers.get('signature')
  if (cavage !== null) return readCavage(cavage, headers)
  return null
}

type Member = { value: unknown; params?: Record<string, unknown> }

/** An RFC 8941 dictionary as a plain record, or null when it is not one. */
function dictionary(header: string): Record<string, Member> | null {
  try {
    const decoded = decodeDict(header)
    return decoded instanceof Map
      ? (Object.fromEntries(decoded) as Record<string, Member>)
      : (decoded as Record<string, Member>)
  } catch {
    return null
  }
}

function httpUrl(value: string | undefined): URL | null {
  if (value === undefined) return null
  try {
    const url = new URL(value)
    return url.protocol === 'https:' || url.protocol === 'http:' ? url : null
  } catch {
    return null
  }
}

function dateOf(headers: Headers): number | null {
  const date = headers.get('date')
  if (date === null) return null
  const ms = Date.parse(date)
  return Number.isFinite(ms) ? ms : null
}

/** `keyId="…",algorithm="…",headers="…",signature="…"`: comma-separated, quoted values. */
function readCavage(header: string, headers: Headers): Parsed<SignatureHeader> {
  const params = new Map<string, string>()
  let i = 0
  while (i < header.length) {
    while (i < header.length && (header[i] === ',' || header[i] === ' ')) i++
    const eq = header.indexOf('=', i)
    if (eq < 0) break
    const name = header.slice(i, eq).trim()
    let value: string
    if (header[eq + 1] === '"') {
      const close = header.indexOf('"', eq + 2)
      if (close < 0) return refuse('signature-malformed', 'unterminated quoted value in Signature')
      value = header.slice(eq + 2, close)
      i = close + 1
    } else {
      const comma = header.indexOf(',', eq + 1)
      value = header.slice(eq + 1, comma < 0 ? header.length : comma).trim()
      i = comma < 0 ? header.length : comma
    }
    if (params.has(name)) return refuse('signature-malformed', `Signature names ${name} twice`)
    params.set(name, value)
  }
  const keyId = httpUrl(params.get('keyId'))
  if (keyId === null) return refuse('signature-malformed', 'the keyId is not an http(s) URL')
  if (!params.get('signature')) return refuse('signature-malformed', 'no signature value')
  const covered = (params.get('headers') ?? 'date')
    .toLowerCase()
    .split(' ')
    .filter((name) => name !== '')
  const created = Number(params.get('created'))
  return {
    ok: true,
    value: {
      spec: 'draft-cavage-http-signatures-12',
      keyId,
      algorithm: params.get('algorithm')?.toLowerCase() ?? null,
      covered,
      signedAt: params.has('created') && Number.isFinite(created) ? created * 1000 : dateOf(headers),
    },
  }
}

/** `label=("@method" …);keyid="…";alg="…";created=…` — exactly one label. */
function readRfc9421(input: string, headers: Headers): Parsed<SignatureHeader> {
  const dict = dictionary(input)
  if (dict === null) return refuse('signature-malformed', 'Signature-Input is not a structured field dictionary')
  const labels = Object.keys(dict)
  if (labels.length !== 1) return refuse('signature-malformed', `expected one signature, got ${labels.length}`)
  const entry = dict[labels[0]!]!
  const params = (entry.params ?? {}) as Record<string, unknown>
  if (!Array.isArray(entry.value)) return refuse('signature-malformed', 'Signature-Input lists no components')
  const keyId = httpUrl(typeof params.keyid === 'string' ? params.keyid : undefined)
  if (keyId === null) return refuse('signature-malformed', 'the keyid is not an http(s) URL')
  if (headers.get('signature') === null) return refuse('signature-malformed', 'Signature-Input without Signature')
  const covered = (entry.value as { value: unknown }[])
    .map((item) => item.value)
    .filter((value): value is string => typeof value === 'string')
    .map((value) => value.toLowerCase())
  return {
    ok: true,
    value: {
      spec: 'rfc9421',
      keyId,
      algorithm: typeof params.alg === 'string' ? params.alg.toLowerCase() : null,
      covered,
      signedAt: typeof params.created === 'number' ? params.created * 1000 : null,
    },
  }
}

/**
 * What a signature must cover so it binds method, target and (when there is one) the body: an inbox
 * POST its digest, a bodiless request (a call channel upgrade) the host it was meant for — with the
 * target's path alone, a signature made for one instance would verify at another.
 */
export function missingCoverage(signature: SignatureHeader, hasBody: boolean): string | null {
  const covers = (...names: string[]) => names.some((name) => signature.covered.includes(name))
  if (signature.spec === 'rfc9421') {
    if (!covers('@method')) return '@method'
    if (hasBody && !covers('content-digest')) return 'content-digest'
    if (!covers('@target-uri', '@path')) return '@target-uri'
    if (!hasBody && !covers('@target-uri', '@authority', 'host')) return '@authority'
    return null
  }
  const required = hasBody ? ['(request-target)', 'host', 'digest'] : ['(request-target)', 'host']
  const missing = required.find((name) => !covers(name))
  if (missing !== undefined) return missing
  if (!covers('date', '(created)')) return 'date'
  return null
}

/**
 * The body's SHA-256 digest as the signed header states it: `Digest: SHA-256=…` (draft-cavage) or
 * `Content-Digest: sha-256=:…:` (RFC 9421). A header without a SHA-256 value is refused, whatever
 * else it lists; a value that does not match the body is refused. A request without a body needs no
 * digest, but one it carries is held to the same rules (against the empty body).
 */
export function checkDigest(spec: SignatureHeader['spec'], headers: Headers, body: Uint8Array | null): Parsed<null> {
  if (body === null && !headers.has(spec === 'rfc9421' ? 'content-digest' : 'digest')) return { ok: true, value: null }
  const expected = createHash('sha256')
    .update(body ?? new Uint8Array())
    .digest()
  let stated: Buffer | null = null
  if (spec === 'rfc9421') {
    const header = headers.get('content-digest')
    if (header === null) return refuse('signature-digest-missing', 'no Content-Digest header')
    const dict = dictionary(header)
    if (dict === null) return refuse('signature-digest-missing', 'Content-Digest is not a structured field dictionary')
    const value = dict['sha-256']?.value
    if (value instanceof Uint8Array) stated = Buffer.from(value)
  } else {
    const header = headers.get('digest')
    if (header === null) return refuse('signature-digest-missing', 'no Digest header')
    for (const part of header.split(',')) {
      const eq = part.indexOf('=')
      if (eq < 0) continue
      if (part.slice(0, eq).trim().toLowerCase() !== 'sha-256') continue
      stated = Buffer.from(part.slice(eq + 1).trim(), 'base64')
      break
    }
  }
  if (stated === null) return refuse('signature-digest-missing', 'the digest header has no SHA-256 value')
  if (stated.length !== expected.length || !timingSafeEqual(stated, expected))
    return refuse('signature-digest-mismatch', 'the SHA-256 digest does not match the body')
  return { ok: true, value: null }
}

/** Labels that agree with each key type; a label that names another algorithm is refused. */
const LABELS: Record<SignatureHeader['spec'], Record<'rsa' | 'ed25519', readonly string[]>> = {
  'draft-cavage-http-signatures-12': { rsa: ['rsa-sha256', 'hs2019'], ed25519: ['ed25519', 'hs2019'] },
  rfc9421: { rsa: ['rsa-v1_5-sha256'], ed25519: ['ed25519'] },
}

export function labelContradicts(signature: SignatureHeader, key: 'rsa' | 'ed25519'): boolean {
  return signature.algorithm !== null && !LABELS[signature.spec][key].includes(signature.algorithm)
}
