/**
 * Starts Debian's Janus with Parley's private config (janus-config.ts) and keeps it running. Every
 * start gets fresh random secrets unless given; the endpoint (URL, api secret, admin key) is what
 * JanusEngine connects with. A Janus restart loses all rooms and sessions: the engine hears of it
 * through its connection closing and reconnects on the next `ready`.
 */
import { randomBytes } from 'node:crypto'
import { existsSync } from 'node:fs'
import { readFile, writeFile } from 'node:fs/promises'
import { join } from 'node:path'
import type { Logger } from '../../logger.ts'
import { EnhancedEventEmitter } from '../../lifecycle/enhanced-events.ts'
import { SupervisedProcess, freePort } from '../process/supervised-process.ts'
import { findJanusLibDir, writeJanusConfig } from './janus-config.ts'
import { JanusConnection } from './janus-connection.ts'

export type JanusEndpoint = { url: string; apiSecret: string; adminKey: string }

export type JanusSupervisorOptions = {
  binary: string
  configDir: string
  /** 0: a free port chosen at start. */
  port: number
  rtpPortRange: string
  iceInterfaces: readonly string[]
  logger: Logger
  libDir?: string
  debugLevel?: number
  /** Janus drops sessions silent this long (seconds); the engine's keepalives stay well under it. */
  sessionTimeoutSeconds?: number
  startTimeoutMs?: number
  restartDelayMs?: number
}

export type JanusSupervisorEvents = {
  ready: [info: { endpoint: JanusEndpoint; pid: number; startupMs: number; restarts: number }]
  exit: [info: { code: number | null; signal: string | null; expected: boolean }]
}

export type JanusStartResult =
  | { ok: true; value: { endpoint: JanusEndpoint; pid: number; startupMs: number } }
  | { ok: false; error: { type: 'janus-missing' | 'spawn-failed' | 'not-ready'; message: string } }

export class JanusSupervisor {
  readonly observer: EnhancedEventEmitter<JanusSupervisorEvents>
  #options: JanusSupervisorOptions
  #logger: Logger
  #process: SupervisedProcess | undefined
  #endpoint: JanusEndpoint | undefined
  #closed = false

  constructor(options: JanusSupervisorOptions) {
    this.#options = options
    this.#logger = options.logger.child({ component: 'janus-supervisor' })
    this.observer = new EnhancedEventEmitter((event, error) =>
      this.#logger.error({ err: error, event }, 'listener failed'),
    )
  }

  get endpoint(): JanusEndpoint | undefined {
    return this.#endpoint
  }

  get pid(): number | undefined {
    return this.#process?.pid
  }

  async start(): Promise<JanusStartResult> {
    if (this.#process) throw new TypeError('JanusSupervisor.start() called twice')
    const libDir = this.#options.libDir ?? findJanusLibDir()
    if (!libDir)
      return {
        ok: false,
        error: {
          type: 'janus-missing',
          message:
            'Janus plugins not found: install the Debian package "janus" or set PARLEY_JANUS_URL to an external Janus',
        },
      }
    await stopStaleJanus(this.#options.configDir, this.#logger)
    const port = this.#options.port || (await freePort())
    const endpoint: JanusEndpoint = { url: `ws://127.0.0.1:${port}`, apiSecret: secret(), adminKey: secret() }
    const configFile = await writeJanusConfig(this.#options.configDir, {
      port,
      apiSecret: endpoint.apiSecret,
      adminKey: endpoint.adminKey,
      adminSecret: secret(),
      rtpPortRange: this.#options.rtpPortRange,
      iceInterfaces: this.#options.iceInterfaces,
      libDir,
      ...(this.#options.debugLevel === undefined ? {} : { debugLevel: this.#options.debugLevel }),
      ...(this.#options.sessionTimeoutSeconds === undefined
        ? {}
        : { sessionTimeoutSeconds: this.#options.sessionTimeoutSeconds }),
    })
    const child = new SupervisedProcess({
      name: 'janus',
      command: this.#options.binary,
      args: ['--configs-folder', this.#options.configDir, '--config', configFile, '--disable-colors'],
      logger: this.#options.logger,
      ready: () => janusAnswers(endpoint, this.#logger),
      ...(this.#options.startTimeoutMs === undefined ? {} : { startTimeoutMs: this.#options.startTimeoutMs }),
      ...(this.#options.restartDelayMs === undefined ? {} : { restartDelayMs: this.#options.restartDelayMs }),
    })
    this.#process = child
    child.observer.on('ready', (info) => {
      // The pid file lets the next start kill a Janus this process left behind: without it, an
      // orphan keeps its ports, so a failure to write it is worth a warning.
      void writeFile(join(this.#options.configDir, PID_FILE), `${info.pid}\n`, { mode: 0o600 }).catch(
        (error: unknown) => this.#logger.warn({ err: error, pid: info.pid }, 'writing the Janus pid file failed'),
      )
      this.observer.safeEmit('ready', { endpoint, ...info })
    })
    child.observer.on('exit', (info) => this.observer.safeEmit('exit', info))
    const started = await child.start()
    if (!started.ok) {
      await child.close()
      return { ok: false, error: started.error }
    }
    this.#endpoint = endpoint
    return { ok: true, value: { endpoint, ...started.value } }
  }

  /** Stops Janus and its restarts. Idempotent. */
  async close(): Promise<void> {
    if (this.#closed) return
    this.#closed = true
    await this.#process?.close()
  }
}

/**
 * True when the Janus at the endpoint answers and accepts the api secret. `info` alone is not
 * enough: Janus answers it without the secret, so a stale Janus on the same port would pass.
 */
export async function janusAnswers(
  endpoint: Pick<JanusEndpoint, 'url' | 'apiSecret'>,
  logger: Logger,
  timeoutMs = 1000,
): Promise<boolean> {
  const opened = await JanusConnection.open({
    url: endpoint.url,
    apiSecret: endpoint.apiSecret,
    logger,
    connectTimeoutMs: timeoutMs,
    requestTimeoutMs: timeoutMs,
  })
  if (!opened.ok) return false
  try {
    if (!(await opened.value.info()).ok) return false
    const session = await opened.value.createSession()
    if (!session.ok) return false
    session.value.close()
    return true
  } finally {
    opened.value.close()
  }
}

const PID_FILE = 'janus.pid'

/**
 * A Janus left running by a Parley that died (children do not die with their parent) would hold
 * the port: stop it if its command line names our config folder.
 */
async function stopStaleJanus(configDir: string, logger: Logger): Promise<void> {
  let pid: number
  try {
    pid = Number((await readFile(join(configDir, PID_FILE), 'utf8')).trim())
  } catch {
    return
  }
  if (!Number.isInteger(pid) || pid <= 1) return
  const cmdline = await readFile(`/proc/${pid}/cmdline`, 'utf8').catch(() => '')
  if (!cmdline.includes(configDir)) return
  logger.warn({ pid }, 'stopping a Janus left over from an earlier run')
  try {
    process.kill(pid, 'SIGKILL')
  } catch {
    return
  }
  for (let i = 0; i < 40 && existsSync(`/proc/${pid}`); i++) await new Promise((resolve) => setTimeout(resolve, 25))
}

function secret(): string {
  return randomBytes(24).toString('base64url')
}
