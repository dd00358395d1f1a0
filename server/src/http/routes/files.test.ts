import { describe, it, beforeEach, afterEach } from 'node:test'
import assert from 'node:assert/strict'
import { createHash } from 'node:crypto'
import sharp from 'sharp'
import exifReader from 'exif-reader'
import type { HistoryPage, MessageView, RoomView, SharedFileList } from '@parley/protocol'
import { fileFixture, type FileFixture } from '../../testing/file-fixtures.ts'
import { photoWithLocation, png } from '../../testing/files.ts'
import { CapabilitySigner } from '../../files/capability.ts'

const sha = (data: Uint8Array) => createHash('sha256').update(data).digest('hex')

describe('Files REST API', () => {
  let f: FileFixture
  beforeEach(async () => {
    f = await fileFixture()
  })
  afterEach(async () => {
    await f.t.close()
  })

  it('POST /rooms/:id/files shares a picture as a chat message with name, size, type, size in pixels and a thumbnail', async () => {
    const image = await png(640, 480)
    const posted = await f.upload([
      { name: 'caption', value: 'The **plan**' },
      { name: 'file', filename: 'plan.png', type: 'image/png', data: image },
    ])
    assert.equal(posted.statusCode, 201, posted.body)
    const message = posted.json<MessageView>()
    assert.equal(message.kind, 'text')
    assert.equal(message.body, 'The **plan**')
    assert.equal(message.actor.id, f.owner.user.id)
    const file = message.file
    assert.ok(file)
    assert.deepEqual(
      { name: file.name, mediaType: file.mediaType, size: file.size, width: file.width, height: file.height },
      { name: 'plan.png', mediaType: 'image/png', size: image.length, width: 640, height: 480 },
    )
    assert.equal(file.inline, true)
    assert.equal(file.url, `/api/v1/rooms/${f.room.id}/files/${file.id}`)
    assert.deepEqual(file.thumbnail, { url: `${file.url}/thumbnail`, mediaType: 'image/webp', width: 320, height: 240 })

    // The member sees it in the history and in the room's files, and downloads the same bytes.
    const history = (
      await f.t.call('GET', `/api/v1/rooms/${f.room.id}/messages`, { headers: f.member.auth })
    ).json<HistoryPage>()
    assert.deepEqual(history.messages.at(-1)?.file, file)
    const list = (
      await f.t.call('GET', `/api/v1/rooms/${f.room.id}/files`, { headers: f.member.auth })
    ).json<SharedFileList>()
    assert.deepEqual(list, {
      files: [{ file, seq: message.seq, sharedBy: { id: f.owner.user.id, name: 'Olga' }, sharedAt: message.createdAt }],
      hasMore: false,
    })
    const download = await f.t.call('GET', file.url, { headers: f.member.auth })
    assert.equal(download.statusCode, 200)
    assert.equal(sha(download.rawPayload), sha(image))
    assert.equal(download.headers['content-type'], 'image/png')
    assert.equal(download.headers['content-length'], String(image.length))
    assert.equal(download.headers['x-content-type-options'], 'nosniff')
    assert.match(String(download.headers['content-security-policy']), /sandbox/)
    assert.match(String(download.headers['content-disposition']), /^inline; filename="plan.png"/)
    const attachment = await f.t.call('GET', `${file.url}?download`, { headers: f.member.auth })
    assert.match(String(attachment.headers['content-disposition']), /^attachment; filename="plan.png"/)

    const thumb = await f.t.call('GET', file.thumbnail!.url, { headers: f.member.auth })
    assert.equal(thumb.headers['content-type'], 'image/webp')
    const meta = await sharp(thumb.rawPayload).metadata()
    assert.deepEqual([meta.format, meta.width, meta.height], ['webp', 320, 240])
  })

  it('GET /rooms/:id/files/:fileId serves byte ranges (206) and refuses one outside the file (416, range-not-satisfiable)', async () => {
    const data = Buffer.from('0123456789'.repeat(100))
    const file = (
      await f.upload([{ name: 'file', filename: 'digits.txt', type: 'text/plain', data }])
    ).json<MessageView>().file!
    assert.equal(file.mediaType, 'text/plain')
    const part = await f.t.call('GET', file.url, { headers: { ...f.member.auth, range: 'bytes=10-14' } })
    assert.equal(part.statusCode, 206)
    assert.equal(part.body, '01234')
    assert.equal(part.headers['content-range'], 'bytes 10-14/1000')
    const tail = await f.t.call('GET', file.url, { headers: { ...f.member.auth, range: 'bytes=-3' } })
    assert.deepEqual([tail.statusCode, tail.body], [206, '789'])
    const outside = await f.t.call('GET', file.url, { headers: { ...f.member.auth, range: 'bytes=1000-1005' } })
    assert.equal(outside.statusCode, 416)
    assert.equal(outside.json().error.code, 'range-not-satisfiable')
    assert.equal(outside.headers['content-range'], 'bytes */1000')
  })

  it('serves HTML, SVG and ActivityStreams JSON as opaque attachments, never as documents of this origin', async () => {
    const cases = [
      { filename: 'page.html', type: 'text/html', data: '<!doctype html><script>alert(1)</script>' },
      {
        filename: 'logo.svg',
        type: 'image/svg+xml',
        data: '<svg xmlns="http://www.w3.org/2000/svg"><script>alert(1)</script></svg>',
      },
      {
        filename: 'note.json',
        type: 'application/activity+json',
        data: '{"type":"Note","id":"https://evil.example/n"}',
      },
    ]
    for (const c of cases) {
      const posted = await f.upload([{ name: 'file', filename: c.filename, type: c.type, data: Buffer.from(c.data) }])
      assert.equal(posted.statusCode, 201, posted.body)
      const file = posted.json<MessageView>().file!
      assert.equal(file.mediaType, c.type, 'described as what it is')
      assert.equal(file.inline, false)
      const served = await f.t.call('GET', file.url, { headers: f.member.auth })
      assert.equal(served.headers['content-type'], 'application/octet-stream', c.filename)
      assert.match(String(served.headers['content-disposition']), /^attachment;/)
      assert.equal(served.headers['x-content-type-options'], 'nosniff')
      assert.match(String(served.headers['content-security-policy']), /default-src 'none'; sandbox/)
    }
  })

  it('only participants and guests of the room download; others learn nothing', async () => {
    const file = (
      await f.upload([{ name: 'file', filename: 'a.png', type: 'image/png', data: await png() }])
    ).json<MessageView>().file!
    for (const url of [file.url, file.thumbnail!.url, `/api/v1/rooms/${f.room.id}/files`]) {
      const refused = await f.t.call('GET', url, { headers: f.outsider.auth })
      assert.equal(refused.statusCode, 404, url)
      assert.equal(refused.json().error.code, 'room-not-found')
      const anonymous = await f.t.call('GET', url)
      assert.equal(anonymous.json().error.code, 'unauthenticated')
    }
    // The file id under another room the outsider is in: not-found, not the file.
    const other = (
      await f.t.call('POST', '/api/v1/rooms', { headers: f.outsider.auth, body: { kind: 'group', name: 'Mine' } })
    ).json<RoomView>()
    const wrongRoom = await f.t.call('GET', `/api/v1/rooms/${other.id}/files/${file.id}`, { headers: f.outsider.auth })
    assert.deepEqual([wrongRoom.statusCode, wrongRoom.json().error.code], [404, 'not-found'])
  })

  it('guests of a public room download its files with their guest session', async () => {
    const room = (
      await f.t.call('POST', '/api/v1/rooms', { headers: f.owner.auth, body: { kind: 'public', name: 'Open' } })
    ).json<RoomView>()
    const file = (
      await f.upload([{ name: 'file', filename: 'a.png', type: 'image/png', data: await png() }], f.owner, room.id)
    ).json<MessageView>().file!
    const joined = await f.t.call('POST', `/api/v1/rooms/${room.id}/guests`, { body: { displayName: 'Visitor' } })
    assert.equal(joined.statusCode, 201, joined.body)
    const guest = { authorization: `Guest ${joined.json().secret}` }
    const download = await f.t.call('GET', file.url, { headers: guest })
    assert.equal(download.statusCode, 200)
    const elsewhere = await f.t.call('GET', `/api/v1/rooms/${f.room.id}/files`, { headers: guest })
    assert.equal(elsewhere.json().error.code, 'room-not-found')
  })

  it("removes a photo's location unless the uploader keeps it", async () => {
    const photo = await photoWithLocation()
    assert.ok(exifReader((await sharp(photo).metadata()).exif!).GPSInfo, 'the fixture has a position')
    const stripped = (
      await f.upload([{ name: 'file', filename: 'trip.jpg', type: 'image/jpeg', data: photo }])
    ).json<MessageView>().file!
    const served = await f.t.call('GET', stripped.url, { headers: f.member.auth })
    const meta = await sharp(served.rawPayload).metadata()
    assert.equal(meta.format, 'jpeg')
    assert.equal(meta.exif, undefined, 'no EXIF left, so no position')
    assert.equal(stripped.size, served.rawPayload.length)

    const kept = (
      await f.upload([
        { name: 'keepLocation', value: 'true' },
        { name: 'file', filename: 'trip.jpg', type: 'image/jpeg', data: photo },
      ])
    ).json<MessageView>().file!
    const original = await f.t.call('GET', kept.url, { headers: f.member.auth })
    assert.equal(sha(original.rawPayload), sha(photo))
    assert.ok(exifReader((await sharp(original.rawPayload).metadata()).exif!).GPSInfo)
  })

  it('deleting the message deletes the share; the blob goes when no share refers to it', async () => {
    const image = await png(100, 100)
    const first = (
      await f.upload([{ name: 'file', filename: 'a.png', type: 'image/png', data: image }])
    ).json<MessageView>()
    const second = (
      await f.upload([{ name: 'file', filename: 'b.png', type: 'image/png', data: image }])
    ).json<MessageView>()
    // The same bytes are kept once (and one thumbnail).
    assert.deepEqual(await f.kept(), { files: 2, blobs: 2 })
    assert.equal((await f.blobFiles()).length, 2)

    const deleted = await f.t.call('DELETE', `/api/v1/rooms/${f.room.id}/messages/${first.seq}`, {
      headers: f.owner.auth,
    })
    assert.equal(deleted.statusCode, 200, deleted.body)
    assert.equal(deleted.json<MessageView>().file, undefined)
    await f.t.instance.fileKeeper.idle()
    assert.equal((await f.t.call('GET', first.file!.url, { headers: f.member.auth })).statusCode, 404)
    assert.deepEqual(await f.kept(), { files: 1, blobs: 2 }, 'the other share still refers to the blobs')
    assert.equal((await f.t.call('GET', second.file!.url, { headers: f.member.auth })).statusCode, 200)

    await f.t.call('DELETE', `/api/v1/rooms/${f.room.id}/messages/${second.seq}`, { headers: f.member.auth })
    assert.equal(
      (await f.t.call('DELETE', `/api/v1/rooms/${f.room.id}/messages/${second.seq}`, { headers: f.owner.auth }))
        .statusCode,
      200,
    )
    await f.t.instance.fileKeeper.idle()
    assert.deepEqual(await f.kept(), { files: 0, blobs: 0 })
    assert.deepEqual(await f.blobFiles(), [])
    const list = (
      await f.t.call('GET', `/api/v1/rooms/${f.room.id}/files`, { headers: f.member.auth })
    ).json<SharedFileList>()
    assert.deepEqual(list.files, [])
  })

  it('GET /me/file-quota tells what one keeps, the quota and the largest file', async () => {
    const image = await png()
    await f.upload([{ name: 'file', filename: 'a.png', type: 'image/png', data: image }])
    const quota = await f.t.call('GET', '/api/v1/me/file-quota', { headers: f.owner.auth })
    assert.deepEqual(quota.json(), { usedBytes: image.length, quotaBytes: 1073741824, maxFileBytes: 104857600 })
  })

  it('capability links serve one file until they expire; forged, expired or another file’s links are refused', async () => {
    const image = await png()
    const a = (
      await f.upload([{ name: 'file', filename: 'a.png', type: 'image/png', data: image }])
    ).json<MessageView>().file!
    const b = (
      await f.upload([{ name: 'file', filename: 'b.txt', type: 'text/plain', data: Buffer.from('other') }])
    ).json<MessageView>().file!
    const link = new URL(await f.t.instance.files.linkFor({ id: a.id }, 'original'))
    assert.equal(link.origin, f.t.config.publicOrigin)
    const fetched = await f.t.call('GET', `${link.pathname}${link.search}`)
    assert.equal(fetched.statusCode, 200)
    assert.equal(sha(fetched.rawPayload), sha(image))
    assert.equal(fetched.headers['cross-origin-resource-policy'], 'cross-origin')
    const thumb = new URL(await f.t.instance.files.linkFor({ id: a.id }, 'thumbnail'))
    assert.equal((await f.t.call('GET', `${thumb.pathname}${thumb.search}`)).headers['content-type'], 'image/webp')

    const refusal = async (path: string) => {
      const reply = await f.t.call('GET', path)
      return [reply.statusCode, reply.json().error.code]
    }
    // Another file's id under this signature, the thumbnail's signature on the original, an altered expiry, a made-up signature.
    assert.deepEqual(await refusal(`${link.pathname.replace(a.id, b.id)}${link.search}`), [403, 'capability-invalid'])
    assert.deepEqual(await refusal(`${link.pathname}${thumb.search}`), [403, 'capability-invalid'])
    const later = new URL(link)
    later.searchParams.set('expires', String(Number(link.searchParams.get('expires')) + 3600))
    assert.deepEqual(await refusal(`${later.pathname}${later.search}`), [403, 'capability-invalid'])
    const forged = new URL(link)
    forged.searchParams.set('signature', 'A'.repeat(43))
    assert.deepEqual(await refusal(`${forged.pathname}${forged.search}`), [403, 'capability-invalid'])
    // Signed with the instance's secret, but expired an hour ago.
    const past = new CapabilitySigner({
      origin: f.t.config.publicOrigin,
      secret: () => f.t.store.files.capabilitySecret('unused'),
      now: () => Date.now() - 2 * 3600_000,
    })
    const expired = new URL(await past.url(a.id, 'original', 3600_000))
    assert.deepEqual(await refusal(`${expired.pathname}${expired.search}`), [403, 'capability-expired'])
    // A deleted message's file is gone for its links too.
    const seq = (await f.t.store.files.byId(a.id))!.seq!
    await f.t.call('DELETE', `/api/v1/rooms/${f.room.id}/messages/${seq}`, { headers: f.owner.auth })
    await f.t.instance.fileKeeper.idle()
    assert.deepEqual(await refusal(`${link.pathname}${link.search}`), [404, 'not-found'])
  })
})
