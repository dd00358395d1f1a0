import { after, before, describe, it } from 'node:test'
import assert from 'node:assert/strict'
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http'
import type { AddressInfo } from 'node:net'
import { FetchError, MemoryKvStore, UrlError, generateCryptoKeyPair } from '@fedify/fedify'
import { documentLoaderFactories, limitedDocumentLoader } from './document-loader.ts'
import { ContentTypeRefusedError, DocumentTooLargeError, FetchTimeoutError } from './fetch-errors.ts'
import { RemoteFetcher, type FetchLimits } from './remote-fetcher.ts'

const USER_AGENT = 'parley/0.0.0-test (+https://talk.example.org/)'
const fetchers: RemoteFetcher[] = []
/** A fetcher with test limits (closed after the suite). */
const limits = (overrides: Partial<FetchLimits> = {}): RemoteFetcher => {
  const fetcher = new RemoteFetcher({
    allowPrivateAddress: true,
    maxBytes: 64 * 1024,
    timeoutMs: 5000,
    userAgent: USER_AGENT,
    ...overrides,
  })
  fetchers.push(fetcher)
  return fetcher
}

const ACTOR = {
  '@context': 'https://www.w3.org/ns/activitystreams',
  id: 'https://remote.example/users/alice',
  type: 'Person',
  preferredUsername: 'alice',
  inbox: 'https://remote.example/users/alice/inbox',
}

/** One key pair for the signing tests (RSA generation is slow). */
let keys: ReturnType<typeof generateCryptoKeyPair> | null = null
const bobKeys = () => (keys ??= generateCryptoKeyPair('RSASSA-PKCS1-v1_5'))

// Far more than loopback socket buffers can hold (tcp_rmem may autotune to 32 MiB), so a client that
// stops reading early is told apart from one that reads everything whatever the kernel's settings.
const BIG_TOTAL = 256 * 1024 * 1024
const CHUNK = Buffer.alloc(64 * 1024, 0x20)

