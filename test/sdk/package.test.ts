/**
 * @parley/client as an integrator gets it: `npm pack` of the built package (ESM + .d.ts), installed
 * with npm into a plain Node project and into a Vite app outside the repository. The Node project
 * type-checks against the published declarations and talks to a real instance (REST, realtime,
 * errors with codes, also for a proxy's HTML 502 page); the Vite app builds and runs in Debian's
 * Chromium. The TypeDoc API reference builds without warnings.
 */
import { after, before, describe, it } from 'node:test'
import assert from 'node:assert/strict'
import { spawn } from 'node:child_process'
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync, mkdirSync } from 'node:fs'
import { createServer, type Server } from 'node:http'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { startTestInstance, type TestInstance } from '@parley/server/testing'
import { packSdk } from '@parley/client/build'
import { launchBrowser } from '../web/browser.ts'

const ROOT = join(import.meta.dirname, '..', '..')

function run(
  command: string,
  args: string[],
  cwd: string,
  env: Record<string, string> = {},
): Promise<{ status: number | null; out: string }> {
  return new Promise((resolve, reject) => {
    // eslint-disable-next-line no-restricted-properties
    const child = spawn(command, args, { cwd, env: { ...process.env, ...env }, timeout: 180_000 })
    let out = ''
    child.stdout.on('data', (chunk) => (out += chunk))
    child.stderr.on('data', (chunk) => (out += chunk))
    child.on('error', reject)
    child.on('close', (status) => resolve({ status, out }))
  })
}

/** A stand-in for a failing reverse proxy: every request gets its HTML 502 page. */
function failingProxy(): Promise<{ url: string; server: Server }> {
  const server = createServer((_request, response) =>
    response.writeHead(502, { 'content-type': 'text/html' }).end('<html><body><h1>502 Bad Gateway</h1></body></html>'),
  )
  return new Promise((resolve) =>
    server.listen(0, '127.0.0.1', () => {
      const address = server.address()
      resolve({ url: `http://127.0.0.1:${typeof address === 'object' && address ? address.port : 0}`, server })
    }),
  )
}

