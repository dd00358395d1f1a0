/** Test helpers other packages' tests may use (`@parley/federation/testing`); never for production code. */
export { testRedisUrl } from './kv/redis-test-server.ts'
