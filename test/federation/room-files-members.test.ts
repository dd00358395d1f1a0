/**
 * Files in a room hosted on A, from its members' instances, over HTTPS between real instances:
 * - Bob on B uploads through B's ordinary upload routes (resumable and multipart); B offers the
 *   file to A by a capability URL of its own, A fetches it through its guarded fetcher, applies its
 *   own limits (largest file, Bob's quota on A) and posts it; B keeps A's copy and serves it to its
 *   members through the ordinary files routes of the room. A's refusals reach Bob with A's code.
 * - Dave on C joins after files were shared: C catches up through the room's history, which
 *   carries the files' attachments, and keeps copies of them like any announced file.
 */
import { after, afterEach, before, describe, it } from 'node:test'
import assert from 'node:assert/strict'
import { createHash, randomBytes } from 'node:crypto'
import type { FileView, MessageView } from '@parley/protocol'
import { ParleyClient, ParleyApiError } from '@parley/client'
import { startInstance, eventually, printLogsOnFailure, type TestInstance } from '../harness/instance.ts'
import { apiAs, inviteAndJoin, mirrorOf, type Api, type Json } from '../harness/rooms.ts'
import { png } from '@parley/server/testing/files'

const sha = (data: Uint8Array) => createHash('sha256').update(data).digest('hex')
/** A's limits, lower than B's defaults: what A refuses, B would have taken. */
const A_MAX_BYTES = 300_000
const A_QUOTA_BYTES = 500_000

type Message = Json & { seq: number; body: string; file?: FileView; actor: { id: string } }

