import { describe, it, beforeEach, afterEach } from 'node:test'
import assert from 'node:assert/strict'
import { createHash } from 'node:crypto'
import { readdir } from 'node:fs/promises'
import { join } from 'node:path'
import type { MessageView } from '@parley/protocol'
import { fileFixture, type FileFixture } from '../../testing/file-fixtures.ts'
import { png } from '../../testing/files.ts'
import type { TestUser } from '../../testing/test-instance.ts'

const TUS = { 'tus-resumable': '1.0.0' }
const meta = (fields: Record<string, string>) =>
  Object.entries(fields)
    .map(([k, v]) => `${k} ${Buffer.from(v).toString('base64')}`)
    .join(',')

describe('Resumable uploads (tus)', () => {
  let f: FileFixture
  beforeEach(async () => {
    f = await fileFixture({ env: { PARLEY_FILES_MAX_BYTES: '2000000' } })
  })
  afterEach(async () => {
    await f.t.close()
  })

  const create = (size: number, fields: Record<string, string>, as: TestUser = f.owner) =>
    f.t.call('POST', `/api/v1/rooms/${f.room.id}/uploads`, {
      headers: { ...as.auth, ...TUS, 'upload-length': String(size), 'upload-metadata': meta(fields) },
    })
  const patch = (location: string, offset: number, chunk: Buffer, as: TestUser = f.owner) =>
    f.t.call('PATCH', location, {
      headers: {
        ...as.auth,
        ...TUS,
        'upload-offset': String(offset),
        'content-type': 'application/offset+octet-stream',
      },
      body: chunk,
    })
  const staged = async () => (await readdir(join(f.t.dir, 'uploads')).catch(() => [])).filter((n) => !n.startsWith('.'))

  it('uploads in chunks, resumes from the offset HEAD tells, and the last chunk answers the file message', async () => {
    const image = await png(800, 600)
    const created = await create(image.length, { filename: 'big.png', filetype: 'image/png', caption: 'chunked' })
    assert.equal(created.statusCode, 201, created.body)
    const location = String(created.headers.location)
    assert.match(location, /^\/api\/v1\/uploads\/[0-9a-f]{32}$/)

    const third = Math.ceil(image.length / 3)
    const first = await patch(location, 0, image.subarray(0, third))
    assert.equal(first.statusCode, 204)
    assert.equal(first.headers['upload-offset'], String(third))
    // A chunk sent at the wrong offset is refused (409) and changes nothing.
    assert.equal((await patch(location, 5, image.subarray(5, 10))).statusCode, 409)
    const head = await f.t.call('HEAD', location, { headers: { ...f.owner.auth, ...TUS } })
    assert.equal(head.headers['upload-offset'], String(third))
    assert.equal(head.headers['upload-length'], String(image.length))
    assert.equal((await patch(location, third, image.subarray(third, 2 * third))).statusCode, 204)
    const last = await patch(location, 2 * third, image.subarray(2 * third))
    assert.equal(last.statusCode, 201, last.body)
    const message = last.json<MessageView>()
    assert.equal(message.body, 'chunked')
    assert.equal(message.file?.name, 'big.png')
    assert.equal(message.file?.size, image.length)
    assert.equal(message.file?.width, 800)
    const download = await f.t.call('GET', message.file!.url, { headers: f.member.auth })
    assert.equal(
      createHash('sha256').update(download.rawPayload).digest('hex'),
      createHash('sha256').update(image).digest('hex'),
    )
    assert.deepEqual(await staged(), [], 'the staged chunks are gone')
  })

  it("someone else's upload is not found, and a cancelled one is gone", async () => {
    const created = await create(10, { filename: 'a.txt' })
    const location = String(created.headers.location)
    for (const method of ['HEAD', 'DELETE'] as const) {
      const refused = await f.t.call(method, location, { headers: { ...f.member.auth, ...TUS } })
      assert.equal(refused.statusCode, 404, method)
    }
    const theirs = await patch(location, 0, Buffer.from('0123456789'), f.member)
    assert.equal(theirs.json().error.code, 'upload-not-found')
    assert.equal((await f.t.call('DELETE', location, { headers: { ...f.owner.auth, ...TUS } })).statusCode, 204)
    assert.equal((await f.t.call('HEAD', location, { headers: { ...f.owner.auth, ...TUS } })).statusCode, 404)
    assert.deepEqual(await f.kept(), { files: 0, blobs: 0 })
  })

  it('refuses at creation, before anything is staged: bad names, too large, past the quota, no length, outsiders', async () => {
    const cases: [Record<string, string>, number, string, TestUser?][] = [
      [{ filename: 'a/b.txt' }, 10, 'file-name-invalid'],
      [{ filename: 'big.bin' }, 2_000_001, 'file-too-large'],
      [{ filename: 'a.txt', colour: 'red' }, 10, 'validation-failed'],
      [{ filename: 'a.txt' }, 10, 'room-not-found', f.outsider],
    ]
    for (const [fields, size, code, as] of cases) {
      const reply = await create(size, fields, as)
      assert.equal(reply.json().error.code, code, JSON.stringify(fields))
    }
    const noLength = await f.t.call('POST', `/api/v1/rooms/${f.room.id}/uploads`, {
      headers: { ...f.owner.auth, ...TUS, 'upload-metadata': meta({ filename: 'a.txt' }) },
    })
    assert.equal(noLength.json().error.code, 'validation-failed')
    assert.deepEqual(await staged(), [])
  })

  it('a completed upload whose content lies about its type is refused and nothing is kept', async () => {
    const data = Buffer.from('definitely not a PNG')
    const location = String((await create(data.length, { filename: 'a.png', filetype: 'image/png' })).headers.location)
    const last = await patch(location, 0, data)
    assert.equal(last.statusCode, 415)
    assert.equal(last.json().error.code, 'file-type-mismatch')
    assert.deepEqual(await f.kept(), { files: 0, blobs: 0 })
    assert.deepEqual(await f.blobFiles(), [])
    assert.deepEqual(await staged(), [])
  })
})
