/** The files and blobs part of the store contract. */
import { describe, it, beforeEach, afterEach } from 'node:test'
import assert from 'node:assert/strict'
import type { Store } from '../ports.ts'
import type { FileRecord } from '../file-records.ts'
import type { OpenStore } from './store-contract.ts'
import { message, room } from './fixtures.ts'

function file(roomId: string, id: string, overrides: Partial<FileRecord> = {}): FileRecord {
  return {
    id,
    roomId,
    seq: null,
    ownerId: 'u1',
    name: `${id}.png`,
    mediaType: 'image/png',
    size: 100,
    blobId: 'b1',
    width: 10,
    height: 20,
    thumbnail: null,
    sourceUrl: null,
    createdAt: 1_700_000_000_000,
    ...overrides,
  }
}

const blob = (id: string, sha256 = `sha-${id}`, size = 100) => ({ id, sha256, size, createdAt: 1_700_000_000_000 })

export function filesContract(backend: string, open: OpenStore, skip?: string): void {
  describe(`Store contract: files and blobs (${backend})`, { skip }, () => {
    let store: Store
    beforeEach(async () => {
      store = await open()
    })
    afterEach(async () => {
      await store.close()
    })

    it('FileRepository.addBlob() keeps one blob per content and answers the kept one for the same hash', async () => {
      assert.deepEqual(await store.files.addBlob(blob('b1', 'aaa')), { id: 'b1', existing: false })
      assert.deepEqual(await store.files.addBlob(blob('b2', 'aaa')), { id: 'b1', existing: true })
      assert.deepEqual(await store.files.blob('b1'), blob('b1', 'aaa'))
      assert.equal(await store.files.blob('b2'), null)
    })

    it('FileRepository.create(), attach(), byId(), byMessage() and listForRoom() keep files by their message', async () => {
      const r = room()
      await store.rooms.create(r)
      await store.files.addBlob(blob('b1'))
      const thumbed = file(r.id, 'f1', { thumbnail: { blobId: 'b1', width: 5, height: 10 } })
      assert.deepEqual(await store.files.create(thumbed, null), { ok: true })
      assert.deepEqual(await store.files.byId('f1'), thumbed)
      assert.deepEqual(await store.files.listForRoom(r.id, null, 10), [], 'pending files are not listed')
      assert.equal(await store.files.attach('f1', 3), true)
      assert.equal(await store.files.attach('f1', 4), false, 'attached once')
      await store.files.create(file(r.id, 'f2', { seq: 7 }), null)
      await store.files.create(file('other-room', 'f3', { seq: 9 }), null)
      assert.deepEqual(
        (await store.files.byMessage(r.id, 3)).map((f) => f.id),
        ['f1'],
      )
      assert.deepEqual(
        (await store.files.listForRoom(r.id, null, 10)).map((f) => [f.id, f.seq]),
        [
          ['f2', 7],
          ['f1', 3],
        ],
      )
      assert.deepEqual(
        (await store.files.listForRoom(r.id, 7, 10)).map((f) => f.id),
        ['f1'],
      )
      assert.deepEqual(
        (await store.files.listForRoom(r.id, null, 1)).map((f) => f.id),
        ['f2'],
      )
      assert.equal(await store.files.byId('missing'), null)
    })

    it('FileRepository.create() refuses past the quota and stores nothing; copies of remote files do not count', async () => {
      await store.files.addBlob(blob('b1'))
      assert.deepEqual(await store.files.create(file('r', 'f1', { size: 600 }), 1000), { ok: true })
      assert.deepEqual(
        await store.files.create(file('r', 'f2', { size: 300, sourceUrl: 'https://x.example/a' }), 1000),
        {
          ok: true,
        },
      )
      assert.equal(await store.files.usage('u1'), 600)
      assert.deepEqual(await store.files.create(file('r', 'f3', { size: 401 }), 1000), {
        ok: false,
        error: { type: 'quota-exceeded', usedBytes: 600 },
      })
      assert.equal(await store.files.byId('f3'), null)
      assert.equal(await store.files.usage('u1'), 600)
      assert.deepEqual(await store.files.create(file('r', 'f4', { size: 400 }), 1000), { ok: true })
      assert.equal(await store.files.usage('u1'), 1000)
      assert.equal(await store.files.usage('someone-else'), 0)
    })

    it('FileRepository.removeBlobIfUnused() keeps a blob while a file or thumbnail refers to it', async () => {
      await store.files.addBlob(blob('b1'))
      await store.files.addBlob(blob('t1'))
      await store.files.create(
        file('r', 'f1', { blobId: 'b1', thumbnail: { blobId: 't1', width: 1, height: 1 } }),
        null,
      )
      await store.files.create(file('r', 'f2', { blobId: 'b1' }), null)
      assert.equal(await store.files.removeBlobIfUnused('b1'), false)
      assert.equal(await store.files.removeBlobIfUnused('t1'), false)
      assert.equal((await store.files.delete('f1'))?.id, 'f1')
      assert.equal(await store.files.delete('f1'), null)
      assert.equal(await store.files.removeBlobIfUnused('t1'), true)
      assert.equal(await store.files.removeBlobIfUnused('b1'), false, 'f2 still shares it')
      await store.files.delete('f2')
      assert.equal(await store.files.removeBlobIfUnused('b1'), true)
      assert.equal(await store.files.blob('b1'), null)
      assert.equal(await store.files.removeBlobIfUnused('b1'), false, 'gone already')
    })

    it('FileRepository.orphans() finds files whose message or room is gone, and uploads left pending', async () => {
      const r = room()
      const deleted = room({ deletedAt: 1_700_000_000_500 })
      await store.rooms.create(r)
      await store.rooms.create(deleted)
      await store.messages.create(message(r.id, 1))
      await store.messages.create(message(r.id, 2, { deletedAt: 1_700_000_000_100 }))
      await store.messages.create(message(deleted.id, 1))
      await store.files.addBlob(blob('b1'))
      await store.files.create(file(r.id, 'live', { seq: 1 }), null)
      await store.files.create(file(r.id, 'tombstoned', { seq: 2 }), null)
      await store.files.create(file(r.id, 'expired', { seq: 3 }), null)
      await store.files.create(file(deleted.id, 'room-deleted', { seq: 1 }), null)
      await store.files.create(file(r.id, 'old-pending', { createdAt: 1000 }), null)
      await store.files.create(file(r.id, 'new-pending', { createdAt: 5000 }), null)
      // A copy of a file of a room hosted elsewhere: no local room; its replica removes it.
      await store.files.create(
        file('https://b.example/rooms/x', 'copy', { seq: 1, sourceUrl: 'https://b.example/f' }),
        null,
      )
      const orphans = (await store.files.orphans(2000, 100)).map((f) => f.id).sort()
      assert.deepEqual(orphans, ['expired', 'old-pending', 'room-deleted', 'tombstoned'])
      assert.equal((await store.files.orphans(2000, 2)).length, 2)
    })

    it('FileRepository.unusedBlobs() lists old blobs no file or thumbnail refers to', async () => {
      await store.files.addBlob({ ...blob('used'), createdAt: 1000 })
      await store.files.addBlob({ ...blob('thumb'), createdAt: 1000 })
      await store.files.addBlob({ ...blob('stray'), createdAt: 1000 })
      await store.files.addBlob({ ...blob('new'), createdAt: 9000 })
      await store.files.create(
        file('r', 'f1', { blobId: 'used', thumbnail: { blobId: 'thumb', width: 1, height: 1 } }),
        null,
      )
      assert.deepEqual(await store.files.unusedBlobs(5000, 10), ['stray'])
      assert.deepEqual((await store.files.unusedBlobs(10_000, 10)).sort(), ['new', 'stray'])
    })

    it('FileRepository.capabilitySecret() keeps the first secret', async () => {
      assert.equal(await store.files.capabilitySecret('first'), 'first')
      assert.equal(await store.files.capabilitySecret('second'), 'first')
    })
  })
}
