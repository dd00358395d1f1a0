// RemoteFetcher.stream(): how files of other servers are fetched (attachments), every hop checked
// like any federation fetch, the body streamed and cut at the size limit.
import { after, before, describe, it } from 'node:test'
import assert from 'node:assert/strict'
import { createHash } from 'node:crypto'
import { RemoteFetcher } from '../remote-fetcher.ts'
import { DocumentTooLargeError, PrivateAddressError } from '../fetch-errors.ts'
import { startLoopbackHttps, type LoopbackHttps } from '../test-support/loopback-https.ts'

const MIB = 1024 * 1024
const get = (url: string) => new Request(url)

describe('RemoteFetcher.stream()', () => {
  let https: LoopbackHttps
  let base: string
  let written = 0
  const fetchers: RemoteFetcher[] = []
  const fetcher = (allowPrivateAddress: boolean) => {
    const made = new RemoteFetcher({ allowPrivateAddress, maxBytes: 64 * 1024, timeoutMs: 5000, userAgent: 'test' })
    fetchers.push(made)
    return made
  }
  before(async () => {
    https = await startLoopbackHttps((req, res) => {
      const url = new URL(req.url ?? '/', 'https://x')
      if (url.pathname === '/file') {
        const size = Number(url.searchParams.get('size'))
        const declared = url.searchParams.get('declare') !== 'no'
        res.writeHead(200, {
          'content-type': 'application/octet-stream',
          ...(declared ? { 'content-length': String(size) } : {}),
        })
        let left = size
        written = 0
        const pump = () => {
          while (left > 0 && !res.destroyed) {
            const chunk = Buffer.alloc(Math.min(64 * 1024, left), 7)
            left -= chunk.length
            written += chunk.length
            if (!res.write(chunk)) return void res.once('drain', pump)
          }
          res.end()
        }
        pump()
      } else if (url.pathname === '/to') {
        res.writeHead(302, { location: url.searchParams.get('location') ?? '/' })
        res.end()
      } else {
        res.writeHead(404)
        res.end()
      }
    })
    base = `https://127.0.0.1:${https.port}`
  })
  after(async () => {
    await Promise.all(fetchers.map((f) => f.close()))
    await https.close()
  })

  it('hands the body over as a stream, bigger than the document limit, within its own limit', async () => {
    const { response } = await fetcher(true).stream(`${base}/file?size=${3 * MIB}`, get, {
      maxBytes: 4 * MIB,
      timeoutMs: 5000,
    })
    const hash = createHash('sha256')
    let size = 0
    for await (const chunk of response.body!) {
      hash.update(chunk)
      size += chunk.byteLength
    }
    assert.equal(size, 3 * MIB)
    assert.equal(
      hash.digest('hex'),
      createHash('sha256')
        .update(Buffer.alloc(3 * MIB, 7))
        .digest('hex'),
    )
  })

  it('refuses a declared length over the limit before reading, and cuts an undeclared one at the limit', async () => {
    await assert.rejects(
      fetcher(true).stream(`${base}/file?size=${2 * MIB}`, get, { maxBytes: MIB, timeoutMs: 5000 }),
      (error: unknown) => error instanceof DocumentTooLargeError && error.code === 'fetch-too-large',
    )
    const { response } = await fetcher(true).stream(`${base}/file?size=${32 * MIB}&declare=no`, get, {
      maxBytes: MIB,
      timeoutMs: 5000,
    })
    await assert.rejects(
      (async () => {
        for await (const _ of response.body!);
      })(),
      (error: unknown) => error instanceof DocumentTooLargeError,
    )
    assert.ok(written < 16 * MIB, `the server wrote ${written} bytes`)
  })

  it('refuses private addresses, directly and after a redirect, unless on a test network', async () => {
    const strict = fetcher(false)
    await assert.rejects(
      strict.stream(`${base}/file?size=10`, get, { maxBytes: MIB, timeoutMs: 5000 }),
      PrivateAddressError,
    )
    // A public-looking server (loopback counted as public here) redirecting to the cloud metadata address.
    const relaxed = new RemoteFetcher(
      { allowPrivateAddress: false, maxBytes: MIB, timeoutMs: 5000, userAgent: 'test' },
      {
        lookup: (_host, options, callback) =>
          options.all ? callback(null, [{ address: '127.0.0.1', family: 4 }]) : callback(null, '127.0.0.1', 4),
        isPublicAddress: (address) => address === '127.0.0.1',
      },
    )
    fetchers.push(relaxed)
    const metadata = encodeURIComponent('https://169.254.169.254/latest/meta-data')
    await assert.rejects(
      relaxed.stream(`https://origin.test:${https.port}/to?location=${metadata}`, get, {
        maxBytes: MIB,
        timeoutMs: 5000,
      }),
      (error: unknown) => error instanceof PrivateAddressError && error.code === 'fetch-private-address',
    )
    const { response } = await relaxed.stream(`https://origin.test:${https.port}/file?size=5`, get, {
      maxBytes: MIB,
      timeoutMs: 5000,
    })
    assert.equal((await response.arrayBuffer()).byteLength, 5, 'the same fetcher reaches the allowed server')
  })
})
