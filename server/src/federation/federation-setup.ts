/**
 * Wires @parley/federation for one instance: the store's users as the actor directory, the store's
 * federation repositories, and Fedify's cache and queue — in embedded mode a second SQLite file
 * (`federation.sqlite` in dataDir, WAL), so queue churn never contends with the main store.
 */
import { join } from 'node:path'
import type { DatabaseSync } from 'node:sqlite'
import { ParleyFederation, SqliteKvStore, SqliteMessageQueue, openFederationDatabase, type FederationLogger, type LocalActorDirectory } from '@parley/federation'
import type { Config } from '../config/schema.ts'
import type { Store } from '../store/ports.ts'
import type { Logger } from '../logger.ts'
import serverPackage from '../../package.json' with { type: 'json' }

export type FederationRuntime = {
  readonly federation: ParleyFederation
  /** Stops the queue and closes Fedify's database. Idempotent. */
  close(): Promise<void>
}

export function federationDatabasePath(config: Pick<Config, 'dataDir'>): string {
  return join(config.dataDir, 'federation.sqlite')
}

export function storeDirectory(store: Store): LocalActorDirectory {
  return {
    async byUsername(username) {
      const user = await store.users.byUsername(username)
      if (!user) return null
      return { userId: user.id, username: user.username, displayName: user.displayName, createdAt: user.createdAt, deletedAt: user.deletedAt }
    },
  }
}

export function createFederationRuntime(config: Config, store: Store, logger?: Logger): FederationRuntime {
  const log = (logger?.child({ component: 'federation' }) as FederationLogger | undefined) ?? undefined
  const db: DatabaseSync = openFederationDatabase(federationDatabasePath(config))
  const federation = new ParleyFederation({
    origin: config.publicOrigin,
    kv: new SqliteKvStore(db),
    queue: new SqliteMessageQueue(db, { onError: (error) => log?.error({ err: error }, 'queued federation task failed') }),
    directory: storeDirectory(store),
    repositories: store.federation,
    signatureWindowSeconds: config.federationSignatureWindowSeconds,
    allowPrivateAddress: config.federationAllowPrivateAddress,
    software: { name: 'parley', version: serverPackage.version },
    nodeInfo: async () => ({ users: await store.users.count(), openRegistrations: config.registration === 'open' }),
    ...(log ? { log } : {}),
  })
  let closed = false
  return {
    federation,
    async close() {
      if (closed) return
      closed = true
      federation.close()
      // Let workers that were mid-task see the abort before the database goes away.
      await new Promise((resolve) => setTimeout(resolve, 20))
      db.close()
    },
  }
}
