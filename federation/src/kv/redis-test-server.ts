/**
 * For tests only: where the Redis backend tests find a server. REDIS_URL, else the local default
 * 127.0.0.1:6379. Redis runs on every machine this project targets (CI starts it), so a missing
 * server fails the tests with a clear reason instead of skipping them.
 */
import { Redis } from 'ioredis'

export async function testRedisUrl(): Promise<{ url: string; skip?: undefined }> {
  // eslint-disable-next-line no-restricted-properties
  const url = process.env.REDIS_URL || 'redis://127.0.0.1:6379'
  const probe = new Redis(url, {
    lazyConnect: true,
    maxRetriesPerRequest: 0,
    retryStrategy: () => null,
    connectTimeout: 1000,
  })
  try {
    await probe.connect()
    await probe.ping()
    return { url }
  } catch {
    throw new Error(`no Redis server answers at ${url}: start one (redis-server --port 6379) or set REDIS_URL`)
  } finally {
    probe.disconnect()
  }
}
