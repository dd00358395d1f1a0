import { availableParallelism } from 'node:os'
import type { Config } from '../config/schema.ts'

/** Threads processing the federation queue, the main one included (`federationWorkers`, 0: one per core). */
export function federationWorkerCount(config: Pick<Config, 'federationWorkers'>): number {
  return config.federationWorkers > 0 ? config.federationWorkers : availableParallelism()
}
