/**
 * Loads the configuration once: defaults, then an optional JSON file, then `PARLEY_*` environment
 * variables (the environment wins). Every invalid or unknown option is reported at once, by name;
 * the result is frozen. Nothing else in Parley reads the environment.
 */
import { readFileSync } from 'node:fs'
import { isIP } from 'node:net'
import Value from 'typebox/value'
import { ConfigSchema, type Config, type ConfigKey } from './schema.ts'
import { listeningOrigin } from './public-origin.ts'
import { likelyOption, mismatch } from './describe.ts'

export type ConfigProblem = { option: string; source: string; message: string }
export type ConfigResult = { ok: true; config: Config } | { ok: false; problems: ConfigProblem[] }

export const CONFIG_FILE_VARIABLE = 'PARLEY_CONFIG_FILE'

const keys = Object.keys(ConfigSchema.properties) as ConfigKey[]

export function envName(key: string): string {
  return 'PARLEY_' + key.replace(/[A-Z]/g, (c) => '_' + c).toUpperCase()
}

const envToKey = new Map(keys.map((key) => [envName(key), key]))

export type LoadOptions = {
  env: Record<string, string | undefined>
  /** A config file path given on the command line; overrides PARLEY_CONFIG_FILE. */
  file?: string | undefined
}

export function loadConfig({ env, file }: LoadOptions): ConfigResult {
  const problems: ConfigProblem[] = []
  const raw: Record<string, unknown> = {}
  const sourceOf = new Map<string, string>()

  const filePath = file ?? env[CONFIG_FILE_VARIABLE]
  if (filePath) {
    const fromFile = readConfigFile(filePath, problems)
    for (const [key, value] of Object.entries(fromFile)) {
      raw[key] = value
      sourceOf.set(key, filePath)
    }
  }

  for (const [name, value] of Object.entries(env)) {
    if (!name.startsWith('PARLEY_') || name === CONFIG_FILE_VARIABLE || value === undefined) continue
    const key = envToKey.get(name)
    if (!key) {
      const meant = likelyOption(name, keys)
      problems.push({ option: name, source: 'environment', message: unknown(meant && envName(meant)) })
      continue
    }
    raw[key] = fromEnvString(key, value)
    sourceOf.set(key, name)
  }

  for (const key of Object.keys(raw)) {
    if (!keys.includes(key as ConfigKey)) {
      problems.push({ option: key, source: sourceOf.get(key) ?? 'file', message: unknown(likelyOption(key, keys)) })
      delete raw[key]
    }
  }

  const candidate = Value.Default(ConfigSchema, Value.Convert(ConfigSchema, { ...raw })) as Record<string, unknown>
  // Convert truncates 8080.5 to 8080 and turns an empty value into 0 (PARLEY_PORT= listened on a random
  // port): integers are taken only as written, anything else stays as given for the check below.
  // (Convert changes what it is given: hence the copy above.)
  for (const key of keys)
    if (key in raw && (ConfigSchema.properties[key] as { type?: string }).type === 'integer')
      candidate[key] = asNumber(raw[key])
  // Unset, the public origin follows the listening address (the trap: a changed port, a page whose
  // realtime connection is refused for its origin).
  if (!sourceOf.has('publicOrigin') && typeof candidate.host === 'string' && typeof candidate.port === 'number')
    candidate.publicOrigin = listeningOrigin(candidate.host, candidate.port)
  // Option by option: Value.Errors stops at 8 errors, and one bad enum alone gives one per member.
  for (const option of keys) {
    const value = candidate[option]
    const [error] = Value.Errors(ConfigSchema.properties[option], value)
    if (!error) continue
    const index = error.instancePath.split('/')[1]
    const got = index !== undefined && Array.isArray(value) ? value[Number(index)] : value
    problems.push({ option, source: sourceLabel(option, sourceOf), message: mismatch(option, got) })
  }
  if (problems.length === 0) problems.push(...crossChecks(candidate as Config, sourceOf))
  if (problems.length > 0) return { ok: false, problems: dedupe(problems) }
  const config = candidate as Config
  return {
    ok: true,
    config: deepFreeze({
      ...config,
      trustedProxies: [...config.trustedProxies],
      janusIceInterfaces: [...config.janusIceInterfaces],
      bridgeAddresses: [...config.bridgeAddresses],
      stunUrls: [...config.stunUrls],
      turnUrls: [...config.turnUrls],
      federationBlockedDomains: [...config.federationBlockedDomains],
      federationAllowedDomains: [...config.federationAllowedDomains],
    }),
  }
}

