/**
 * Federation work on every core (`federationWorkers`, default one thread per core) when there is work
 * for them: the main thread runs the federation queue alone until a backlog builds, then starts the
 * other threads (federation-worker-thread.ts) one at a time, each a copy of the instance that only
 * runs the federation queue, and stops them again once the queue has been empty for a while
 * (federation-worker-scaling.ts says when). An idle instance so holds the memory of one thread, not
 * of one per core. The threads share the queue — SQLite file or Redis, where a message is leased by
 * one taker at a time and removed once handled, so work is spread and nothing is handled twice —
 * and the bus (Redis, or the thread bus), so what a worker stores reaches the main thread's clients.
 * Worker threads rather than processes: they share the process's lifecycle (a crash or SIGKILL of
 * `parley serve` takes them along) and its BroadcastChannels (the thread bus, queue wake-ups).
 */
import { getCACertificates } from 'node:tls'
import { Worker } from 'node:worker_threads'
import type { Config } from '../config/schema.ts'
import type { Logger } from '../logger.ts'
import { DEFAULT_SCALING, decideScaling, type ScalingLimits } from './federation-worker-scaling.ts'

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

export type FederationWorkersOptions = {
  /** The worker threads that may run besides the main thread. */
  threads: number
  /** Messages of the federation queue due now and not taken (the queue's getDepth().ready). */
  ready: () => Promise<number>
  /** When threads start and stop (tests shorten the idle time); default DEFAULT_SCALING. */
  scaling?: Partial<Omit<ScalingLimits, 'max'>>
  /** How often the queue's depth is looked at. Default 500 ms. */
  checkEveryMs?: number
}

export class FederationWorkers {
  readonly #config: Config
  readonly #logger: Logger
  readonly #limits: ScalingLimits
  readonly #ready: () => Promise<number>
  readonly #checkEveryMs: number
  #workers: Worker[] = []
  /** Threads that finished starting (and so listen for 'close'). */
  readonly #started = new WeakSet<Worker>()
  /** Threads asked to stop (they finish what they hold, then exit). */
  readonly #stopping = new Set<Promise<void>>()
  /** Messages handled by threads that have stopped since. */
  #retiredHandled = 0
  #nextIndex = 1
  #timer: NodeJS.Timeout | null = null
  #checking = false
  #emptySinceMs: number | null = null
  /** What the last two checks saw: a backlog must last, and not be falling fast, to start a thread. */
  #earlier: { ready: number; at: number }[] = []
  #closing: Promise<void> | null = null

  constructor(config: Config, logger: Logger, options: FederationWorkersOptions) {
    this.#config = config
    this.#logger = logger
    this.#limits = { max: options.threads, ...DEFAULT_SCALING, ...options.scaling }
    this.#ready = options.ready
    this.#checkEveryMs = options.checkEveryMs ?? 500
  }

  /** Threads started or starting now (none until a backlog builds). */
  get running(): number {
    return this.#workers.length
  }

  /** Starts watching the queue: threads start when a backlog builds and stop when it is gone. */
  start(): void {
    if (this.#closing) throw new DOMException('the federation workers are closed', 'InvalidStateError')
    if (this.#timer) return
    this.#timer = setInterval(() => void this.#check(), this.#checkEveryMs)
    this.#timer.unref()
  }

  /**
   * Starts one more thread now, whatever the queue holds (what a backlog does; tests use it to have
   * both threads take work for sure); resolves once it runs the queue. False when all already run.
   */
  async grow(): Promise<boolean> {
    if (this.#closing) throw new DOMException('the federation workers are closed', 'InvalidStateError')
    if (this.#workers.length >= this.#limits.max) return false
    const index = this.#nextIndex++
    await this.#spawn(index)
    this.#logger.info(
      { component: 'federation', worker: index, threads: this.#workers.length + 1 },
      'federation worker thread started',
    )
    return true
  }

  /** Messages of the federation queue the worker threads have handled so far, stopped ones included. */
  async handled(): Promise<number> {
    const running = await Promise.all(
      this.#workers.filter((worker) => this.#started.has(worker)).map((worker) => this.#handledBy(worker)),
    )
    return running.reduce((a, b) => a + b, this.#retiredHandled)
  }

  /**
   * Stops watching; asks every started thread to finish what it is doing and close its instance,
   * then ends it; a thread still starting (a SIGTERM right after a backlog began) is ended at once —
   * it has taken no work yet. Resolves once all have exited. Idempotent.
   */
  close(): Promise<void> {
    if (this.#timer) clearInterval(this.#timer)
    this.#timer = null
    this.#closing ??= Promise.all([...this.#workers.map((worker) => this.#end(worker)), ...this.#stopping]).then(() => {
      this.#workers = []
    })
    return this.#closing
  }

  /** One look at the queue: start a thread on a backlog, stop one after a long enough quiet. */
  async #check(): Promise<void> {
    if (this.#checking || this.#closing) return
    this.#checking = true
    try {
      const ready = await this.#ready()
      const now = Date.now()
      if (ready > 0) this.#emptySinceMs = null
      else this.#emptySinceMs ??= now
      const decision = decideScaling(
        { ready, running: this.#workers.length, emptySinceMs: this.#emptySinceMs, now, earlier: this.#earlier },
        this.#limits,
      )
      this.#earlier = [...this.#earlier, { ready, at: now }].slice(-2)
      switch (decision) {
        case 'start':
          this.#logger.info({ component: 'federation', ready }, 'federation backlog: starting a worker thread')
          await this.grow()
          break
        case 'stop':
          // The quiet starts over: the next thread stops only after another idle period.
          this.#emptySinceMs = now
          await this.#shrink()
          break
        case 'keep':
          break
      }
    } catch (error) {
      // A thread still starting when close() came is ended on purpose: nothing to report then.
      if (!this.#closing)
        this.#logger.warn({ err: error, component: 'federation' }, 'federation worker scaling check failed')
    } finally {
      this.#checking = false
    }
  }

  /** Stops the most recently started thread, keeping the count of what it handled. */
  async #shrink(): Promise<void> {
    const worker = this.#workers.pop()
    if (!worker) return
    const stopped = (async () => {
      if (this.#started.has(worker)) this.#retiredHandled += await this.#handledBy(worker)
      await this.#end(worker)
    })()
    this.#stopping.add(stopped)
    try {
      await stopped
    } finally {
      this.#stopping.delete(stopped)
    }
    this.#logger.info(
      { component: 'federation', threads: this.#workers.length + 1 },
      'federation queue idle: worker thread stopped',
    )
  }

  #handledBy(worker: Worker): Promise<number> {
    return new Promise<number>((resolve) => {
      const onMessage = (report: WorkerReport) => {
        if (report.type !== 'handled') return
        worker.off('message', onMessage)
        worker.off('exit', onExit)
        resolve(report.handled)
      }
      const onExit = () => resolve(0)
      worker.on('message', onMessage)
      worker.once('exit', onExit)
      worker.postMessage({ type: 'handled' } satisfies WorkerCommand)
    })
  }

  /** Asks a started thread to close its instance, then ends it; a thread still starting ends at once. */
  async #end(worker: Worker): Promise<void> {
    const exited = new Promise<void>((resolve) => worker.once('exit', () => resolve()))
    if (this.#started.has(worker)) {
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
        this.#started.add(worker)
        resolve()
      }
      const onExit = (code: number) => {
        this.#workers = this.#workers.filter((w) => w !== worker)
        reject(new Error(`federation worker ${index} exited with ${code} at start`))
      }
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
