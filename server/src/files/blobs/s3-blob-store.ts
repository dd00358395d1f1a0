/**
 * Blobs in an S3-compatible bucket (AWS S3, MinIO, Ceph RGW…) through `@aws-sdk/client-s3`.
 * Writes stream through `@aws-sdk/lib-storage`'s Upload: one PUT for small blobs, a multipart upload
 * of fixed-size parts for large ones, so memory stays at about `partSize × queueSize` whatever the
 * blob's size; a failed write aborts the multipart upload, so no blob appears. Reads are GETs
 * (with a Range when asked), streamed.
 */
import { pipeline, Transform, type Readable } from 'node:stream'
import {
  DeleteObjectCommand,
  GetObjectCommand,
  HeadObjectCommand,
  S3Client,
  S3ServiceException,
} from '@aws-sdk/client-s3'
import { Upload } from '@aws-sdk/lib-storage'
import { checkBlobKey, checkRange, type BlobRange, type BlobStore } from './blob-store.ts'

export type S3BlobStoreOptions = {
  /** e.g. https://s3.eu-west-1.amazonaws.com or http://minio:9000; empty: AWS's default for the region. */
  endpoint: string
  region: string
  bucket: string
  accessKeyId: string
  secretAccessKey: string
  /** Path-style URLs (`endpoint/bucket/key`): what MinIO and most S3-compatible servers need. */
  forcePathStyle: boolean
  /** Prepended to every key (`parley/`), so that one bucket can hold other things too. */
  prefix: string
  /** Bytes per part of a multipart upload (S3's minimum is 5 MiB). */
  partSize?: number
  /** Parts uploaded at once. */
  queueSize?: number
}

const MIB = 1024 * 1024

export class S3BlobStore implements BlobStore {
  readonly kind = 's3'
  readonly #client: S3Client
  readonly #bucket: string
  readonly #prefix: string
  readonly #partSize: number
  readonly #queueSize: number

  constructor(options: S3BlobStoreOptions) {
    this.#client = new S3Client({
      region: options.region,
      ...(options.endpoint ? { endpoint: options.endpoint } : {}),
      forcePathStyle: options.forcePathStyle,
      credentials: { accessKeyId: options.accessKeyId, secretAccessKey: options.secretAccessKey },
      // Checksums only where S3 requires them: several S3-compatible servers refuse the SDK's
      // default trailing CRC checksums (aws-chunked bodies) that AWS itself accepts.
      requestChecksumCalculation: 'WHEN_REQUIRED',
      responseChecksumValidation: 'WHEN_REQUIRED',
    })
    this.#bucket = options.bucket
    this.#prefix = options.prefix
    this.#partSize = Math.max(5 * MIB, options.partSize ?? 8 * MIB)
    this.#queueSize = options.queueSize ?? 2
  }

  #key(key: string): string {
    checkBlobKey(key)
    return `${this.#prefix}${key}`
  }

  async put(key: string, source: Readable, options: { contentType?: string } = {}): Promise<{ size: number }> {
    const Key = this.#key(key)
    let size = 0
    const count = new Transform({
      transform(chunk: Buffer, _encoding, done) {
        size += chunk.length
        done(null, chunk)
      },
    })
    const upload = new Upload({
      client: this.#client,
      params: {
        Bucket: this.#bucket,
        Key,
        // pipeline() passes a failing source's error on, which fails (and aborts) the upload.
        Body: pipeline(source, count, () => {}),
        ContentType: options.contentType ?? 'application/octet-stream',
      },
      partSize: this.#partSize,
      queueSize: this.#queueSize,
      leavePartsOnError: false,
    })
    await upload.done()
    return { size }
  }

  async get(key: string, range?: BlobRange): Promise<Readable | null> {
    checkRange(range)
    try {
      const found = await this.#client.send(
        new GetObjectCommand({
          Bucket: this.#bucket,
          Key: this.#key(key),
          ...(range ? { Range: `bytes=${range.start}-${range.end}` } : {}),
        }),
      )
      return found.Body as Readable
    } catch (error) {
      if (isS3Error(error, 'NoSuchKey', 404)) return null
      if (isS3Error(error, 'InvalidRange', 416)) throw new RangeError(`range starts past the end of ${key}`)
      throw error
    }
  }

  /** Objects live in the bucket, not on this machine. */
  filePath(key: string): null {
    checkBlobKey(key)
    return null
  }

  async stat(key: string): Promise<{ size: number } | null> {
    try {
      const found = await this.#client.send(new HeadObjectCommand({ Bucket: this.#bucket, Key: this.#key(key) }))
      return { size: found.ContentLength ?? 0 }
    } catch (error) {
      if (isS3Error(error, 'NotFound', 404)) return null
      throw error
    }
  }

  async delete(key: string): Promise<void> {
    await this.#client.send(new DeleteObjectCommand({ Bucket: this.#bucket, Key: this.#key(key) }))
  }

  async close(): Promise<void> {
    this.#client.destroy()
  }
}

function isS3Error(error: unknown, name: string, status: number): boolean {
  return error instanceof S3ServiceException && (error.name === name || error.$metadata.httpStatusCode === status)
}
