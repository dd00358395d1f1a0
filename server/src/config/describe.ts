/**
 * Words for configuration problems, as an admin reads them at start: what an option wants, what it
 * got (`must be an integer from 0 to 65535, not "eighty"`), and which option a misspelt one was
 * probably meant to be. The schema's own messages ("must match pattern …") name neither.
 */
import { ConfigSchema, type ConfigKey } from './schema.ts'

type OptionSchema = {
  type?: string
  minimum?: number
  maximum?: number
  minLength?: number
  pattern?: string
  anyOf?: { const: string }[]
  items?: OptionSchema
  default?: unknown
}

/** What a value of each option with a pattern looks like (the pattern itself is no help to a reader). */
export const PATTERN_WANTS: Partial<Record<ConfigKey, string>> = {
  publicOrigin:
    'an origin like https://talk.example.org (scheme, host and optional port; no path, not even a trailing /)',
  nodeId: 'up to 64 letters, digits, ".", "_" or "-"',
  filesS3Endpoint: 'an http:// or https:// URL like http://minio:9000, or empty',
  filesS3Prefix: 'lowercase path segments each ending in "/", like parley/, or empty',
  janusUrl: 'a ws:// or wss:// URL like ws://janus.internal:8188, or empty',
  janusRtpPortRange: 'FROM-TO with 1024 <= FROM < TO <= 65535',
  bridgeAddresses: 'IPv4 or IPv6 addresses (comma-separated)',
  stunUrls: 'stun: or stuns: URLs like stun:turn.example.org:3478 (comma-separated)',
  turnUrls: 'turn: or turns: URLs like turn:turn.example.org:3478?transport=udp (comma-separated)',
  pushVapidPublicKey:
    'a base64url VAPID public key (87 characters, as web-push generate-vapid-keys prints it), or empty',
  pushVapidPrivateKey: 'a base64url VAPID private key (43 characters), or empty',
  pushVapidSubject: 'an https: URL or a mailto: address, or empty',
}

function schemaOf(option: string): OptionSchema | undefined {
  return (ConfigSchema.properties as Record<string, OptionSchema | undefined>)[option]
}

/** "an integer from 0 to 65535", "one of sqlite, mongodb", … */
export function wants(option: string): string {
  const schema = schemaOf(option)
  if (!schema) return 'a known option'
  const hint = PATTERN_WANTS[option as ConfigKey]
  if (hint) return hint
  const shape = schema.type === 'array' && schema.items ? schema.items : schema
  if (shape.anyOf) return `one of ${shape.anyOf.map((s) => s.const).join(', ')}`
  switch (shape.type) {
    case 'integer': {
      const { minimum: min, maximum: max } = shape
      if (min !== undefined && max !== undefined) return `an integer from ${min} to ${max}`
      if (min !== undefined) return `an integer of at least ${min}`
      return max !== undefined ? `an integer of at most ${max}` : 'an integer'
    }
    case 'boolean':
      return 'true or false'
    case 'string':
      if (shape.pattern) return `text matching ${shape.pattern}`
      return shape.minLength ? 'a value that is not empty' : 'text'
    default:
      return `a ${shape.type ?? 'value'}`
  }
}

/** The message for an option whose value does not fit: what it wants, what it got. */
export function mismatch(option: string, value: unknown): string {
  const schema = schemaOf(option)
  const shown = value === '' ? 'empty' : JSON.stringify(value)
  const fallback = schema?.default
  // An empty line in an env file (PARLEY_PORT=) sets the option to nothing rather than leaving it out.
  const unset =
    value === '' && fallback !== undefined && fallback !== ''
      ? ` (unset it for the default ${Array.isArray(fallback) ? fallback.join(',') : String(fallback)})`
      : ''
  if (value === '' && schema?.minLength) return `must not be empty${unset}`
  return `must be ${wants(option)}, not ${shown}${unset}`
}

/**
 * The option a misspelt name most likely meant: `PARLEY_PROT` → `port`, `public_origin` → `publicOrigin`.
 * Letters and digits only, case-insensitive, `PARLEY_` dropped; within a few edits of the name.
 */
export function likelyOption(name: string, keys: readonly string[]): string | undefined {
  const wanted = normalize(name)
  let best: { key: string; distance: number } | undefined
  for (const key of keys) {
    const distance = editDistance(wanted, normalize(key))
    if (!best || distance < best.distance) best = { key, distance }
  }
  if (!best) return undefined
  const allowed = Math.max(1, Math.min(3, Math.floor(wanted.length / 4)))
  return best.distance <= allowed ? best.key : undefined
}

function normalize(name: string): string {
  return name
    .toLowerCase()
    .replace(/^parley_/, '')
    .replace(/[^a-z0-9]/g, '')
}

/** Levenshtein distance, with a swap of two neighbours counting as one edit (prot → port). */
function editDistance(a: string, b: string): number {
  const d: number[][] = Array.from({ length: a.length + 1 }, (_, i) =>
    Array.from({ length: b.length + 1 }, (_, j) => (i === 0 ? j : j === 0 ? i : 0)),
  )
  for (let i = 1; i <= a.length; i++) {
    for (let j = 1; j <= b.length; j++) {
      const row = d[i] as number[]
      const above = d[i - 1] as number[]
      const cost = a[i - 1] === b[j - 1] ? 0 : 1
      let best = Math.min((above[j] as number) + 1, (row[j - 1] as number) + 1, (above[j - 1] as number) + cost)
      if (i > 1 && j > 1 && a[i - 1] === b[j - 2] && a[i - 2] === b[j - 1])
        best = Math.min(best, ((d[i - 2] as number[])[j - 2] as number) + 1)
      row[j] = best
    }
  }
  return (d[a.length] as number[])[b.length] as number
}
