// Files of other servers (attachments): refused with a stable code and nothing kept when they sit
// at a private address, come over plain http, or are larger than filesRemoteMaxBytes.
import { describe, it, before, after } from 'node:test'
import assert from 'node:assert/strict'
import { createServer, type Server } from 'node:http'
import type { AddressInfo } from 'node:net'
import { RemoteFetcher, type FileAttachment } from '@parley/federation'
import { fileFixture, type FileFixture } from '../testing/file-fixtures.ts'
import { createLogger } from '../logger.ts'
import { Ingest } from './ingest.ts'
import { imageWorkDir } from './files-setup.ts'
import { RemoteFiles } from './remote-files.ts'
import { FileKeeper } from './file-keeper.ts'

const attachment = (url: string): FileAttachment => ({
  url,
  mediaType: 'application/octet-stream',
  name: 'x.bin',
  width: null,
  height: null,
  thumbnail: null,
})

describe('Files of other servers', () => {
  let f: FileFixture
  let server: Server
  let base: string
  const fetchers: RemoteFetcher[] = []
  const remoteFiles = (allowPrivateAddress: boolean) => {
    const fetcher = new RemoteFetcher({ allowPrivateAddress, maxBytes: 1000, timeoutMs: 5000, userAgent: 'test' })
    fetchers.push(fetcher)
    return new RemoteFiles({
      fetcher,
      ingest: new Ingest({
        blobs: f.t.instance.files.blobs,
        files: f.t.store.files,
        now: Date.now,
        workDir: imageWorkDir(f.t.config),
      }),
      limits: { maxBytes: 1000, maxImagePixels: 1_000_000, timeoutMs: 5000 },
      logger: createLogger('silent'),
    })
  }
  before(async () => {
    f = await fileFixture({
      env: { PARLEY_FILES_REMOTE_MAX_BYTES: '2000', PARLEY_FEDERATION_ALLOW_PRIVATE_ADDRESS: 'true' },
    })
    server = createServer((req, res) => {
      const size = Number(new URL(req.url ?? '/', 'http://x').searchParams.get('size'))
      const declare = !req.url?.includes('undeclared')
      res.writeHead(200, declare ? { 'content-length': String(size) } : {})
      res.end(Buffer.alloc(size, 3))
    })
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve))
    base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`
  })
  after(async () => {
    await Promise.all(fetchers.map((x) => x.close()))
    await new Promise((resolve) => server.close(resolve))
    await f.t.close()
  })

  it('RemoteFiles.fetch() refuses private addresses and plain http unless on a test network, connecting nowhere', async () => {
    const strict = remoteFiles(false)
    assert.deepEqual(await strict.fetch(attachment(`${base.replace('http:', 'https:')}/file?size=10`)), {
      ok: false,
      reason: 'fetch-private-address',
    })
    assert.deepEqual(await strict.fetch(attachment('https://10.20.30.40/file')), {
      ok: false,
      reason: 'fetch-private-address',
    })
    assert.deepEqual(await strict.fetch(attachment('https://[::1]/file')), {
      ok: false,
      reason: 'fetch-private-address',
    })
    assert.deepEqual(await strict.fetch(attachment(`${base}/file?size=10`)), {
      ok: false,
      reason: 'fetch-scheme-refused',
    })
    assert.deepEqual(await f.kept(), { files: 0, blobs: 0 })
    assert.deepEqual(await f.blobFiles(), [])
  })

  it('RemoteFiles.fetch() refuses a file over the limit, declared or not, keeping nothing', async () => {
    const testNetwork = remoteFiles(true)
    assert.deepEqual(await testNetwork.fetch(attachment(`${base}/file?size=1001`)), {
      ok: false,
      reason: 'fetch-too-large',
    })
    assert.deepEqual(await testNetwork.fetch(attachment(`${base}/file?size=5000&undeclared`)), {
      ok: false,
      reason: 'fetch-too-large',
    })
    assert.deepEqual(await f.kept(), { files: 0, blobs: 0 })
    assert.deepEqual(await f.blobFiles(), [])
    const fine = await testNetwork.fetch(attachment(`${base}/file?size=1000`))
    assert.equal(fine.ok && fine.value.ingested.size, 1000)
    // Kept bytes that no file came to refer to are swept once older than the upload expiry.
    assert.deepEqual(await f.kept(), { files: 0, blobs: 1 })
    const keeper = new FileKeeper({
      store: f.t.store,
      blobs: f.t.instance.files.blobs,
      logger: createLogger('silent'),
      now: () => Date.now() + 25 * 3600_000,
      pendingTtlMs: 24 * 3600_000,
    })
    await keeper.sweep()
    assert.deepEqual(await f.kept(), { files: 0, blobs: 0 })
    assert.deepEqual(await f.blobFiles(), [])
  })

  it('FileService.shareRemote() answers remote-file-unavailable with the reason and posts nothing', async () => {
    await f.t.instance.fileKeeper.sweep()
    const before = await f.kept()
    const caller = { type: 'user' as const, id: f.owner.user.id, name: 'Olga' }
    const refused = await f.t.instance.files.shareRemote(caller, f.room.id, attachment(`${base}/file?size=99999`))
    assert.deepEqual(refused, {
      ok: false,
      error: { type: 'remote-file-unavailable', details: { reason: 'fetch-too-large' } },
    })
    assert.deepEqual(await f.kept(), before)
    const history = await f.t.call('GET', `/api/v1/rooms/${f.room.id}/messages`, { headers: f.owner.auth })
    assert.equal(history.json().messages.filter((m: { file?: unknown }) => m.file).length, 0)
  })
})
