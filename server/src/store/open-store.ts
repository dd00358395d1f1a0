import { join } from 'node:path'
import type { Config } from '../config/schema.ts'
import type { Store } from './ports.ts'
import { SqliteStore } from './sqlite/sqlite-store.ts'
import { MongoStore } from './mongo/mongo-store.ts'

export function sqlitePath(config: Pick<Config, 'dataDir'>): string {
  return join(config.dataDir, 'parley.sqlite')
}

/** Opens the configured backend; the caller runs `migrate()` before use. */
export function openStore(config: Pick<Config, 'store' | 'dataDir' | 'mongodbUrl'>): Store {
  switch (config.store) {
    case 'sqlite':
      return new SqliteStore(sqlitePath(config))
    case 'mongodb':
      return new MongoStore(config.mongodbUrl)
  }
}
