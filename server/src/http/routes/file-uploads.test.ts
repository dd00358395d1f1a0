import { describe, it, beforeEach, afterEach } from 'node:test'
import assert from 'node:assert/strict'
import { createHash } from 'node:crypto'
import { readdir, readFile, stat, writeFile } from 'node:fs/promises'
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
  const offsetOf = async (location: string) =>
    (await f.t.call('HEAD', location, { headers: { ...f.owner.auth, ...TUS } })).headers['upload-offset']
  /** A refusal as the API gives every refusal: JSON with a registry code, and tus's protocol header. */
  const assertRefused = (
    reply: Awaited<ReturnType<FileFixture['t']['call']>>,
    status: number,
    code: string,
    what: string,
  ) => {
    assert.equal(reply.statusCode, status, `${what}: ${reply.body}`)
    assert.match(String(reply.headers['content-type']), /^application\/json/, what)
    assert.equal(reply.json().error.code, code, what)
    assert.equal(reply.headers['tus-resumable'], '1.0.0', what)
    // A client that does not speak our version learns which one we do (tus 1.0: 412 with Tus-Version).
    if (status === 412) assert.equal(reply.headers['tus-version'], '1.0.0', what)
  }
  const nothingShared = async () => {
    await f.t.instance.fileKeeper.idle()
    assert.deepEqual(await f.kept(), { files: 0, blobs: 0 })
    const history = await f.t.call('GET', `/api/v1/rooms/${f.room.id}/messages`, { headers: f.owner.auth })
    assert.deepEqual(
      history.json<{ messages: MessageView[] }>().messages.filter((m) => m.file),
      [],
    )
  }

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

  it('refuses a creation tus does not take as JSON with a code, tus statuses and headers kept, before anything is staged', async () => {
    const post = (headers: Record<string, string>) =>
      f.t.call('POST', `/api/v1/rooms/${f.room.id}/uploads`, {
        headers: { ...f.owner.auth, 'upload-length': '10', 'upload-metadata': meta({ filename: 'a.txt' }), ...headers },
      })
    const cases: [string, Record<string, string>, number, string][] = [
      ['no Tus-Resumable', {}, 412, 'tus-version-unsupported'],
      ['Tus-Resumable 0.9', { 'tus-resumable': '0.9' }, 412, 'tus-version-unsupported'],
      ['Upload-Defer-Length with Upload-Length', { ...TUS, 'upload-defer-length': '1' }, 400, 'validation-failed'],
      // Concatenation (tus-js-client's parallelUploads) is not offered: a refusal of the request, not a 501.
      ['Upload-Concat final', { ...TUS, 'upload-concat': 'final;/x /y' }, 400, 'validation-failed'],
      ['Upload-Concat partial', { ...TUS, 'upload-concat': 'partial' }, 400, 'validation-failed'],
    ]
    for (const [what, headers, status, code] of cases) assertRefused(await post(headers), status, code, what)
    assert.deepEqual(await staged(), [])
    await nothingShared()
    // Behind a chain of proxies: tus is not told the forwarded headers (it would refuse this one).
    const proxied = await post({ ...TUS, 'x-forwarded-proto': 'https, http' })
    assert.equal(proxied.statusCode, 201, proxied.body)
  })

  it('refuses a chunk tus does not take as JSON with a code, and the upload stays where it was', async () => {
    const data = Buffer.from('0123456789')
    const location = String((await create(data.length, { filename: 'a.txt' })).headers.location)
    const send = (headers: Record<string, string>, body: Buffer | string = data) =>
      f.t.call('PATCH', location, { headers: { ...f.owner.auth, ...headers }, body })
    const chunk = { ...TUS, 'content-type': 'application/offset+octet-stream' }
    const cases: [string, Record<string, string>, Buffer | string, number, string][] = [
      ['no Upload-Offset', chunk, data, 400, 'validation-failed'],
      ['Upload-Offset ahead', { ...chunk, 'upload-offset': '5' }, data.subarray(5), 409, 'upload-offset-conflict'],
      ['Upload-Offset -1', { ...chunk, 'upload-offset': '-1' }, data, 400, 'validation-failed'],
      ['Upload-Offset abc', { ...chunk, 'upload-offset': 'abc' }, data, 400, 'validation-failed'],
      [
        'more bytes than Upload-Length',
        { ...chunk, 'upload-offset': '0' },
        '01234567890',
        413,
        'upload-length-exceeded',
      ],
      [
        'no Tus-Resumable',
        { 'content-type': chunk['content-type'], 'upload-offset': '0' },
        data,
        412,
        'tus-version-unsupported',
      ],
      [
        'Tus-Resumable 0.9',
        { ...chunk, 'tus-resumable': '0.9', 'upload-offset': '0' },
        data,
        412,
        'tus-version-unsupported',
      ],
      // tus 1.0: a PATCH that is not application/offset+octet-stream gets 415, whatever its body.
      [
        'JSON',
        { ...TUS, 'upload-offset': '0', 'content-type': 'application/json' },
        '{}',
        415,
        'unsupported-media-type',
      ],
      [
        'malformed JSON',
        { ...TUS, 'upload-offset': '0', 'content-type': 'application/json' },
        '{',
        415,
        'unsupported-media-type',
      ],
      ['text', { ...TUS, 'upload-offset': '0', 'content-type': 'text/plain' }, data, 415, 'unsupported-media-type'],
      ['no content type, no body', { ...TUS, 'upload-offset': '0' }, '', 415, 'unsupported-media-type'],
    ]
    for (const [what, headers, body, status, code] of cases) {
      assertRefused(await send(headers, body), status, code, what)
      assert.equal(await offsetOf(location), '0', `${what}: nothing was taken`)
    }
    // Neither a cancel nor a HEAD without the protocol header does anything.
    assertRefused(
      await f.t.call('DELETE', location, { headers: f.owner.auth }),
      412,
      'tus-version-unsupported',
      'DELETE',
    )
    const head = await f.t.call('HEAD', location, { headers: f.owner.auth })
    assert.equal(head.statusCode, 412)
    assert.equal(head.headers['tus-version'], '1.0.0')
    await nothingShared()
    // Our own refusals carry the protocol header too.
    assertRefused(await patch(location, 0, data, f.member), 404, 'upload-not-found', "someone else's upload")
    // The upload was left as it was: it completes.
    const done = await patch(location, 0, data)
    assert.equal(done.statusCode, 201, done.body)
    assert.equal(done.headers['upload-offset'], '10')
    assert.equal(done.json<MessageView>().file?.size, 10)
  })

  it('chunks racing to complete one upload: one file message, the others JSON refusals tus clients know', async () => {
    const data = Buffer.from('0123456789')
    const location = String((await create(data.length, { filename: 'race.txt' })).headers.location)
    const replies = await Promise.all(Array.from({ length: 10 }, () => patch(location, 0, data)))
    const statuses = replies.map((r) => r.statusCode)
    assert.equal(statuses.filter((s) => s === 201).length, 1, `statuses ${statuses.join(' ')}`)
    const codes: Record<number, string> = { 409: 'upload-offset-conflict', 404: 'upload-not-found', 410: 'upload-gone' }
    for (const reply of replies.filter((r) => r.statusCode !== 201))
      assertRefused(
        reply,
        reply.statusCode,
        codes[reply.statusCode] ?? 'a tus status',
        `racing chunk ${reply.statusCode}`,
      )
    await f.t.instance.fileKeeper.idle()
    const history = await f.t.call('GET', `/api/v1/rooms/${f.room.id}/messages`, { headers: f.owner.auth })
    assert.equal(history.json<{ messages: MessageView[] }>().messages.filter((m) => m.file).length, 1)
  })

  it('an upload past its expiry is gone (410 upload-gone), and no chunk is taken', async () => {
    const data = Buffer.from('0123456789')
    const location = String((await create(data.length, { filename: 'late.txt' })).headers.location)
    assert.equal((await patch(location, 0, data.subarray(0, 4))).statusCode, 204)
    // Created two days ago (the expiry is 24 hours), and not swept yet.
    const info = join(f.t.dir, 'uploads', `${location.split('/').at(-1)}.json`)
    const upload = JSON.parse(await readFile(info, 'utf8')) as { creation_date: string }
    upload.creation_date = new Date(Date.now() - 48 * 3600_000).toISOString()
    await writeFile(info, JSON.stringify(upload))
    assertRefused(await patch(location, 4, data.subarray(4)), 410, 'upload-gone', 'PATCH')
    const head = await f.t.call('HEAD', location, { headers: { ...f.owner.auth, ...TUS } })
    assert.equal(head.statusCode, 410)
    assert.equal(head.headers['upload-offset'], undefined)
    assert.equal((await stat(info.replace(/\.json$/, ''))).size, 4, 'the staged bytes are the first chunk only')
    await nothingShared()
  })
})
