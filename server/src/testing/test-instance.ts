/**
 * A real instance for tests: a SQLite file in a fresh temporary folder, the chat stack (in-process
 * bus unless one is given) and the Fastify app, never listening unless asked. Users get API tokens
 * so tests call the API as they would.
 */
import { mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import type { FastifyInstance, LightMyRequestResponse } from 'fastify'
import { loadConfig } from '../config/load.ts'
import type { Config } from '../config/schema.ts'
import { createLogger } from '../logger.ts'
import { SqliteStore } from '../store/sqlite/sqlite-store.ts'
import { createInstance, type Instance } from '../instance.ts'
import type { ChatStack } from '../rooms/chat-stack.ts'
import type { AppDeps } from '../http/app.ts'
import type { Bus } from '../bus/bus.ts'
import type { RealtimeLimits } from '../realtime/gateway-context.ts'
import type { UserRecord } from '../store/records.ts'
import type { BlobStore } from '../files/blobs/blob-store.ts'
import type { ManualClock } from './manual-clock.ts'

export type TestUser = { user: UserRecord; token: string; auth: { authorization: string } }

export type TestInstance = {
  app: FastifyInstance
  instance: Instance
  store: SqliteStore
  chat: ChatStack
  config: Config
  dir: string
  user(username: string, role?: 'admin' | 'user'): Promise<TestUser>
  /** app.inject; tests name the reply type they expect in json<T>(). */
  call(
    method: string,
    url: string,
    options?: { headers?: Record<string, string>; body?: unknown },
    // eslint-disable-next-line @typescript-eslint/no-explicit-any -- test convenience: replies are asserted field by field
  ): Promise<LightMyRequestResponse & { json<T = any>(): T }>
  /** Listens on 127.0.0.1:0 and returns the base URL (http://127.0.0.1:PORT). */
  listen(): Promise<string>
  close(): Promise<void>
}

export type TestInstanceOptions = {
  env?: Record<string, string>
  dir?: string
  bus?: Bus
  keepDir?: boolean
  realtimeLimits?: Partial<RealtimeLimits>
  /** The media engine for calls (e.g. a JanusEngine); default: a mesh engine from config. */
  media?: AppDeps['media']
  /** Where shared files are kept (e.g. an S3BlobStore on the stand-in); default: from config. */
  blobs?: BlobStore
  /** A clock the test moves (its `now` and its timers drive chat, accounts and message expiry). */
  clock?: ManualClock
}

export async function startTestInstance(options: TestInstanceOptions = {}): Promise<TestInstance> {
  const dir = options.dir ?? mkdtempSync(join(tmpdir(), 'parley-test-'))
  const loaded = loadConfig({
    env: {
      PARLEY_DATA_DIR: dir,
      PARLEY_REGISTRATION: 'open',
      PARLEY_LOG_LEVEL: 'silent',
      // One thread unless a test asks for federation workers.
      PARLEY_FEDERATION_WORKERS: '1',
      ...options.env,
    },
  })
  if (!loaded.ok) throw new TypeError(JSON.stringify(loaded.problems))
  const config = loaded.config
  const logger = createLogger(config.logLevel)
  const store = new SqliteStore(join(dir, 'parley.sqlite'))
  const instance = await createInstance(config, {
    logger,
    store,
    ...(options.bus ? { bus: options.bus } : {}),
    ...(options.realtimeLimits ? { realtimeLimits: options.realtimeLimits } : {}),
    ...(options.media ? { media: options.media } : {}),
    ...(options.blobs ? { blobs: options.blobs } : {}),
    ...(options.clock ? { now: options.clock.now, timers: options.clock.timers } : {}),
  })
  const { app, chat } = instance
  const { accounts } = instance.services
  let closed = false
  return {
    app,
    instance,
    store,
    chat,
    config,
    dir,
    async user(username, role = 'user') {
      const created = await accounts.createUser({
        username,
        displayName: username[0]?.toUpperCase() + username.slice(1),
        role,
      })
      if (!created.ok) throw new TypeError(`cannot create ${username}`)
      const { secret } = await accounts.createToken(created.value.id, 'test')
      return { user: created.value, token: secret, auth: { authorization: `Bearer ${secret}` } }
    },
    async call(method, url, { headers, body } = {}) {
      const response = await app.inject({
        method: method as 'GET',
        url,
        headers,
        ...(body === undefined ? {} : { payload: body as object }),
      })
      // eslint-disable-next-line @typescript-eslint/no-explicit-any -- as above
      return response as LightMyRequestResponse & { json<T = any>(): T }
    },
    async listen() {
      await app.listen({ host: '127.0.0.1', port: 0 })
      const address = app.server.address()
      if (!address || typeof address !== 'object') throw new TypeError('not listening')
      return `http://127.0.0.1:${address.port}`
    },
    async close() {
      if (closed) return
      closed = true
      await instance.close()
      if (!options.keepDir && !options.dir) rmSync(dir, { recursive: true, force: true })
    },
  }
}
