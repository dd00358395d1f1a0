/**
 * A real `parley serve` for the web client's end-to-end tests: the `parley` entry point in a child
 * process with its own data folder, serving the built web client (built here first when its
 * sources changed, as `npm start` does). People are made with the `parley` CLI, as an admin would.
 */
import { mkdtempSync, rmSync } from 'node:fs'
import { once } from 'node:events'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import type { ChildProcessWithoutNullStreams } from 'node:child_process'
import { runParley, spawnParley } from '@parley/server/run-parley'
import { buildWeb } from '@parley/web/build'

export const WEB_DIST = join(import.meta.dirname, '..', '..', 'web', 'dist')

export type Served = {
  origin: string
  port: number
  env: Record<string, string>
  output(): string
  addUser(username: string, password: string, options?: { admin?: boolean; displayName?: string }): Promise<void>
  inviteCode(): Promise<string>
  /** An API token of a user, made with `parley token create` (for setting up data through the REST API). */
  token(username: string): Promise<string>
  /** Stops the server (SIGTERM) and starts it again on the same port and data: clients must reconnect. */
  restart(options?: { whileDown?: () => Promise<void> }): Promise<void>
  close(): Promise<void>
}

export async function ensureWebBuilt(): Promise<void> {
  await buildWeb({ ifStale: true, log: () => {} })
}

export async function serve(extraEnv: Record<string, string> = {}): Promise<Served> {
  const dir = mkdtempSync(join(tmpdir(), 'parley-web-'))
  const env: Record<string, string> = {
    PARLEY_DATA_DIR: dir,
    PARLEY_WEB_CLIENT_DIR: WEB_DIST,
    PARLEY_REGISTRATION: 'invite',
    PARLEY_LOG_LEVEL: 'info',
    ...extraEnv,
  }
  let output = ''
  const start = (portValue: string) => {
    const started: ChildProcessWithoutNullStreams = spawnParley(['serve'], { PARLEY_PORT: portValue, ...env })
    started.stderr.on('data', (chunk) => (output += chunk))
    const listening = new Promise<number>((resolve, reject) => {
      let seen = ''
      started.stdout.on('data', (chunk) => {
        output += chunk
        seen += chunk
        const match = /"port":(\d+)/.exec(seen)
        if (match) resolve(Number(match[1]))
      })
      started.on('exit', (code) => reject(new Error(`parley serve exited with ${code}: ${output}`)))
    })
    return { started, listening }
  }
  const first = start('0')
  let child = first.started
  const port = await first.listening
  const origin = `http://127.0.0.1:${port}`
  return {
    origin,
    port,
    env,
    output: () => output,
    async addUser(username, password, options = {}) {
      const args = ['user', 'add', username, '--password-stdin']
      if (options.admin) args.push('--admin')
      if (options.displayName) args.push('--display-name', options.displayName)
      const run = await runParley(args, env, password)
      if (run.code !== 0) throw new Error(`parley user add ${username}: ${run.stderr}`)
    },
    async inviteCode() {
      const run = await runParley(['invite', 'create'], env)
      const code = run.stdout.split('\n')[0]?.trim()
      if (run.code !== 0 || !code) throw new Error(`parley invite create: ${run.stderr}${run.stdout}`)
      return code
    },
    async token(username) {
      const run = await runParley(['token', 'create', username], env)
      const token = run.stdout.trim()
      if (run.code !== 0 || !token) throw new Error(`parley token create: ${run.stderr}`)
      return token
    },
    async restart(options = {}) {
      child.kill('SIGTERM')
      if (child.exitCode === null) await once(child, 'exit')
      await options.whileDown?.()
      const again = start(String(port))
      child = again.started
      await again.listening
    },
    async close() {
      if (child.exitCode === null) {
        child.kill('SIGTERM')
        await once(child, 'exit')
      }
      rmSync(dir, { recursive: true, force: true })
    },
  }
}
