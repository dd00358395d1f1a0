/**
 * Wires the services for one instance from its config: the store (migrated), the account service and
 * the federation (whose queue only `serve` starts). Used by `main.ts` for `serve` and by the CLI
 * commands, so both see the same wiring.
 */
import type { Config } from './config/schema.ts'
import type { Store } from './store/ports.ts'
import { openStore } from './store/open-store.ts'
import { AccountService } from './accounts/account-service.ts'
import { LoginLimiter } from './accounts/login-limiter.ts'
import type { Logger } from './logger.ts'
import {
  createFederationRuntime,
  type FederationRuntime,
  type FederationRuntimeOptions,
} from './federation/federation-setup.ts'

export type Services = {
  store: Store
  accounts: AccountService
  federation: FederationRuntime
  /** Closes the federation, then the store. */
  close(): Promise<void>
}

export async function createServices(
  config: Config,
  options: {
    migrate?: boolean
    store?: Store
    logger?: Logger
    now?: () => number
    /** The bus and event log the instance built first (see instance.ts); CLI commands have none. */
    federation?: FederationRuntimeOptions
  } = {},
): Promise<Services> {
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
  const federation = createFederationRuntime(config, store, options.logger, options.federation)
  const accounts = new AccountService({
    store,
    limiter,
    registration: config.registration,
    sessionTtlMs: config.sessionTtlHours * 3600 * 1000,
    now: options.now,
    onUserCreated: (user) => federation.federation.prepareActor(user.id),
    onProfileChanged: async (user) => void (await federation.federation.profileChanged(user.username)),
  })
  return {
    store,
    accounts,
    federation,
    async close() {
      await federation.close()
      await store.close()
    },
  }
}
