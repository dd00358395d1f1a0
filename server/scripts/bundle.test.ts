/**
 * The server's bundle (bundle.ts) as `npm start` makes and runs it: `parley serve` runs from
 * server/dist and nothing of the TypeScript sources, answers /readyz and serves an actor to another
 * instance through (patched) Fedify, loads no chunk holding an unconfigured backend, and the
 * federation worker thread's bundled entry runs an instance; and a bundle whose files changed is
 * never taken as fresh. Builds the repository's own server/dist when it is stale, as `npm start` does.
 */
import { after, before, describe, it } from 'node:test'
import assert from 'node:assert/strict'
import { spawn, type ChildProcessWithoutNullStreams } from 'node:child_process'
import { once } from 'node:events'
import { mkdirSync, mkdtempSync, readFileSync, readdirSync, rmSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { pathToFileURL } from 'node:url'
import { Worker } from 'node:worker_threads'
import { getCACertificates } from 'node:tls'
import { MANIFEST, MANIFEST_VERSION, REPO, bundleStaleness, distOf, fileStamp } from '../bin/server-bundle.js'
import { loadConfig } from '../src/config/load.ts'
import type { WorkerReport } from '../src/federation/federation-workers.ts'
import { LAZY } from '../src/testing/lazy-modules.ts'
import { listening, type Listening } from '../src/testing/run-parley.ts'
import { CHUNKS, buildServerBundle } from './bundle.ts'

const BIN = join(import.meta.dirname, '..', 'bin', 'parley.js')
const RECORDER = join(import.meta.dirname, '..', 'src', 'testing', 'module-recorder.ts')
const DIST = distOf(REPO)

type Started = Listening

function parley(args: string[], env: Record<string, string>): ChildProcessWithoutNullStreams {
  return spawn(process.execPath, ['--disable-warning=ExperimentalWarning', ...args], {
    // A clean environment: PATH and what the test gives (the machine's PARLEY_* never leak in).
    // eslint-disable-next-line no-restricted-properties -- the child's PATH, not server configuration
    env: { PATH: process.env.PATH ?? '', NODE_DISABLE_COMPILE_CACHE: '1', ...env },
  })
}

/** `parley serve` (with the module recorder when MODULE_RECORDER_LOG is given) once it listens. */
async function serve(env: Record<string, string>): Promise<Started> {
  const recorder = env.MODULE_RECORDER_LOG ? ['--import', RECORDER] : []
  const child = parley([...recorder, BIN, 'serve'], {
    PARLEY_HOST: '127.0.0.1',
    PARLEY_PORT: '0',
    ...env,
  })
  return listening(child)
}

async function stop(server: Started): Promise<number | null> {
  server.child.kill('SIGTERM')
  const [code] = await once(server.child, 'exit')
  return code as number | null
}

async function run(args: string[], env: Record<string, string>, stdin: string): Promise<number | null> {
  const child = parley([BIN, ...args], env)
  child.stdin.end(stdin)
  child.stdout.resume()
  child.stderr.resume()
  const [code] = await once(child, 'exit')
  return code as number | null
}

describe('the server bundle', () => {
  const dir = mkdtempSync(join(tmpdir(), 'parley-bundle-'))
  after(() => rmSync(dir, { recursive: true, force: true }))

  before(async () => {
    await buildServerBundle({ ifStale: true, log: () => {} })
    assert.equal(bundleStaleness(), null, 'the bundle just built is fresh')
  })

  it('parley serve runs from it and loads no chunk holding an unconfigured backend', async () => {
    const env = { PARLEY_DATA_DIR: join(dir, 'data') }
    const log = join(dir, 'modules.txt')
    const server = await serve({ ...env, MODULE_RECORDER_LOG: log })
    try {
      const ready = await fetch(`http://127.0.0.1:${server.port}/readyz`)
      assert.equal(ready.status, 200)
    } finally {
      assert.equal(await stop(server), 0, server.output())
    }

    const loaded = readFileSync(log, 'utf8').split('\n').filter(Boolean)
    const distUrl = pathToFileURL(DIST).href + '/'
    assert.ok(loaded.includes(distUrl + 'main.js'), 'the bundle ran')
    const fromSources = loaded.filter((url) => /\/(server|federation|protocol)\/src\//.test(url))
    assert.deepEqual(fromSources, [], 'no TypeScript source loaded')
    // What each loaded chunk holds, checked against the list the sources are checked against.
    const chunks = JSON.parse(readFileSync(join(DIST, CHUNKS), 'utf8')) as Record<string, string[]>
    const held = loaded
      .filter((url) => url.startsWith(distUrl))
      .flatMap((url) => chunks[url.slice(distUrl.length)] ?? [])
      .map((input) => '/' + input)
    assert.ok(held.some((input) => input.includes('/node_modules/@fedify/fedify/')))
    assert.ok(held.some((input) => input.endsWith('/server/src/store/sqlite/sqlite-store.ts')))
    assert.ok(held.some((input) => input.endsWith('/server/src/media/mesh/mesh-engine.ts')))
    const eager = Object.entries(LAZY).flatMap(([name, pattern]) => {
      const hit = [...held, ...loaded].find((path) => pattern.test(path))
      return hit ? [`${name} (${hit})`] : []
    })
    assert.deepEqual(eager, [], `loaded at startup though not configured: ${eager.join(', ')}`)
  })

  it("parley user add and serve from it: a user's actor served to other instances through Fedify", async () => {
    const env = { PARLEY_DATA_DIR: join(dir, 'data-actor') }
    assert.equal(await run(['user', 'add', 'alice', '--password-stdin'], env, 'alice password 1'), 0)
    const server = await serve(env)
    try {
      const actor = await fetch(`http://127.0.0.1:${server.port}/users/alice`, {
        headers: { accept: 'application/activity+json' },
      })
      assert.equal(actor.status, 200, server.output())
      const body = (await actor.json()) as { type?: string; preferredUsername?: string; publicKey?: { id?: string } }
      assert.equal(body.type, 'Person')
      assert.equal(body.preferredUsername, 'alice')
      assert.match(body.publicKey?.id ?? '', /\/users\/alice#/)
    } finally {
      assert.equal(await stop(server), 0, server.output())
    }
  })

  it('holds Fedify as patched (patches/), and points the federation workers at its own worker entry', () => {
    const text = readdirSync(DIST)
      .filter((name) => name.endsWith('.js'))
      .map((name) => readFileSync(join(DIST, name), 'utf8'))
    // Markers of @fedify+fedify+2.3.6.patch and @fedify+vocab+2.3.6.patch.
    assert.ok(text.some((chunk) => chunk.includes('sdkMetrics$parley')))
    assert.ok(text.some((chunk) => /new URL\("\.\/federation-worker-thread\.js", ?import\.meta\.url\)/.test(chunk)))
    assert.ok(!text.some((chunk) => chunk.includes('federation-worker-thread.ts"')))
    // Re-patching or reinstalling makes it stale: the patches, the files they change and the
    // lockfiles are in what parley checks before each start.
    const manifest = JSON.parse(readFileSync(join(DIST, MANIFEST), 'utf8')) as { files: [string, ...number[]][] }
    const checked = manifest.files.map(([file]) => file)
    for (const file of [
      'package-lock.json',
      'node_modules/.package-lock.json',
      'patches/@fedify+vocab+2.3.6.patch',
      'node_modules/@fedify/vocab/dist/mod.js',
      'node_modules/@fedify/fedify/dist/middleware-D_cNQ7Yq.js',
      'server/src/main.ts',
      'federation/src/guarded-agent.ts',
    ])
      assert.ok(checked.includes(file), file)
  })

  it("runs the federation worker thread's bundled entry: an instance that reports ready and closes", async () => {
    const dataDir = join(dir, 'worker-data')
    assert.equal(await run(['migrate'], { PARLEY_DATA_DIR: dataDir }, ''), 0)
    const loaded = loadConfig({ env: { PARLEY_DATA_DIR: dataDir, PARLEY_LOG_LEVEL: 'info' } })
    assert.ok(loaded.ok)
    const worker = new Worker(join(DIST, 'federation-worker-thread.js'), {
      workerData: { config: loaded.config, index: 1, caCertificates: getCACertificates('default') },
    })
    const exited = once(worker, 'exit')
    const next = (type: WorkerReport['type']) =>
      new Promise<WorkerReport>((resolve, reject) => {
        const onMessage = (report: WorkerReport) => {
          if (report.type !== type) return
          worker.off('message', onMessage)
          resolve(report)
        }
        worker.on('message', onMessage)
        worker.once('error', reject)
      })
    try {
      await next('ready')
      const handled = next('handled')
      worker.postMessage({ type: 'handled' })
      assert.deepEqual(await handled, { type: 'handled', handled: 0 })
      const closed = next('closed')
      worker.postMessage({ type: 'close' })
      await closed
    } finally {
      await worker.terminate()
      await exited
    }
  })

  it('npm start bundles the server when stale before the server starts', () => {
    const { scripts } = JSON.parse(readFileSync(join(REPO, 'package.json'), 'utf8')) as {
      scripts: Record<string, string>
    }
    const steps = (scripts.start ?? '').split(' && ')
    const bundle = steps.findIndex((step) => /server\/scripts\/bundle\.ts --if-stale$/.test(step))
    assert.ok(bundle >= 0, scripts.start)
    assert.equal(bundle, steps.length - 2)
    assert.match(steps.at(-1) ?? '', /parley\.js serve$/)
  })

  it('is stale once one of its files changed, moved or went, and missing in another folder', () => {
    const root = mkdtempSync(join(tmpdir(), 'parley-bundle-manifest-'))
    try {
      mkdirSync(join(root, 'server', 'dist'), { recursive: true })
      writeFileSync(join(root, 'a.ts'), 'export const a = 1\n')
      writeFileSync(join(root, 'b.ts'), 'export const b = 2\n')
      /** A manifest of a.ts and b.ts as they are now; `shift` moves b.ts's recorded ctime. */
      const write = (manifestRoot: string, shift = 0) => {
        const stamp = (file: string) => fileStamp(join(root, file))!
        const [size, mtimeMs, ctimeMs] = stamp('b.ts')
        writeFileSync(
          join(root, 'server', 'dist', MANIFEST),
          JSON.stringify({
            version: MANIFEST_VERSION,
            root: manifestRoot,
            esbuild: '0.0.0',
            files: [
              ['a.ts', ...stamp('a.ts')],
              ['b.ts', size, mtimeMs, ctimeMs + shift],
            ],
          }),
        )
      }
      write(root)
      assert.equal(bundleStaleness(root), null)
      assert.equal(bundleStaleness(root, '0.0.1'), 'changed: esbuild')
      // Same size and mtime, another ctime: the file was written (or its times set back) since.
      write(root, -1)
      assert.equal(bundleStaleness(root), 'changed: b.ts')
      write(root)
      writeFileSync(join(root, 'b.ts'), 'export const b = 22\n')
      assert.equal(bundleStaleness(root), 'changed: b.ts')
      write(join(root, 'elsewhere'))
      assert.equal(bundleStaleness(root), 'missing')
      write(root)
      rmSync(join(root, 'a.ts'))
      assert.equal(bundleStaleness(root), 'changed: a.ts')
      rmSync(join(root, 'server', 'dist', MANIFEST))
      assert.equal(bundleStaleness(root), 'missing')
    } finally {
      rmSync(root, { recursive: true, force: true })
    }
  })
})
