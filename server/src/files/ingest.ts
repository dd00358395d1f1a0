/**
 * Turns an incoming byte stream into a kept blob, without ever holding it whole: the bytes flow
 * through a meter (which counts them, hashes them and keeps the first few kilobytes for type
 * detection) straight into the blob store. Past `maxBytes` the stream is cut and the partial blob
 * dropped, so an oversize upload leaves nothing behind. Then the type is decided from the content;
 * raster images get their size, a thumbnail and (unless kept) their location removed, decoded
 * from a file on disk and re-encoded to one, so images are not held whole either. Blobs are
 * kept once per content: a second upload of the same bytes refers to the first blob.
 */
import { createHash, randomUUID } from 'node:crypto'
import { createReadStream, createWriteStream } from 'node:fs'
import { mkdir, rm } from 'node:fs/promises'
import { join } from 'node:path'
import { pipeline, Readable, Transform } from 'node:stream'
import { pipeline as pipe } from 'node:stream/promises'
import type { BlobStore } from './blobs/blob-store.ts'
import type { FileRepository } from '../store/file-records.ts'
import { decideType, RASTER_IMAGES, SNIFF_BYTES } from './media-types.ts'
import { inspectImage, thumbnail, withoutLocation } from './image-processing.ts'

export const blobKey = (blobId: string) => `blobs/${blobId}`

export class FileTooLargeError extends Error {
  constructor(maxBytes: number) {
    super(`the file is larger than ${maxBytes} bytes`)
    this.name = 'FileTooLargeError'
  }
}

/** Counts, hashes and samples what flows through; fails past `maxBytes`. */
class Meter extends Transform {
  readonly #hash = createHash('sha256')
  readonly #head: Buffer[] = []
  #headBytes = 0
  #bytes = 0
  readonly #maxBytes: number

  constructor(maxBytes: number) {
    super()
    this.#maxBytes = maxBytes
  }

