/**
 * A throwaway redis-server for media tests of several server nodes: the private network namespace
 * the media tests run in cannot reach the machine's Redis, so each file starts its own, on
 * 127.0.0.1 inside the namespace, without persistence.
 */
import { spawn } from 'node:child_process'
import { createServer } from 'node:net'
import { createInterface } from 'node:readline'
import { requireMediaNetns } from './netns.ts'

export type RedisFixture = { url: string; stop(): Promise<void> }

async function freePort(): Promise<number> {
  const server = createServer()
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve))
  const address = server.address()
  await new Promise((resolve) => server.close(resolve))
  if (!address || typeof address !== 'object') throw new Error('no free port')
  return address.port
}

/** Resolves once redis-server says it accepts connections. */
export async function startRedis(): Promise<RedisFixture> {
  requireMediaNetns()
  const port = await freePort()
  const child = spawn(
    'redis-server',
    ['--port', String(port), '--bind', '127.0.0.1', '--save', '', '--appendonly', 'no'],
    { stdio: ['ignore', 'pipe', 'inherit'] },
  )
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()))
  await new Promise<void>((resolve, reject) => {
    child.once('error', (error) =>
      reject(new Error(`cannot start redis-server (install it: .ci/install-media-deps.sh): ${error.message}`)),
    )
    child.once('exit', (code) => reject(new Error(`redis-server exited (${code}) before accepting connections`)))
    createInterface({ input: child.stdout }).on('line', (line) => {
      if (line.includes('Ready to accept connections')) resolve()
    })
  })
  return {
    url: `redis://127.0.0.1:${port}`,
    async stop() {
      if (child.exitCode === null && child.signalCode === null) child.kill()
      await exited
    },
  }
}
