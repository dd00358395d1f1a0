/**
 * `parley serve`: wire the services, listen, and shut down gracefully on SIGTERM/SIGINT — stop
 * accepting, let in-flight requests finish (up to shutdownTimeoutSeconds), close the store, exit.
 */
import { routeFedifyLogs } from '@parley/federation'
import type { Config } from '../config/schema.ts'
import { createLogger } from '../logger.ts'
import { createInstance, type Instance } from '../instance.ts'
import { sqlitePath } from '../store/open-store.ts'
import { startMediaRuntime, type MediaRuntime } from '../media/media-runtime.ts'
import type { CliIo } from './io.ts'

const SESSION_SWEEP_MS = 60 * 60 * 1000

export async function serve(config: Config, io: CliIo): Promise<boolean> {
  const logger = createLogger(config.logLevel)
  // The media engine (and the Janus Parley supervises, if any), which the call service runs on.
  const started = await startMediaRuntime(config, logger)
  if (!started.ok) {
    io.err(`Cannot start the ${config.mediaEngine} media engine: ${started.error.type}${'message' in started.error ? `: ${started.error.message}` : ''}\nRun "parley doctor" for details.`)
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
  const { app, store, chat, federation } = instance
  const { accounts } = instance.services
  try {
    await app.listen({ host: config.host, port: config.port })
  } catch (error) {
    io.err(`Cannot start: ${(error as Error).message}`)
    await instance.close()
    await media.close()
    return false
  }

  // Fedify's own log records go to the same pino stream (LogTape is process-wide: configured here only).
  await routeFedifyLogs(logger.child({ component: 'fedify' }), config.logLevel)
  // Starts the queue; room events stored but not yet handed to the federation when the last process stopped go again.
  instance
    .start()
    .then((resent) => resent > 0 && logger.info({ component: 'federation', events: resent }, 'room fan-out and direct messages resumed'))
    .catch((error: unknown) => logger.warn({ err: error, component: 'federation' }, 'room fan-out recovery failed'))
  // Key pairs for accounts made before federation existed (or whose creation hook failed).
  accounts
    .listUsers()
    .then((users) => federation.prepareActors(users.filter((u) => u.deletedAt === null).map((u) => u.id)))
    .then((made) => made > 0 && logger.info({ component: 'federation', users: made }, 'made actor key pairs'))
    .catch((error: unknown) => logger.warn({ err: error, component: 'federation' }, 'actor key sweep failed'))

  const sweep = setInterval(() => {
    store.sessions.deleteExpired(Date.now()).catch((error: unknown) => logger.warn({ err: error }, 'session sweep failed'))
  }, SESSION_SWEEP_MS)
  sweep.unref()
  // Expired messages, old realtime events and guest sessions go once a minute.
  const expiry = setInterval(() => {
    chat.chat.sweep(config.eventRetentionHours * 3600_000).catch((error: unknown) => logger.warn({ err: error }, 'expiry sweep failed'))
  }, 60_000)
  expiry.unref()

  const address = app.server.address()
  const port = typeof address === 'object' && address ? address.port : config.port
  logger.info(
    { component: 'main', host: config.host, port, store: config.store, ...(config.store === 'sqlite' ? { file: sqlitePath(config) } : {}) },
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
    clearInterval(sweep)
    clearInterval(expiry)
    const timer = setTimeout(() => {
      logger.error({ component: 'main' }, `in-flight requests did not finish within ${config.shutdownTimeoutSeconds}s; exiting`)
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
