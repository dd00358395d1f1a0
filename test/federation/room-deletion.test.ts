import { after, afterEach, before, describe, it } from 'node:test'
import assert from 'node:assert/strict'
import { RealtimeClient, type RealtimeEvents } from '@parley/client'
import { startInstance, eventually, printLogsOnFailure, type TestInstance } from '../harness/instance.ts'
import { startFakeMastodon, type FakeMastodon } from '../harness/fake-mastodon.ts'
import { apiAs, inviteAndJoin, mirrorOf, replicaView, type Api, type Json } from '../harness/rooms.ts'

describe('Room deletion across instances: the room deletes itself (a Delete of the Group), every member instance, invitee and follower hears of it', () => {
  let a: TestInstance
  let b: TestInstance
  let c: TestInstance
  let mastodon: FakeMastodon
  let alice: Api
  let bob: Api
  let carol: Api
  let client: RealtimeClient
  let roomId: string
  let roomUri: string
  const removals: RealtimeEvents['event'][] = []
  let mirrorId: string | null = null

  before(async () => {
    ;[a, b, c, mastodon] = await Promise.all([startInstance(), startInstance(), startInstance(), startFakeMastodon()])
    alice = (await apiAs(a, 'alice', 'Alice')).api
    const bobUser = await apiAs(b, 'bob', 'Bob')
    bob = bobUser.api
    carol = (await apiAs(c, 'carol', 'Carol')).api
    roomId = (
      (await alice('/api/v1/rooms', { method: 'POST', body: { kind: 'public', name: 'Short-lived' } })).json as {
        id: string
      }
    ).id
    roomUri = `${a.origin}/rooms/${roomId}`
    await inviteAndJoin(a, alice, roomId, b, bob, 'bob')
    const token = (await b.services.accounts.createToken(bobUser.id, 'realtime')).secret
    client = new RealtimeClient({ baseUrl: b.origin, auth: { token }, reconnect: false })
    client.on('event', (frame) => {
      if (frame.event.type === 'room.deleted') removals.push(frame)
    })
    await client.connect()
  })
  afterEach(printLogsOnFailure(() => [a, b, c]))
  after(async () => {
    client?.close()
    await Promise.all([a?.close(), b?.close(), c?.close(), mastodon?.close()])
  })

  it("the owner deletes the room: B forgets it (replica, list, realtime), C's pending invitation is withdrawn, Mastodon gets the Delete, the actor answers 410 with a Tombstone", async () => {
    assert.equal(
      (await alice(`/api/v1/rooms/${roomId}/messages`, { method: 'POST', body: { body: 'soon gone' } })).status,
      201,
    )
    await eventually(async () => (await replicaView(bob, roomUri)).length === 1, 15_000, 'the replica on B')
    mirrorId = await mirrorOf(bob, roomUri)
    const invite = await alice(`/api/v1/rooms/${roomId}/remote-invites`, {
      method: 'POST',
      body: { target: `@carol@${c.host}` },
    })
    assert.equal(invite.status, 202)
    await eventually(
      async () => ((await carol('/api/v1/me/room-invitations')).json.invitations as Json[]).length === 1,
      15_000,
      'the invitation on C',
    )
    const follow = mastodon
      .fixture('follow.json', { MASTODON: mastodon.origin, ID: 'follows/room-del', PARLEY: a.origin })
      .replace(`${a.origin}/users/bob`, roomUri)
    assert.equal((await mastodon.deliver(`${roomUri}/inbox`, follow)).status, 202)
    await eventually(
      async () => mastodon.deliveries.some((d) => d.json.type === 'Accept' && d.json.actor === roomUri),
      15_000,
      'the Accept on Mastodon',
    )

    const deleted = await alice(`/api/v1/rooms/${roomId}`, { method: 'DELETE' })
    assert.ok(deleted.status === 200 || deleted.status === 204, `status ${deleted.status}`)

    await eventually(async () => (await mirrorOf(bob, roomUri)) === null, 15_000, "the room gone from B's list")
    const messages = await bob(`/api/v1/rooms/${mirrorId}/messages`)
    assert.equal(messages.status, 404)
    assert.equal((messages.json.error as Json).code, 'room-not-found')
    assert.deepEqual(await b.store().rooms.replicas.messages(roomUri, 0, 10), [], 'the replica dropped')
    assert.equal(await b.store().rooms.replicas.head(roomUri), 0)
    await eventually(async () => removals.some((r) => r.roomId === mirrorId), 15_000, "room.deleted on bob's session")

    await eventually(
      async () => ((await carol('/api/v1/me/room-invitations')).json.invitations as Json[]).length === 0,
      15_000,
      'the invitation withdrawn on C',
    )
    const answer = await carol('/api/v1/me/room-invitations/answer', {
      method: 'POST',
      body: { inviteId: invite.json.inviteId, accept: true },
    })
    assert.equal(answer.status, 404, 'nothing left to accept')

    const gone = await eventually(
      async () => mastodon.deliveries.find((d) => d.json.type === 'Delete'),
      15_000,
      'the Delete on Mastodon',
    )
    assert.equal(gone.signatureVerified, true, "signed with the room's key")
    assert.equal(gone.json.actor, roomUri)
    assert.equal(gone.json.object, roomUri)

    const actor = await fetch(roomUri, { headers: { accept: 'application/activity+json' } })
    assert.equal(actor.status, 410)
    const tombstone = (await actor.json()) as Json
    assert.equal(tombstone.type, 'Tombstone')
    assert.equal(tombstone.id, roomUri)
    const history = (await fetch(`${roomUri}/history?cursor=0`, { headers: { accept: 'application/activity+json' } }))
      .status
    assert.ok([401, 403, 404].includes(history), `no history either (${history})`)
  })
})
