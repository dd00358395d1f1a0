/**
 * `parley doctor`: checks the configuration and the store and says in words what is wrong and what to
 * do. Exit status 0 when nothing failed (warnings allowed), 1 otherwise. Media checks (Janus, TURN)
 * live in doctor-media.ts, the S3 file storage check in doctor-storage.ts.
 */
import { accessSync, constants, existsSync, mkdirSync } from 'node:fs'
import type { Config } from '../config/schema.ts'
import { openStore, sqlitePath } from '../store/open-store.ts'
import { SqliteStore, latestSqliteVersion } from '../store/sqlite/sqlite-store.ts'
import { migrations } from '../store/sqlite/migrations.ts'
import type { Store } from '../store/ports.ts'
import type { CliIo } from './io.ts'
import { mediaChecks } from './doctor-media.ts'
import { storageChecks } from './doctor-storage.ts'
import { Redis } from 'ioredis'
import { listeningOrigin, originMismatch } from '../config/public-origin.ts'

type Check = { status: 'ok' | 'warn' | 'fail'; text: string }
const mark = { ok: '✔', warn: '!', fail: '✘' } as const

export async function doctorCommand(config: Config, io: CliIo): Promise<number> {
  const checks: Check[] = [
    { status: 'ok', text: `configuration is valid (store ${config.store}, public origin ${config.publicOrigin})` },
  ]
  const origin = new URL(config.publicOrigin)
  if (origin.protocol === 'http:' && !['localhost', '127.0.0.1', '[::1]'].includes(origin.hostname)) {
    checks.push({
      status: 'warn',
      text: `publicOrigin ${config.publicOrigin} is plain http: session cookies are not Secure and other instances will not federate. Serve Parley behind https and set PARLEY_PUBLIC_ORIGIN=https://…`,
    })
  }
  // A reverse proxy (trusted proxies set) makes them differ on purpose; without one it is the trap.
  const mismatch = originMismatch(config.publicOrigin, config.host, config.port)
  if (mismatch && config.trustedProxies.length === 0) {
    checks.push({
      status: 'warn',
      text: `publicOrigin ${config.publicOrigin} is not where Parley listens (${listeningOrigin(config.host, config.port)}): ${mismatch}. Fine behind a reverse proxy that serves ${config.publicOrigin} (then set PARLEY_TRUSTED_PROXIES); otherwise browsers opened at the listening address have their realtime connection refused: unset PARLEY_PUBLIC_ORIGIN to follow host and port`,
    })
  }
  if (
    config.host !== '127.0.0.1' &&
    config.host !== '::1' &&
    config.host !== 'localhost' &&
    config.trustedProxies.length === 0
  ) {
    checks.push({
      status: 'warn',
      text: `listening on ${config.host} with no trusted proxy: fine without a reverse proxy, but behind one set PARLEY_TRUSTED_PROXIES so client addresses are right`,
    })
  }
  checks.push(...(await storeChecks(config)))
  checks.push(...(await storageChecks(config)))
  checks.push(...(await mediaChecks(config)))
  if (config.redisUrl) checks.push(await redisCheck(config.redisUrl))
  checks.push(...(await federationChecks(config)))
  for (const check of checks) io.out(`${mark[check.status]} ${check.text}`)
  const failed = checks.filter((c) => c.status === 'fail').length
  io.out(failed === 0 ? 'Parley looks healthy.' : `${failed} problem${failed === 1 ? '' : 's'} found.`)
  return failed === 0 ? 0 : 1
}

async function storeChecks(config: Config): Promise<Check[]> {
  const checks: Check[] = []
  if (config.store === 'sqlite') {
    const file = sqlitePath(config)
    try {
      if (!existsSync(config.dataDir)) mkdirSync(config.dataDir, { recursive: true })
      accessSync(config.dataDir, constants.W_OK)
    } catch (error) {
      return [
        {
          status: 'fail',
          text: `data folder ${config.dataDir} is not writable (${(error as Error).message}): create it or set PARLEY_DATA_DIR to a folder Parley may write`,
        },
      ]
    }
    if (!existsSync(file))
      checks.push({
        status: 'warn',
        text: `no store file yet at ${file}: it is created on the first "parley serve" or "parley migrate"`,
      })
  }
  let store: Store | undefined
  try {
    store = await openStore(config)
    await withTimeout(store.ping(), 6000)
    checks.push({
      status: 'ok',
      text: config.store === 'sqlite' ? `SQLite store answers (${sqlitePath(config)})` : 'MongoDB answers',
    })
    if (store instanceof SqliteStore) {
      const applied = store.appliedVersions()
      // Versions are not contiguous (features number theirs in separate ranges): count what is missing.
      const pending = migrations.filter((m) => !applied.includes(m.version)).length
      if (pending > 0)
        checks.push({
          status: 'warn',
          text: `${pending} migration${pending === 1 ? ' is' : 's are'} pending: "parley migrate" applies them (serve does too, at start)`,
        })
      else checks.push({ status: 'ok', text: `store schema is at the latest version (${latestSqliteVersion})` })
      if (applied.length > 0) {
        const admins = (await store.users.list()).filter(
          (u) => u.role === 'admin' && u.deletedAt === null && !u.disabled,
        )
        checks.push(
          admins.length > 0
            ? { status: 'ok', text: `${admins.length} active admin account${admins.length === 1 ? '' : 's'}` }
            : { status: 'warn', text: 'no active admin account: create one with "parley user add NAME --admin"' },
        )
      }
    }
  } catch (error) {
    checks.push({
      status: 'fail',
      text:
        config.store === 'mongodb'
          ? `MongoDB at the configured PARLEY_MONGODB_URL does not answer (${(error as Error).message}): check the URL, the server and the network`
          : `the SQLite store cannot be opened (${(error as Error).message})`,
    })
  } finally {
    // The check above already reports why the store failed; closing a half-open one adds nothing.
    await store?.close().catch(() => {})
  }
  return checks
}

/** With several nodes, events between them go through Redis: it must answer. */
async function redisCheck(url: string): Promise<Check> {
  const redis = new Redis(url, { lazyConnect: true, maxRetriesPerRequest: 0, retryStrategy: () => null })
  redis.on('error', () => {})
  try {
    await withTimeout(
      redis.connect().then(() => redis.ping()),
      5000,
    )
    return { status: 'ok', text: 'Redis answers (event bus between server nodes)' }
  } catch (error) {
    return {
      status: 'fail',
      text: `Redis at PARLEY_REDIS_URL does not answer (${(error as Error).message}): start it, fix the URL, or unset PARLEY_REDIS_URL for a single node`,
    }
  } finally {
    redis.disconnect()
  }
}

async function federationChecks(config: Config): Promise<Check[]> {
  const checks: Check[] = []
  if (config.federationAllowPrivateAddress) {
    checks.push({
      status: 'warn',
      text: 'PARLEY_FEDERATION_ALLOW_PRIVATE_ADDRESS is on: federation may fetch loopback and private addresses (SSRF). Only for test networks: turn it off in production.',
    })
  }
  return checks
}

function withTimeout<T>(promise: Promise<T>, ms: number): Promise<T> {
  let timer: NodeJS.Timeout | undefined
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error(`no answer within ${ms / 1000}s`)), ms)
  })
  return Promise.race([promise, timeout]).finally(() => clearTimeout(timer))
}
