/**
 * `parley serve`: wire the services, listen, and shut down gracefully on SIGTERM/SIGINT — stop
 * accepting, let in-flight requests finish (up to shutdownTimeoutSeconds), close the store, exit.
 */
import { flushCompileCache } from 'node:module'
import { routeFedifyLogs } from '@parley/federation'
import type { Config } from '../config/schema.ts'
import { createLogger } from '../logger.ts'
import { createInstance, type Instance } from '../instance.ts'
import { sqlitePath } from '../store/open-store.ts'
import { startMediaRuntime, type MediaRuntime } from '../media/media-runtime.ts'
import { settleMemory } from '../lifecycle/settle-memory.ts'
import type { CliIo } from './io.ts'

/** How long after startup's last step the memory startup needed is given back (settle-memory.ts). */
const SETTLE_AFTER_MS = 1000

export async function serve(config: Config, io: CliIo): Promise<boolean> {
  const logger = createLogger(config.logLevel)
  // The media engine (and the Janus Parley supervises, if any), which the call service runs on.
  const started = await startMediaRuntime(config, logger)
  if (!started.ok) {
    io.err(
      `Cannot start the ${config.mediaEngine} media engine: ${started.error.type}${'message' in started.error ? `: ${started.error.message}` : ''}\nRun "parley doctor" for details.`,
    )
    return false
  }
  const media: MediaRuntime = started.value
  let instance: Instance
  try {
    instance = await createInstance(config, { logger, media })
  } catch (error) {
    io.err(`Cannot open the ${config.store} store: ${(error as Error).message}\nRun "parley doctor" for details.`)
    await media.close()
    return false
  }
  const { app } = instance
  const { accounts } = instance.services
  try {
    await app.listen({ host: config.host, port: config.port })
  } catch (error) {
    io.err(`Cannot start: ${(error as Error).message}`)
    await instance.close()
    await media.close()
    return false
  }
  // Every module startup needs is loaded now: write the module compile cache (server/bin/parley.js
  // turns it on) at once rather than at exit, so that the next start is fast even after a crash or
  // a SIGKILL. Without a cache this does nothing.
  flushCompileCache()

  // Fedify's own log records go to the same pino stream (LogTape is process-wide: configured here only).
  await routeFedifyLogs(logger.child({ component: 'fedify' }), config.logLevel)
  // Starts the queue and the background jobs (sweeps, key sweeps); room events stored but not yet
  // handed to the federation when the last process stopped go again.
  instance
    .start()
    .then(
      (resent) =>
        resent > 0 &&
        logger.info({ component: 'federation', events: resent }, 'room fan-out and direct messages resumed'),
    )
    .catch((error: unknown) => logger.warn({ err: error, component: 'federation' }, 'room fan-out recovery failed'))
    // Startup is over (recovery queued): what it allocated is garbage now, and the young generation
    // it grew can go back (≈ 35 MB of an idle server's memory).
    .finally(() => setTimeout(settleMemory, SETTLE_AFTER_MS).unref())

  const address = app.server.address()
  const port = typeof address === 'object' && address ? address.port : config.port
  logger.info(
    {
      component: 'main',
      host: config.host,
      port,
      store: config.store,
      ...(config.store === 'sqlite' ? { file: sqlitePath(config) } : {}),
    },
    `Parley is listening on http://${config.host}:${port} (public origin ${config.publicOrigin})`,
  )
  if ((await accounts.listUsers()).every((u) => u.role !== 'admin')) {
    logger.info({ component: 'main' }, 'No admin account yet: create one with  npx parley user add NAME --admin')
  }

  let stopping = false
  const stop = async (signal: string) => {
    if (stopping) return
    stopping = true
    logger.info({ component: 'main', signal }, 'shutting down: finishing in-flight requests')
    const timer = setTimeout(() => {
      logger.error(
        { component: 'main' },
        `in-flight requests did not finish within ${config.shutdownTimeoutSeconds}s; exiting`,
      )
      process.exit(1)
    }, config.shutdownTimeoutSeconds * 1000)
    timer.unref()
    // Node closes idle keep-alive connections only once, when closing starts; a connection whose
    // request finishes later would otherwise stay open until its keep-alive timeout.
    const drain = setInterval(() => app.server.closeIdleConnections(), 100)
    drain.unref()
    try {
      await instance.close()
      clearInterval(drain)
      await media.close()
      logger.info({ component: 'main' }, 'stopped')
      process.exit(0)
    } catch (error) {
      logger.error({ err: error, component: 'main' }, 'shutdown failed')
      process.exit(1)
    }
  }
  process.once('SIGTERM', () => void stop('SIGTERM'))
  process.once('SIGINT', () => void stop('SIGINT'))
  return true
}
