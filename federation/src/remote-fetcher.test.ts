import { after, before, describe, it } from 'node:test'
import assert from 'node:assert/strict'
import type { LookupFunction } from 'node:net'
import { FetchError, UrlError } from '@fedify/fedify'
import { RemoteFetcher, type FetchLimits } from './remote-fetcher.ts'
import { guardedAgent } from './guarded-agent.ts'
import { isPublicAddress } from './address-policy.ts'
import { DocumentTooLargeError, PrivateAddressError, RedirectError, SchemeRefusedError } from './fetch-errors.ts'
import { startLoopbackHttps, type LoopbackHttps } from './test-support/loopback-https.ts'

const USER_AGENT = 'parley/0.0.0-test (+https://talk.example.org/)'
const ACTOR = { '@context': 'https://www.w3.org/ns/activitystreams', id: 'https://origin.test/actor', type: 'Person' }

/** A lookup answering from a table; a list of answers is used one per call (the last one sticks). */
function tableLookup(table: Record<string, string | string[]>, calls: string[] = []): LookupFunction {
  const seen = new Map<string, number>()
  return (hostname, options, callback) => {
    calls.push(hostname)
    const entry = table[hostname]
    if (entry === undefined)
      return callback(Object.assign(new Error(`getaddrinfo ENOTFOUND ${hostname}`), { code: 'ENOTFOUND' }), '', 4)
    const answers = Array.isArray(entry) ? entry : [entry]
    const n = seen.get(hostname) ?? 0
    seen.set(hostname, n + 1)
    const address = answers[Math.min(n, answers.length - 1)]!
    const family = address.includes(':') ? 6 : 4
    if (options.all) callback(null, [{ address, family }])
    else callback(null, address, family)
  }
}

/** Loopback servers are all we have: this policy calls 127.0.0.1 public and nothing else new. */
const loopbackIsPublic = (address: string) => address === '127.0.0.1' || isPublicAddress(address)