describe('limitedDocumentLoader()', () => {
  let server: Server
  let base: string
  let lastUserAgent: string | undefined
  let lastSignature: string | undefined
  let lastSignatureInput: string | undefined
  /** The signature spec of each request to /cavage-only and /any-signature. */
  const signedKnocks: string[] = []
  /** Bytes the /big handler wrote before the client went away. */
  let bigWritten = 0
  let bigDone: Promise<void> = Promise.resolve()
  /** Requests to the hostile pages (/hostile-html, /self-link, /chain/…). */
  let selfLinkFetches = 0
  const hanging: ServerResponse[] = []

  before(async () => {
    server = createServer((req: IncomingMessage, res: ServerResponse) => {
      lastUserAgent = req.headers['user-agent']
      lastSignature = req.headers.signature as string | undefined
      lastSignatureInput = req.headers['signature-input'] as string | undefined
      if (req.url === '/cavage-only' && lastSignatureInput !== undefined) {
        // A peer that knows only draft-cavage refuses an RFC 9421 signature.
        signedKnocks.push('rfc9421')
        res.writeHead(401)
        res.end()
      } else if (req.url === '/cavage-only' || req.url === '/any-signature') {
        signedKnocks.push(
          lastSignatureInput !== undefined
            ? 'rfc9421'
            : lastSignature !== undefined
              ? 'draft-cavage-http-signatures-12'
              : 'none',
        )
        res.writeHead(200, { 'content-type': 'application/activity+json' })
        res.end(JSON.stringify(ACTOR))
      } else if (req.url === '/actor') {
        res.writeHead(200, { 'content-type': 'application/activity+json' })
        res.end(JSON.stringify(ACTOR))
      } else if (req.url === '/declared-big') {
        res.writeHead(200, { 'content-type': 'application/activity+json', 'content-length': String(BIG_TOTAL) })
        res.write(CHUNK)
        req.socket.on('close', () => res.destroy())
      } else if (req.url === '/big') {
        // Chunked (no Content-Length), written with backpressure until done or the client leaves.
        bigWritten = 0
        bigDone = new Promise((resolve) => {
          res.on('close', () => resolve())
        })
        res.writeHead(200, { 'content-type': 'application/activity+json' })
        const pump = () => {
          while (bigWritten < BIG_TOTAL && !res.destroyed) {
            bigWritten += CHUNK.byteLength
            if (!res.write(CHUNK)) return void res.once('drain', pump)
          }
          if (!res.destroyed) res.end()
        }
        pump()
      } else if (req.url?.startsWith('/typed?')) {
        // Serves the actor as whatever content type the query names (none when empty).
        const type = new URL(req.url, 'http://x').searchParams.get('type') ?? ''
        res.writeHead(200, type === '' ? {} : { 'content-type': type })
        res.end(JSON.stringify(ACTOR))
      } else if (req.url === '/page-with-link') {
        res.writeHead(200, {
          'content-type': 'text/html; charset=utf-8',
          link: '</actor>; rel="alternate"; type="application/activity+json"',
        })
        res.end('<html></html>')
      } else if (req.url === '/page-with-tag') {
        res.writeHead(200, { 'content-type': 'text/html' })
        res.end(
          '<html><head><link href="/actor" type=\'application/ld+json; profile="https://www.w3.org/ns/activitystreams"\' rel="alternate"></head></html>',
        )
      } else if (req.url === '/hostile-html') {
        selfLinkFetches++
        res.writeHead(200, { 'content-type': 'text/html' })
        res.end('<a ' + ' '.repeat(60_000))
      } else if (req.url === '/self-link') {
        selfLinkFetches++
        res.writeHead(200, {
          'content-type': 'text/html',
          link: '</self-link>; rel="alternate"; type="application/activity+json"',
        })
        res.end('<html></html>')
      } else if (req.url?.startsWith('/chain/')) {
        // /chain/N names /chain/N+1 as its alternate, forever.
        selfLinkFetches++
        const n = Number(req.url.slice('/chain/'.length))
        res.writeHead(200, {
          'content-type': 'text/html',
          link: `</chain/${n + 1}>; rel="alternate"; type="application/activity+json"`,
        })
        res.end('<html></html>')
      } else if (req.url === '/redirect') {
        res.writeHead(302, { location: '/actor' })
        res.end()
      } else if (req.url === '/never') {
        hanging.push(res) // never answers
      } else {
        res.writeHead(404)
        res.end()
      }
    })
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve))
    base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`
  })

  after(async () => {
    await Promise.all(fetchers.map((fetcher) => fetcher.close()))
    for (const res of hanging) res.destroy()
    server.closeAllConnections()
    await new Promise((resolve) => server.close(resolve))
  })

  it('loads a JSON-LD document and sends our User-Agent', async () => {
    const load = limitedDocumentLoader(limits())
    const result = await load(`${base}/actor`)
    assert.equal(result.documentUrl, `${base}/actor`)
    assert.equal(result.contextUrl, null)
    const document = result.document as typeof ACTOR
    assert.equal(document.id, 'https://remote.example/users/alice')
    assert.equal(document.type, 'Person')
    assert.equal(document.preferredUsername, 'alice')
    assert.equal(lastUserAgent, USER_AGENT)
  })

  it('the authenticated loader signs the fetch with the given key (RFC 9421 first) and keeps the limits', async () => {
    const { privateKey } = await bobKeys()
    const keyId = new URL('https://talk.example.org/users/bob#main-key')
    const factories = documentLoaderFactories(limits({ maxBytes: 1024 }), new MemoryKvStore(), [
      '_test',
      'remoteDocument',
    ])
    const load = factories.authenticatedDocumentLoaderFactory({ keyId, privateKey })
    const result = await load(`${base}/actor`)
    assert.equal((result.document as typeof ACTOR).preferredUsername, 'alice')
    assert.match(lastSignatureInput ?? '', /keyid="https:\/\/talk\.example\.org\/users\/bob#main-key"/)
    assert.equal(lastUserAgent, USER_AGENT)
    await assert.rejects(load(`${base}/declared-big`), DocumentTooLargeError)
  })

  it('the authenticated loader falls back to draft-cavage when RFC 9421 is refused, and remembers it per origin', async () => {
    const { privateKey } = await bobKeys()
    const keyId = new URL('https://talk.example.org/users/bob#main-key')
    const kv = new MemoryKvStore()
    const load = documentLoaderFactories(limits(), kv, ['_test', 'remoteDocument']).authenticatedDocumentLoaderFactory({
      keyId,
      privateKey,
    })
    signedKnocks.length = 0
    assert.equal((await load(`${base}/cavage-only`)).documentUrl, `${base}/cavage-only`)
    assert.deepEqual(signedKnocks, ['rfc9421', 'draft-cavage-http-signatures-12'])
    assert.match(lastSignature ?? '', /keyId="https:\/\/talk\.example\.org\/users\/bob#main-key"/)
    assert.equal(
      await kv.get(['_fedify', 'httpMessageSignaturesSpec', new URL(base).origin]),
      'draft-cavage-http-signatures-12',
    )
    // Known now: one knock, draft-cavage, for any document of that origin.
    signedKnocks.length = 0
    await load(`${base}/any-signature`)
    assert.deepEqual(signedKnocks, ['draft-cavage-http-signatures-12'])
  })

  it('the authenticated loader remembers an origin that takes RFC 9421', async () => {
    const { privateKey } = await bobKeys()
    const kv = new MemoryKvStore()
    const load = documentLoaderFactories(limits(), kv, ['_test', 'remoteDocument']).authenticatedDocumentLoaderFactory({
      keyId: new URL('https://talk.example.org/users/bob#main-key'),
      privateKey,
    })
    signedKnocks.length = 0
    await load(`${base}/any-signature`)
    assert.deepEqual(signedKnocks, ['rfc9421'])
    assert.equal(await kv.get(['_fedify', 'httpMessageSignaturesSpec', new URL(base).origin]), 'rfc9421')
  })

  it('follows a redirect and reports the final URL', async () => {
    const result = await limitedDocumentLoader(limits())(`${base}/redirect`)
    assert.equal(result.documentUrl, `${base}/actor`)
    assert.equal((result.document as typeof ACTOR).preferredUsername, 'alice')
  })

  it('refuses a chunked document over the size limit and stops reading early', async () => {
    const load = limitedDocumentLoader(limits({ maxBytes: 64 * 1024 }))
    await assert.rejects(load(`${base}/big`), (error: unknown) => {
      assert.ok(error instanceof DocumentTooLargeError)
      assert.ok(error instanceof FetchError)
      assert.equal(error.code, 'fetch-too-large')
      assert.equal(error.message, `${base}/big: Remote document is larger than 65536 bytes`)
      return true
    })
    await bigDone
    assert.ok(bigWritten < BIG_TOTAL / 4, `server wrote ${bigWritten} of ${BIG_TOTAL} bytes`)
  })

  it('refuses a document whose Content-Length is over the limit without reading it', async () => {
    await assert.rejects(
      limitedDocumentLoader(limits({ maxBytes: 1024 }))(`${base}/declared-big`),
      (error: unknown) => {
        assert.ok(error instanceof DocumentTooLargeError)
        assert.equal(error.message, `${base}/declared-big: Remote document is larger than 1024 bytes`)
        return true
      },
    )
  })

  it('times out on a server that never answers', async () => {
    const started = Date.now()
    await assert.rejects(limitedDocumentLoader(limits({ timeoutMs: 200 }))(`${base}/never`), (error: unknown) => {
      assert.ok(error instanceof FetchTimeoutError)
      assert.ok(error instanceof FetchError)
      assert.equal(error.code, 'fetch-timeout')
      assert.equal(error.message, `${base}/never: Timed out after 200 ms`)
      return true
    })
    const elapsed = Date.now() - started
    assert.ok(elapsed >= 150 && elapsed < 3000, `${elapsed} ms`)
  })

  it('refuses loopback (https) and plain http when not on a test network', async () => {
    const load = limitedDocumentLoader(limits({ allowPrivateAddress: false }))
    const port = (server.address() as AddressInfo).port
    await assert.rejects(load(`https://127.0.0.1:${port}/actor`), (error: unknown) => {
      assert.ok(error instanceof UrlError)
      assert.match(error.message, /127\.0\.0\.1|private|loopback/i)
      return true
    })
    await assert.rejects(load(`https://localhost:${port}/actor`), UrlError)
    await assert.rejects(load(`https://[::1]:${port}/actor`), UrlError)
    await assert.rejects(load(`https://10.0.0.1/actor`), UrlError)
    await assert.rejects(load(`https://169.254.169.254/latest/meta-data`), UrlError)
    await assert.rejects(load(`https://[fd00::1]/actor`), UrlError)
    await assert.rejects(load(`${base}/actor`), (error: unknown) => {
      assert.ok(error instanceof UrlError)
      assert.equal(error.message, `Only https is allowed: ${base}/actor`)
      return true
    })
  })

  it('fetches the same loopback URL when on a test network', async () => {
    const result = await limitedDocumentLoader(limits({ allowPrivateAddress: true }))(`${base}/actor`)
    assert.equal((result.document as typeof ACTOR).id, 'https://remote.example/users/alice')
  })

  it('answers Fedify preloaded contexts without fetching, through the cached factories too', async () => {
    const strict = limits({ allowPrivateAddress: false, timeoutMs: 50 })
    const direct = await limitedDocumentLoader(strict)('https://www.w3.org/ns/activitystreams')
    assert.equal(direct.documentUrl, 'https://www.w3.org/ns/activitystreams')
    assert.ok(typeof direct.document === 'object' && direct.document !== null && '@context' in direct.document)
    const factories = documentLoaderFactories(strict, new MemoryKvStore(), ['_test', 'remoteDocument'])
    const context = await factories.contextLoaderFactory({})('https://w3id.org/security/v1')
    assert.equal(context.documentUrl, 'https://w3id.org/security/v1')
    assert.ok(typeof context.document === 'object' && context.document !== null && '@context' in context.document)
  })

  it('takes only ActivityPub content types for objects (JSON-LD contexts may be plain JSON)', async () => {
    const load = limitedDocumentLoader(limits())
    for (const type of [
      'application/activity+json',
      'application/activity+json; charset=utf-8',
      'application/ld+json; profile="https://www.w3.org/ns/activitystreams"',
    ]) {
      const result = await load(`${base}/typed?type=${encodeURIComponent(type)}`)
      assert.equal((result.document as typeof ACTOR).id, ACTOR.id, type)
    }
    for (const type of ['text/plain', 'application/json', 'application/octet-stream', 'application/ld+json', '']) {
      await assert.rejects(load(`${base}/typed?type=${encodeURIComponent(type)}`), (error: unknown) => {
        assert.ok(error instanceof ContentTypeRefusedError, `${type}: ${String(error)}`)
        assert.equal(error.code, 'fetch-content-type-refused')
        return true
      })
    }
    const contexts = limitedDocumentLoader(limits(), undefined, 'context')
    assert.equal(
      ((await contexts(`${base}/typed?type=application/json`)).document as typeof ACTOR).id,
      ACTOR.id,
      'a context served as application/json',
    )
  })

  it('follows an alternate link of an HTML page (Link header or tag), and reads no HTML as JSON', async () => {
    const load = limitedDocumentLoader(limits())
    assert.equal((await load(`${base}/page-with-link`)).documentUrl, `${base}/actor`)
    assert.equal((await load(`${base}/page-with-tag`)).documentUrl, `${base}/actor`)
  })

  it('a hostile page ends fast: a never-closed tag, a page naming itself, an endless chain of pages', async () => {
    const load = limitedDocumentLoader(limits({ maxBytes: 1024 * 1024 }))
    selfLinkFetches = 0
    let started = performance.now()
    await assert.rejects(load(`${base}/hostile-html`), ContentTypeRefusedError)
    assert.ok(performance.now() - started < 500, `never-closed tag: ${performance.now() - started} ms`)
    assert.equal(selfLinkFetches, 1)

    selfLinkFetches = 0
    started = performance.now()
    await assert.rejects(load(`${base}/self-link`), { name: 'RedirectError', code: 'fetch-redirect-loop' })
    assert.equal(selfLinkFetches, 1, 'a page naming itself is fetched once')

    selfLinkFetches = 0
    await assert.rejects(load(`${base}/chain/0`), { name: 'RedirectError', code: 'fetch-too-many-redirects' })
    assert.equal(selfLinkFetches, 6, 'the first page and 5 alternate hops')
    assert.ok(performance.now() - started < 2000, `${performance.now() - started} ms`)
  })
})
