/**
 * A real instance for route tests: the real app over a real SQLite file in a temporary folder, a
 * controllable clock, and helpers to sign in. Logs go to a buffer that tests can read (and that is
 * printed only when asked), never to the terminal.
 */
import { mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { Writable } from 'node:stream'
import { DatabaseSync } from 'node:sqlite'
import type { FastifyInstance, LightMyRequestResponse } from 'fastify'
import { loadConfig } from '../config/load.ts'
import type { Config } from '../config/schema.ts'
import { createLogger } from '../logger.ts'
import type { Services } from '../services.ts'
import { createInstance } from '../instance.ts'
import { SqliteStore } from '../store/sqlite/sqlite-store.ts'

export type TestApp = Services & {
  app: FastifyInstance
  config: Config
  dir: string
  dbPath: string
  clock: { now: number }
  logs: string[]
  /** Every row of every table, to assert that a refused request changed nothing. */
  snapshot(): Record<string, string[]>
  close(): Promise<void>
}

export async function startTestApp(env: Record<string, string> = {}): Promise<TestApp> {
  const dir = mkdtempSync(join(tmpdir(), 'parley-app-'))
  const loaded = loadConfig({
    env: { PARLEY_DATA_DIR: dir, PARLEY_LOG_LEVEL: 'debug', PARLEY_FEDERATION_WORKERS: '1', ...env },
  })
  if (!loaded.ok) throw new Error(JSON.stringify(loaded.problems))
  const config = loaded.config
  const dbPath = join(dir, 'parley.sqlite')
  const store = new SqliteStore(dbPath)
  const clock = { now: Date.UTC(2026, 0, 1) }
  const logs: string[] = []
  const sink = new Writable({
    write(chunk, _encoding, done) {
      logs.push(String(chunk))
      done()
    },
  })
  const logger = createLogger(config.logLevel, sink)
  const instance = await createInstance(config, { logger, store, now: () => clock.now })
  const { app, services } = instance
  await app.ready()
  return {
    ...services,
    app,
    config,
    dir,
    dbPath,
    clock,
    logs,
    snapshot() {
      const db = new DatabaseSync(dbPath, { readOnly: true })
      try {
        const tables = db
          .prepare("SELECT name FROM sqlite_master WHERE type = 'table' AND name NOT LIKE 'sqlite_%' ORDER BY name")
          .all()
          .map((r) => String(r.name))
        // Rows sorted by their JSON: some tables (FTS, WITHOUT ROWID) have no rowid to order by.
        const rows = (t: string) =>
          db
            .prepare(`SELECT * FROM "${t}"`)
            .all()
            .map((row) =>
              JSON.stringify({ ...row }, (_k, v: unknown) =>
                v instanceof Uint8Array ? Buffer.from(v).toString('hex') : v,
              ),
            )
            .sort()
        return Object.fromEntries(tables.map((t) => [t, rows(t)]))
      } finally {
        db.close()
      }
    },
    async close() {
      await instance.close()
      rmSync(dir, { recursive: true, force: true })
    },
  }
}

export type SignedIn = { cookie: string; csrf: string; userId: string }

/** The `name=value` pair of the session cookie a reply sets. */
export function sessionCookie(response: LightMyRequestResponse): string {
  const cookie = response.cookies.find((c) => c.name === 'parley_session')
  if (!cookie) throw new Error(`no session cookie in reply ${response.statusCode}: ${response.body}`)
  return `parley_session=${cookie.value}`
}

export async function createUser(
  t: TestApp,
  username: string,
  role: 'admin' | 'user' = 'user',
  password = 'correct horse battery',
): Promise<string> {
  const created = await t.accounts.createUser({ username, password, role })
  if (!created.ok) throw new Error(`cannot create ${username}`)
  return created.value.id
}

export async function login(t: TestApp, username: string, password = 'correct horse battery'): Promise<SignedIn> {
  const response = await t.app.inject({ method: 'POST', url: '/api/v1/session', payload: { username, password } })
  if (response.statusCode !== 200) throw new Error(`login failed: ${response.statusCode} ${response.body}`)
  const body = response.json() as { csrfToken: string; user: { id: string } }
  return { cookie: sessionCookie(response), csrf: body.csrfToken, userId: body.user.id }
}

/** Headers for a cookie-authenticated state-changing request. */
export function asSession(s: SignedIn): Record<string, string> {
  return { cookie: s.cookie, 'x-csrf-token': s.csrf }
}
