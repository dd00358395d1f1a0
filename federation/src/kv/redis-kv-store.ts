/**
 * Fedify's KvStore on Redis (ioredis), for production and scale-out: each key is one Redis string
 * under a prefix, the KvKey JSON-encoded; values are canonical JSON (sorted keys) so `cas` can
 * compare strings atomically in a Lua script; TTLs are Redis expiries. (@fedify/redis exists only
 * for Fedify 1.x on this registry, hence our own.)
 */
import type { Redis } from 'ioredis'
import type { KvKey, KvStore, KvStoreListEntry, KvStoreSetOptions } from '@fedify/fedify'
import { durationMs } from './sqlite-database.ts'
import { canonicalJson } from './canonical-json.ts'

// KEYS[1] key; ARGV[1] '1' if a current value is expected, ARGV[2] expected, ARGV[3] '1' to delete,
// ARGV[4] new value, ARGV[5] ttl ms (0: none).
const CAS = `
local current = redis.call('GET', KEYS[1])
if ARGV[1] == '1' then
  if current ~= ARGV[2] then return 0 end
elseif current then
  return 0
end
if ARGV[3] == '1' then
  redis.call('DEL', KEYS[1])
elseif tonumber(ARGV[5]) > 0 then
  redis.call('SET', KEYS[1], ARGV[4], 'PX', ARGV[5])
else
  redis.call('SET', KEYS[1], ARGV[4])
end
return 1
`

export type RedisKvStoreOptions = {
  /** Prepended to every Redis key. Default `parley:fedify:kv:`. */
  prefix?: string
}

export class RedisKvStore implements KvStore {
  readonly #redis: Redis
  readonly #prefix: string

  /** The connection is the caller's: closing the store does not close it. */
  constructor(redis: Redis, options: RedisKvStoreOptions = {}) {
    this.#redis = redis
    this.#prefix = options.prefix ?? 'parley:fedify:kv:'
  }

  async get<T = unknown>(key: KvKey): Promise<T | undefined> {
    const raw = await this.#redis.get(this.#key(key))
    return raw === null ? undefined : (JSON.parse(raw) as T)
  }

  async set(key: KvKey, value: unknown, options?: KvStoreSetOptions): Promise<void> {
    if (value === undefined) return this.delete(key)
    const ttl = options?.ttl === undefined ? 0 : Math.max(1, Math.ceil(durationMs(options.ttl)))
    if (ttl > 0) await this.#redis.set(this.#key(key), canonicalJson(value), 'PX', ttl)
    else await this.#redis.set(this.#key(key), canonicalJson(value))
  }

  async delete(key: KvKey): Promise<void> {
    await this.#redis.del(this.#key(key))
  }

  async cas(key: KvKey, expectedValue: unknown, newValue: unknown, options?: KvStoreSetOptions): Promise<boolean> {
    const ttl = options?.ttl === undefined ? 0 : Math.max(1, Math.ceil(durationMs(options.ttl)))
    const result = await this.#redis.eval(
      CAS,
      1,
      this.#key(key),
      expectedValue === undefined ? '0' : '1',
      expectedValue === undefined ? '' : canonicalJson(expectedValue),
      newValue === undefined ? '1' : '0',
      newValue === undefined ? '' : canonicalJson(newValue),
      String(ttl),
    )
    return result === 1
  }

  async *list(prefix?: KvKey): AsyncIterable<KvStoreListEntry> {
    const exact = prefix === undefined || prefix.length === 0 ? null : this.#key(prefix)
    const pattern = exact === null ? `${escapeGlob(this.#prefix)}*` : `${escapeGlob(exact.slice(0, -1))},*`
    const keys = new Set<string>()
    let cursor = '0'
    do {
      const [next, batch] = await this.#redis.scan(cursor, 'MATCH', pattern, 'COUNT', 500)
      for (const key of batch) keys.add(key)
      cursor = next
    } while (cursor !== '0')
    if (exact !== null) keys.add(exact)
    const ordered = [...keys].sort()
    for (let i = 0; i < ordered.length; i += 200) {
      const chunk = ordered.slice(i, i + 200)
      const values = await this.#redis.mget(...chunk)
      for (const [j, raw] of values.entries()) {
        if (raw === null) continue
        yield { key: JSON.parse((chunk[j] as string).slice(this.#prefix.length)) as KvKey, value: JSON.parse(raw) }
      }
    }
  }

  #key(key: KvKey): string {
    if (!Array.isArray(key) || key.length === 0 || key.some((part) => typeof part !== 'string')) {
      throw new TypeError('a KvKey is a non-empty array of strings')
    }
    return this.#prefix + JSON.stringify(key)
  }
}

function escapeGlob(text: string): string {
  return text.replace(/[*?[\]\\]/g, (c) => `\\${c}`)
}