export function formatProblems(problems: ConfigProblem[]): string {
  const lines = problems.map((p) => `  - ${p.option} (${p.source}): ${p.message}`)
  return `Invalid configuration (${problems.length} problem${problems.length === 1 ? '' : 's'}):\n${lines.join('\n')}`
}

function readConfigFile(path: string, problems: ConfigProblem[]): Record<string, unknown> {
  let text: string
  try {
    text = readFileSync(path, 'utf8')
  } catch (error) {
    problems.push({ option: CONFIG_FILE_VARIABLE, source: path, message: `cannot read: ${(error as Error).message}` })
    return {}
  }
  try {
    const parsed: unknown = JSON.parse(text)
    if (parsed && typeof parsed === 'object' && !Array.isArray(parsed)) return parsed as Record<string, unknown>
    problems.push({ option: CONFIG_FILE_VARIABLE, source: path, message: 'must hold a JSON object' })
  } catch (error) {
    problems.push({
      option: CONFIG_FILE_VARIABLE,
      source: path,
      message: `not valid JSON: ${(error as Error).message}`,
    })
  }
  return {}
}

function fromEnvString(key: ConfigKey, value: string): unknown {
  const schema = ConfigSchema.properties[key] as { type?: string }
  if (schema.type === 'array')
    return value
      .split(',')
      .map((s) => s.trim())
      .filter(Boolean)
  return value
}

function unknown(meant: string | undefined): string {
  return meant ? `unknown option; did you mean ${meant}?` : 'unknown option'
}

/** A number as written ("8080", " 1e6 "); anything else (empty, "eighty") as given, for the schema to refuse. */
function asNumber(value: unknown): unknown {
  if (typeof value !== 'string' || value.trim() === '') return value
  const number = Number(value.trim())
  return Number.isFinite(number) ? number : value
}

/** Where an option's value came from; for one left unset, the variable that sets it. */
function sourceLabel(option: string, sourceOf: Map<string, string>): string {
  return sourceOf.get(option) ?? `${envName(option)} not set`
}

function crossChecks(config: Config, sourceOf: Map<string, string>): ConfigProblem[] {
  const problems: ConfigProblem[] = []
  if (config.store === 'mongodb' && !config.mongodbUrl) {
    problems.push({
      option: 'mongodbUrl',
      source: sourceLabel('mongodbUrl', sourceOf),
      message: 'required when store is mongodb',
    })
  }
  problems.push(...mediaChecks(config, sourceOf))
  problems.push(...fileChecks(config, sourceOf))
  if ((config.pushVapidPublicKey === '') !== (config.pushVapidPrivateKey === '')) {
    const missing = config.pushVapidPublicKey === '' ? 'pushVapidPublicKey' : 'pushVapidPrivateKey'
    problems.push({
      option: missing,
      source: sourceLabel(missing, sourceOf),
      message: 'pushVapidPublicKey and pushVapidPrivateKey are set together (or both left empty)',
    })
  }
  if (config.redisUrl && !isRedisUrl(config.redisUrl)) {
    // ioredis takes anything: "redis-host" became a host name retried forever, http://… a socket path.
    problems.push({
      option: 'redisUrl',
      source: sourceLabel('redisUrl', sourceOf),
      message: `must be a redis:// or rediss:// URL like redis://127.0.0.1:6379 (optionally /DB, a number), not ${JSON.stringify(config.redisUrl)}`,
    })
  }
  const badProxies = config.trustedProxies.filter((entry) => !isProxyEntry(entry))
  if (badProxies.length > 0) {
    problems.push({
      option: 'trustedProxies',
      source: sourceLabel('trustedProxies', sourceOf),
      message: `must be IP addresses or CIDR ranges like 10.0.0.0/8 (or loopback, linklocal, uniquelocal), not ${badProxies.map((e) => JSON.stringify(e)).join(', ')}`,
    })
  }
  if (config.federationQueue === 'redis' && !config.redisUrl) {
    problems.push({
      option: 'redisUrl',
      source: sourceLabel('redisUrl', sourceOf),
      message: 'required when federationQueue is redis',
    })
  }
  try {
    const url = new URL(config.publicOrigin)
    if (url.origin !== config.publicOrigin) {
      problems.push({
        option: 'publicOrigin',
        source: sourceLabel('publicOrigin', sourceOf),
        message: `must be an origin only, like ${url.origin}`,
      })
    }
  } catch {
    problems.push({
      option: 'publicOrigin',
      source: sourceLabel('publicOrigin', sourceOf),
      message: 'must be a URL origin like https://talk.example.org',
    })
  }
  return problems
}

