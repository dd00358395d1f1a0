/**
 * The store-backed commands (user, token, invite, migrate) run inside this: a store that cannot be
 * opened (a data folder under a file, a MongoDB that does not answer) is said in one line with the
 * way on, and exit status 1, rather than a stack trace.
 */
import type { Config } from '../config/schema.ts'
import { createServices, type BaseServices } from '../services.ts'
import type { CliIo } from './io.ts'

export async function withServices(
  config: Config,
  io: CliIo,
  run: (services: BaseServices) => Promise<number>,
  options: { migrate?: boolean } = {},
): Promise<number> {
  let services: BaseServices
  try {
    services = await createServices(config, options)
  } catch (error) {
    io.err(`Cannot open the ${config.store} store: ${(error as Error).message}\nRun "parley doctor" for details.`)
    return 1
  }
  try {
    return await run(services)
  } finally {
    await services.close()
  }
}
