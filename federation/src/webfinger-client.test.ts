import { after, before, describe, it } from 'node:test'
import assert from 'node:assert/strict'
import type { LookupFunction } from 'node:net'
import { MemoryKvStore, createFederation } from '@fedify/fedify'
import { Person } from '@fedify/fedify/vocab'
import { RemoteFetcher, type FetchLimits } from './remote-fetcher.ts'
import { lookupWebFinger, selfLinks } from './webfinger-client.ts'
import { lookupRemoteObject } from './remote-lookup.ts'
import { documentLoaderFactories } from './document-loader.ts'
import { DocumentTooLargeError, PrivateAddressError } from './fetch-errors.ts'
import { startLoopbackHttps, type LoopbackHttps } from './test-support/loopback-https.ts'

const USER_AGENT = 'parley/0.0.0-test (+https://talk.example.org/)'

describe('lookupWebFinger() and lookupRemoteObject()', () => {
  let https: LoopbackHttps
  let origin: string
  let endlessWritten = 0
  let endlessDone: Promise<void> = Promise.resolve()
  let lastAccept: string | undefined
  let lastUserAgent: string | undefined
  const fetchers: RemoteFetcher[] = []
  const fetcher = (limits: Partial<FetchLimits> = {}, lookup?: LookupFunction) => {
    const made = new RemoteFetcher(
      { allowPrivateAddress: true, maxBytes: 64 * 1024, timeoutMs: 5000, userAgent: USER_AGENT, ...limits },
      lookup ? { lookup } : {},
    )
    fetchers.push(made)
    return made
  }

  before(async () => {
    https = await startLoopbackHttps((req, res) => {
      const url = new URL(req.url ?? '/', origin)
      lastAccept = req.headers.accept
      lastUserAgent = req.headers['user-agent']
      const resource = url.searchParams.get('resource') ?? ''
      if (url.pathname === '/.well-known/webfinger' && resource.startsWith('acct:alice@')) {
        res.writeHead(200, { 'content-type': 'application/jrd+json' })
        res.end(
          JSON.stringify({
            subject: resource,
            links: [
              { rel: 'http://webfinger.net/rel/profile-page', href: `${origin}/@alice` },
              { rel: 'self', type: 'application/activity+json', href: `${origin}/users/alice` },
            ],
          }),
        )
      } else if (url.pathname === '/.well-known/webfinger' && resource.startsWith('acct:endless@')) {
        // A hostile server: a JRD that never ends, written as fast as the client reads.
        endlessWritten = 0
        endlessDone = new Promise((resolve) => res.on('close', () => resolve()))
        res.writeHead(200, { 'content-type': 'application/jrd+json' })
        res.write(`{"subject":"${resource}","links":[`)
        const chunk = Buffer.from('{"rel":"alternate","href":"https://example.org/"},'.repeat(400))
        const pump = () => {
          while (!res.destroyed) {
            endlessWritten += chunk.byteLength
            if (!res.write(chunk)) return void res.once('drain', pump)
          }
        }
        pump()
      } else if (url.pathname === '/users/alice') {
        res.writeHead(200, { 'content-type': 'application/activity+json' })
        res.end(
          JSON.stringify({
            '@context': 'https://www.w3.org/ns/activitystreams',
            id: `${origin}/users/alice`,
            type: 'Person',
            preferredUsername: 'alice',
            inbox: `${origin}/users/alice/inbox`,
          }),
        )
      } else {
        res.writeHead(404)
        res.end()
      }
    })
    origin = `https://127.0.0.1:${https.port}`
  })

  after(async () => {
    await Promise.all(fetchers.map((made) => made.close()))
    await https.close()
  })

  it('finds the actor link of an acct: handle over https, with our User-Agent and the JRD Accept', async () => {
    const jrd = await lookupWebFinger(new URL(`acct:alice@127.0.0.1:${https.port}`), fetcher())
    assert.ok(jrd)
    assert.equal(jrd.subject, `acct:alice@127.0.0.1:${https.port}`)
    assert.deepEqual(selfLinks(jrd), [`${origin}/users/alice`])
    assert.equal(lastAccept, 'application/jrd+json')
    assert.equal(lastUserAgent, USER_AGENT)
  })

  it('answers null for an unknown account', async () => {
    assert.equal(await lookupWebFinger(new URL(`acct:nobody@127.0.0.1:${https.port}`), fetcher()), null)
  })

  it('refuses an endless JRD at the size limit, with bounded memory', async () => {
    const heapBefore = process.memoryUsage().heapUsed
    await assert.rejects(
      lookupWebFinger(new URL(`acct:endless@127.0.0.1:${https.port}`), fetcher({ maxBytes: 64 * 1024 })),
      (error: unknown) => {
        assert.ok(error instanceof DocumentTooLargeError)
        assert.equal(error.code, 'fetch-too-large')
        assert.match(
          error.message,
          /\/\.well-known\/webfinger\?resource=acct%3Aendless%40127\.0\.0\.1%3A\d+: Remote document is larger than 65536 bytes$/,
        )
        return true
      },
    )
    await endlessDone
    // Reading stopped at the limit: the server could only fill the socket buffers after that.
    assert.ok(endlessWritten < 8 * 1024 * 1024, `server wrote ${endlessWritten} bytes`)
    assert.ok(process.memoryUsage().heapUsed - heapBefore < 32 * 1024 * 1024, 'heap stayed small')
  })

  it('refuses a handle on a private address when not on a test network, before and at connect time', async () => {
    await assert.rejects(
      lookupWebFinger(new URL(`acct:alice@localhost:${https.port}`), fetcher({ allowPrivateAddress: false })),
      { name: 'PrivateAddressError', code: 'fetch-private-address' },
    )
    let calls = 0
    const rebinding: LookupFunction = (_hostname, options, callback) => {
      const address = calls++ === 0 ? '93.184.216.34' : '127.0.0.1'
      if (options.all) callback(null, [{ address, family: 4 }])
      else callback(null, address, 4)
    }
    await assert.rejects(
      lookupWebFinger(
        new URL(`acct:alice@rebind.test:${https.port}`),
        fetcher({ allowPrivateAddress: false }, rebinding),
      ),
      (error: unknown) => {
        assert.ok(error instanceof PrivateAddressError)
        assert.equal(error.message, 'Invalid or private address: rebind.test is 127.0.0.1')
        return true
      },
    )
    assert.equal(calls, 2)
  })

  describe('lookupRemoteObject()', () => {
    const contextOf = (made: RemoteFetcher) => {
      const kv = new MemoryKvStore()
      const federation = createFederation<void>({
        kv,
        ...documentLoaderFactories(made, kv, ['_test', 'remoteDocument']),
      })
      return federation.createContext(new URL('https://talk.example.org'), undefined)
    }

    it('looks a handle up through WebFinger on the test network', async () => {
      const made = fetcher()
      const actor = await lookupRemoteObject(contextOf(made), `@alice@127.0.0.1:${https.port}`, made)
      assert.ok(actor instanceof Person)
      assert.equal(actor.id?.href, `${origin}/users/alice`)
      assert.equal(actor.preferredUsername?.toString(), 'alice')
    })

    it('throws the refusal of an endless WebFinger answer instead of answering null', async () => {
      const made = fetcher({ maxBytes: 64 * 1024 })
      await assert.rejects(lookupRemoteObject(contextOf(made), `@endless@127.0.0.1:${https.port}`, made), {
        name: 'DocumentTooLargeError',
        code: 'fetch-too-large',
      })
    })

    it('answers null for an unknown handle', async () => {
      const made = fetcher()
      assert.equal(await lookupRemoteObject(contextOf(made), `@nobody@127.0.0.1:${https.port}`, made), null)
    })
  })
})
