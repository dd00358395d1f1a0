import { after, before, describe, it } from 'node:test'
import assert from 'node:assert/strict'
import type { LookupFunction } from 'node:net'
import { RemoteFetcher } from './remote-fetcher.ts'
import { isPublicAddress } from './address-policy.ts'
import { PrivateAddressError } from './fetch-errors.ts'
import { startLoopbackHttps, type LoopbackHttps } from './test-support/loopback-https.ts'

const USER_AGENT = 'parley/0.0.0-test (+https://talk.example.org/)'
const loopbackIsPublic = (address: string) => address === '127.0.0.1' || isPublicAddress(address)
/** Answers each name with the next address of its list (the last one sticks). */
function lookupOf(table: Record<string, string[]>): LookupFunction {
  const seen = new Map<string, number>()
  return (hostname, options, callback) => {
    const answers = table[hostname] ?? []
    const n = seen.get(hostname) ?? 0
    seen.set(hostname, n + 1)
    const address = answers[Math.min(n, answers.length - 1)]
    if (address === undefined) return callback(Object.assign(new Error('ENOTFOUND'), { code: 'ENOTFOUND' }), '', 4)
    if (options.all) callback(null, [{ address, family: 4 }])
    else callback(null, address, 4)
  }
}

describe('deliveries are posted on the guarded agent (Fedify deliveryFetch)', () => {
  let https: LoopbackHttps
  const received: { method: string; url: string; headers: Record<string, unknown>; body: string }[] = []
  const fetchers: RemoteFetcher[] = []
  const fetcher = (timeoutMs = 5000, options: ConstructorParameters<typeof RemoteFetcher>[1] = {}) => {
    const made = new RemoteFetcher(
      { allowPrivateAddress: false, maxBytes: 64 * 1024, timeoutMs, userAgent: USER_AGENT },
      { isPublicAddress: loopbackIsPublic, ...options },
    )
    fetchers.push(made)
    return made
  }

  before(async () => {
    https = await startLoopbackHttps((req, res) => {
      const chunks: Buffer[] = []
      req.on('data', (chunk: Buffer) => chunks.push(chunk))
      req.on('end', () => {
        received.push({
          method: req.method ?? '',
          url: req.url ?? '',
          headers: req.headers,
          body: Buffer.concat(chunks).toString(),
        })
        const path = new URL(req.url ?? '/', 'https://x').pathname
        if (path === '/inbox') return res.writeHead(202, { 'x-answer': 'taken' }).end('{"accepted":true}')
        if (path === '/moved') return res.writeHead(301, { location: '/inbox' }).end()
        if (path === '/busy') return res.writeHead(503, { 'retry-after': '120' }).end('x'.repeat(64 * 1024))
        if (path === '/slow') return // never answers
        res.writeHead(404).end()
      })
    })
  })
  after(async () => {
    for (const made of fetchers) await made.close()
    await https.close()
  })

  const post = (path: string, headers: Record<string, string> = {}) =>
    new Request(`https://127.0.0.1:${https.port}${path}`, {
      method: 'POST',
      headers: { 'content-type': 'application/activity+json', signature: 'keyId="k",signature="s"', ...headers },
      body: '{"type":"Update"}',
    })

  it('sends the signed request as it is (method, path, headers, body) and hands Fedify the status and headers', async () => {
    const response = await fetcher().post(post('/inbox?x=1'))
    assert.equal(response.status, 202)
    assert.equal(response.headers.get('x-answer'), 'taken')
    const seen = received.at(-1)!
    assert.equal(seen.method, 'POST')
    assert.equal(seen.url, '/inbox?x=1')
    assert.equal(seen.headers.signature, 'keyId="k",signature="s"')
    assert.equal(seen.headers['content-type'], 'application/activity+json')
    assert.equal(seen.headers['user-agent'], USER_AGENT, 'our User-Agent when the request has none')
    assert.equal(seen.body, '{"type":"Update"}')
    const own = await fetcher().post(post('/inbox', { 'user-agent': 'Fedify/2.3.6' }))
    assert.equal(own.status, 202)
    assert.equal(received.at(-1)!.headers['user-agent'], 'Fedify/2.3.6', 'a User-Agent the request has is kept')
  })

  it('does not follow a redirect (Fedify follows it itself, checking it)', async () => {
    const before = received.length
    const response = await fetcher().post(post('/moved'))
    assert.equal(response.status, 301)
    assert.equal(response.headers.get('location'), '/inbox')
    assert.equal(received.length, before + 1, 'one request, to /moved only')
  })

  it('keeps the first 1 KiB of an error answer (what Fedify logs) and its headers (the circuit breaker reads Retry-After)', async () => {
    const response = await fetcher().post(post('/busy'))
    assert.equal(response.status, 503)
    assert.equal(response.headers.get('retry-after'), '120')
    assert.equal((await response.text()).length, 1024)
  })

  it('gives up on an inbox that does not answer within the time limit', async () => {
    const started = performance.now()
    await assert.rejects(fetcher(300).post(post('/slow')), (error: Error) =>
      /timeout/i.test(`${error.name} ${error.message}`),
    )
    assert.ok(performance.now() - started < 5000)
  })

  it('refuses at connect time a name that resolved to a public address for the queue check and to 127.0.0.1 now (DNS rebinding)', async () => {
    const rebinding = fetcher(5000, {
      lookup: lookupOf({ 'rebind.test': ['127.0.0.1'] }),
      isPublicAddress, // the real policy: loopback is private
    })
    const before = received.length
    await assert.rejects(
      rebinding.post(new Request(`https://rebind.test:${https.port}/inbox`, { method: 'POST', body: '{}' })),
      (error: unknown) => {
        assert.ok(error instanceof PrivateAddressError, String(error))
        return true
      },
    )
    assert.equal(received.length, before, 'nothing reached the server')
  })
})
