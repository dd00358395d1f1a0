// @parley/client's files API against a listening instance, on both blob backends: local disk and
// S3 (the S3 stand-in, @20minutes/s3rver: see testing/s3-stand-in.ts).
import { describe, it, before, after } from 'node:test'
import assert from 'node:assert/strict'
import { createHash, randomBytes } from 'node:crypto'
import { ParleyApiError, ParleyClient, type UploadProgress } from '@parley/client'
import type { RoomView } from '@parley/protocol'
import { startTestInstance, type TestInstance } from '../testing/test-instance.ts'
import { startS3StandIn, type S3StandIn } from '../testing/s3-stand-in.ts'
import { S3BlobStore } from './blobs/s3-blob-store.ts'
import type { BlobStore } from './blobs/blob-store.ts'
import { png } from '../testing/files.ts'

const sha = (data: Uint8Array) => createHash('sha256').update(data).digest('hex')
const MIB = 1024 * 1024

async function readAll(stream: ReadableStream<Uint8Array>): Promise<Buffer> {
  return Buffer.from(await new Response(stream).arrayBuffer())
}

for (const backend of ['local disk', 'S3 stand-in'] as const) {
  describe(`@parley/client files (${backend})`, () => {
    let t: TestInstance
    let s3: S3StandIn | undefined
    let alice: ParleyClient
    let bob: ParleyClient
    let room: RoomView
    before(async () => {
      let blobs: BlobStore | undefined
      if (backend === 'S3 stand-in') {
        s3 = await startS3StandIn()
        blobs = new S3BlobStore({ ...s3.options, partSize: 5 * MIB })
      }
      t = await startTestInstance({ ...(blobs ? { blobs } : {}) })
      const base = await t.listen()
      const a = await t.user('alice')
      const b = await t.user('bob')
      alice = new ParleyClient({ baseUrl: base, auth: { token: a.token } })
      bob = new ParleyClient({ baseUrl: base, auth: { token: b.token } })
      room = await alice.createRoom({ kind: 'group', name: 'Files' })
      await alice.addParticipant(room.id, b.user.id)
    })
    after(async () => {
      await t?.close()
      await s3?.stop()
    })

    it('files.upload() sends chunks with progress events and resolves with the file message; files.download() gives the bytes back', async () => {
      const data = randomBytes(3 * MIB + 12345)
      const progress: UploadProgress[] = []
      const message = await alice.files.upload(room.id, new Blob([data]), {
        name: 'data.bin',
        chunkSize: MIB,
        caption: 'raw data',
        onProgress: (p) => progress.push(p),
      })
      assert.deepEqual(
        progress.map((p) => p.sentBytes),
        [MIB, 2 * MIB, 3 * MIB, data.length],
      )
      assert.ok(progress.every((p) => p.totalBytes === data.length))
      assert.equal(message.body, 'raw data')
      assert.deepEqual(
        [message.file?.name, message.file?.size, message.file?.mediaType],
        ['data.bin', data.length, 'application/octet-stream'],
      )
      const download = await bob.files.download(message.file!)
      assert.equal(download.size, data.length)
      assert.equal(sha(await readAll(download.body)), sha(data))
      const part = await bob.files.download(message.file!, { range: { start: MIB, end: MIB + 99 } })
      assert.deepEqual([part.size, part.totalSize], [100, data.length])
      assert.deepEqual(await readAll(part.body), data.subarray(MIB, MIB + 100))
      await assert.rejects(
        bob.files.download(message.file!, { range: { start: data.length + 1 } }),
        (error: unknown) => error instanceof ParleyApiError && error.code === 'range-not-satisfiable',
      )
      const listed = await bob.files.list(room.id)
      assert.equal(listed.files[0]?.file.id, message.file?.id)
      assert.equal((await alice.files.quota()).usedBytes, data.length)
    })

    it('an interrupted upload resumes from what the server has', async () => {
      const data = randomBytes(2 * MIB + 7)
      const upload = alice.files.startUpload(room.id, new Blob([data]), { name: 'resumed.bin', chunkSize: MIB })
      await new Promise<void>((resolve) => upload.on('progress', () => (upload.abort(), resolve())))
      await assert.rejects(upload.done, (error: unknown) => (error as Error).name === 'AbortError')
      const location = upload.location as string
      const resumed: number[] = []
      const again = alice.files.resume(location, new Blob([data]), { chunkSize: MIB })
      again.on('progress', (p) => resumed.push(p.sentBytes))
      const message = await again.done
      // The server had the first chunk (and maybe part of the second): resuming goes on from there.
      assert.ok((resumed[0] ?? 0) > MIB, `resumed at ${resumed[0]}`)
      assert.equal(resumed.at(-1), data.length)
      assert.equal(sha(await readAll((await bob.files.download(message.file!)).body)), sha(data))
    })

    it('images get a thumbnail through the same upload, and refusals arrive as ParleyApiError codes', async () => {
      const image = await png(400, 300)
      const message = await alice.files.upload(room.id, new Blob([image], { type: 'image/png' }), { name: 'p.png' })
      const thumb = await bob.files.downloadBlob(message.file!, { thumbnail: true })
      assert.equal(thumb.type, 'image/webp')
      await assert.rejects(
        alice.files.upload(room.id, new Blob([image]), { name: 'p.jpg', type: 'image/jpeg' }),
        (error: unknown) => error instanceof ParleyApiError && error.code === 'file-type-mismatch',
      )
      await assert.rejects(
        alice.files.upload(room.id, new Blob([image]), { name: '../p.png' }),
        (error: unknown) => error instanceof ParleyApiError && error.code === 'file-name-invalid',
      )
    })
  })
}
