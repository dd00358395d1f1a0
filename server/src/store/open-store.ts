import { join } from 'node:path'
import type { Config } from '../config/schema.ts'
import type { Store } from './ports.ts'
import { SqliteStore } from './sqlite/sqlite-store.ts'

export function sqlitePath(config: Pick<Config, 'dataDir'>): string {
  return join(config.dataDir, 'parley.sqlite')
}

/**
 * Opens the configured backend; the caller runs `migrate()` before use. The MongoDB backend and its
 * driver are loaded only when configured (the driver alone is ~130 modules and 30 MB).
 */
export async function openStore(config: Pick<Config, 'store' | 'dataDir' | 'mongodbUrl'>): Promise<Store> {
  switch (config.store) {
    case 'sqlite':
      return new SqliteStore(sqlitePath(config))
    case 'mongodb': {
      const { MongoStore } = await import('./mongo/mongo-store.ts')
      return new MongoStore(config.mongodbUrl)
    }
  }
}
