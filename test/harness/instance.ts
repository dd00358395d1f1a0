/**
 * A real Parley instance for multi-instance tests: HTTPS on 127.0.0.1 with a port the OS picks
 * (the server listens on port 0 first, so the public origin is known before the app is built),
 * its own SQLite files in a temporary folder, the federation queue running. Built exactly as
 * `parley serve` builds it, through @parley/server.
 */
import type { Duplex } from 'node:stream'
import { createServer, type Server } from 'node:https'
import { mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import type { AddressInfo } from 'node:net'
import {
  createInstance,
  createLogger,
  loadConfig,
  type Config,
  type Instance,
  type InstanceOptions,
  type Services,
} from '@parley/server'
import type { QueuePending } from '@parley/federation'
import { localCa, trustLocalCa } from './local-ca.ts'

export type TestInstance = {
  origin: string
  /** `host:port`, the domain part of handles on this instance. */
  host: string
  config: Config
  services: Services
  /** The whole instance (files, fan-out…), for what tests check beyond the API. */
  instance: Instance
  /** The store's federation repositories (followers, follows, messages). */
  store(): Services['store']['federation']
  /** Creates a local user (keys are made at once, as at registration). */
  addUser(username: string, displayName?: string): Promise<{ id: string; username: string }>
  /** This instance's log lines (JSON, newest last), kept in memory: printed only when a test fails. */
  logs(): string[]
  /**
   * Fault injection (a stand-in for a failing network or server, named as such): the next `times`
   * requests matching `match` are answered `status` with an empty body before the app sees them.
   * Resolves the returned promise once they were all answered so.
   */
  failRequests(match: (method: string, path: string) => boolean, status: number, times?: number): Promise<void>
  /** Messages of the federation's queues not finished yet: waiting, being handled, delayed (retries). */
  queuePending(): Promise<QueuePending>
  /**
   * Resolves once the federation has nothing left to do: every room event handed to the queue (room
   * fan-out, direct messages) and no message left in its queues — waiting, being handled or waiting
   * for a retry. What a test waits for before checking that something did *not* happen (an inbound
   * activity refused, a delivery skipped), instead of sleeping. Rejects after `timeoutMs`.
   */
  queueDrained(timeoutMs?: number): Promise<void>
  /** Stops the instance; its files are deleted unless `keepData` (to restart it on the same port). */
  close(options?: { keepData?: boolean }): Promise<void>
  port: number
  dataDir: string
}

export type StartOptions = {
  env?: Record<string, string>
  /** Restart: the port and data folder of a stopped instance. */
  port?: number
  dataDir?: string
  /** The media engine calls run on (e.g. a test's Janus); default: mesh from config. */
  media?: InstanceOptions['media']
  /**
   * Another node of an existing instance: its public origin (and `dataDir`, and a `bus` on the
   * same Redis and prefix). It listens on a port of its own, which `origin` names.
   */
  publicOrigin?: string
  /** The bus between nodes (a RedisBus for several nodes); default: from config. */
  bus?: InstanceOptions['bus']
  /** The instance's clock (messages' expiry, sessions…); default: Date.now. */
  now?: () => number
}

export async function startInstance(options: StartOptions = {}): Promise<TestInstance> {
  const ca = localCa()
  trustLocalCa(ca)
  const server: Server = createServer({ key: ca.keyPem, cert: ca.certPem })
  await new Promise<void>((resolve) => server.listen(options.port ?? 0, '127.0.0.1', resolve))
  const { port } = server.address() as AddressInfo
  const origin = `https://127.0.0.1:${port}`
  const dir = options.dataDir ?? mkdtempSync(join(tmpdir(), 'parley-instance-'))
  const loaded = loadConfig({
    env: {
      PARLEY_PUBLIC_ORIGIN: options.publicOrigin ?? origin,
      PARLEY_DATA_DIR: dir,
      PARLEY_LOG_LEVEL: 'debug',
      PARLEY_REGISTRATION: 'closed',
      PARLEY_FEDERATION_ALLOW_PRIVATE_ADDRESS: 'true',
      // One thread unless a test (or bench) asks for federation workers.
      PARLEY_FEDERATION_WORKERS: '1',
      ...options.env,
    },
  })
  if (!loaded.ok) throw new Error(JSON.stringify(loaded.problems))
  const config = loaded.config
  const lines: string[] = []
  const logger = createLogger(config.logLevel, {
    write(line: string) {
      lines.push(line.trimEnd())
      if (lines.length > 5000) lines.splice(0, lines.length - 5000)
    },
  })
  const instance: Instance = await createInstance(config, {
    logger,
    ...(options.media ? { media: options.media } : {}),
    ...(options.bus ? { bus: options.bus } : {}),
    ...(options.now ? { now: options.now } : {}),
  })
  const { app, services } = instance
  await app.ready()
  const faults: { match: (method: string, path: string) => boolean; status: number; left: number; done: () => void }[] =
    []
  server.on('request', (req, res) => {
    const fault = faults.find((f) => f.left > 0 && f.match(req.method ?? 'GET', req.url ?? '/'))
    if (!fault) return app.routing(req, res)
    fault.left--
    if (fault.left === 0) fault.done()
    req.resume()
    res.writeHead(fault.status).end()
  })
  // WebSocket upgrades (the realtime gateway) go to the app's server, where @fastify/websocket listens.
  // Upgraded sockets are no HTTP connections any more: closeAllConnections() misses them, and
  // server.close() would wait for them (a peer's call channel, kept open while the peer lives).
  const upgraded = new Set<Duplex>()
  server.on('upgrade', (req, socket, head) => {
    upgraded.add(socket)
    socket.once('close', () => upgraded.delete(socket))
    app.server.emit('upgrade', req, socket, head)
  })
  await instance.start()

  let closed = false
  return {
    origin,
    host: `127.0.0.1:${port}`,
    port,
    dataDir: dir,
    config,
    services,
    instance,
    store: () => services.store.federation,
    logs: () => [...lines],
    failRequests: (match, status, times = 1) =>
      new Promise<void>((done) => {
        faults.push({ match, status, left: times, done })
      }),
    queuePending: () => services.federation.queuePending(),
    async queueDrained(timeoutMs = 15_000) {
      const relays = [instance.fanout, instance.directOutbox]
      let last: QueuePending | null = null
      try {
        await eventually(
          async () => {
            await Promise.all(relays.map((relay) => relay.idle()))
            last = await services.federation.queuePending()
            // Relays read after the queue: a queue handler hands its room events to the relays before
            // its message is deleted, so with no message left such an event shows here now.
            return last.total === 0 && !relays.some((relay) => relay.busy)
          },
          timeoutMs,
          `the federation queues of ${origin} to drain`,
        )
      } catch (error) {
        const busy = relays.some((relay) => relay.busy) ? '; room events not yet handed over' : ''
        throw new Error(`${(error as Error).message} (left: ${JSON.stringify(last)}${busy})`, { cause: error })
      }
    },
    async addUser(username, displayName) {
      const created = await services.accounts.createUser({ username, displayName: displayName ?? username })
      if (!created.ok) throw new Error(created.error.type)
      return { id: created.value.id, username }
    },
    async close(closeOptions = {}) {
      if (closed) return
      closed = true
      server.closeAllConnections()
      for (const socket of upgraded) socket.destroy()
      // No new connections from here; the server's close completes after the instance's, not before it.
      const serverClosed = new Promise<void>((resolve) => server.close(() => resolve()))
      await instance.close()
      await serverClosed
      if (!closeOptions.keepData) rmSync(dir, { recursive: true, force: true })
    },
  }
}

/** Polls `probe` until it returns a value that is not null/undefined/false, or fails after `timeoutMs`. */
export async function eventually<T>(
  probe: () => Promise<T | null | undefined | false>,
  timeoutMs = 10_000,
  what = 'condition',
): Promise<T> {
  const started = Date.now()
  for (;;) {
    const value = await probe()
    if (value !== null && value !== undefined && value !== false) return value
    if (Date.now() - started > timeoutMs) throw new Error(`timed out waiting for ${what}`)
    await new Promise((resolve) => setTimeout(resolve, 25))
  }
}

/**
 * For `afterEach`: prints the instances' buffered logs when the test failed, and nothing otherwise.
 * `afterEach(printLogsOnFailure(() => [a, b]))`
 */
export function printLogsOnFailure(
  instances: () => (TestInstance | undefined)[],
  tail = 200,
): (t: { name: string }) => void {
  return (t) => {
    // TestContext.passed exists at run time (Node ≥ 21) but not yet in @types/node 24.19.
    if ((t as { passed?: boolean }).passed !== false) return
    for (const instance of instances()) {
      if (!instance) continue
      process.stderr.write(
        `\n--- last ${tail} log lines of ${instance.origin} (test "${t.name}") ---\n${instance.logs().slice(-tail).join('\n')}\n`,
      )
    }
  }
}
