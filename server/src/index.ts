/** What other packages (tests across packages, scripts, benchmarks) may use of the server. */
export { buildApp, type AppDeps } from './http/app.ts'
export { createServices, type Services } from './services.ts'
export { loadConfig, formatProblems, envName } from './config/load.ts'
export { ConfigSchema, type Config } from './config/schema.ts'
export { createLogger, type Logger } from './logger.ts'
export { SqliteStore } from './store/sqlite/sqlite-store.ts'
export type { Store } from './store/ports.ts'
