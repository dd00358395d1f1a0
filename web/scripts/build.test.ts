/**
 * The start path's build decision (`npm start` runs `web/scripts/build.ts --if-stale` before
 * `parley serve`), on a small repository of its own in a temporary folder: a missing or
 * half-written build is built, one made from other sources is rebuilt, a fresh one is left alone,
 * and a failed build leaves the previous one in place. Vite itself is replaced by a small bundler
 * that writes a page and a hashed asset (the real build runs before every web test: test/web/serve.ts).
 */
import { after, before, describe, it } from 'node:test'
import assert from 'node:assert/strict'
import { existsSync, mkdirSync, mkdtempSync, readFileSync, readdirSync, rmSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { buildState, buildWeb } from './build.ts'

const REPO = join(import.meta.dirname, '..', '..')

describe('web/scripts/build.ts --if-stale', () => {
  let root: string
  const bundles: string[] = []
  /** Stands in for Vite: the page names the sources' main file content it was built from. */
  const bundle = async (from: string, outDir: string) => {
    const main = readFileSync(join(from, 'web', 'src', 'main.tsx'), 'utf8')
    bundles.push(main)
    mkdirSync(join(outDir, 'assets'), { recursive: true })
    writeFileSync(join(outDir, 'index.html'), `<!doctype html><title>${main}</title>`)
    writeFileSync(join(outDir, 'assets', 'index-abc123.js'), `console.log(${JSON.stringify(main)})`)
  }
  const build = () => buildWeb({ ifStale: true, root, bundle, log: () => {} })
  const page = () => readFileSync(join(root, 'web', 'dist', 'index.html'), 'utf8')

  before(() => {
    root = mkdtempSync(join(tmpdir(), 'parley-web-build-'))
    for (const [file, text] of [
      ['web/src/main.tsx', 'one'],
      ['web/src/main.test.ts', 'not a source'],
      ['web/index.html', '<div id="root"></div>'],
      ['client-sdk/src/index.ts', 'export {}'],
      ['protocol/src/index.ts', 'export {}'],
      ['package-lock.json', '{}'],
    ] as const) {
      mkdirSync(join(root, file, '..'), { recursive: true })
      writeFileSync(join(root, file), text)
    }
  })
  after(() => rmSync(root, { recursive: true, force: true }))

  it('a missing build is built, with compressed copies of its assets and the hash of its sources', async () => {
    assert.equal(buildState(root).state, 'missing')
    assert.equal(await build(), true)
    assert.deepEqual(bundles, ['one'])
    assert.match(page(), /<title>one<\/title>/)
    for (const copy of ['index-abc123.js.br', 'index-abc123.js.gz'])
      assert.ok(existsSync(join(root, 'web', 'dist', 'assets', copy)), copy)
    assert.equal(buildState(root).state, 'fresh')
  })

  it('a fresh build is left alone, also when files were only touched or a test changed', async () => {
    writeFileSync(join(root, 'web', 'src', 'main.tsx'), 'one') // same content, new mtime
    writeFileSync(join(root, 'web', 'src', 'main.test.ts'), 'changed, but tests are not bundled')
    assert.equal(await build(), false)
    assert.deepEqual(bundles, ['one'])
  })

  it('a change of the sources, the SDK, the protocol or the lockfile rebuilds', async () => {
    for (const [file, text, main] of [
      ['web/src/main.tsx', 'two', 'two'],
      ['client-sdk/src/index.ts', 'export const sdk = 2', 'two'],
      ['protocol/src/index.ts', 'export const protocol = 2', 'two'],
      ['package-lock.json', '{"lockfileVersion":3}', 'two'],
    ] as const) {
      writeFileSync(join(root, file), text)
      assert.equal(buildState(root).state, 'changed', file)
      assert.equal(await build(), true, file)
      assert.equal(bundles.at(-1), main)
      assert.equal(buildState(root).state, 'fresh', file)
    }
    assert.match(page(), /<title>two<\/title>/)
  })

  it('a half-written build (no index.html) or one without its source hash is built again', async () => {
    rmSync(join(root, 'web', 'dist', 'index.html'))
    assert.equal(buildState(root).state, 'missing')
    assert.equal(await build(), true)
    rmSync(join(root, 'web', 'dist', '.source-hash'))
    assert.equal(buildState(root).state, 'missing')
    assert.equal(await build(), true)
    assert.equal(buildState(root).state, 'fresh')
  })

  it('a failed build leaves the previous build served and no temporary folder behind', async () => {
    writeFileSync(join(root, 'web', 'src', 'main.tsx'), 'three')
    const failing = async (_root: string, outDir: string) => {
      mkdirSync(outDir, { recursive: true })
      writeFileSync(join(outDir, 'index.html'), 'half')
      throw new Error('syntax error in main.tsx')
    }
    await assert.rejects(buildWeb({ ifStale: true, root, bundle: failing, log: () => {} }), /syntax error/)
    assert.match(page(), /<title>two<\/title>/)
    assert.equal(buildState(root).state, 'changed', 'still stale: the next start tries again')
    assert.deepEqual(
      readdirSync(join(root, 'web')).filter((name) => name.startsWith('.dist-')),
      [],
    )
  })

  it('npm start runs the stale check before the server starts', () => {
    const { scripts } = JSON.parse(readFileSync(join(REPO, 'package.json'), 'utf8')) as {
      scripts: Record<string, string>
    }
    const steps = (scripts.start ?? '').split(' && ')
    assert.match(steps[0] ?? '', /web\/scripts\/build\.ts --if-stale$/)
    assert.match(steps.at(-1) ?? '', /parley\.js serve$/)
  })
})
