/**
 * How the built web client is served, on the real app over a small build of its shape in a
 * temporary folder (a page with the nonce placeholder, a hashed script with its compressed copies):
 * the page never cached and sent with the whole strict Content-Security-Policy, hashed assets
 * cached for a year as immutable, a missing build explained instead of served broken, and a
 * rebuild picked up without a restart.
 */
import { after, before, describe, it } from 'node:test'
import assert from 'node:assert/strict'
import { mkdirSync, mkdtempSync, rmSync, utimesSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { brotliCompressSync, brotliDecompressSync } from 'node:zlib'
import { startTestApp, type TestApp } from '../testing/test-app.ts'

const SCRIPT = 'console.log("parley")'
const page = (version: string) =>
  `<!doctype html><meta name="csp-nonce" content="__CSP_NONCE__"><title>${version}</title>` +
  '<script type="module" src="/assets/index-Ab12Cd34.js"></script>'

/** The policy as directive → sources, so that it is compared whole (nothing more, nothing less). */
function directives(policy: string): Record<string, string[]> {
  return Object.fromEntries(
    policy.split(';').map((d) => {
      const [name = '', ...sources] = d.trim().split(/\s+/)
      return [name, sources]
    }),
  )
}

describe('web client serving', () => {
  let t: TestApp
  let unbuilt: TestApp
  let dist: string

  before(async () => {
    dist = mkdtempSync(join(tmpdir(), 'parley-web-dist-'))
    mkdirSync(join(dist, 'assets'))
    writeFileSync(join(dist, 'index.html'), page('first build'))
    writeFileSync(join(dist, 'assets', 'index-Ab12Cd34.js'), SCRIPT)
    writeFileSync(join(dist, 'assets', 'index-Ab12Cd34.js.br'), brotliCompressSync(SCRIPT))
    t = await startTestApp({ PARLEY_WEB_CLIENT_DIR: dist })
    // A folder where nothing was built yet (a fresh clone started without `npm start`).
    unbuilt = await startTestApp({ PARLEY_WEB_CLIENT_DIR: mkdtempSync(join(tmpdir(), 'parley-web-none-')) })
  })
  after(async () => {
    await t?.close()
    await unbuilt?.close()
    rmSync(dist, { recursive: true, force: true })
  })

  it('index.html is no-cache, with the strict Content-Security-Policy as a whole and a fresh nonce each time', async () => {
    const first = await t.app.inject({ method: 'GET', url: '/' })
    assert.equal(first.statusCode, 200)
    assert.equal(first.headers['content-type'], 'text/html; charset=utf-8')
    assert.equal(first.headers['cache-control'], 'no-cache')
    assert.equal(first.headers['x-content-type-options'], 'nosniff')
    assert.equal(first.headers['referrer-policy'], 'no-referrer')
    const nonce = /content="([^"]+)"/.exec(first.body)?.[1] ?? ''
    assert.match(nonce, /^[A-Za-z0-9+/]{22}==$/, 'a 128-bit nonce written into the page')
    assert.deepEqual(directives(String(first.headers['content-security-policy'])), {
      'default-src': ["'self'"],
      'script-src': ["'self'"],
      'style-src': ["'self'", `'nonce-${nonce}'`],
      'img-src': ["'self'", 'data:', 'blob:'],
      'media-src': ["'self'", 'blob:'],
      'worker-src': ["'self'", 'blob:'],
      'connect-src': ["'self'"],
      'font-src': ["'self'"],
      'object-src': ["'none'"],
      'base-uri': ["'none'"],
      'form-action': ["'self'"],
      'frame-ancestors': ["'none'"],
    })
    const second = await t.app.inject({ method: 'GET', url: '/' })
    const again = /content="([^"]+)"/.exec(second.body)?.[1]
    assert.notEqual(again, nonce, 'a nonce is never reused')
    assert.match(
      String(second.headers['content-security-policy']),
      new RegExp(`'nonce-${again?.replace(/[+/]/g, '\\$&')}'`),
    )
  })

  it("every path of the client's router answers with the page; /api and unknown assets do not", async () => {
    for (const url of [
      '/r/some-room',
      '/r/some-room/call',
      '/join/abc',
      '/settings',
      '/invitations',
      '/search',
      '/agenda',
    ]) {
      const reply = await t.app.inject({ method: 'GET', url })
      assert.equal(reply.statusCode, 200, url)
      assert.match(reply.body, /<title>first build<\/title>/, url)
      assert.equal(reply.headers['cache-control'], 'no-cache', url)
    }
    const api = await t.app.inject({ method: 'GET', url: '/api/v1/nothing-here' })
    assert.equal(api.statusCode, 404)
    assert.equal(api.json<{ error: { code: string } }>().error.code, 'route-not-found')
    // An old page asking for an asset of an earlier build gets a 404, never the page as "JavaScript".
    const gone = await t.app.inject({ method: 'GET', url: '/assets/index-Old00000.js' })
    assert.equal(gone.statusCode, 404)
    assert.doesNotMatch(gone.body, /<title>/)
  })

  it('hashed assets are cached for a year as immutable, sent compressed when the browser accepts it', async () => {
    const plain = await t.app.inject({ method: 'GET', url: '/assets/index-Ab12Cd34.js' })
    assert.equal(plain.statusCode, 200)
    assert.equal(plain.body, SCRIPT)
    assert.match(String(plain.headers['content-type']), /^(text|application)\/javascript/)
    assert.equal(plain.headers['cache-control'], 'public, max-age=31536000, immutable')
    const br = await t.app.inject({
      method: 'GET',
      url: '/assets/index-Ab12Cd34.js',
      headers: { 'accept-encoding': 'br, gzip' },
    })
    assert.equal(br.headers['content-encoding'], 'br')
    assert.equal(br.headers['cache-control'], 'public, max-age=31536000, immutable')
    assert.equal(brotliDecompressSync(br.rawPayload).toString(), SCRIPT)
  })

  it('a rebuild is served at once (the page is read again when it changes), without a restart', async () => {
    writeFileSync(join(dist, 'index.html'), page('second build'))
    const later = new Date(Date.now() + 5_000) // a new mtime even on coarse file systems
    utimesSync(join(dist, 'index.html'), later, later)
    const reply = await t.app.inject({ method: 'GET', url: '/' })
    assert.match(reply.body, /<title>second build<\/title>/)
  })

  it('without a build, / says how to make one (503, not cached), with the same policy', async () => {
    const reply = await unbuilt.app.inject({ method: 'GET', url: '/' })
    assert.equal(reply.statusCode, 503)
    assert.equal(reply.headers['cache-control'], 'no-cache')
    assert.match(reply.body, /The web client is not built\. Run <code>npm start<\/code>/)
    assert.equal(directives(String(reply.headers['content-security-policy']))['script-src']?.join(' '), "'self'")
    assert.equal((await unbuilt.app.inject({ method: 'GET', url: '/assets/index-Ab12Cd34.js' })).statusCode, 404)
  })
})
