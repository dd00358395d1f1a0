/** A test instance in a child process (see child-instance.ts), to be killed with SIGKILL and restarted. */
import { spawn, type ChildProcess } from 'node:child_process'
import { createInterface } from 'node:readline'
import { localCa, trustLocalCa } from './local-ca.ts'

export type ChildInstance = {
  origin: string
  host: string
  port: number
  dataDir: string
  token: string
  process: ChildProcess
  output(): string[]
  kill(): Promise<void>
}

export async function startChildInstance(
  options: {
    port?: number
    dataDir?: string
    env?: Record<string, string>
    /** A node of several: the Redis bus it shares with the others. */
    bus?: { url: string; prefix: string }
  } = {},
): Promise<ChildInstance> {
  const ca = localCa()
  trustLocalCa(ca)
  const script = new URL('./child-instance.ts', import.meta.url).pathname
  const child = spawn(
    process.execPath,
    ['--disable-warning=ExperimentalWarning', script, JSON.stringify({ ca, ...options })],
    { stdio: ['ignore', 'pipe', 'pipe'] },
  )
  const output: string[] = []
  child.stderr?.on('data', (chunk: Buffer) => output.push(chunk.toString()))
  const first = await new Promise<string>((resolve, reject) => {
    const lines = createInterface({ input: child.stdout! })
    lines.once('line', resolve)
    child.once('exit', (code) => reject(new Error(`child instance exited (${code}): ${output.join('')}`)))
  })
  const info = JSON.parse(first) as { origin: string; port: number; dataDir: string; token: string }
  return {
    ...info,
    host: new URL(info.origin).host,
    process: child,
    output: () => [...output],
    async kill() {
      if (child.exitCode !== null || child.signalCode !== null) return
      const exited = new Promise((resolve) => child.once('exit', resolve))
      child.kill('SIGKILL')
      await exited
    },
  }
}
