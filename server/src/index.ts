/**
 * What other workspaces (bench/, test/) use to run a Parley instance in-process: the same wiring
 * `parley serve` does, piece by piece.
 */
export { loadConfig } from './config/load.ts'
export type { Config } from './config/schema.ts'
export { createLogger } from './logger.ts'
export { createServices } from './services.ts'
export { createChatStack, type ChatStack } from './rooms/chat-stack.ts'
export { buildApp } from './http/app.ts'
export { SqliteStore } from './store/sqlite/sqlite-store.ts'
export { RedisBus } from './bus/redis-bus.ts'
export { InProcessBus } from './bus/in-process-bus.ts'