describe('@parley/client packed and installed like a published package', () => {
  let tarball: string
  let dir: string
  let instance: TestInstance
  let base: string

  before(async () => {
    tarball = packSdk()
    dir = mkdtempSync(join(tmpdir(), 'parley-sdk-consumer-'))
    instance = await startTestInstance()
    base = await instance.listen()
  })
  after(async () => {
    await instance?.close()
    rmSync(dir, { recursive: true, force: true })
  })

  it('installs with npm into a plain Node project, type-checks, and works against a real instance', async () => {
    const project = join(dir, 'node-app')
    mkdirSync(project)
    writeFileSync(join(project, 'package.json'), JSON.stringify({ name: 'node-app', private: true, type: 'module' }))
    const install = await run('npm', ['install', '--no-audit', '--no-fund', '--prefer-offline', tarball], project)
    assert.equal(install.status, 0, install.out)
    assert.ok(existsSync(join(project, 'node_modules', '@parley', 'client', 'esm', 'index.d.ts')))

    const alice = await instance.user('alice')
    const proxy = await failingProxy()
    try {
      writeFileSync(
        join(project, 'app.ts'),
        `import { Parley, ParleyApiError, ParleyRealtimeError, type MessageView } from '@parley/client'
const parley = new Parley({ baseUrl: process.argv[2]!, auth: { token: process.argv[3]! }, reconnect: false })
const welcome = await parley.connect()
const room = await parley.rest.createRoom({ kind: 'group', name: 'From a package' })
const message: MessageView = await parley.rest.post(room.id, 'hello')
const codes: string[] = []
await parley.rest.post(room.id, 'x'.repeat(40_000)).catch((e: unknown) => e instanceof ParleyApiError && codes.push(e.code))
const behindProxy = new Parley({ baseUrl: process.argv[4]!, auth: { token: 'x' } })
await behindProxy.rest.rooms().catch((e: unknown) => e instanceof ParleyApiError && codes.push(e.code + ':' + e.status))
const pending = parley.realtime.request({ type: 'call.leave', roomId: room.id }, 60_000)
parley.close()
await pending.catch((e: unknown) => e instanceof ParleyRealtimeError && codes.push(e.code))
console.log(JSON.stringify({ actor: welcome.actor.name, seq: message.seq, codes }))
`,
      )
      writeFileSync(
        join(project, 'tsconfig.json'),
        JSON.stringify({
          compilerOptions: {
            target: 'es2022',
            module: 'nodenext',
            moduleResolution: 'nodenext',
            lib: ['es2022', 'dom'],
            types: [],
            strict: true,
            noEmit: true,
            skipLibCheck: false,
            allowImportingTsExtensions: true,
          },
          files: ['app.ts', 'declare.d.ts'],
        }),
      )
      writeFileSync(join(project, 'declare.d.ts'), 'declare const process: { argv: string[] }\n')
      const tsc = await run(
        process.execPath,
        [join(ROOT, 'node_modules', 'typescript', 'bin', 'tsc'), '-p', project],
        project,
      )
      assert.equal(tsc.status, 0, `the published declarations do not type-check:\n${tsc.out}`)

      const app = await run(
        process.execPath,
        ['--disable-warning=ExperimentalWarning', 'app.ts', base, alice.token, proxy.url],
        project,
      )
      assert.equal(app.status, 0, app.out)
      const result = JSON.parse(app.out.trim().split('\n').pop() ?? '{}') as {
        actor: string
        seq: number
        codes: string[]
      }
      assert.equal(result.actor, 'Alice', 'the welcome names the token’s user')
      assert.ok(result.seq > 0)
      assert.deepEqual(result.codes, ['message-too-long', 'bad-gateway:502', 'connection-closed'])
    } finally {
      proxy.server.close()
    }
  })

  it('installs into a Vite app, which builds and runs in Chromium', async () => {
    const project = join(dir, 'vite-app')
    mkdirSync(project)
    writeFileSync(join(project, 'package.json'), JSON.stringify({ name: 'vite-app', private: true, type: 'module' }))
    const install = await run('npm', ['install', '--no-audit', '--no-fund', '--prefer-offline', tarball], project)
    assert.equal(install.status, 0, install.out)
    writeFileSync(
      join(project, 'index.html'),
      '<!doctype html><title>app</title><script type="module" src="/main.ts"></script>',
    )
    writeFileSync(
      join(project, 'main.ts'),
      `import { Parley, ParleyApiError } from '@parley/client/browser'
const parley = new Parley({ baseUrl: location.origin, auth: { token: 'not-a-token' }, reconnect: false })
parley.rest.me().then(
  () => { document.title = 'unexpected' },
  (e) => { document.title = e instanceof ParleyApiError ? 'code:' + e.code : 'other' },
)
;(globalThis as any).callable = typeof parley.call === 'function'
`,
    )
    const { build } = await import('vite')
    await build({ root: project, logLevel: 'silent', configFile: false, build: { outDir: join(project, 'dist') } })
    const html = readFileSync(join(project, 'dist', 'index.html'), 'utf8')
    assert.match(html, /assets\/index-[\w-]+\.js/)

    // The built app, served next to a Parley that answers 401 for a wrong token.
    const files = join(project, 'dist')
    const server = createServer(async (request, response) => {
      const path = (request.url ?? '/').split('?')[0] ?? '/'
      if (path.startsWith('/api/')) {
        const upstream = await fetch(base + path, { headers: { authorization: request.headers.authorization ?? '' } })
        response.writeHead(upstream.status, { 'content-type': upstream.headers.get('content-type') ?? 'text/plain' })
        response.end(await upstream.text())
        return
      }
      const file = join(files, path === '/' ? 'index.html' : path)
      if (!file.startsWith(files) || !existsSync(file)) return void response.writeHead(404).end()
      response.writeHead(200, { 'content-type': file.endsWith('.js') ? 'text/javascript' : 'text/html' })
      response.end(readFileSync(file))
    })
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve))
    const address = server.address()
    const browser = await launchBrowser()
    try {
      const page = await browser.newPage()
      await page.goto(`http://127.0.0.1:${typeof address === 'object' && address ? address.port : 0}/`)
      await page.waitForFunction(() =>
        (globalThis as unknown as { document: { title: string } }).document.title.startsWith('code:'),
      )
      assert.equal(await page.title(), 'code:token-invalid')
      assert.equal(await page.evaluate(() => (globalThis as unknown as { callable: boolean }).callable), true)
    } finally {
      await browser.close()
      server.close()
    }
  })

  it('has an API reference generated by TypeDoc without warnings', async () => {
    const typedoc = await run(
      process.execPath,
      [join(ROOT, 'node_modules', 'typedoc', 'bin', 'typedoc')],
      join(ROOT, 'client-sdk'),
    )
    assert.equal(typedoc.status, 0, typedoc.out)
    const page = readFileSync(join(ROOT, 'client-sdk', 'dist', 'docs', 'classes', 'index.Parley.html'), 'utf8')
    assert.match(page, /one entry point/i)
  })
})
