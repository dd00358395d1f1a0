/**
 * Runs Debian's coturn (`turnserver`) with a private config for the TURN REST API scheme
 * (use-auth-secret + static-auth-secret): tests use it, and it shows the settings a production
 * coturn needs to accept Parley's credentials. The secret goes into a 0600 config file, never onto
 * the command line. /etc/turnserver.conf is not read (-c points at ours).
 */
import { mkdir, writeFile } from 'node:fs/promises'
import { join } from 'node:path'
import type { Logger } from '../../logger.ts'
import { SupervisedProcess } from '../process/supervised-process.ts'
import { stunAnswers } from './stun-probe.ts'

export type CoturnOptions = {
  binary?: string
  configDir: string
  /** Address coturn listens on and relays from (the same one in tests: 127.0.0.2). */
  listeningIp: string
  relayIp: string
  port: number
  secret: string
  realm: string
  minRelayPort: number
  maxRelayPort: number
  /** Tests relay to peers on 127.x (Janus in the test namespace); never in production. */
  allowLoopbackPeers?: boolean
  logger: Logger
}

export function coturnConfig(options: CoturnOptions): string {
  for (const value of [options.secret, options.realm, options.listeningIp, options.relayIp]) {
    if (!/^[\w.:-]+$/.test(value))
      throw new TypeError(`value not allowed in the coturn config: ${JSON.stringify(value)}`)
  }
  return [
    '# Written by Parley.',
    `listening-ip=${options.listeningIp}`,
    `relay-ip=${options.relayIp}`,
    `listening-port=${options.port}`,
    `min-port=${options.minRelayPort}`,
    `max-port=${options.maxRelayPort}`,
    'use-auth-secret',
    `static-auth-secret=${options.secret}`,
    `realm=${options.realm}`,
    'fingerprint',
    'no-tls',
    'no-dtls',
    'no-cli',
    'no-multicast-peers',
    'no-software-attribute',
    ...(options.allowLoopbackPeers ? ['allow-loopback-peers'] : []),
    `userdb=${join(options.configDir, 'turndb')}`,
    `pidfile=${join(options.configDir, 'turnserver.pid')}`,
    'log-file=stdout',
    'simple-log',
    '',
  ].join('\n')
}

export class CoturnSupervisor {
  #options: CoturnOptions
  #process: SupervisedProcess | undefined

  constructor(options: CoturnOptions) {
    this.#options = options
  }

  async start(): Promise<
    { ok: true; value: { startupMs: number } } | { ok: false; error: { type: string; message: string } }
  > {
    if (this.#process) throw new TypeError('CoturnSupervisor.start() called twice')
    await mkdir(this.#options.configDir, { recursive: true, mode: 0o700 })
    const file = join(this.#options.configDir, 'turnserver.conf')
    await writeFile(file, coturnConfig(this.#options), { mode: 0o600 })
    this.#process = new SupervisedProcess({
      name: 'coturn',
      command: this.#options.binary ?? '/usr/bin/turnserver',
      args: ['-c', file],
      logger: this.#options.logger,
      ready: () => stunAnswers(this.#options.listeningIp, this.#options.port, 200),
    })
    const started = await this.#process.start()
    if (!started.ok) {
      await this.#process.close()
      return started
    }
    return { ok: true, value: { startupMs: started.value.startupMs } }
  }

  close(): Promise<void> {
    return this.#process?.close() ?? Promise.resolve()
  }
}
