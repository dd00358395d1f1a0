/**
 * Federation work on every core (`federationWorkers`, default one thread per core): the main thread
 * starts the other threads (federation-worker-thread.ts), each a copy of the instance that only runs
 * the federation queue. They share the queue — SQLite file or Redis, where a message is leased by
 * one taker at a time and removed once handled, so work is spread and nothing is handled twice —
 * and the bus (Redis, or the thread bus), so what a worker stores reaches the main thread's clients.
 * Worker threads rather than processes: they share the process's lifecycle (a crash or SIGKILL of
 * `parley serve` takes them along) and its BroadcastChannels (the thread bus, queue wake-ups).
 */
import { getCACertificates } from 'node:tls'
import { Worker } from 'node:worker_threads'
import type { Config } from '../config/schema.ts'
import type { Logger } from '../logger.ts'

export type WorkerCommand = { type: 'handled' } | { type: 'close' }
export type WorkerReport =
  { type: 'ready' } | { type: 'log'; line: string } | { type: 'handled'; handled: number } | { type: 'closed' }

const LEVELS: Record<number, 'trace' | 'debug' | 'info' | 'warn' | 'error' | 'fatal'> = {
  10: 'trace',
  20: 'debug',
  30: 'info',
  40: 'warn',
  50: 'error',
  60: 'fatal',
}

export class FederationWorkers {
  readonly #config: Config
  readonly #logger: Logger
  readonly #count: number
  #workers: Worker[] = []
  /** Threads that finished starting (and so listen for 'close'). */
  readonly #ready = new WeakSet<Worker>()
  #closing: Promise<void> | null = null

  /** `threads`: the worker threads to start besides the main thread. */
  constructor(config: Config, logger: Logger, threads: number) {
    this.#config = config
    this.#logger = logger
    this.#count = threads
  }

  /** Starts the threads; resolves once each runs its queue (or rejects when one failed to start). */
  async start(): Promise<void> {
    if (this.#closing) throw new DOMException('the federation workers are closed', 'InvalidStateError')
    const started = Array.from({ length: this.#count }, (_, i) => this.#spawn(i + 1))
    await Promise.all(started)
    this.#logger.info({ component: 'federation', threads: this.#count + 1 }, 'federation queue runs on several threads')
  }

  /** Messages of the federation queue each worker thread has handled so far. */
  handled(): Promise<number[]> {
    return Promise.all(
      this.#workers.map(
        (worker) =>
          new Promise<number>((resolve) => {
            const onMessage = (report: WorkerReport) => {
              if (report.type !== 'handled') return
              worker.off('message', onMessage)
              resolve(report.handled)
            }
            worker.on('message', onMessage)
            worker.postMessage({ type: 'handled' } satisfies WorkerCommand)
          }),
      ),
    )
  }

  /**
   * Asks every started thread to finish what it is doing and close its instance, then ends it; a
   * thread still starting (a SIGTERM right after start) is ended at once — it has taken no work
   * yet. Resolves once all have exited. Idempotent.
   */
  close(): Promise<void> {
    this.#closing ??= Promise.all(
      this.#workers.map(async (worker) => {
        const exited = new Promise<void>((resolve) => worker.once('exit', () => resolve()))
        if (this.#ready.has(worker)) {
          const closed = new Promise<void>((resolve) => {
            const onClosed = (report: WorkerReport) => report.type === 'closed' && resolve()
            worker.on('message', onClosed)
            worker.once('exit', () => resolve())
          })
          worker.postMessage({ type: 'close' } satisfies WorkerCommand)
          await closed
        }
        await worker.terminate()
        await exited
      }),
    ).then(() => {
      this.#workers = []
    })
    return this.#closing
  }

  #spawn(index: number): Promise<void> {
    const worker = new Worker(new URL('./federation-worker-thread.ts', import.meta.url), {
      // The CAs this thread trusts (a test's local CA set with tls.setDefaultCACertificates is per thread).
      workerData: { config: this.#config, index, caCertificates: getCACertificates('default') },
    })
    this.#workers.push(worker)
    const log = this.#logger.child({ component: 'federation', worker: index })
    worker.on('message', (report: WorkerReport) => {
      if (report.type === 'log') this.#relay(report.line)
    })
    worker.on('error', (error) => log.error({ err: error }, 'federation worker failed'))
    return new Promise<void>((resolve, reject) => {
      const onReady = (report: WorkerReport) => {
        if (report.type !== 'ready') return
        worker.off('message', onReady)
        worker.off('exit', onExit)
        this.#ready.add(worker)
        resolve()
      }
      const onExit = (code: number) => reject(new Error(`federation worker ${index} exited with ${code} at start`))
      worker.on('message', onReady)
      worker.once('exit', onExit)
    })
  }

  /** A worker's pino line, written to the main thread's logger at its level. */
  #relay(line: string): void {
    try {
      const {
        level,
        msg,
        time: _time,
        pid: _pid,
        hostname: _hostname,
        ...fields
      } = JSON.parse(line) as {
        level: number
        msg?: string
        [field: string]: unknown
      }
      this.#logger[LEVELS[level] ?? 'info'](fields, msg)
    } catch {
      this.#logger.info({ component: 'federation', line }, 'worker log line')
    }
  }
}
