// Every refusal of an upload: a stable code, and nothing kept (no file or blob rows, no bytes on disk).
import { describe, it, beforeEach, afterEach } from 'node:test'
import assert from 'node:assert/strict'
import { request as httpRequest } from 'node:http'
import type { MessageView } from '@parley/protocol'
import { fileFixture, type FileFixture } from '../../testing/file-fixtures.ts'
import { multipart, png, pngBomb } from '../../testing/files.ts'

describe('Files REST API: bad input', () => {
  let f: FileFixture
  beforeEach(async () => {
    f = await fileFixture({ env: { PARLEY_FILES_MAX_BYTES: '300000', PARLEY_FILES_QUOTA_BYTES: '500000' } })
  })
  afterEach(async () => {
    await f.t.close()
  })

  const nothingKept = async () => {
    await f.t.instance.fileKeeper.idle()
    assert.deepEqual(await f.kept(), { files: 0, blobs: 0 })
    assert.deepEqual(await f.blobFiles(), [])
    const history = await f.t.call('GET', `/api/v1/rooms/${f.room.id}/messages`, { headers: f.owner.auth })
    assert.deepEqual(
      history.json().messages.filter((m: MessageView) => m.file),
      [],
    )
  }

  it('a file over filesMaxBytes is cut off while streaming and refused (file-too-large)', async () => {
    const reply = await f.upload([{ name: 'file', filename: 'big.bin', data: Buffer.alloc(300_001, 1) }])
    assert.equal(reply.statusCode, 413)
    assert.equal(reply.json().error.code, 'file-too-large')
    await nothingKept()
  })

  it('an upload announcing more than filesMaxBytes is refused before its body is read', async () => {
    const base = await f.t.listen()
    const answer = await new Promise<{ status: number; body: string }>((resolve, reject) => {
      const req = httpRequest(`${base}/api/v1/rooms/${f.room.id}/files`, {
        method: 'POST',
        headers: {
          ...f.owner.auth,
          'content-type': 'multipart/form-data; boundary=x',
          'content-length': String(10 * 1024 * 1024 * 1024),
        },
      })
      req.on('response', (res) => {
        let body = ''
        res.on('data', (c) => (body += c))
        res.on('end', () => {
          req.destroy()
          resolve({ status: res.statusCode ?? 0, body })
        })
      })
      req.on('error', reject)
      // Only the start of the body is ever sent: the answer must come without the rest.
      req.write('--x\r\n')
    })
    assert.equal(answer.status, 413)
    assert.equal(JSON.parse(answer.body).error.code, 'file-too-large')
    await nothingKept()
  })

  it('an upload past the quota is refused (quota-exceeded) and the earlier files stay', async () => {
    const first = await f.upload([{ name: 'file', filename: 'one.bin', data: Buffer.alloc(290_000, 1) }])
    assert.equal(first.statusCode, 201)
    const second = await f.upload([{ name: 'file', filename: 'two.bin', data: Buffer.alloc(290_000, 2) }])
    assert.equal(second.statusCode, 413)
    assert.equal(second.json().error.code, 'quota-exceeded')
    assert.equal(second.json().error.details.usedBytes, 290_000)
    assert.deepEqual(await f.kept(), { files: 1, blobs: 1 })
    assert.equal((await f.blobFiles()).length, 1)
    // Another person has their own quota.
    assert.equal(
      (await f.upload([{ name: 'file', filename: 'two.bin', data: Buffer.alloc(290_000, 2) }], f.member)).statusCode,
      201,
    )
  })

  it('a declared type that lies is refused (file-type-mismatch)', async () => {
    const image = await png()
    const cases = [
      { filename: 'a.jpg', type: 'image/jpeg', data: image },
      { filename: 'a.pdf', type: 'application/pdf', data: Buffer.from('just some text, not a PDF') },
      { filename: 'a.txt', type: 'text/plain', data: Buffer.from([0, 1, 2, 0xff, 0xfe, 0, 0, 7]) },
      { filename: 'a.png', type: 'image/png', data: Buffer.from('<html>no picture</html>') },
    ]
    for (const c of cases) {
      const reply = await f.upload([{ name: 'file', ...c }])
      assert.equal(reply.statusCode, 415, c.filename)
      assert.equal(reply.json().error.code, 'file-type-mismatch')
    }
    await nothingKept()
    // An honest claim, or none, is fine.
    const none = await f.upload([{ name: 'file', filename: 'a.png', type: 'application/octet-stream', data: image }])
    assert.equal(none.json<MessageView>().file?.mediaType, 'image/png')
  })

  it('a name with path separators or control characters is refused (file-name-invalid)', async () => {
    for (const filename of [
      '../../etc/passwd',
      'a/b.txt',
      'a\\b.txt',
      'a\u0007b.txt',
      'evil\u202egpj.exe',
      '..',
      ' ',
      'x'.repeat(256),
    ]) {
      const reply = await f.upload([{ name: 'file', filename, data: Buffer.from('hello') }])
      assert.equal(reply.statusCode, 400, JSON.stringify(filename))
      assert.equal(reply.json().error.code, 'file-name-invalid', JSON.stringify(filename))
    }
    await nothingKept()
  })

  it('a malformed multipart body (cut short, not multipart inside, no boundary) and a file name that is not UTF-8 are refused with a code', async () => {
    const raw = (payload: Buffer | string, contentType: string) =>
      f.t.app.inject({
        method: 'POST',
        url: `/api/v1/rooms/${f.room.id}/files`,
        headers: { ...f.owner.auth, 'content-type': contentType },
        payload,
      })
    const whole = multipart([{ name: 'file', filename: 'a.png', type: 'image/png', data: await png() }])
    const cut = await raw(whole.body.subarray(0, whole.body.length - 30), whole.contentType)
    assert.deepEqual([cut.statusCode, cut.json().error.code], [400, 'validation-failed'], cut.body)
    const garbage = await raw('garbage', 'multipart/form-data; boundary=xyz')
    assert.deepEqual([garbage.statusCode, garbage.json().error.code], [400, 'validation-failed'], garbage.body)
    const noBoundary = await raw('x', 'multipart/form-data')
    assert.deepEqual([noBoundary.statusCode, noBoundary.json().error.code], [400, 'validation-failed'], noBoundary.body)
    const latin1 = Buffer.concat([
      Buffer.from('--b\r\nContent-Disposition: form-data; name="file"; filename="'),
      Buffer.from([0xe9, 0xff]),
      Buffer.from('.txt"\r\nContent-Type: text/plain\r\n\r\nhello\r\n--b--\r\n'),
    ])
    const named = await raw(latin1, 'multipart/form-data; boundary=b')
    assert.deepEqual([named.statusCode, named.json().error.code], [400, 'invalid-utf8'], named.body)
    await nothingKept()
  })

  it('a decompression bomb is refused before it is decoded (image-too-large), and a broken image too', async () => {
    const bomb = pngBomb()
    assert.ok(bomb.length < 2000, `the bomb is ${bomb.length} bytes`)
    const reply = await f.upload([{ name: 'file', filename: 'bomb.png', type: 'image/png', data: bomb }])
    assert.equal(reply.statusCode, 422)
    assert.equal(reply.json().error.code, 'image-too-large')
    const image = await png()
    const broken = await f.upload([
      { name: 'file', filename: 'cut.png', data: Buffer.concat([image.subarray(0, 60), Buffer.alloc(200, 0xab)]) },
    ])
    assert.equal(broken.statusCode, 422)
    assert.equal(broken.json().error.code, 'image-invalid')
    await nothingKept()
  })

  it('no file part, unknown fields and non-members are refused, keeping nothing; parts after the file are ignored', async () => {
    const empty = await f.upload([{ name: 'caption', value: 'no file' }])
    assert.deepEqual([empty.statusCode, empty.json().error.code], [400, 'file-missing'])
    const unknown = await f.upload([
      { name: 'colour', value: 'red' },
      { name: 'file', filename: 'a.txt', data: Buffer.from('x') },
    ])
    assert.deepEqual([unknown.statusCode, unknown.json().error.code], [400, 'validation-failed'])
    await nothingKept()
    // One file per upload: the first is shared, a second part is ignored.
    const two = await f.upload([
      { name: 'file', filename: 'a.txt', data: Buffer.from('x') },
      { name: 'file', filename: 'b.txt', data: Buffer.from('y') },
    ])
    assert.equal(two.statusCode, 201)
    assert.equal(two.json<MessageView>().file?.name, 'a.txt')
    const outsider = await f.upload([{ name: 'file', filename: 'a.txt', data: Buffer.from('x') }], f.outsider)
    assert.deepEqual([outsider.statusCode, outsider.json().error.code], [404, 'room-not-found'])
    const json = await f.t.call('POST', `/api/v1/rooms/${f.room.id}/files`, {
      headers: f.owner.auth,
      body: { file: 'x' },
    })
    assert.equal(json.json().error.code, 'unsupported-media-type')
    assert.deepEqual(await f.kept(), { files: 1, blobs: 1 })
  })
})
