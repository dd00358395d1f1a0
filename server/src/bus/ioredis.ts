/**
 * The ioredis client class, loaded when the first Redis-backed part (the bus, the call leases) is
 * built rather than when its module is imported: an embedded instance never loads Redis's ~85
 * modules. Those parts are built by synchronous constructors, so this is a synchronous require
 * (ioredis is CommonJS) instead of `import()`. (@parley/federation has its own: it pins another
 * ioredis version.)
 */
import { createRequire } from 'node:module'
import type { Redis } from 'ioredis'

const require = createRequire(import.meta.url)

export function redisClass(): typeof Redis {
  return (require('ioredis') as { Redis: typeof Redis }).Redis
}
