/**
 * What every entry point needs first, from config: the store (migrated), the account service and
 * the federation's core (keys, fetcher, queue backends; nothing runs until the instance starts the
 * federation). CLI commands use just this; `createInstance` builds the rest of an instance on it.
 */
import type { Config } from './config/schema.ts'
import type { Store } from './store/ports.ts'
import { openStore } from './store/open-store.ts'
import { AccountService } from './accounts/account-service.ts'
import { LoginLimiter } from './accounts/login-limiter.ts'
import { createLogger, type Logger } from './logger.ts'
import { openFederationCore, type FederationBase, type FederationRuntime } from './federation/federation-setup.ts'

export type BaseServices = {
  store: Store
  accounts: AccountService
  /** The federation's core and queue backends. */
  federationBase: FederationBase
  /** Closes the federation's core and backends, then the store. */
  close(): Promise<void>
}

/** An instance's services, once its federation is built (instance.ts). */
export type Services = Omit<BaseServices, 'close'> & {
  federation: FederationRuntime
  /** Closes the federation (waiting for its queue workers), then the store. */
  close(): Promise<void>
}

export async function createServices(
  config: Config,
  options: {
    migrate?: boolean
    store?: Store
    logger?: Logger
    now?: () => number
  } = {},
): Promise<BaseServices> {
  const store = options.store ?? (await openStore(config))
  try {
    if (options.migrate ?? true) await store.migrate()
  } catch (error) {
    await store.close()
    throw error
  }
  const limiter = new LoginLimiter({
    perAccount: config.loginAttemptsPerAccount,
    perAddress: config.loginAttemptsPerAddress,
    windowSeconds: config.loginWindowMinutes * 60,
  })
  const federationBase = openFederationCore(config, store, options.logger)
  const accounts = new AccountService({
    store,
    limiter,
    registration: config.registration,
    sessionTtlMs: config.sessionTtlHours * 3600 * 1000,
    now: options.now,
    onUserCreated: (user) => federationBase.core.prepareActor(user.id),
    onProfileChanged: async (user) => void (await federationBase.core.profileChanged(user.username)),
    // CLI commands pass no logger: their warnings go to stderr, apart from the command's own output.
    onError: (error, failed) =>
      (options.logger ?? createLogger(config.logLevel, process.stderr)).warn(
        { err: error, component: 'accounts' },
        failed,
      ),
  })
  return {
    store,
    accounts,
    federationBase,
    async close() {
      await federationBase.close()
      await store.close()
    },
  }
}
