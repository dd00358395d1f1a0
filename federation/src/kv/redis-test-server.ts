/**
 * For tests only: where the Redis backend tests find a server. REDIS_URL, else the local default
 * 127.0.0.1:6379; when neither answers, the tests are skipped and say why.
 */
import { Redis } from 'ioredis'

export async function testRedisUrl(): Promise<{ url: string; skip?: string }> {
  // eslint-disable-next-line no-restricted-properties
  const url = process.env.REDIS_URL || 'redis://127.0.0.1:6379'
  const probe = new Redis(url, { lazyConnect: true, maxRetriesPerRequest: 0, retryStrategy: () => null, connectTimeout: 1000 })
  try {
    await probe.connect()
    await probe.ping()
    return { url }
  } catch {
    return { url, skip: `no Redis server answers at ${url} (set REDIS_URL)` }
  } finally {
    probe.disconnect()
  }
}
