/**
 * Files benchmark: upload and download throughput of one large file (200 MB by default) through a
 * real Parley instance on each blob backend — local disk, and S3 on the stand-in
 * (@20minutes/s3rver; no S3 server installs here) — beside, in the same run, the raw baselines: a
 * streamed disk copy of the same file, and a raw S3 PUT (the SDK's multipart upload, same part size)
 * and GET to the same stand-in. The server runs in its own process; its peak resident memory above
 * its idle level is printed for each transfer, for a small file and the large one: streaming keeps
 * it flat (it does not grow with the file), buffering would not.
 *
 *   npm run bench:files
 *   BENCH_FILE_MB=500 npm run bench:files
 */
import { fork, type ChildProcess } from 'node:child_process'
import { createHash, randomBytes } from 'node:crypto'
import { createReadStream, createWriteStream, openAsBlob } from 'node:fs'
import { mkdtemp, rm, stat } from 'node:fs/promises'
import { tmpdir, cpus, loadavg } from 'node:os'
import { join } from 'node:path'
import { performance } from 'node:perf_hooks'
import { Readable, Writable } from 'node:stream'
import { pipeline } from 'node:stream/promises'
import { fileURLToPath } from 'node:url'
import { GetObjectCommand, S3Client } from '@aws-sdk/client-s3'
import { Upload } from '@aws-sdk/lib-storage'
import { ParleyClient } from '@parley/client'
import { startS3StandIn } from '@parley/server/testing/s3-stand-in'

// eslint-disable-next-line no-restricted-properties -- the benchmark's own knob, not server configuration
const FILE_MB = Number(process.env.BENCH_FILE_MB ?? 200)
const SMALL_MB = 20
const MB = 1024 * 1024
const PART = 8 * MB

type Ready = { type: 'ready'; port: number; token: string; roomId: string }

async function makeFile(path: string, bytes: number): Promise<string> {
  const hash = createHash('sha256')
  let left = bytes
  await pipeline(
    new Readable({
      read() {
        if (left === 0) return void this.push(null)
        const chunk = randomBytes(Math.min(MB, left))
        left -= chunk.length
        hash.update(chunk)
        this.push(chunk)
      },
    }),
    createWriteStream(path),
  )
  return hash.digest('hex')
}

/** Consumes a stream; with `hash`, hashes it (the timed runs only count, as a disk copy does not hash). */
async function drain(stream: Readable | ReadableStream<Uint8Array>, hash = false): Promise<string> {
  const digest = createHash('sha256')
  let bytes = 0
  const source = stream instanceof Readable ? stream : Readable.fromWeb(stream as never)
  await pipeline(
    source,
    new Writable({
      write(chunk: Buffer, _encoding, done) {
        if (hash) digest.update(chunk)
        bytes += chunk.length
        done()
      },
    }),
  )
  return hash ? digest.digest('hex') : String(bytes)
}

async function timed<T>(fn: () => Promise<T>): Promise<{ value: T; seconds: number }> {
  const start = performance.now()
  const value = await fn()
  return { value, seconds: (performance.now() - start) / 1000 }
}

function startServer(backend: 'local' | 's3', endpoint: string): Promise<{ child: ChildProcess; ready: Ready }> {
  const child = fork(fileURLToPath(new URL('./files-server.ts', import.meta.url)), [backend, endpoint], {
    execArgv: ['--disable-warning=ExperimentalWarning', '--expose-gc'],
    stdio: ['ignore', 'inherit', 'inherit', 'ipc'],
  })
  return new Promise((resolve, reject) => {
    child.once('message', (message) => resolve({ child, ready: message as Ready }))
    child.once('exit', (code) => reject(new Error(`bench server exited with ${code}`)))
  })
}

function ask<T>(child: ChildProcess, type: string): Promise<T> {
  return new Promise((resolve) => {
    child.once('message', (m) => resolve(m as T))
    child.send({ type })
  })
}

/** Runs `fn` and answers the server's peak resident memory above its level just before, in MiB. */
async function withPeak<T>(child: ChildProcess, fn: () => Promise<T>): Promise<{ value: T; growthMb: number }> {
  const { rss } = await ask<{ rss: number }>(child, 'mark')
  const value = await fn()
  const { peak } = await ask<{ peak: number }>(child, 'peak')
  return { value, growthMb: (peak - rss) / MB }
}

/** A multipart body streamed from the file (one request, as a browser form sends it). */
function multipartBody(path: string, size: number, name: string) {
  const boundary = '----parleybench'
  const head = Buffer.from(
    `--${boundary}\r\nContent-Disposition: form-data; name="file"; filename="${name}"\r\nContent-Type: application/octet-stream\r\n\r\n`,
  )
  const tail = Buffer.from(`\r\n--${boundary}--\r\n`)
  async function* parts() {
    yield head
    yield* createReadStream(path, { highWaterMark: MB })
    yield tail
  }
  return {
    body: Readable.toWeb(Readable.from(parts())) as ReadableStream,
    length: head.length + size + tail.length,
    type: `multipart/form-data; boundary=${boundary}`,
  }
}

