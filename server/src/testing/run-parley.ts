/**
 * Runs the real `parley` entry point in a child process with its own data folder, as an admin would.
 */
import { spawn, type ChildProcessWithoutNullStreams } from 'node:child_process'
import { join } from 'node:path'

export const MAIN = join(import.meta.dirname, '..', 'main.ts')

export type Run = { code: number | null; stdout: string; stderr: string }

export function runParley(args: string[], env: Record<string, string>, stdin?: string): Promise<Run> {
  return new Promise((resolve, reject) => {
    const child = spawnParley(args, env)
    let stdout = ''
    let stderr = ''
    child.stdout.on('data', (chunk) => (stdout += chunk))
    child.stderr.on('data', (chunk) => (stderr += chunk))
    child.on('error', reject)
    child.on('close', (code) => resolve({ code, stdout, stderr }))
    child.stdin.end(stdin ?? '')
  })
}

export function spawnParley(args: string[], env: Record<string, string>): ChildProcessWithoutNullStreams {
  // A clean environment: only PATH and what the test gives, so the machine's PARLEY_* never leak in.
  // eslint-disable-next-line no-restricted-properties
  const path = process.env.PATH ?? ''
  return spawn(process.execPath, ['--disable-warning=ExperimentalWarning', MAIN, ...args], {
    env: { PATH: path, ...env },
  })
}

export type Listening = { child: ChildProcessWithoutNullStreams; port: number; output: () => string }

/** Resolves with the port a started `parley serve` logs that it listens on (rejects if it exits first). */
export async function listening(child: ChildProcessWithoutNullStreams): Promise<Listening> {
  let output = ''
  child.stderr.on('data', (chunk) => (output += chunk))
  const port = await new Promise<number>((resolve, reject) => {
    child.stdout.on('data', (chunk) => {
      output += chunk
      const match = /"port":(\d+)/.exec(output)
      if (match) resolve(Number(match[1]))
    })
    child.once('exit', (code) => reject(new Error(`parley serve exited with ${code}: ${output}`)))
  })
  return { child, port, output: () => output }
}
