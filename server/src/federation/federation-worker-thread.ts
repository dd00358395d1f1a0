/**
 * A federation worker thread (federation-workers.ts starts them): the same instance as the main
 * thread — same store and federation files, same bus (Redis, or the thread bus) — that only runs
 * the federation queue: it takes inbound activities and deliveries from the shared queue, and what
 * it stores reaches clients of the main thread through the bus. It never listens. Log lines go to
 * the main thread, which writes them to its own stream.
 */
import { setDefaultCACertificates } from 'node:tls'
import { parentPort, workerData } from 'node:worker_threads'
import type { Config } from '../config/schema.ts'
import { createLogger } from '../logger.ts'
import { createInstance } from '../instance.ts'
import type { WorkerCommand, WorkerReport } from './federation-workers.ts'

const { config, index, caCertificates } = workerData as { config: Config; index: number; caCertificates: string[] }
setDefaultCACertificates(caCertificates)
const port = parentPort
if (!port) throw new TypeError('federation-worker-thread.ts runs as a worker thread')
const report = (message: WorkerReport) => port.postMessage(message)
const logger = createLogger(config.logLevel, { write: (line: string) => report({ type: 'log', line }) })
const instance = await createInstance(config, { logger: logger.child({ worker: index }), role: 'federation-worker' })
port.on('message', (command: WorkerCommand) => {
  switch (command.type) {
    case 'handled':
      return report({ type: 'handled', handled: instance.services.federation.queueHandled() })
    case 'close':
      instance.close().then(
        () => {
          report({ type: 'closed' })
          port.close()
        },
        (error: unknown) => {
          logger.error({ err: error, component: 'federation' }, 'worker did not close cleanly')
          report({ type: 'closed' })
          port.close()
        },
      )
  }
})
await instance.start()
report({ type: 'ready' })
