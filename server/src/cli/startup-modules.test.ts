/**
 * `parley serve` loads what is configured and nothing else: with the embedded defaults (SQLite,
 * mesh, local files, in-process bus), none of the MongoDB driver, Redis, the S3 SDK, the Janus
 * engine, sharp, file-type, tus, web-push, rrule, undici, jsonld, OpenTelemetry's metrics SDK,
 * the OpenAPI generator or the doctor's checks is loaded by the time it is ready (undici and jsonld
 * come with the first federation fetch or activity, the generator with /api/docs). The real
 * command (from its TypeScript sources) runs in a child process with a loader hook that records every module it loads, so the
 * laziness cannot regress silently when someone adds a static import. Not timed: bench:startup is.
 */
import { describe, it } from 'node:test'
import assert from 'node:assert/strict'
import { spawn } from 'node:child_process'
import { once } from 'node:events'
import { mkdtempSync, readFileSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { LAZY } from '../testing/lazy-modules.ts'

// The TypeScript sources (what `parley` runs without a fresh bundle): module URLs name their packages
// and files here. server/scripts/bundle.test.ts checks the bundle's chunks against the same list.
const MAIN = join(import.meta.dirname, '..', 'main.ts')
const RECORDER = join(import.meta.dirname, '..', 'testing', 'module-recorder.ts')

/** Runs `parley serve` until /readyz answers 200, stops it, and returns the URLs of what it loaded. */
async function modulesLoadedBy(env: Record<string, string>): Promise<string[]> {
  const dir = mkdtempSync(join(tmpdir(), 'parley-startup-'))
  const log = join(dir, 'modules.txt')
  try {
    const child = spawn(
      process.execPath,
      ['--disable-warning=ExperimentalWarning', '--import', RECORDER, MAIN, 'serve'],
      {
        env: {
          // A clean environment: PATH and what the test gives (the machine's PARLEY_* never leak in).
          PATH: process.env.PATH ?? '',
          NODE_DISABLE_COMPILE_CACHE: '1',
          MODULE_RECORDER_LOG: log,
          PARLEY_DATA_DIR: join(dir, 'data'),
          PARLEY_HOST: '127.0.0.1',
          PARLEY_PORT: '0',
          ...env,
        },
      },
    )
    let output = ''
    child.stderr.on('data', (chunk) => (output += chunk))
    const exited = once(child, 'exit')
    const port = await new Promise<number>((resolve, reject) => {
      child.stdout.on('data', (chunk) => {
        output += chunk
        const match = /"port":(\d+)/.exec(output)
        if (match) resolve(Number(match[1]))
      })
      void exited.then(([code]) => reject(new Error(`parley serve exited with ${code}: ${output}`)))
    })
    const ready = await fetch(`http://127.0.0.1:${port}/readyz`)
    assert.equal(ready.status, 200)
    child.kill('SIGTERM')
    const [code] = await exited
    assert.equal(code, 0, output)
    return readFileSync(log, 'utf8').split('\n').filter(Boolean)
  } finally {
    rmSync(dir, { recursive: true, force: true })
  }
}

describe('parley serve startup', () => {
  it('loads no unconfigured backend with the embedded defaults', async () => {
    const loaded = await modulesLoadedBy({})
    // The recorder sees what serve needs (so an empty list cannot pass for a lazy one).
    assert.ok(loaded.some((url) => url.includes('/node_modules/@fedify/fedify/')))
    assert.ok(loaded.some((url) => url.endsWith('/server/src/store/sqlite/sqlite-store.ts')))
    assert.ok(loaded.some((url) => url.endsWith('/server/src/media/mesh/mesh-engine.ts')))
    const eager = Object.entries(LAZY).flatMap(([name, pattern]) => {
      const hit = loaded.find((url) => pattern.test(url))
      return hit ? [`${name} (${hit})`] : []
    })
    assert.deepEqual(eager, [], `loaded at startup though not configured: ${eager.join(', ')}`)
  })

  it('loads the S3 SDK when files are kept in S3', async () => {
    const loaded = await modulesLoadedBy({
      PARLEY_FILES_STORAGE: 's3',
      PARLEY_FILES_S3_BUCKET: 'parley-test',
      PARLEY_FILES_S3_ENDPOINT: 'http://127.0.0.1:9',
      PARLEY_FILES_S3_ACCESS_KEY_ID: 'test-key',
      PARLEY_FILES_S3_SECRET_ACCESS_KEY: 'test-secret',
    })
    assert.ok(loaded.some((url) => LAZY['S3 SDK']!.test(url)))
    assert.ok(loaded.some((url) => LAZY['S3 blob store']!.test(url)))
    assert.ok(!loaded.some((url) => LAZY['MongoDB driver']!.test(url)))
  })
})
