import type { Config } from '../config/schema.ts'
import { createServices } from '../services.ts'
import type { CliIo } from './io.ts'

export async function migrateCommand(config: Config, io: CliIo): Promise<number> {
  const services = await createServices(config, { migrate: false })
  const { store } = services
  try {
    const applied = await store.migrate()
    if (applied.length === 0) io.out('The store is up to date.')
    for (const step of applied) io.out(`applied ${step}`)
    return 0
  } finally {
    await services.close()
  }
}
