import { after, afterEach, before, describe, it } from 'node:test'
import assert from 'node:assert/strict'
import { randomUUID } from 'node:crypto'
import { startInstance, eventually, printLogsOnFailure, type TestInstance } from '../harness/instance.ts'
import { startFakeMastodon, type FakeMastodon } from '../harness/fake-mastodon.ts'
import { apiAs, hostView, inviteAndJoin, replicaView, type Api } from '../harness/rooms.ts'

const AS = 'https://www.w3.org/ns/activitystreams'

describe('Federated rooms: bad input at the inboxes is refused with no side effect', () => {
  let a: TestInstance
  let b: TestInstance
  let stranger: FakeMastodon
  let alice: Api
  let bob: Api
  let roomId: string
  let roomUri: string
  let aliceMessage: number
  const authorOnA = async (actorId: string) =>
    actorId.startsWith('https://')
      ? actorId
      : `${a.origin}/users/${(await a.services.store.users.byId(actorId))?.username}`
  /** Waits until the instance logged `what` about the activity (its inbox processed it). */
  const processed = (instance: TestInstance, activityId: string, what: string) =>
    eventually(
      async () => instance.logs().some((line) => line.includes(activityId) && line.includes(what)),
      15_000,
      `"${what}" for ${activityId}`,
    )

  before(async () => {
    ;[a, b, stranger] = await Promise.all([startInstance(), startInstance(), startFakeMastodon()])
    alice = (await apiAs(a, 'alice', 'Alice')).api
    bob = (await apiAs(b, 'bob', 'Bob')).api
    roomId = (
      (await alice('/api/v1/rooms', { method: 'POST', body: { kind: 'group', name: 'Closed' } })).json as { id: string }
    ).id
    roomUri = `${a.origin}/rooms/${roomId}`
    await inviteAndJoin(a, alice, roomId, b, bob, 'bob')
    assert.equal(
      (await alice(`/api/v1/rooms/${roomId}/messages`, { method: 'POST', body: { body: 'original' } })).status,
      201,
    )
    aliceMessage = (await a.services.store.messages.history({ roomId, after: 0, limit: 100 })).find(
      (m) => m.body === 'original',
    )!.seq
    await eventually(async () => (await replicaView(bob, roomUri)).length === 1, 15_000, 'the replica on B')
  })
  afterEach(printLogsOnFailure(() => [a, b]))
  after(async () => {
    await Promise.all([a?.close(), b?.close(), stranger?.close()])
  })

  it("actions by a non-member at the room's inbox (Create, Update, Delete, EmojiReact) change nothing on the host", async () => {
    const before = JSON.stringify(await hostView(a, roomId, authorOnA))
    const lastSeq = (await a.services.store.rooms.byId(roomId))?.lastSeq
    const message = `${roomUri}/messages/${aliceMessage}`
    const activities = [
      {
        type: 'Create',
        object: {
          id: `${stranger.origin}/notes/${randomUUID()}`,
          type: 'Note',
          attributedTo: stranger.actorId,
          content: '<p>spam</p>',
          to: roomUri,
        },
      },
      {
        type: 'Update',
        object: { id: message, type: 'Note', attributedTo: stranger.actorId, content: '<p>defaced</p>' },
      },
      { type: 'Delete', object: message },
      // As Misskey and Pleroma send it: the type from LitePub's vocabulary.
      {
        '@context': [AS, { litepub: 'http://litepub.social/ns#', EmojiReact: 'litepub:EmojiReact' }],
        type: 'EmojiReact',
        object: message,
        content: '💩',
      },
    ]
    for (const activity of activities) {
      const id = `${stranger.origin}/activities/${randomUUID()}`
      const body = JSON.stringify({ '@context': AS, id, actor: stranger.actorId, to: roomUri, ...activity })
      assert.equal((await stranger.deliver(`${roomUri}/inbox`, body)).status, 202, activity.type)
      await processed(a, id, 'remote chat action refused')
    }
    assert.equal(JSON.stringify(await hostView(a, roomId, authorOnA)), before)
    assert.equal((await a.services.store.rooms.byId(roomId))?.lastSeq, lastSeq, 'no event at all')
  })

  it("an Announce of the room's events from anyone but the room (its host) changes nothing on the member instance", async () => {
    const before = JSON.stringify(await replicaView(bob, roomUri))
    // Signed by the stranger as itself, claiming an event id of the room.
    const claimed = `${roomUri}/events/9999`
    const note = {
      id: `${roomUri}/messages/9999`,
      type: 'Note',
      attributedTo: `${a.origin}/users/alice`,
      content: '<p>forged</p>',
    }
    const own = JSON.stringify({ '@context': AS, id: claimed, type: 'Announce', actor: stranger.actorId, object: note })
    assert.equal((await stranger.deliver(`${b.origin}/inbox`, own)).status, 202)
    await processed(b, claimed, 'not a room event of its actor')
    // Signed by the stranger, naming the room as actor: the signature is not the actor's.
    const forged = JSON.stringify({
      '@context': AS,
      id: `${roomUri}/events/9998`,
      type: 'Announce',
      actor: roomUri,
      object: { ...note, id: `${roomUri}/messages/9998` },
    })
    assert.equal((await stranger.deliver(`${b.origin}/inbox`, forged)).status, 401)
    assert.equal(JSON.stringify(await replicaView(bob, roomUri)), before)
  })
  it('a Delete of the room (the Group) by anyone but the room changes nothing: not on the member instance, not on the host', async () => {
    const replica = JSON.stringify(await replicaView(bob, roomUri))
    const rooms = JSON.stringify((await bob('/api/v1/rooms')).json)
    const head = await b.store().rooms.replicas.head(roomUri)
    // Signed by the stranger as itself, deleting the room at the member instance.
    const own = `${stranger.origin}/activities/${randomUUID()}`
    assert.equal(
      (
        await stranger.deliver(
          `${b.origin}/inbox`,
          JSON.stringify({ '@context': AS, id: own, type: 'Delete', actor: stranger.actorId, object: roomUri }),
        )
      ).status,
      202,
    )
    await processed(b, own, 'Delete of a room by someone else than the room refused')
    // Signed by the stranger, naming the room as actor: the signature is not the actor's.
    const forged = JSON.stringify({
      '@context': AS,
      id: `${roomUri}#delete`,
      type: 'Delete',
      actor: roomUri,
      object: roomUri,
    })
    assert.equal((await stranger.deliver(`${b.origin}/inbox`, forged)).status, 401)
    // At the room's inbox: the room is not a message of the room.
    const atHost = `${stranger.origin}/activities/${randomUUID()}`
    const hostBefore = JSON.stringify(await hostView(a, roomId, authorOnA))
    assert.equal(
      (
        await stranger.deliver(
          `${roomUri}/inbox`,
          JSON.stringify({ '@context': AS, id: atHost, type: 'Delete', actor: stranger.actorId, object: roomUri }),
        )
      ).status,
      202,
    )
    await processed(a, atHost, 'remote chat action refused')
    assert.equal(JSON.stringify(await replicaView(bob, roomUri)), replica)
    assert.equal(JSON.stringify((await bob('/api/v1/rooms')).json), rooms)
    assert.equal(await b.store().rooms.replicas.head(roomUri), head)
    assert.equal(JSON.stringify(await hostView(a, roomId, authorOnA)), hostBefore)
    assert.equal((await a.services.store.rooms.byId(roomId))?.deletedAt, null)
  })
})
