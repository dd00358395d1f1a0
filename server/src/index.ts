/**
 * What other workspaces (scripts/, bench/, test/) may use of the server to run a Parley instance
 * in-process: the same wiring `parley serve` does, piece by piece, without listening.
 */
export { buildApp, type AppDeps } from './http/app.ts'
export { createServices, type Services } from './services.ts'
export { createInstance, type Instance, type InstanceOptions } from './instance.ts'
export { loadConfig, formatProblems, envName, type ConfigResult } from './config/load.ts'
export { ConfigSchema, type Config } from './config/schema.ts'
export { createLogger, type Logger } from './logger.ts'
export { createChatStack, type ChatStack } from './rooms/chat-stack.ts'
export { RoomFanoutBridge } from './federation/room-fanout-bridge.ts'
export { SqliteStore } from './store/sqlite/sqlite-store.ts'
export type { Store } from './store/ports.ts'
export { RedisBus } from './bus/redis-bus.ts'
export { InProcessBus } from './bus/in-process-bus.ts'
export { CapabilitySigner } from './files/capability.ts'
