/**
 * Runs one child process and keeps it running: readiness is probed by the caller's `ready()` check,
 * an unexpected exit is logged with the last lines of output and followed by a restart with growing
 * back-off (reset once the process stayed up a minute). Used for Janus and, in tests, coturn.
 */
import { spawn, type ChildProcess } from 'node:child_process'
import { createServer } from 'node:net'
import type { Logger } from '../../logger.ts'
import { EnhancedEventEmitter } from '../../lifecycle/enhanced-events.ts'

export type SupervisedProcessEvents = {
  ready: [info: { pid: number; startupMs: number; restarts: number }]
  exit: [info: { code: number | null; signal: string | null; expected: boolean }]
  close: []
}

export type StartError = { type: 'spawn-failed' | 'not-ready'; message: string }
export type StartResult = { ok: true; value: { pid: number; startupMs: number } } | { ok: false; error: StartError }

export type SupervisedProcessOptions = {
  name: string
  command: string
  args: readonly string[]
  logger: Logger
  /** Resolves true once the process serves; polled until startTimeoutMs. */
  ready: () => Promise<boolean>
  startTimeoutMs?: number
  restartDelayMs?: number
  maxRestartDelayMs?: number
}

export class SupervisedProcess {
  readonly observer: EnhancedEventEmitter<SupervisedProcessEvents>
  #options: SupervisedProcessOptions
  #logger: Logger
  #child: ChildProcess | undefined
  #tail: string[] = []
  #restarts = 0
  #restartTimer: NodeJS.Timeout | undefined
  #startedAt = 0
  #everReady = false
  #closed = false

  constructor(options: SupervisedProcessOptions) {
    this.#options = options
    this.#logger = options.logger.child({ component: options.name })
    this.observer = new EnhancedEventEmitter((event, error) =>
      this.#logger.error({ err: error, event }, 'listener failed'),
    )
  }

  get pid(): number | undefined {
    return this.#child?.pid
  }

  get closed(): boolean {
    return this.#closed
  }

  /** Starts the process and waits until it is ready. */
  async start(): Promise<StartResult> {
    if (this.#closed)
      return { ok: false, error: { type: 'spawn-failed', message: `${this.#options.name} supervisor is closed` } }
    const started = performance.now()
    const child = spawn(this.#options.command, [...this.#options.args], { stdio: ['ignore', 'pipe', 'pipe'] })
    this.#child = child
    this.#startedAt = Date.now()
    let exited = false
    for (const stream of [child.stdout, child.stderr]) {
      stream?.setEncoding('utf8')
      stream?.on('data', (chunk: string) => this.#remember(chunk))
    }
    child.once('exit', (code, signal) => {
      exited = true
      this.#onExit(child, code, signal)
    })
    // Until 'spawn' fires the process may still turn out not to exist ('error').
    const spawnError = await new Promise<Error | undefined>((resolve) => {
      child.once('spawn', () => resolve(undefined))
      child.once('error', resolve)
    })
    if (spawnError)
      return {
        ok: false,
        error: { type: 'spawn-failed', message: `cannot start ${this.#options.command}: ${spawnError.message}` },
      }
    child.on('error', (error) => this.#logger.warn({ err: error }, 'process error'))
    const deadline = started + (this.#options.startTimeoutMs ?? 10_000)
    while (performance.now() < deadline) {
      if (exited || this.#closed)
        return {
          ok: false,
          error: { type: 'not-ready', message: `${this.#options.name} exited during start-up:\n${this.lastOutput()}` },
        }
      if (await this.#options.ready().catch(() => false)) {
        const startupMs = Math.round(performance.now() - started)
        const pid = child.pid ?? 0
        this.#everReady = true
        this.#logger.info({ pid, startupMs, restarts: this.#restarts }, `${this.#options.name} is ready`)
        this.observer.safeEmit('ready', { pid, startupMs, restarts: this.#restarts })
        return { ok: true, value: { pid, startupMs } }
      }
      await new Promise((resolve) => setTimeout(resolve, 25))
    }
    child.kill('SIGKILL')
    return {
      ok: false,
      error: {
        type: 'not-ready',
        message: `${this.#options.name} did not become ready in time:\n${this.lastOutput()}`,
      },
    }
  }

  lastOutput(): string {
    return this.#tail.join('\n')
  }

  /** Stops the process (SIGTERM, then SIGKILL after 3 s) and stops restarting it. Idempotent. */
  async close(): Promise<void> {
    if (this.#closed) return
    this.#closed = true
    clearTimeout(this.#restartTimer)
    const child = this.#child
    if (child && child.exitCode === null && child.signalCode === null) {
      const gone = new Promise<void>((resolve) => child.once('exit', () => resolve()))
      child.kill('SIGTERM')
      const timer = setTimeout(() => child.kill('SIGKILL'), 3000)
      await gone
      clearTimeout(timer)
    }
    this.observer.safeEmit('close')
  }

  #remember(chunk: string): void {
    for (const line of chunk.split('\n')) {
      if (!line.trim()) continue
      this.#logger.debug({ line }, 'output')
      this.#tail.push(line)
      if (this.#tail.length > 30) this.#tail.shift()
    }
  }

  #onExit(child: ChildProcess, code: number | null, signal: string | null): void {
    if (child !== this.#child) return
    const expected = this.#closed
    this.observer.safeEmit('exit', { code, signal, expected })
    // A process that never got ready is the caller's failure to handle (start() said so), not ours.
    if (expected || !this.#everReady) return
    this.#logger.warn({ code, signal, output: this.lastOutput() }, `${this.#options.name} exited; restarting`)
    if (Date.now() - this.#startedAt > 60_000) this.#restarts = 0
    const base = this.#options.restartDelayMs ?? 500
    const delay = Math.min(base * 2 ** this.#restarts, this.#options.maxRestartDelayMs ?? 30_000)
    this.#restarts += 1
    this.#restartTimer = setTimeout(() => {
      void this.start().then((result) => {
        if (!result.ok) this.#logger.error({ error: result.error }, `${this.#options.name} restart failed`)
      })
    }, delay)
  }
}

/** A TCP port free on 127.0.0.1 right now (for processes that cannot be told to pick one). */
export function freePort(host = '127.0.0.1'): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer()
    server.once('error', reject)
    server.listen(0, host, () => {
      const address = server.address()
      const port = typeof address === 'object' && address ? address.port : 0
      server.close(() => resolve(port))
    })
  })
}
