/**
 * The child side of ingest-memory.test.ts, in its own process so that its memory is its own: a test
 * instance (local disk, or S3 on the stand-in whose options the test passes) ingests the image file
 * it is given through `Ingest` from a file stream, as an upload arrives, while its memory is
 * sampled. Sends back the result and the peak growth of its private resident memory (RssAnon:
 * libvips maps the file it reads, and those shared page-cache pages are not the process's) and of
 * Node's ArrayBuffer memory (where a Buffer of the whole file would be), both sampled after a
 * garbage collection.
 */
import { createReadStream, readFileSync } from 'node:fs'
import type { Readable } from 'node:stream'
import { buffer } from 'node:stream/consumers'
import sharp from 'sharp'
import { Ingest } from '../files/ingest.ts'
import { imageWorkDir } from '../files/files-setup.ts'
import { S3BlobStore, type S3BlobStoreOptions } from '../files/blobs/s3-blob-store.ts'
import { startTestInstance } from './test-instance.ts'

const [path = '', warmUpPath = '', s3Options = ''] = process.argv.slice(2)
const MIB = 1024 * 1024

/** Private resident memory in bytes (Linux). */
function anonymous(): number {
  const kb = /RssAnon:\s+(\d+)/.exec(readFileSync('/proc/self/status', 'utf8'))?.[1]
  return Number(kb) * 1024
}

const blobs = s3Options ? new S3BlobStore(JSON.parse(s3Options) as S3BlobStoreOptions) : undefined
const t = await startTestInstance(blobs ? { blobs } : {})
const ingest = new Ingest({
  blobs: t.instance.files.blobs,
  files: t.store.files,
  now: Date.now,
  workDir: imageWorkDir(t.config),
})
const limits = { maxBytes: 200 * MIB, maxImagePixels: t.config.filesMaxImagePixels, keepLocation: false }
// Warm up (sharp and libvips load, their codecs initialise), so that the peak measures the image alone.
const warm = await ingest.ingest(createReadStream(warmUpPath), { ...limits, declaredType: null })
if (!warm.ok) throw new Error(`warm-up refused: ${JSON.stringify(warm.error)}`)
global.gc?.()
const before = { anonymous: anonymous(), arrayBuffers: process.memoryUsage().arrayBuffers }
const peak = { ...before }
// Each sample collects young garbage first (a scavenge: cheap): what is measured is memory held,
// not 1 MiB chunks already passed on and waiting for a collection.
const sample = () => {
  ;(global.gc as unknown as ((options: { type: 'minor' }) => void) | undefined)?.({ type: 'minor' })
  peak.anonymous = Math.max(peak.anonymous, anonymous())
  peak.arrayBuffers = Math.max(peak.arrayBuffers, process.memoryUsage().arrayBuffers)
}
const sampler = setInterval(sample, 20)
const result = await ingest.ingest(createReadStream(path, { highWaterMark: MIB }), {
  ...limits,
  declaredType: 'image/jpeg',
})
sample()
clearInterval(sampler)
// What was kept, read back once measuring is over: its format, size in pixels, and whether any EXIF is left.
let kept: { format: string | undefined; width: number | undefined; exif: boolean } | null = null
if (result.ok) {
  const stream = await t.instance.files.blobs.get(`blobs/${result.value.blobId}`)
  const meta = await sharp(await buffer(stream as Readable)).metadata()
  kept = { format: meta.format, width: meta.width, exif: meta.exif !== undefined }
}
process.send?.({
  result,
  kept,
  anonymousGrowth: peak.anonymous - before.anonymous,
  arrayBuffersGrowth: peak.arrayBuffers - before.arrayBuffers,
})
await t.close()
process.disconnect?.()