describe('Files in a room hosted elsewhere, from member instances', () => {
  let a: TestInstance
  let b: TestInstance
  let c: TestInstance
  let alice: Api
  let bob: Api
  let bobSdk: ParleyClient
  let bobToken: string
  let roomId: string
  let roomUri: string
  let bobsRoom: string

  before(async () => {
    ;[a, b, c] = await Promise.all([
      startInstance({
        env: { PARLEY_FILES_MAX_BYTES: String(A_MAX_BYTES), PARLEY_FILES_QUOTA_BYTES: String(A_QUOTA_BYTES) },
      }),
      startInstance(),
      startInstance(),
    ])
    alice = (await apiAs(a, 'alice', 'Alice')).api
    const bobUser = await apiAs(b, 'bob', 'Bob')
    bob = bobUser.api
    bobToken = (await b.services.accounts.createToken(bobUser.id, 'sdk')).secret
    bobSdk = new ParleyClient({ baseUrl: b.origin, auth: { token: bobToken } })
    roomId = (
      (await alice('/api/v1/rooms', { method: 'POST', body: { kind: 'group', name: 'Drawings' } })).json as {
        id: string
      }
    ).id
    roomUri = `${a.origin}/rooms/${roomId}`
    await inviteAndJoin(a, alice, roomId, b, bob, 'bob')
    bobsRoom = (await mirrorOf(bob, roomUri)) as string
  })
  afterEach(printLogsOnFailure(() => [a, b, c]))
  after(async () => {
    await Promise.all([a?.close(), b?.close(), c?.close()])
  })

  const download = async (instance: TestInstance, token: string, path: string) => {
    const response = await fetch(`${instance.origin}${path}`, { headers: { authorization: `Bearer ${token}` } })
    return { status: response.status, body: Buffer.from(await response.arrayBuffer()) }
  }
  const multipart = async (data: Uint8Array, name: string) => {
    const form = new FormData()
    form.append('caption', name)
    form.append('file', new Blob([data]), name)
    const response = await fetch(`${b.origin}/api/v1/rooms/${bobsRoom}/files`, {
      method: 'POST',
      headers: { authorization: `Bearer ${bobToken}` },
      body: form,
    })
    return { status: response.status, json: (await response.json()) as Json }
  }

  it("Bob uploads on B into A's room: A fetches it, keeps it as Bob's, and both sides serve the same bytes", async () => {
    const picture = await png(400, 300)
    const shared: MessageView = await bobSdk.files.upload(bobsRoom, new Blob([picture], { type: 'image/png' }), {
      name: 'plan.png',
      caption: 'The floor plan',
    })
    // Bob's answer is the room's message as B shows it: the host's seq, the file served by B's ordinary route.
    assert.equal(shared.roomId, bobsRoom)
    assert.equal(shared.body, 'The floor plan')
    assert.equal(shared.file?.name, 'plan.png')
    assert.equal(shared.file?.url, `/api/v1/rooms/${bobsRoom}/files/${shared.file?.id}`)
    assert.equal((await download(b, bobToken, shared.file!.url)).body.toString('hex'), picture.toString('hex'))
    const thumb = await download(b, bobToken, shared.file!.thumbnail!.url)
    assert.equal(thumb.status, 200)

    // On A it is Bob's file message, at the same seq, counted towards Bob's quota there.
    const [onA] = await a.services.store.files.byMessage(roomId, shared.seq)
    assert.equal(onA?.ownerId, `${b.origin}/users/bob`)
    assert.equal(onA?.sourceUrl, null)
    assert.equal(onA?.size, picture.length)
    const seenByAlice = ((await alice(`/api/v1/rooms/${roomId}/messages`)).json.messages as Message[]).find(
      (m) => m.seq === shared.seq,
    )
    assert.equal(seenByAlice?.actor.id, `${b.origin}/users/bob`)
    assert.equal(seenByAlice?.file?.name, 'plan.png')
    const aliceToken = (
      await a.services.accounts.createToken((await a.services.store.users.byUsername('alice'))!.id, 'dl')
    ).secret
    assert.equal(sha((await download(a, aliceToken, seenByAlice!.file!.url)).body), sha(picture))

    // B keeps only the host's copy (the upload it offered is gone once A took it).
    const onB = await b.services.store.files.listForRoom(bobsRoom, null, 100)
    assert.deepEqual(
      onB.map((f) => [f.seq, f.sourceUrl?.startsWith(`${a.origin}/files/${onA!.id}/original?`)]),
      [[shared.seq, true]],
    )
    assert.equal((await b.services.store.files.orphans(Date.now() + 1, 10)).length, 0)
  })

  it("A's limits apply: too large for A, or past Bob's quota on A, is refused with A's code and nothing kept", async () => {
    const before = (await a.services.store.files.listForRoom(roomId, null, 100)).length
    const tooLarge = await multipart(randomBytes(A_MAX_BYTES + 50_000), 'big.bin')
    assert.equal(tooLarge.status, 413, JSON.stringify(tooLarge.json))
    const error = tooLarge.json.error as { code: string; details: { host: { code: string } } }
    assert.equal(error.code, 'file-too-large')
    assert.equal(error.details.host.code, 'file-too-large')

    // 250 kB each: the first fits Bob's 500 kB on A (after the picture), the next goes past it.
    const first = await multipart(randomBytes(250_000), 'one.bin')
    assert.equal(first.status, 201, JSON.stringify(first.json))
    await assert.rejects(
      bobSdk.files.upload(bobsRoom, new Blob([randomBytes(250_000)]), { name: 'two.bin' }),
      (e: unknown) => e instanceof ParleyApiError && e.code === 'quota-exceeded',
    )
    assert.equal((await a.services.store.files.listForRoom(roomId, null, 100)).length, before + 1)
    // B kept nothing of the refused uploads (only copies of what A posted).
    await b.services.federation.copies.idle()
    const onB = await b.services.store.files.listForRoom(bobsRoom, null, 100)
    assert.ok(onB.every((f) => f.sourceUrl?.startsWith(`${a.origin}/files/`)))
    assert.equal((await b.services.store.files.orphans(Date.now() + 1, 10)).length, 0)
  })

  it("Dave on C joins later: the room's history brings the files, and C serves its copies", async () => {
    const picture = await png(120, 90)
    const aliceSdk = new ParleyClient({
      baseUrl: a.origin,
      auth: {
        token: (await a.services.accounts.createToken((await a.services.store.users.byUsername('alice'))!.id, 's'))
          .secret,
      },
    })
    const shared = await aliceSdk.files.upload(roomId, new Blob([picture]), { name: 'elevation.png' })
    // A text message last, so the newest message of the room (sent to a joining instance) has no file.
    assert.equal(
      (await alice(`/api/v1/rooms/${roomId}/messages`, { method: 'POST', body: { body: 'see above' } })).status,
      201,
    )
    const daveUser = await apiAs(c, 'dave', 'Dave')
    const daveToken = (await c.services.accounts.createToken(daveUser.id, 'dl')).secret
    await inviteAndJoin(a, alice, roomId, c, daveUser.api, 'dave')
    const davesRoom = await eventually(async () => mirrorOf(daveUser.api, roomUri), 15_000, 'the room on C')
    const files = await eventually(
      async () => {
        const messages = (await daveUser.api(`/api/v1/rooms/${davesRoom}/messages`)).json.messages as Message[]
        const withFiles = messages.filter((m) => m.file)
        const both = withFiles.some((m) => m.seq === shared.seq) && withFiles.some((m) => m.file?.name === 'plan.png')
        return both ? withFiles : null
      },
      30_000,
      'the files of the history on C',
    )
    const elevation = files.find((m) => m.seq === shared.seq)
    assert.equal(elevation?.file?.name, 'elevation.png')
    assert.equal(elevation?.file?.url, `/api/v1/rooms/${davesRoom}/files/${elevation?.file?.id}`)
    assert.equal(sha((await download(c, daveToken, elevation!.file!.url)).body), sha(picture))
    // Bob's picture, uploaded from B, is in C's history too (A is its authority; C fetched it from A).
    const plan = files.find((m) => m.file?.name === 'plan.png')
    assert.ok(plan)
    const [copy] = await c.services.store.files.byMessage(davesRoom!, plan.seq)
    assert.ok(copy?.sourceUrl?.startsWith(`${a.origin}/files/`))
    // The room's shared files, as for any room.
    const listed = (await daveUser.api(`/api/v1/rooms/${davesRoom}/files`)).json.files as { seq: number }[]
    assert.ok(listed.some((f) => f.seq === shared.seq))
  })

  it('while A cannot be reached, an upload on B is refused with room-host-unreachable and B keeps nothing (runs last: A stops)', async () => {
    const before = (await b.services.store.files.listForRoom(bobsRoom, null, 100)).map((f) => f.id)
    await a.close()
    const refused = await multipart(randomBytes(1000), 'later.bin')
    assert.equal(refused.status, 503, JSON.stringify(refused.json))
    assert.equal((refused.json.error as { code: string }).code, 'room-host-unreachable')
    assert.deepEqual(
      (await b.services.store.files.listForRoom(bobsRoom, null, 100)).map((f) => f.id),
      before,
    )
    assert.equal((await b.services.store.files.orphans(Date.now() + 1, 10)).length, 0)
    // Not queued either: the text writes' queue stays empty.
    assert.deepEqual(await b.services.store.remoteRooms.queued(bobsRoom), [])
  })
})
