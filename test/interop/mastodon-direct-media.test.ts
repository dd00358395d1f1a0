/**
 * Direct messages with pictures, Mastodon ↔ Parley: a Mastodon DM carrying an image attachment
 * (fixture create-direct-note-media.json, its MediaAttachmentSerializer shape) becomes a message
 * with the file in the one-to-one room — fetched from the media server through Parley's guarded
 * fetcher; and a Parley user's file in that room reaches Mastodon as a media attachment it shows
 * (the shape its MediaAttachmentParser reads, at a URL it fetches without any session).
 */
import { after, afterEach, before, describe, it } from 'node:test'
import assert from 'node:assert/strict'
import { createHash } from 'node:crypto'
import sharp from 'sharp'
import type { FileView, MessageView } from '@parley/protocol'
import { ParleyClient } from '@parley/client'
import { png } from '@parley/server/testing/files'
import { startInstance, eventually, printLogsOnFailure, type TestInstance } from '../harness/instance.ts'
import { startFakeMastodon, type FakeMastodon } from '../harness/fake-mastodon.ts'
import { apiAs, type Api, type Json } from '../harness/rooms.ts'

const sha = (data: Uint8Array) => createHash('sha256').update(data).digest('hex')

describe('Mastodon direct messages with media', () => {
  let parley: TestInstance
  let mastodon: FakeMastodon
  let bob: { id: string; api: Api }
  let bobSdk: ParleyClient
  let roomId: string
  const inbox = () => `${parley.origin}/users/bob/inbox`
  const vars = (extra: Record<string, string>) => ({ PARLEY: parley.origin, PARLEY_HOST: parley.host, ...extra })

  before(async () => {
    ;[parley, mastodon] = await Promise.all([
      startInstance({ env: { PARLEY_FILES_REMOTE_MAX_BYTES: String(1024 * 1024) } }),
      startFakeMastodon(),
    ])
    bob = await apiAs(parley, 'bob', 'Bob')
    bobSdk = new ParleyClient({
      baseUrl: parley.origin,
      auth: { token: (await parley.services.accounts.createToken(bob.id, 'sdk')).secret },
    })
  })
  afterEach(printLogsOnFailure(() => [parley]))
  after(async () => {
    await Promise.all([parley?.close(), mastodon?.close()])
  })

  const messages = async (): Promise<MessageView[]> =>
    (await bob.api(`/api/v1/rooms/${roomId}/messages?limit=100`)).json.messages as MessageView[]

  it('a Mastodon DM with a picture becomes a message with the file in the one-to-one room', async () => {
    const picture = await png(640, 480)
    const url = mastodon.serveMedia('/system/media_attachments/files/113/original/whiteboard.png', picture, 'image/png')
    const create = JSON.parse(
      mastodon.fixture('create-direct-note-media.json', vars({ MEDIA_URL: url, MEDIA_TYPE: 'image/png' })),
    )
    assert.equal((await mastodon.deliver(inbox(), JSON.stringify(create))).status, 202)
    const room = await eventually(
      async () => ((await bob.api('/api/v1/rooms')).json.rooms as Json[]).find((r) => r.kind === 'one-to-one'),
      15_000,
      'the one-to-one room',
    )
    roomId = String(room.id)
    const message = await eventually(
      async () => (await messages()).find((m) => m.file),
      15_000,
      'the message with the file',
    )
    assert.equal(message.body, 'Here is the whiteboard from this morning')
    assert.equal(message.actor.id, mastodon.actorId)
    const file = message.file as FileView
    assert.deepEqual(
      { name: file.name, mediaType: file.mediaType, size: file.size, width: file.width, height: file.height },
      { name: 'whiteboard.png', mediaType: 'image/png', size: picture.length, width: 640, height: 480 },
    )
    assert.ok(file.thumbnail)
    const download = await bobSdk.files.downloadBlob(file)
    assert.equal(sha(new Uint8Array(await download.arrayBuffer())), sha(picture))
    assert.equal(mastodon.mediaFetches.get('/system/media_attachments/files/113/original/whiteboard.png'), 1)
  })

  it('an attachment over filesRemoteMaxBytes is not kept: the text arrives alone', async () => {
    const huge = Buffer.alloc(2 * 1024 * 1024, 1)
    const url = mastodon.serveMedia(
      '/system/media_attachments/files/114/original/huge.bin',
      huge,
      'application/octet-stream',
    )
    const before = await parley.services.store.files.usage(mastodon.actorId)
    const create = JSON.parse(
      mastodon.fixture(
        'create-direct-note-media.json',
        vars({ MEDIA_URL: url, MEDIA_TYPE: 'application/octet-stream' }),
      ),
    )
    create.object.content = '<p>too big to send</p>'
    assert.equal((await mastodon.deliver(inbox(), JSON.stringify(create))).status, 202)
    const message = await eventually(
      async () => (await messages()).find((m) => m.body === 'too big to send'),
      15_000,
      'the text alone',
    )
    assert.equal(message.file, undefined)
    assert.equal(await parley.services.store.files.usage(mastodon.actorId), before)
    assert.equal((await parley.services.store.files.listForRoom(roomId, null, 100)).length, 1, 'only the first picture')
    assert.ok(parley.logs().some((line) => line.includes('"reason":"fetch-too-large"')))
  })

  it("Bob's file in the room reaches Mastodon as a media attachment it fetches and shows", async () => {
    const picture = await png(300, 200)
    const before = mastodon.deliveries.length
    const shared = await bobSdk.files.upload(roomId, new Blob([picture], { type: 'image/png' }), {
      name: 'reply.png',
      caption: 'Here is mine',
    })
    const delivery = await eventually(
      async () => mastodon.deliveries.slice(before).find((d) => d.json.type === 'Create'),
      15_000,
      'the Create on Mastodon',
    )
    const note = delivery.json.object as Json & {
      attachment: (Json & { icon?: Json })[]
      content: string
      to: string | string[]
    }
    assert.deepEqual([note.to].flat(), [mastodon.actorId])
    assert.match(note.content, /Here is mine/)
    assert.equal(note.attachment.length, 1)
    const [media] = note.attachment
    // What Mastodon's MediaAttachmentParser reads: url, mediaType (a type it supports), name (description), icon.
    assert.equal(media?.type, 'Image')
    assert.equal(media?.mediaType, 'image/png')
    assert.equal(media?.name, 'reply.png')
    assert.deepEqual([media?.width, media?.height], [300, 200])
    const mediaUrl = new URL(String(media?.url))
    assert.equal(mediaUrl.origin, parley.origin)
    assert.match(mediaUrl.pathname, new RegExp(`^/files/${shared.file!.id}/original$`))
    // Mastodon fetches it as a stranger would: no cookie, no token, no signature.
    const fetched = await fetch(mediaUrl)
    assert.equal(fetched.status, 200)
    assert.equal(fetched.headers.get('content-type'), 'image/png')
    assert.equal(sha(new Uint8Array(await fetched.arrayBuffer())), sha(picture))
    const icon = await fetch(String(media?.icon?.url))
    assert.equal((await sharp(Buffer.from(await icon.arrayBuffer())).metadata()).format, 'webp')
  })
})
