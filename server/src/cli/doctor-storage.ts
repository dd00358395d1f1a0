/**
 * `parley doctor`'s check of where shared files are kept. With S3 (filesStorage s3) it does what
 * serving files does, on a probe object of its own: an object is written (the endpoint answers, the
 * bucket exists, the credentials are accepted), read back byte for byte and deleted (so the key's
 * policy allows all three). No HEAD of the bucket: it needs s3:ListBucket, which Parley does not
 * otherwise need, and S3-compatible servers answer it unevenly. Each step says in words what failed.
 */
import { randomBytes } from 'node:crypto'
import { Readable } from 'node:stream'
import type { Config } from '../config/schema.ts'
import { S3BlobStore } from '../files/blobs/s3-blob-store.ts'
import { openBlobStore } from '../files/files-setup.ts'

export type StorageCheck = { status: 'ok' | 'warn' | 'fail'; text: string }

/** How long one S3 request may take before the check calls the bucket unreachable. */
const STEP_TIMEOUT_MS = 8000

export async function storageChecks(config: Config): Promise<StorageCheck[]> {
  if (config.filesStorage !== 's3') return []
  const where = `bucket ${config.filesS3Bucket} at ${config.filesS3Endpoint || `AWS S3 (${config.filesS3Region})`}`
  if (!config.filesS3Bucket)
    return [{ status: 'fail', text: 'filesStorage is s3 but PARLEY_FILES_S3_BUCKET is empty: name the bucket' }]
  const store = await openBlobStore(config)
  if (!(store instanceof S3BlobStore)) return []
  const probe = `doctor-probe/${randomBytes(8).toString('hex')}`
  const content = randomBytes(64)
  const step = async <T>(what: string, work: () => Promise<T>): Promise<T> => {
    try {
      return await withTimeout(work(), STEP_TIMEOUT_MS)
    } catch (error) {
      // No HTTP answer at all (refused, no route, timeout): the endpoint, not the bucket or the key.
      const answered = (error as { $metadata?: { httpStatusCode?: number } }).$metadata?.httpStatusCode !== undefined
      throw new Error(`${answered ? what : 'the endpoint does not answer'}: ${describe(error)}`)
    }
  }
  try {
    await step('a probe object cannot be written', () => store.put(probe, Readable.from([content])))
    const read = await step('the probe object cannot be read back', async () => {
      const stream = await store.get(probe)
      if (!stream) throw new Error('it is not there after writing it')
      const chunks: Buffer[] = []
      for await (const chunk of stream) chunks.push(Buffer.from(chunk as Uint8Array))
      return Buffer.concat(chunks)
    })
    if (!read.equals(content)) throw new Error('the probe object read back is not what was written')
    await step('the probe object cannot be deleted', async () => {
      await store.delete(probe)
      if (await store.stat(probe)) throw new Error('it is still there after deleting it')
    })
    return [{ status: 'ok', text: `S3 storage works (${where}: write, read and delete of a probe object)` }]
  } catch (error) {
    return [
      {
        status: 'fail',
        text: `S3 storage (${where}): ${(error as Error).message}. Check PARLEY_FILES_S3_ENDPOINT, _REGION, _BUCKET, the access key and its permissions (s3:PutObject, GetObject, DeleteObject on ${config.filesS3Prefix || ''}*), and PARLEY_FILES_S3_FORCE_PATH_STYLE for MinIO-like servers`,
      },
    ]
  } finally {
    await store.close()
  }
}

/** The S3 error's name and status when it has them (NoSuchBucket, AccessDenied, SignatureDoesNotMatch…). */
function describe(error: unknown): string {
  const e = error as { name?: string; message?: string; $metadata?: { httpStatusCode?: number } }
  const status = e.$metadata?.httpStatusCode
  const name = e.name && e.name !== 'Error' ? e.name : null
  return [name, status ? `HTTP ${status}` : null, e.message && e.message !== name ? e.message : null]
    .filter(Boolean)
    .join(', ')
}

function withTimeout<T>(promise: Promise<T>, ms: number): Promise<T> {
  let timer: NodeJS.Timeout | undefined
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error(`no answer within ${ms / 1000}s`)), ms)
  })
  return Promise.race([promise, timeout]).finally(() => clearTimeout(timer))
}
