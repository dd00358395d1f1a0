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
