import { describe, it, before, after } from 'node:test'
import assert from 'node:assert/strict'
import { spawn } from 'node:child_process'
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { pathToFileURL } from 'node:url'

const BIN = join(import.meta.dirname, '..', '..', 'bin', 'parley.js')

describe('server/bin/parley.js', () => {
  let dir: string
  before(() => (dir = mkdtempSync(join(tmpdir(), 'parley-bin-'))))
  after(() => rmSync(dir, { recursive: true, force: true }))

  it('on an older Node says which Node it needs and how to run it, instead of a SyntaxError', async () => {
    // An older Node, as an admin's distribution ships it: its version, and a node:module without
    // enableCompileCache (added in 22.1). Before, the import of it failed first with a stack trace.
    const hooks = join(dir, 'hooks.mjs')
    writeFileSync(
      hooks,
      `export async function resolve(specifier, context, next) {
        if (specifier === 'node:module' && context.parentURL?.endsWith('/bin/parley.js'))
          return { url: 'data:text/javascript,export const register = () => {}', shortCircuit: true }
        return next(specifier, context)
      }`,
    )
    const older = join(dir, 'older-node.mjs')
    writeFileSync(
      older,
      `import { register } from 'node:module'
      Object.defineProperty(process.versions, 'node', { value: '20.19.0' })
      Object.defineProperty(process, 'version', { value: 'v20.19.0' })
      register(${JSON.stringify(pathToFileURL(hooks).href)})`,
    )
    const child = spawn(process.execPath, ['--import', pathToFileURL(older).href, BIN, '--help'], {
      env: { PATH: '' },
    })
    let stderr = ''
    child.stderr.on('data', (chunk) => (stderr += chunk))
    const code = await new Promise((resolve) => child.on('close', resolve))
    assert.equal(code, 1)
    assert.match(stderr, /^parley needs Node\.js 24 or newer, this is v20\.19\.0\.\nRun it through npm/)
  })
})
