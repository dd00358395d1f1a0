/**
 * The one blob interface files are kept behind (DESIGN.md §2.10): local disk (the embedded default,
 * under the data folder) or S3-compatible object storage. Blobs are written and read as streams,
 * never held whole in memory; keys are ours (made by the file service), never a client's text.
 * Both backends pass one contract suite (blob-store-contract.ts).
 */
import type { Readable } from 'node:stream'

/** An inclusive byte range, as HTTP Range headers name one. */
export type BlobRange = { start: number; end: number }

export interface BlobStore {
  /** `local` or `s3`, for logs and `parley doctor`. */
  readonly kind: string
  /**
   * Writes `source` under `key`, replacing what was there. Resolves with the bytes written once the
   * blob is complete and readable; on any error (the source's too) rejects and leaves no blob.
   */
  put(key: string, source: Readable, options?: { contentType?: string }): Promise<{ size: number }>
  /** The blob (or the range of it) as a stream; null when there is no such blob. */
  get(key: string, range?: BlobRange): Promise<Readable | null>
  /**
   * The file on this machine's disk that holds the blob, when the backend keeps blobs as files
   * (local disk), so a reader that needs a path (libvips decoding an image) reads it in place; null
   * when it does not (S3). Only to read; the key is not checked for a blob behind it.
   */
  filePath(key: string): string | null
  /** The blob's size; null when there is no such blob. */
  stat(key: string): Promise<{ size: number } | null>
  /** Removes the blob; removing one that is not there is no error. */
  delete(key: string): Promise<void>
  close(): Promise<void>
}

/** Keys are lowercase paths of our own making: letters, digits, `-`, `_`, `/` between segments. */
const KEY = /^[a-z0-9][a-z0-9_-]*(\/[a-z0-9][a-z0-9_-]*)*$/

export function checkBlobKey(key: string): void {
  if (!KEY.test(key) || key.length > 512) throw new TypeError(`invalid blob key: ${JSON.stringify(key)}`)
}

export function checkRange(range: BlobRange | undefined): void {
  if (!range) return
  const { start, end } = range
  if (!Number.isSafeInteger(start) || !Number.isSafeInteger(end) || start < 0 || end < start)
    throw new TypeError(`invalid blob range: ${start}-${end}`)
}