const row = (what: string, mbPerSecond: number, baseline: number | null, growth: number | null) =>
  console.log(
    `  ${what.padEnd(44)} ${mbPerSecond.toFixed(1).padStart(8)} MB/s${
      baseline === null ? ''.padStart(10) : `  ${(mbPerSecond / baseline).toFixed(2).padStart(5)}×raw`
    }${growth === null ? '' : `   server peak +${growth.toFixed(0)} MiB`}`,
  )

async function main(): Promise<void> {
  const dir = await mkdtemp(join(tmpdir(), 'parley-bench-files-'))
  const s3 = await startS3StandIn('bench')
  try {
    console.log(
      `files bench: ${FILE_MB} MB file (and ${SMALL_MB} MB to show memory does not grow with size); ${cpus().length} cores, load ${loadavg()[0]?.toFixed(2)}`,
    )
    const big = join(dir, 'big.bin')
    const small = join(dir, 'small.bin')
    const bigSha = await makeFile(big, FILE_MB * MB)
    const smallSha = await makeFile(small, SMALL_MB * MB)
    const size = (await stat(big)).size

    // Raw baselines, same run.
    const copy = await timed(() =>
      pipeline(createReadStream(big, { highWaterMark: MB }), createWriteStream(join(dir, 'copy.bin'))),
    )
    await rm(join(dir, 'copy.bin'))
    const rawDisk = FILE_MB / copy.seconds
    const client = new S3Client({
      endpoint: s3.endpoint,
      region: 'us-east-1',
      forcePathStyle: true,
      credentials: { accessKeyId: 'S3RVER', secretAccessKey: 'S3RVER' },
      requestChecksumCalculation: 'WHEN_REQUIRED',
      responseChecksumValidation: 'WHEN_REQUIRED',
    })
    const put = await timed(() =>
      new Upload({
        client,
        params: { Bucket: 'bench', Key: 'raw', Body: createReadStream(big) },
        partSize: PART,
        queueSize: 2,
      }).done(),
    )
    const get = await timed(async () =>
      drain((await client.send(new GetObjectCommand({ Bucket: 'bench', Key: 'raw' }))).Body as Readable),
    )
    if (get.value !== String(size)) throw new Error('raw S3 GET gave another size')
    client.destroy()
    const rawPut = FILE_MB / put.seconds
    const rawGet = FILE_MB / get.seconds
    console.log('raw baselines')
    row('disk copy (streamed read → write)', rawDisk, null, null)
    row('S3 PUT (SDK multipart, 8 MiB parts)', rawPut, null, null)
    row('S3 GET (streamed)', rawGet, null, null)

    for (const backend of ['local', 's3'] as const) {
      const { child, ready } = await startServer(backend, s3.endpoint)
      try {
        const base = `http://127.0.0.1:${ready.port}`
        const parley = new ParleyClient({ baseUrl: base, auth: { token: ready.token } })
        const uploadBaseline = backend === 'local' ? rawDisk : rawPut
        const downloadBaseline = backend === 'local' ? rawDisk : rawGet
        console.log(`Parley, ${backend === 'local' ? 'local disk' : 'S3 (stand-in)'}`)
        for (const [path, sha, mb] of [
          [small, smallSha, SMALL_MB],
          [big, bigSha, FILE_MB],
        ] as const) {
          const tus = await withPeak(child, () =>
            timed(async () =>
              parley.files.upload(ready.roomId, await openAsBlob(path), { name: 'f.bin', chunkSize: PART }),
            ),
          )
          row(`upload ${mb} MB, resumable (tus, 8 MiB chunks)`, mb / tus.value.seconds, uploadBaseline, tus.growthMb)
          const form = multipartBody(path, mb * MB, 'f.bin')
          const multipart = await withPeak(child, () =>
            timed(async () => {
              const response = await fetch(`${base}/api/v1/rooms/${ready.roomId}/files`, {
                method: 'POST',
                headers: {
                  authorization: `Bearer ${ready.token}`,
                  'content-type': form.type,
                  'content-length': String(form.length),
                },
                body: form.body,
                duplex: 'half',
              } as RequestInit)
              if (response.status !== 201)
                throw new Error(`multipart upload: ${response.status} ${await response.text()}`)
              return response.json()
            }),
          )
          row(
            `upload ${mb} MB, one multipart request`,
            mb / multipart.value.seconds,
            uploadBaseline,
            multipart.growthMb,
          )
          const file = tus.value.value.file!
          const download = await withPeak(child, () =>
            timed(async () => drain((await parley.files.download(file)).body)),
          )
          if (download.value.value !== String(mb * MB)) throw new Error('the download gave another size')
          // The bytes themselves, once, untimed.
          if ((await drain((await parley.files.download(file)).body, true)) !== sha)
            throw new Error('the download gave other bytes')
          row(`download ${mb} MB`, mb / download.value.seconds, downloadBaseline, download.growthMb)
        }
      } finally {
        child.send({ type: 'stop' })
        await new Promise((resolve) => child.once('exit', resolve))
      }
    }
    console.log(`(${size} bytes each; the server's peak is its resident memory above its level before the transfer)`)
  } finally {
    await s3.stop()
    await rm(dir, { recursive: true, force: true })
  }
}

await main()
