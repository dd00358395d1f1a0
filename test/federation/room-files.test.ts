/**
 * Files in a federated room, over HTTPS between two real instances: Alice on A (the host) shares a
 * picture; B's federation gets the note with the attachment, fetches the file through its guarded
 * fetcher by the capability URL (no session on A), keeps a copy; Bob on B sees the message with the
 * file and its thumbnail and downloads the same bytes. A capability URL past its expiry is refused.
 */
import { after, afterEach, before, describe, it } from 'node:test'
import assert from 'node:assert/strict'
import { createHash } from 'node:crypto'
import sharp from 'sharp'
import type { FileView, MessageView } from '@parley/protocol'
import { ParleyClient, RealtimeClient, type ServerEvent } from '@parley/client'
import { startInstance, eventually, printLogsOnFailure, type TestInstance } from '../harness/instance.ts'
import { apiAs, inviteAndJoin, mirrorOf, type Api, type Json } from '../harness/rooms.ts'
import { png } from '@parley/server/testing/files'
import { CapabilitySigner } from '@parley/server'

const sha = (data: Uint8Array) => createHash('sha256').update(data).digest('hex')

describe('Files in a federated room', () => {
  let a: TestInstance
  let b: TestInstance
  let alice: Api
  let bob: Api
  let aliceSdk: ParleyClient
  let bobToken: string
  let roomId: string
  let roomUri: string

  before(async () => {
    ;[a, b] = await Promise.all([startInstance(), startInstance()])
    const aliceUser = await apiAs(a, 'alice', 'Alice')
    alice = aliceUser.api
    const bobUser = await apiAs(b, 'bob', 'Bob')
    bob = bobUser.api
    aliceSdk = new ParleyClient({
      baseUrl: a.origin,
      auth: { token: (await a.services.accounts.createToken(aliceUser.id, 'sdk')).secret },
    })
    bobToken = (await b.services.accounts.createToken(bobUser.id, 'download')).secret
    roomId = (
      (await alice('/api/v1/rooms', { method: 'POST', body: { kind: 'group', name: 'Site visit' } })).json as {
        id: string
      }
    ).id
    roomUri = `${a.origin}/rooms/${roomId}`
    await inviteAndJoin(a, alice, roomId, b, bob, 'bob')
  })
  afterEach(printLogsOnFailure(() => [a, b]))
  after(async () => {
    await Promise.all([a?.close(), b?.close()])
  })

  const bobsMessages = async () =>
    (await bob(`/api/v1/rooms/${await mirrorOf(bob, roomUri)}/messages`)).json.messages as (Json & {
      seq: number
      file?: FileView
      deletedAt: string | null
    })[]
  const bobGets = async (path: string) => {
    const response = await fetch(`${b.origin}${path}`, { headers: { authorization: `Bearer ${bobToken}` } })
    return {
      status: response.status,
      type: response.headers.get('content-type'),
      body: Buffer.from(await response.arrayBuffer()),
    }
  }

  it('Alice shares a picture on A; Bob on B sees it with its thumbnail and downloads the same bytes', async () => {
    const picture = await png(800, 600)
    const shared: MessageView = await aliceSdk.files.upload(roomId, new Blob([picture], { type: 'image/png' }), {
      name: 'site.png',
      caption: 'The north wall',
    })
    const seen = await eventually(
      async () => (await bobsMessages()).find((m) => m.seq === shared.seq && m.file),
      20_000,
      'the file on B',
    )
    assert.equal(seen.body, 'The north wall')
    const file = seen.file!
    assert.deepEqual(
      { name: file.name, mediaType: file.mediaType, size: file.size, width: file.width, height: file.height },
      { name: 'site.png', mediaType: 'image/png', size: picture.length, width: 800, height: 600 },
    )
    // Served by B's ordinary files route of the room (its local mirror), as any room's file.
    const bobsRoom = (await mirrorOf(bob, roomUri)) as string
    assert.equal(file.url, `/api/v1/rooms/${bobsRoom}/files/${file.id}`)
    const download = await bobGets(file.url)
    assert.equal(download.status, 200)
    assert.equal(sha(download.body), sha(picture))
    const thumb = await bobGets(file.thumbnail!.url)
    assert.equal(thumb.type, 'image/webp')
    assert.deepEqual(
      [(await sharp(thumb.body).metadata()).width, (await sharp(thumb.body).metadata()).height],
      [320, 240],
    )

    // B fetched it by a capability URL of A (no session there), and keeps it once.
    const [copy] = await b.services.store.files.byMessage(bobsRoom, shared.seq)
    assert.ok(copy?.sourceUrl?.startsWith(`${a.origin}/files/${shared.file!.id}/original?expires=`))
    // Someone on B who is not in the room gets nothing.
    const carol = await apiAs(b, 'carol')
    assert.equal((await carol.api(file.url)).status, 404)
    // The room's shared files, as for any room.
    const listed = (await bob(`/api/v1/rooms/${bobsRoom}/files`)).json.files as { seq: number }[]
    assert.deepEqual(
      listed.map((f) => f.seq),
      [shared.seq],
    )
  })

  it("Bob's realtime session gets the live message.new with its file, as for a local room", async () => {
    const mirrorId = (await mirrorOf(bob, roomUri))!
    const frames: ServerEvent[] = []
    const rt = new RealtimeClient({ baseUrl: b.origin, auth: { token: bobToken }, reconnect: false })
    rt.on('event', (frame) => frame.roomId === mirrorId && frames.push(frame))
    await rt.connect()
    try {
      const picture = await png(64, 48)
      const shared = await aliceSdk.files.upload(roomId, new Blob([picture], { type: 'image/png' }), {
        name: 'live.png',
        caption: 'Live',
      })
      const live = await eventually(async () => frames.find((f) => f.seq === shared.seq), 20_000, 'the live event')
      assert.equal(live.event.type, 'message.new')
      const message = (live.event as { message: MessageView }).message
      assert.equal(message.body, 'Live')
      assert.equal(message.file?.name, 'live.png')
      assert.equal(message.file?.size, picture.length)
      assert.equal(message.file?.url, `/api/v1/rooms/${mirrorId}/files/${message.file?.id}`)
      // The same view as the history's.
      const inHistory = (await bobsMessages()).find((m) => m.seq === shared.seq)
      assert.deepEqual(message.file, inHistory?.file)
    } finally {
      rt.close()
    }
  })

  it('an expired capability URL is refused by A, for B as for anyone', async () => {
    const shared = await aliceSdk.files.upload(roomId, new Blob([Buffer.from('minutes of the meeting')]), {
      name: 'minutes.txt',
    })
    const links = a.instance.files.links
    const fresh = await links.url(shared.file!.id, 'original', 60_000)
    assert.equal((await fetch(fresh)).status, 200)
    // Signed by A's own secret, but it expired a minute ago (made with a clock two hours back).
    const past = new CapabilitySigner({
      origin: a.origin,
      secret: () => a.services.store.files.capabilitySecret('unused'),
      now: () => Date.now() - 2 * 3600_000,
    })
    const expired = await past.url(shared.file!.id, 'original', 3600_000)
    const refused = await fetch(expired)
    assert.equal(refused.status, 403)
    assert.equal(((await refused.json()) as Json & { error: { code: string } }).error.code, 'capability-expired')
    // B's guarded fetcher is refused the same way, and keeps nothing.
    const bobsRoom = (await mirrorOf(bob, roomUri)) as string
    const before = (await b.services.store.files.listForRoom(bobsRoom, null, 100)).length
    const kept = await b.instance.fileCopies.keepCopy(bobsRoom, 999, `${a.origin}/users/alice`, {
      url: expired,
      mediaType: 'text/plain',
      name: 'minutes.txt',
      width: null,
      height: null,
      thumbnail: null,
    })
    assert.deepEqual(kept, { ok: false, reason: 'fetch-failed' })
    assert.equal((await b.services.store.files.listForRoom(bobsRoom, null, 100)).length, before)
  })

  it("deleting Alice's message removes Bob's copy on B", async () => {
    const shared = await aliceSdk.files.upload(roomId, new Blob([await png(50, 50)]), { name: 'gone.png' })
    const seen = await eventually(
      async () => (await bobsMessages()).find((m) => m.seq === shared.seq && m.file),
      20_000,
      'the file on B',
    )
    assert.equal((await alice(`/api/v1/rooms/${roomId}/messages/${shared.seq}`, { method: 'DELETE' })).status, 200)
    await eventually(
      async () =>
        (await b.services.store.files.byMessage((await mirrorOf(bob, roomUri)) as string, shared.seq)).length === 0,
      20_000,
      'the copy gone',
    )
    assert.equal((await bobGets(seen.file!.url)).status, 404)
    const after = (await bobsMessages()).find((m) => m.seq === shared.seq)
    assert.ok(after?.deletedAt)
    assert.equal(after?.file, undefined)
  })
})