  override _transform(chunk: Buffer, _encoding: BufferEncoding, done: (error?: Error | null, data?: Buffer) => void) {
    this.#bytes += chunk.length
    if (this.#bytes > this.#maxBytes) return done(new FileTooLargeError(this.#maxBytes))
    if (this.#headBytes < SNIFF_BYTES) {
      const part = chunk.subarray(0, SNIFF_BYTES - this.#headBytes)
      this.#head.push(Buffer.from(part))
      this.#headBytes += part.length
    }
    this.#hash.update(chunk)
    done(null, chunk)
  }

  result() {
    return { size: this.#bytes, sha256: this.#hash.digest('hex'), head: Buffer.concat(this.#head) }
  }
}

export type IngestLimits = { maxBytes: number; maxImagePixels: number }

export type Ingested = {
  blobId: string
  size: number
  mediaType: string
  width: number | null
  height: number | null
  thumbnail: { blobId: string; width: number; height: number } | null
  /** The bytes were re-encoded without location data. */
  locationRemoved: boolean
}

export type IngestError =
  | { type: 'file-too-large'; details: { maxBytes: number } }
  | { type: 'file-type-mismatch'; details: { declared: string; detected: string } }
  | { type: 'image-too-large'; details: { maxPixels: number } }
  | { type: 'image-invalid' }

export type IngestResult = { ok: true; value: Ingested } | { ok: false; error: IngestError }

export class Ingest {
  readonly #blobs: BlobStore
  readonly #files: FileRepository
  readonly #now: () => number
  readonly #workDir: string

  constructor(deps: {
    blobs: BlobStore
    files: FileRepository
    now: () => number
    /** Where images are copied (from S3) and re-encoded while they are processed; emptied as each is done. */
    workDir: string
  }) {
    this.#blobs = deps.blobs
    this.#files = deps.files
    this.#now = deps.now
    this.#workDir = deps.workDir
  }

  /**
   * Stores `source` and describes it. Blobs it made are recorded (and so collectable): the caller
   * must `release()` the result's blobs if it does not go on to keep a file referring to them.
   */
  async ingest(
    source: Readable,
    options: IngestLimits & { declaredType: string | null; keepLocation: boolean },
  ): Promise<IngestResult> {
    const id = randomUUID()
    const meter = new Meter(options.maxBytes)
    // Errors either way end both: the source's reach the blob store's write, the meter's stop the source.
    const metered = pipeline(source, meter, () => {})
    try {
      await this.#blobs.put(blobKey(id), metered)
    } catch (error) {
      if (error instanceof FileTooLargeError || meter.errored instanceof FileTooLargeError)
        return { ok: false, error: { type: 'file-too-large', details: { maxBytes: options.maxBytes } } }
      throw error
    }
    const { size, sha256, head } = meter.result()
    const type = await decideType(head, options.declaredType)
    if (!type.ok) {
      await this.#blobs.delete(blobKey(id))
      return {
        ok: false,
        error: { type: 'file-type-mismatch', details: { declared: type.declared, detected: type.detected } },
      }
    }
    const mediaType = type.mediaType
    if (!RASTER_IMAGES.has(mediaType)) {
      const blobId = await this.#keep(id, sha256, size)
      return {
        ok: true,
        value: { blobId, size, mediaType, width: null, height: null, thumbnail: null, locationRemoved: false },
      }
    }
    return this.#image(id, size, sha256, mediaType, options)
  }

  async #image(
    id: string,
    size: number,
    sha256: string,
    mediaType: string,
    options: IngestLimits & { keepLocation: boolean },
  ): Promise<IngestResult> {
    // libvips reads the image from a file (the blob itself on local disk, else a work copy) and
    // writes a re-encoded one to a file: never a Buffer of the whole image (see image-processing.ts).
    const work: string[] = []
    try {
      const source = await this.#onDisk(id, work)
      const facts = await inspectImage(source, options.maxImagePixels)
      const refuse = async (error: 'image-too-large' | 'image-invalid'): Promise<IngestResult> => {
        await this.#blobs.delete(blobKey(id))
        return {
          ok: false,
          error:
            error === 'image-too-large'
              ? { type: error, details: { maxPixels: options.maxImagePixels } }
              : { type: error },
        }
      }
      if (!facts.ok) return refuse(facts.error)
      let blobId = id
      let image = source
      let locationRemoved = false
      let finalSize = size
      let finalSha = sha256
      if (facts.value.hasLocation && !options.keepLocation) {
        const cleanPath = await this.#workFile(work)
        const clean = await withoutLocation(source, cleanPath, mediaType, facts.value, options.maxImagePixels)
        if (!clean.ok) return refuse(clean.error)
        await this.#blobs.delete(blobKey(id))
        blobId = randomUUID()
        const meter = new Meter(Number.MAX_SAFE_INTEGER)
        await this.#blobs.put(
          blobKey(blobId),
          pipeline(createReadStream(cleanPath), meter, () => {}),
          {
            contentType: mediaType,
          },
        )
        ;({ size: finalSize, sha256: finalSha } = meter.result())
        image = cleanPath
        locationRemoved = true
      }
      const thumb = await thumbnail(image, options.maxImagePixels)
      if (!thumb.ok) {
        await this.#blobs.delete(blobKey(blobId))
        return refuse(thumb.error)
      }
      const thumbId = randomUUID()
      await this.#blobs.put(blobKey(thumbId), Readable.from([thumb.value.data]), { contentType: 'image/webp' })
      const keptThumb = await this.#keep(
        thumbId,
        createHash('sha256').update(thumb.value.data).digest('hex'),
        thumb.value.data.length,
      )
      const kept = await this.#keep(blobId, finalSha, finalSize)
      return {
        ok: true,
        value: {
          blobId: kept,
          size: finalSize,
          mediaType,
          width: facts.value.width,
          height: facts.value.height,
          thumbnail: { blobId: keptThumb, width: thumb.value.width, height: thumb.value.height },
          locationRemoved,
        },
      }
    } finally {
      await Promise.all(work.map((path) => rm(path, { force: true })))
    }
  }

  /** A file holding blob `id`: the blob's own where the store keeps files, else a work copy streamed from the store. */
  async #onDisk(id: string, work: string[]): Promise<string> {
    const inPlace = this.#blobs.filePath(blobKey(id))
    if (inPlace) return inPlace
    const stored = await this.#blobs.get(blobKey(id))
    if (!stored) throw new Error(`blob ${id} vanished while being processed`)
    const path = await this.#workFile(work)
    await pipe(stored, createWriteStream(path, { flags: 'wx' }))
    return path
  }

  /** A new path in the work folder, listed in `work` to be removed once the image is done. */
  async #workFile(work: string[]): Promise<string> {
    await mkdir(this.#workDir, { recursive: true })
    const path = join(this.#workDir, randomUUID())
    work.push(path)
    return path
  }

  /** Records the blob; when the same content is kept already, drops these bytes and answers that blob. */
  async #keep(id: string, sha256: string, size: number): Promise<string> {
    const kept = await this.#files.addBlob({ id, sha256, size, createdAt: this.#now() })
    if (kept.existing) await this.#blobs.delete(blobKey(id))
    return kept.id
  }
}
