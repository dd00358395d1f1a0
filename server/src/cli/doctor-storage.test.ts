// `parley doctor` against the S3 stand-in (@20minutes/s3rver, testing/s3-stand-in.ts; no S3 server
// such as MinIO installs here): the real SDK over HTTP with signed requests.
import { after, before, describe, it } from 'node:test'
import assert from 'node:assert/strict'
import { mkdtempSync, readdirSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { runParley } from '../testing/run-parley.ts'
import { startS3StandIn, type S3StandIn } from '../testing/s3-stand-in.ts'

describe('parley doctor checks S3 file storage (S3 stand-in)', () => {
  let s3: S3StandIn
  let dir: string
  let env: Record<string, string>

  before(async () => {
    s3 = await startS3StandIn('doctor-bucket')
    dir = mkdtempSync(join(tmpdir(), 'parley-doctor-s3-'))
    env = {
      PARLEY_DATA_DIR: dir,
      PARLEY_FILES_STORAGE: 's3',
      PARLEY_FILES_S3_ENDPOINT: s3.endpoint,
      PARLEY_FILES_S3_BUCKET: 'doctor-bucket',
      PARLEY_FILES_S3_ACCESS_KEY_ID: s3.options.accessKeyId,
      PARLEY_FILES_S3_SECRET_ACCESS_KEY: s3.options.secretAccessKey,
      PARLEY_FILES_S3_FORCE_PATH_STYLE: 'true',
    }
    await runParley(['migrate'], env)
  })
  after(async () => {
    await s3?.stop()
    rmSync(dir, { recursive: true, force: true })
  })

  it('parley doctor writes, reads back and deletes a probe object in the bucket, and leaves nothing there', async () => {
    const run = await runParley(['doctor'], env)
    assert.equal(run.code, 0, run.stdout + run.stderr)
    assert.match(
      run.stdout,
      /✔ S3 storage works \(bucket doctor-bucket at http:\/\/127\.0\.0\.1:\d+: write, read and delete of a probe object\)/,
    )
    assert.deepEqual(objectsIn(s3), [])
  })

  it('parley doctor fails in words on a missing bucket and on credentials the server refuses', async () => {
    const missing = await runParley(['doctor'], { ...env, PARLEY_FILES_S3_BUCKET: 'no-such-bucket' })
    assert.equal(missing.code, 1)
    assert.match(
      missing.stdout,
      /✘ S3 storage \(bucket no-such-bucket at .*\): a probe object cannot be written: NoSuchBucket, HTTP 404/,
    )
    const forged = await runParley(['doctor'], { ...env, PARLEY_FILES_S3_SECRET_ACCESS_KEY: 'not-the-secret' })
    assert.equal(forged.code, 1)
    assert.match(forged.stdout, /✘ S3 storage .*a probe object cannot be written: SignatureDoesNotMatch, HTTP 403/)
    assert.match(forged.stdout, /1 problem found\./)
  })

  it('parley doctor fails when the S3 endpoint does not answer', async () => {
    const gone = await runParley(['doctor'], { ...env, PARLEY_FILES_S3_ENDPOINT: 'http://127.0.0.1:1' })
    assert.equal(gone.code, 1)
    assert.match(
      gone.stdout,
      /✘ S3 storage \(bucket doctor-bucket at http:\/\/127\.0\.0\.1:1\): the endpoint does not answer: connect ECONNREFUSED/,
    )
  })
})

/** The objects s3rver keeps for the stand-in's bucket (its folder per bucket). */
function objectsIn(s3: S3StandIn): string[] {
  const folder = join(s3.directory, 'doctor-bucket')
  const walk = (path: string): string[] =>
    readdirSync(path, { withFileTypes: true }).flatMap((e) =>
      e.isDirectory() ? walk(join(path, e.name)) : [join(path, e.name)],
    )
  return walk(folder)
}
