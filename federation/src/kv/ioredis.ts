/**
 * The ioredis client class, loaded when the first Redis-backed part is built rather than when its
 * module is imported: an embedded instance (SQLite, in-process bus) never loads Redis's ~85 modules.
 * The parts that need it are built by synchronous constructors, so this is a synchronous require
 * (ioredis is CommonJS) instead of `import()`.
 */
import { createRequire } from 'node:module'
import type { Redis } from 'ioredis'

const require = createRequire(import.meta.url)

export function redisClass(): typeof Redis {
  return (require('ioredis') as { Redis: typeof Redis }).Redis
}
