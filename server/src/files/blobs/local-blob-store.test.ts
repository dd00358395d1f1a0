import { mkdtemp, readdir, rm } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { it } from 'node:test'
import assert from 'node:assert/strict'
import { Readable } from 'node:stream'
import { blobStoreContract } from './blob-store-contract.ts'
import { LocalBlobStore } from './local-blob-store.ts'

blobStoreContract('local disk', async () => {
  const root = await mkdtemp(join(tmpdir(), 'parley-blobs-'))
  return { store: new LocalBlobStore(join(root, 'files')), close: () => rm(root, { recursive: true, force: true }) }
})

it('LocalBlobStore leaves no partial file behind when a write fails', async () => {
  const root = await mkdtemp(join(tmpdir(), 'parley-blobs-'))
  try {
    const store = new LocalBlobStore(root)
    const source = new Readable({
      read() {
        this.destroy(new Error('gone'))
      },
    })
    await assert.rejects(store.put('blobs/x', source), /gone/)
    assert.deepEqual(await readdir(join(root, '.partial')), [])
  } finally {
    await rm(root, { recursive: true, force: true })
  }
})
