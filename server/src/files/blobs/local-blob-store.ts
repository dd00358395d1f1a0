/**
 * Blobs as files under one folder (by default `<dataDir>/files`). A blob is written to a partial
 * file first and renamed into place once complete and flushed, so a reader never sees half a blob
 * and a crash leaves only partial files behind (cleared at the next start of a write there).
 */
import { createReadStream, createWriteStream } from 'node:fs'
import { mkdir, open, rename, rm, stat } from 'node:fs/promises'
import { dirname, join } from 'node:path'
import { randomUUID } from 'node:crypto'
import { Transform, type Readable } from 'node:stream'
import { pipeline } from 'node:stream/promises'
import { checkBlobKey, checkRange, type BlobRange, type BlobStore } from './blob-store.ts'

const PARTIAL = '.partial'

export class LocalBlobStore implements BlobStore {
  readonly kind = 'local'
  readonly #root: string

  constructor(root: string) {
    this.#root = root
  }

  get root(): string {
    return this.#root
  }

  #path(key: string): string {
    checkBlobKey(key)
    return join(this.#root, key)
  }

  async put(key: string, source: Readable): Promise<{ size: number }> {
    const target = this.#path(key)
    const partial = join(this.#root, PARTIAL, randomUUID())
    await mkdir(dirname(partial), { recursive: true })
    let size = 0
    const count = new Transform({
      transform(chunk: Buffer, _encoding, done) {
        size += chunk.length
        done(null, chunk)
      },
    })
    try {
      await pipeline(source, count, createWriteStream(partial, { flags: 'wx' }))
      // Flushed before it is renamed into place: a crash must not leave a complete-looking empty blob.
      const handle = await open(partial, 'r')
      try {
        await handle.sync()
      } finally {
        await handle.close()
      }
      await mkdir(dirname(target), { recursive: true })
      await rename(partial, target)
      return { size }
    } catch (error) {
      await rm(partial, { force: true })
      throw error
    }
  }

  async get(key: string, range?: BlobRange): Promise<Readable | null> {
    checkRange(range)
    const path = this.#path(key)
    const found = await this.stat(key)
    if (!found) return null
    if (range && range.start >= found.size) throw new RangeError(`range starts past the end of ${key}`)
    return createReadStream(path, range ? { start: range.start, end: range.end } : {})
  }

  filePath(key: string): string {
    return this.#path(key)
  }

  async stat(key: string): Promise<{ size: number } | null> {
    try {
      const found = await stat(this.#path(key))
      return found.isFile() ? { size: found.size } : null
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code === 'ENOENT') return null
      throw error
    }
  }

  async delete(key: string): Promise<void> {
    await rm(this.#path(key), { force: true })
  }

  async close(): Promise<void> {}
}
