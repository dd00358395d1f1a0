/**
 * Runs one test instance in this (child) process, for tests that kill it (SIGKILL) and restart it:
 * `node child-instance.ts '<JSON { ca, port?, dataDir?, env }>'` (an argument: the environment is the config loader's alone). Prints one
 * JSON line { origin, port, dataDir, token } (token: an API token of user "alice", made on first
 * start) once it serves, then runs until killed.
 */
import { RedisBus } from '@parley/server'
import { startInstance } from './instance.ts'
import { useLocalCa, type LocalCa } from './local-ca.ts'

type ChildOptions = {
  ca: LocalCa
  port?: number
  dataDir?: string
  env?: Record<string, string>
  /** A node of several: the Redis bus it shares with the others (and its key prefix). */
  bus?: { url: string; prefix: string }
}

const options = JSON.parse(process.argv[2] ?? '{}') as ChildOptions
useLocalCa(options.ca)
const instance = await startInstance({
  ...(options.port ? { port: options.port } : {}),
  ...(options.dataDir ? { dataDir: options.dataDir } : {}),
  ...(options.env ? { env: options.env } : {}),
  ...(options.bus ? { bus: new RedisBus(options.bus) } : {}),
})
const existing = await instance.services.store.users.byUsername('alice')
const aliceId = existing?.id ?? (await instance.addUser('alice', 'Alice')).id
const token = (await instance.services.accounts.createToken(aliceId, 'child')).secret
process.stdout.write(
  `${JSON.stringify({ origin: instance.origin, port: instance.port, dataDir: instance.dataDir, token })}\n`,
)