function isRedisUrl(value: string): boolean {
  try {
    const url = new URL(value)
    return (
      (url.protocol === 'redis:' || url.protocol === 'rediss:') &&
      url.hostname !== '' &&
      /^\/?[0-9]*$/.test(url.pathname)
    )
  } catch {
    return false
  }
}

/** What Fastify's trustProxy (proxy-addr) accepts: an address, address/prefix or address/netmask, or a named range. */
function isProxyEntry(entry: string): boolean {
  if (['loopback', 'linklocal', 'uniquelocal'].includes(entry)) return true
  const [address = '', range, ...extra] = entry.split('/')
  const family = isIP(address)
  if (family === 0 || extra.length > 0) return false
  if (range === undefined) return true
  if (/^[0-9]{1,3}$/.test(range)) return Number(range) <= (family === 4 ? 32 : 128)
  return family === 4 && isIP(range) === 4
}

function mediaChecks(config: Config, sourceOf: Map<string, string>): ConfigProblem[] {
  const problems: ConfigProblem[] = []
  const source = (option: string) => sourceLabel(option, sourceOf)
  if (config.mediaEngine === 'janus' && !config.janusUrl && config.janusIceInterfaces.length === 0) {
    problems.push({
      option: 'janusIceInterfaces',
      source: source('janusIceInterfaces'),
      message:
        'required when Parley supervises Janus (mediaEngine janus, no janusUrl): name the interface or address media may use',
    })
  }
  const [from = 0, to = 0] = config.janusRtpPortRange.split('-').map(Number)
  if (from < 1024 || to > 65535 || from >= to) {
    problems.push({
      option: 'janusRtpPortRange',
      source: source('janusRtpPortRange'),
      message: 'must be FROM-TO with 1024 <= FROM < TO <= 65535',
    })
  }
  if (config.turnUrls.length > 0 && config.turnSecret.length < 16) {
    problems.push({
      option: 'turnSecret',
      source: source('turnSecret'),
      message: 'required (at least 16 characters) when turnUrls is set',
    })
  }
  return problems
}

function fileChecks(config: Config, sourceOf: Map<string, string>): ConfigProblem[] {
  const problems: ConfigProblem[] = []
  if (config.filesStorage !== 's3') return problems
  for (const option of ['filesS3Bucket', 'filesS3AccessKeyId', 'filesS3SecretAccessKey'] as const) {
    if (config[option] === '')
      problems.push({ option, source: sourceLabel(option, sourceOf), message: 'required when filesStorage is s3' })
  }
  return problems
}

function dedupe(problems: ConfigProblem[]): ConfigProblem[] {
  const seen = new Set<string>()
  return problems.filter((p) => {
    const key = `${p.option}\0${p.message}`
    if (seen.has(key)) return false
    seen.add(key)
    return true
  })
}

function deepFreeze<T extends object>(value: T): T {
  for (const inner of Object.values(value)) if (inner && typeof inner === 'object') deepFreeze(inner)
  return Object.freeze(value)
}
