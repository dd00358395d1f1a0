import { describe, it, beforeEach, afterEach } from 'node:test'
import assert from 'node:assert/strict'
import { existsSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import type { RecordingList, RoomView } from '@parley/protocol'
import { startTestInstance, type TestInstance, type TestUser } from '../../testing/test-instance.ts'

// Recording itself (Janus, janus-pp-rec, playback in Chromium) is tested in test/media; here the
// list and files as the store keeps them, across a restart.
describe('Recordings REST API', () => {
  let dir: string
  let t: TestInstance
  let owner: TestUser
  let member: TestUser
  let room: RoomView
  let file: string
  beforeEach(async () => {
    dir = mkdtempSync(join(tmpdir(), 'parley-recordings-'))
    t = await startTestInstance({ dir })
    owner = await t.user('olga')
    member = await t.user('mia')
    const created = await t.call('POST', '/api/v1/rooms', {
      headers: owner.auth,
      body: { kind: 'group', name: 'Standup' },
    })
    room = created.json<RoomView>()
    assert.equal(
      (
        await t.call('POST', `/api/v1/rooms/${room.id}/participants`, {
          headers: owner.auth,
          body: { userId: member.user.id },
        })
      ).statusCode,
      201,
    )
    file = join(dir, 'call-1-video.webm')
    writeFileSync(file, 'webm bytes')
    await t.store.recordings.add({
      id: '0b0e7a2c-4a47-4a8e-9d0c-1a2b3c4d5e6f',
      roomId: room.id,
      callId: '5f7c6e1a-3b2d-4c8e-9f0a-1b2c3d4e5f60',
      kind: 'video',
      source: 'camera',
      participantId: 'p1',
      actor: { type: 'user', id: owner.user.id, name: 'Olga' },
      mimeType: 'video/webm',
      bytes: 10,
      path: file,
      createdAt: Date.UTC(2026, 10, 1),
    })
  })
  afterEach(async () => {
    await t.close()
    rmSync(dir, { recursive: true, force: true })
  })

  it('lists and serves a recording after a restart; only those who may record delete it, and its file goes with it', async () => {
    await t.close()
    t = await startTestInstance({ dir })
    const list = (
      await t.call('GET', `/api/v1/rooms/${room.id}/recordings`, { headers: member.auth })
    ).json<RecordingList>()
    assert.deepEqual(list.recordings, [
      {
        id: '0b0e7a2c-4a47-4a8e-9d0c-1a2b3c4d5e6f',
        callId: '5f7c6e1a-3b2d-4c8e-9f0a-1b2c3d4e5f60',
        kind: 'video',
        source: 'camera',
        participantId: 'p1',
        actor: { type: 'user', id: owner.user.id, name: 'Olga' },
        mimeType: 'video/webm',
        bytes: 10,
        createdAt: '2026-11-01T00:00:00.000Z',
      },
    ])
    const served = await t.call('GET', `/api/v1/rooms/${room.id}/recordings/${list.recordings[0]?.id}`, {
      headers: member.auth,
    })
    assert.equal(served.statusCode, 200)
    assert.equal(served.body, 'webm bytes')

    const refused = await t.call('DELETE', `/api/v1/rooms/${room.id}/recordings/${list.recordings[0]?.id}`, {
      headers: member.auth,
    })
    assert.equal(refused.statusCode, 403, refused.body)
    assert.equal(refused.json<{ error: { code: string } }>().error.code, 'role-too-low')
    assert.equal((await t.store.recordings.listForRoom(room.id)).length, 1, 'a refused delete changes nothing')
    assert.ok(existsSync(file))

    const deleted = await t.call('DELETE', `/api/v1/rooms/${room.id}/recordings/${list.recordings[0]?.id}`, {
      headers: owner.auth,
    })
    assert.equal(deleted.statusCode, 204, deleted.body)
    assert.deepEqual(
      (await t.call('GET', `/api/v1/rooms/${room.id}/recordings`, { headers: member.auth })).json<RecordingList>()
        .recordings,
      [],
    )
    assert.equal(existsSync(file), false)
    const again = await t.call('DELETE', `/api/v1/rooms/${room.id}/recordings/${list.recordings[0]?.id}`, {
      headers: owner.auth,
    })
    assert.equal(again.statusCode, 404)
    assert.equal(again.json<{ error: { code: string } }>().error.code, 'not-found')
  })

  it('serves a recording as players need it: its length, one byte range to seek, and a name', async () => {
    const url = `/api/v1/rooms/${room.id}/recordings/0b0e7a2c-4a47-4a8e-9d0c-1a2b3c4d5e6f`
    const whole = await t.call('GET', url, { headers: member.auth })
    assert.equal(whole.statusCode, 200)
    assert.equal(whole.headers['content-length'], '10')
    assert.equal(whole.headers['accept-ranges'], 'bytes')
    assert.equal(whole.headers['content-type'], 'video/webm')
    assert.equal(whole.headers['x-content-type-options'], 'nosniff')
    assert.match(
      String(whole.headers['content-disposition']),
      /^inline; filename="recording 2026-11-01 00\.00 Olga camera video\.webm"/,
    )

    const part = await t.call('GET', url, { headers: { ...member.auth, range: 'bytes=5-' } })
    assert.equal(part.statusCode, 206)
    assert.equal(part.body, 'bytes')
    assert.equal(part.headers['content-range'], 'bytes 5-9/10')

    const outside = await t.call('GET', url, { headers: { ...member.auth, range: 'bytes=10-' } })
    assert.equal(outside.statusCode, 416)
    assert.equal(outside.json<{ error: { code: string } }>().error.code, 'range-not-satisfiable')
    assert.equal(outside.headers['content-range'], 'bytes */10')

    const download = await t.call('GET', `${url}?download`, { headers: member.auth })
    assert.match(String(download.headers['content-disposition']), /^attachment;/)

    // The file gone from disk (removed by hand): a 404 with its code, not a broken stream.
    rmSync(file)
    const gone = await t.call('GET', url, { headers: member.auth })
    assert.equal(gone.statusCode, 404)
    assert.equal(gone.json<{ error: { code: string } }>().error.code, 'not-found')
  })

  it('strangers see neither the list nor the file', async () => {
    const stranger = await t.user('sam')
    assert.equal(
      (await t.call('GET', `/api/v1/rooms/${room.id}/recordings`, { headers: stranger.auth })).statusCode,
      404,
    )
    assert.equal(
      (
        await t.call('GET', `/api/v1/rooms/${room.id}/recordings/0b0e7a2c-4a47-4a8e-9d0c-1a2b3c4d5e6f`, {
          headers: stranger.auth,
        })
      ).statusCode,
      404,
    )
  })
})