describe('RemoteFetcher', () => {
  let https: LoopbackHttps
  let port: number
  let connections = 0
  let bigWritten = 0
  const fetchers: RemoteFetcher[] = []
  const fetcher = (limits: Partial<FetchLimits>, options: ConstructorParameters<typeof RemoteFetcher>[1] = {}) => {
    const made = new RemoteFetcher(
      { allowPrivateAddress: false, maxBytes: 64 * 1024, timeoutMs: 5000, userAgent: USER_AGENT, ...limits },
      options,
    )
    fetchers.push(made)
    return made
  }
  const get = (url: string) =>
    new Request(url, { headers: { accept: 'application/activity+json', 'user-agent': USER_AGENT } })

  before(async () => {
    https = await startLoopbackHttps((req, res) => {
      const url = new URL(req.url ?? '/', 'https://x')
      const redirect = (location: string) => {
        res.writeHead(302, { location })
        res.end()
      }
      if (url.pathname === '/actor') {
        res.writeHead(200, { 'content-type': 'application/activity+json' })
        res.end(JSON.stringify(ACTOR))
      } else if (url.pathname === '/to') redirect(url.searchParams.get('location') ?? '/')
      else if (url.pathname.startsWith('/hop/')) redirect(`/hop/${Number(url.pathname.slice(5)) + 1}`)
      else if (url.pathname === '/ping') redirect('/pong')
      else if (url.pathname === '/pong') redirect('/ping')
      else if (url.pathname === '/big') {
        res.writeHead(200, { 'content-type': 'application/activity+json' })
        const chunk = Buffer.alloc(16 * 1024, 0x20)
        const pump = () => {
          while (!res.destroyed && bigWritten < 64 * 1024 * 1024) {
            bigWritten += chunk.byteLength
            if (!res.write(chunk)) return void res.once('drain', pump)
          }
          res.end()
        }
        pump()
      } else {
        res.writeHead(404)
        res.end()
      }
    })
    port = https.port
    https.server.on('connection', () => connections++)
  })

  after(async () => {
    await Promise.all(fetchers.map((made) => made.close()))
    await https.close()
  })

  it('refuses at connect time a name that resolved to a public address for the pre-check and to 127.0.0.1 for the connect (DNS rebinding)', async () => {
    const calls: string[] = []
    const rebinding = fetcher({}, { lookup: tableLookup({ 'rebind.test': ['93.184.216.34', '127.0.0.1'] }, calls) })
    const before = connections
    await assert.rejects(rebinding.fetch(`https://rebind.test:${port}/actor`, get), (error: unknown) => {
      assert.ok(error instanceof PrivateAddressError)
      assert.ok(error instanceof UrlError)
      assert.equal(error.code, 'fetch-private-address')
      assert.equal(error.message, 'Invalid or private address: rebind.test is 127.0.0.1')
      return true
    })
    assert.deepEqual(calls, ['rebind.test', 'rebind.test'], 'the pre-check and the connect each resolved the name')
    assert.equal(connections, before, 'no connection reached the loopback server')
  })

  it('the guarded agent alone refuses loopback literals and names resolving to loopback', async () => {
    const agent = guardedAgent({ allowPrivateAddress: false })
    try {
      for (const url of [
        `https://127.0.0.1:${port}/actor`,
        `https://localhost:${port}/actor`,
        `https://[::1]:${port}/actor`,
      ]) {
        await assert.rejects(fetch(url, { dispatcher: agent } as RequestInit), (error: unknown) => {
          assert.ok(error instanceof TypeError)
          assert.ok(error.cause instanceof PrivateAddressError, `${url}: ${String(error.cause)}`)
          return true
        })
      }
    } finally {
      await agent.close()
    }
  })

  it('fetches through a public name (the address policy relaxed for loopback) and reports the final URL of redirects', async () => {
    const strict = fetcher(
      {},
      { lookup: tableLookup({ 'origin.test': '127.0.0.1' }), isPublicAddress: loopbackIsPublic },
    )
    const { url, response } = await strict.fetch(`https://origin.test:${port}/to?location=/actor`, get)
    assert.equal(url, `https://origin.test:${port}/actor`)
    assert.equal(response.status, 200)
    assert.deepEqual(await response.json(), ACTOR)
  })

  it('refuses a redirect to a private address, to a name resolving to one, and to one that rebinds at connect', async () => {
    const lookup = tableLookup({
      'origin.test': '127.0.0.1',
      'private.test': '10.0.0.7',
      'rebind.test': ['127.0.0.1', '192.168.1.9'],
    })
    const strict = fetcher({}, { lookup, isPublicAddress: loopbackIsPublic })
    const via = (location: string) =>
      strict.fetch(`https://origin.test:${port}/to?location=${encodeURIComponent(location)}`, get)
    await assert.rejects(via('https://169.254.169.254/latest/meta-data'), {
      name: 'PrivateAddressError',
      code: 'fetch-private-address',
      message: 'Invalid or private address: 169.254.169.254',
    })
    await assert.rejects(via(`https://private.test:${port}/actor`), {
      name: 'PrivateAddressError',
      message: 'Invalid or private address: private.test is 10.0.0.7',
    })
    await assert.rejects(via(`https://rebind.test:${port}/actor`), {
      name: 'PrivateAddressError',
      message: 'Invalid or private address: rebind.test is 192.168.1.9',
    })
  })

  it('refuses a redirect to plain http, or to another scheme on a test network', async () => {
    const strict = fetcher(
      {},
      { lookup: tableLookup({ 'origin.test': '127.0.0.1' }), isPublicAddress: loopbackIsPublic },
    )
    await assert.rejects(
      strict.fetch(
        `https://origin.test:${port}/to?location=${encodeURIComponent(`http://origin.test:${port}/actor`)}`,
        get,
      ),
      (error: unknown) => {
        assert.ok(error instanceof SchemeRefusedError)
        assert.equal(error.code, 'fetch-scheme-refused')
        assert.equal(error.message, `Only https is allowed: http://origin.test:${port}/actor`)
        return true
      },
    )
    const testNetwork = fetcher({ allowPrivateAddress: true })
    await assert.rejects(testNetwork.fetch(`https://127.0.0.1:${port}/to?location=file:///etc/passwd`, get), {
      name: 'SchemeRefusedError',
      message: 'Unsupported protocol: file:',
    })
  })

  it('stops after 5 redirects and on a redirect loop', async () => {
    const testNetwork = fetcher({ allowPrivateAddress: true })
    await assert.rejects(testNetwork.fetch(`https://127.0.0.1:${port}/hop/0`, get), (error: unknown) => {
      assert.ok(error instanceof RedirectError)
      assert.ok(error instanceof FetchError)
      assert.equal(error.code, 'fetch-too-many-redirects')
      assert.equal(error.message, `https://127.0.0.1:${port}/hop/5: Too many redirections (6)`)
      return true
    })
    await assert.rejects(testNetwork.fetch(`https://127.0.0.1:${port}/ping`, get), {
      name: 'RedirectError',
      code: 'fetch-redirect-loop',
    })
  })

  it('applies the size limit to the body after redirects, and stops reading early', async () => {
    const testNetwork = fetcher({ allowPrivateAddress: true, maxBytes: 64 * 1024 })
    bigWritten = 0
    await assert.rejects(testNetwork.fetch(`https://127.0.0.1:${port}/to?location=/big`, get), (error: unknown) => {
      assert.ok(error instanceof DocumentTooLargeError)
      assert.equal(error.code, 'fetch-too-large')
      assert.equal(error.message, `https://127.0.0.1:${port}/big: Remote document is larger than 65536 bytes`)
      return true
    })
    assert.ok(bigWritten < 16 * 1024 * 1024, `server wrote ${bigWritten} bytes`)
  })

  it('on a test network fetches loopback by address, by localhost and by an injected name', async () => {
    const testNetwork = fetcher(
      { allowPrivateAddress: true },
      { lookup: tableLookup({ 'origin.test': '127.0.0.1', localhost: '127.0.0.1' }) },
    )
    for (const url of [
      `https://127.0.0.1:${port}/actor`,
      `https://localhost:${port}/actor`,
      `https://origin.test:${port}/actor`,
    ]) {
      const { response } = await testNetwork.fetch(url, get)
      assert.deepEqual(await response.json(), ACTOR, url)
    }
  })
})
