/**
 * What other packages (the cross-package tests in test/, tooling) may use of the server: building
 * an instance the way `parley serve` does, without listening.
 */
export { loadConfig, formatProblems, type ConfigResult } from './config/load.ts'
export type { Config } from './config/schema.ts'
export { createLogger, type Logger } from './logger.ts'
export { createServices, type Services } from './services.ts'
export { buildApp, type AppDeps } from './http/app.ts'
export type { Store } from './store/ports.ts'
