/**
 * A server node in its own process, for tests that need a node to die the hard way (SIGKILL: no
 * clean close, no lease released, no goodbye on the bus). Run as a script:
 *   node node-process.ts '{"dir": "...", "redisUrl": "...", "prefix": "...", "env": {...}}'
 * It prints one JSON line `{ "url": "http://127.0.0.1:PORT" }` once it listens, then lives until
 * killed. `spawnNode()` does that from a test.
 */
import { spawn, type ChildProcess } from 'node:child_process'
import { createInterface } from 'node:readline'
import { fileURLToPath } from 'node:url'
import { RedisBus } from '../bus/redis-bus.ts'
import { startTestInstance } from './test-instance.ts'

export type NodeProcessOptions = { dir: string; redisUrl: string; prefix: string; env?: Record<string, string> }

export type NodeProcess = { url: string; child: ChildProcess; kill(): Promise<void> }

export async function spawnNode(options: NodeProcessOptions): Promise<NodeProcess> {
  const child = spawn(
    process.execPath,
    ['--disable-warning=ExperimentalWarning', fileURLToPath(import.meta.url), JSON.stringify(options)],
    { stdio: ['ignore', 'pipe', 'inherit'] },
  )
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()))
  const url = await new Promise<string>((resolve, reject) => {
    child.once('exit', (code) => reject(new Error(`the node process exited (${code}) before listening`)))
    const lines = createInterface({ input: child.stdout as NodeJS.ReadableStream })
    lines.once('line', (line) => resolve((JSON.parse(line) as { url: string }).url))
  })
  return {
    url,
    child,
    async kill() {
      if (child.exitCode === null && child.signalCode === null) child.kill('SIGKILL')
      await exited
    },
  }
}

if (process.argv[1] === fileURLToPath(import.meta.url)) {
  const options = JSON.parse(process.argv[2] ?? '{}') as NodeProcessOptions
  const node = await startTestInstance({
    dir: options.dir,
    bus: new RedisBus({ url: options.redisUrl, prefix: options.prefix }),
    ...(options.env ? { env: options.env } : {}),
  })
  const url = await node.listen()
  process.stdout.write(`${JSON.stringify({ url })}\n`)
}
