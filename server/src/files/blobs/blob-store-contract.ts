/**
 * The contract every blob backend passes (local disk, S3): one suite, run against each
 * (model: fedify-dev/fedify packages/testing/src/mq-tester.ts). `open` gives an empty store.
 */
import { describe, it, before, after } from 'node:test'
import assert from 'node:assert/strict'
import { createHash, randomBytes } from 'node:crypto'
import { readFile } from 'node:fs/promises'
import { Readable } from 'node:stream'
import { buffer } from 'node:stream/consumers'
import type { BlobStore } from './blob-store.ts'

export type OpenBlobStore = () => Promise<{ store: BlobStore; close(): Promise<void> }>

/** A stream of `size` pseudo-random bytes made chunk by chunk (never one buffer), with their SHA-256. */
export function generated(size: number, chunk = 256 * 1024): { stream: Readable; sha256: () => string } {
  const hash = createHash('sha256')
  let left = size
  const stream = new Readable({
    read() {
      if (left === 0) return void this.push(null)
      const part = randomBytes(Math.min(chunk, left))
      left -= part.length
      hash.update(part)
      this.push(part)
    },
  })
  return { stream, sha256: () => hash.digest('hex') }
}

async function sha256Of(stream: Readable): Promise<{ sha256: string; size: number }> {
  const hash = createHash('sha256')
  let size = 0
  for await (const chunk of stream) {
    hash.update(chunk as Buffer)
    size += (chunk as Buffer).length
  }
  return { sha256: hash.digest('hex'), size }
}

/** A source that sends some bytes, then fails. */
function failing(after: number): Readable {
  let sent = false
  return new Readable({
    read() {
      if (!sent) {
        sent = true
        this.push(randomBytes(after))
      } else this.destroy(new Error('client went away'))
    },
  })
}

export function blobStoreContract(backend: string, open: OpenBlobStore, skip?: string): void {
  describe(`BlobStore contract (${backend})`, { skip }, () => {
    let store: BlobStore
    let close: () => Promise<void>
    before(async () => {
      const opened = await open()
      store = opened.store
      close = opened.close
    })
    after(async () => {
      await close?.()
    })

    it('BlobStore.put() streams a blob larger than one upload part and get() gives the same bytes back', async () => {
      const size = 12 * 1024 * 1024 + 123
      const source = generated(size)
      const written = await store.put('blobs/large', source.stream, { contentType: 'application/octet-stream' })
      assert.equal(written.size, size)
      assert.deepEqual(await store.stat('blobs/large'), { size })
      const read = await sha256Of((await store.get('blobs/large')) as Readable)
      assert.deepEqual(read, { sha256: source.sha256(), size })
    })

    it('BlobStore.get() reads an inclusive byte range', async () => {
      const bytes = Buffer.from('0123456789abcdef')
      await store.put('blobs/range', Readable.from([bytes]))
      assert.equal(
        (await buffer((await store.get('blobs/range', { start: 3, end: 6 })) as Readable)).toString(),
        '3456',
      )
      assert.equal((await buffer((await store.get('blobs/range', { start: 15, end: 15 })) as Readable)).toString(), 'f')
      // A range running past the end stops at the end.
      assert.equal(
        (await buffer((await store.get('blobs/range', { start: 10, end: 99 })) as Readable)).toString(),
        'abcdef',
      )
      await assert.rejects(store.get('blobs/range', { start: 16, end: 20 }), RangeError)
      await assert.rejects(store.get('blobs/range', { start: 5, end: 2 }), TypeError)
    })

    it('BlobStore.get() and stat() answer null for a missing blob; delete() of one is no error', async () => {
      assert.equal(await store.get('blobs/missing'), null)
      assert.equal(await store.stat('blobs/missing'), null)
      await store.delete('blobs/missing')
    })

    it('BlobStore.delete() removes a blob', async () => {
      await store.put('blobs/gone', Readable.from([Buffer.from('bye')]))
      assert.deepEqual(await store.stat('blobs/gone'), { size: 3 })
      await store.delete('blobs/gone')
      assert.equal(await store.stat('blobs/gone'), null)
      assert.equal(await store.get('blobs/gone'), null)
    })

    it('BlobStore.put() replaces a blob and stores an empty one', async () => {
      await store.put('blobs/again', Readable.from([Buffer.from('first version')]))
      await store.put('blobs/again', Readable.from([Buffer.from('second')]))
      assert.equal((await buffer((await store.get('blobs/again')) as Readable)).toString(), 'second')
      await store.put('blobs/empty', Readable.from([]))
      assert.deepEqual(await store.stat('blobs/empty'), { size: 0 })
      assert.equal((await buffer((await store.get('blobs/empty')) as Readable)).length, 0)
    })

    it('BlobStore.put() of a source that fails leaves no blob, small or multipart', async () => {
      await assert.rejects(store.put('blobs/failed-small', failing(1000)), /client went away/)
      assert.equal(await store.stat('blobs/failed-small'), null)
      await assert.rejects(store.put('blobs/failed-large', failing(11 * 1024 * 1024)), /client went away/)
      assert.equal(await store.stat('blobs/failed-large'), null)
    })

    it("BlobStore.filePath() names a file with the blob's bytes, or null where blobs are no files", async () => {
      await store.put('blobs/on-disk', Readable.from([Buffer.from('in place')]))
      const path = store.filePath('blobs/on-disk')
      if (path !== null) assert.equal(await readFile(path, 'utf8'), 'in place')
      assert.throws(() => store.filePath('../x'), TypeError)
    })

    it('BlobStore refuses keys that are not ours (paths, dots, upper case) with a TypeError', async () => {
      for (const key of ['../etc/passwd', '/abs', 'a/../b', 'A', 'a//b', '', 'a/.hidden', 'a\\b'])
        await assert.rejects(store.put(key, Readable.from([Buffer.from('x')])), TypeError, key)
      await assert.rejects(store.get('../x'), TypeError)
    })

    it('BlobStore.put() writes several blobs at once', async () => {
      const sources = [0, 1, 2, 3].map(() => generated(300_000))
      const sizes = await Promise.all(sources.map((s, i) => store.put(`blobs/many-${i}`, s.stream)))
      assert.deepEqual(
        sizes.map((s) => s.size),
        [300_000, 300_000, 300_000, 300_000],
      )
      for (const [i, s] of sources.entries())
        assert.equal((await sha256Of((await store.get(`blobs/many-${i}`)) as Readable)).sha256, s.sha256())
    })
  })
}
