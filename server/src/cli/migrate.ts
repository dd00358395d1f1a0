import type { Config } from '../config/schema.ts'
import type { CliIo } from './io.ts'
import { withServices } from './with-services.ts'

export async function migrateCommand(config: Config, io: CliIo): Promise<number> {
  return withServices(
    config,
    io,
    async ({ store }) => {
      const applied = await store.migrate()
      if (applied.length === 0) io.out('The store is up to date.')
      for (const step of applied) io.out(`applied ${step}`)
      return 0
    },
    { migrate: false },
  )
}
