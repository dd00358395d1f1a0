/**
 * One-to-one rooms across two Parley instances, over direct messages: Alice on A opens a room with
 * `@bob@<B>` through REST and writes; Bob on B finds a one-to-one room with Alice holding it, and
 * answers; edits and reactions cross too. Everything is driven and checked through REST.
 */
import { after, afterEach, before, describe, it } from 'node:test'
import assert from 'node:assert/strict'
import { startInstance, eventually, printLogsOnFailure, type TestInstance } from '../harness/instance.ts'
import { apiAs, type Api, type Json } from '../harness/rooms.ts'

type Message = {
  seq: number
  kind: string
  actor: { id: string; name: string }
  body: string
  replyTo: number | null
  editedAt: string | null
  reactions: { emoji: string; count: number }[]
}

describe('one-to-one rooms between users of two Parley instances (direct messages)', () => {
  let a: TestInstance
  let b: TestInstance
  let alice: { id: string; api: Api }
  let bob: { id: string; api: Api }
  let aliceRoom: string
  let bobRoom: string
  before(async () => {
    ;[a, b] = await Promise.all([startInstance(), startInstance()])
    ;[alice, bob] = await Promise.all([apiAs(a, 'alice', 'Alice A.'), apiAs(b, 'bob', 'Bob B.')])
  })
  afterEach(printLogsOnFailure(() => [a, b]))
  after(async () => {
    await Promise.all([a?.close(), b?.close()])
  })

  const texts = async (api: Api, roomId: string): Promise<Message[]> => {
    const { status, json } = await api(`/api/v1/rooms/${roomId}/messages?limit=100`)
    assert.equal(status, 200, JSON.stringify(json))
    return (json.messages as Message[]).filter((m) => m.kind === 'text')
  }

  it('POST /api/v1/rooms/one-to-one with an unknown handle → 404 remote-not-found, and no room', async () => {
    const { status, json } = await alice.api('/api/v1/rooms/one-to-one', {
      method: 'POST',
      body: { handle: `@nobody@${b.host}` },
    })
    assert.equal(status, 404)
    assert.equal((json.error as Json).code, 'remote-not-found')
    assert.deepEqual((await alice.api('/api/v1/rooms')).json.rooms, [])
  })

  it('Alice opens a one-to-one room with @bob@B via REST (his name shown) and posts; Bob finds a one-to-one room with Alice holding it', async () => {
    const opened = await alice.api('/api/v1/rooms/one-to-one', { method: 'POST', body: { handle: `@bob@${b.host}` } })
    assert.equal(opened.status, 201, JSON.stringify(opened.json))
    aliceRoom = String(opened.json.id)
    assert.equal(opened.json.kind, 'one-to-one')
    assert.deepEqual(opened.json.remote, {
      actorId: `${b.origin}/users/bob`,
      name: 'Bob B.',
      handle: `@bob@${b.host}`,
      avatarUrl: null,
      url: `${b.origin}/users/bob`,
    })
    const again = await alice.api('/api/v1/rooms/one-to-one', {
      method: 'POST',
      body: { handle: `${b.origin}/users/bob` },
    })
    assert.equal(again.status, 200, 'the actor URL names the same account: the same room')
    assert.equal(again.json.id, aliceRoom)
    const participants = (await alice.api(`/api/v1/rooms/${aliceRoom}/participants`)).json.participants as Json[]
    assert.deepEqual(
      participants.map((p) => [p.actorId, p.displayName]).sort(),
      [
        [alice.id, 'Alice A.'],
        [`${b.origin}/users/bob`, 'Bob B.'],
      ].sort(),
    )

    assert.equal(
      (await alice.api(`/api/v1/rooms/${aliceRoom}/messages`, { method: 'POST', body: { body: 'Hello <Bob> & co' } }))
        .status,
      201,
    )
    const room = await eventually(
      async () => ((await bob.api('/api/v1/rooms')).json.rooms as Json[]).find((r) => r.kind === 'one-to-one'),
      15_000,
      'the room on B',
    )
    bobRoom = String(room.id)
    assert.equal((room.remote as Json).name, 'Alice A.', 'B shows who is on the other side too')
    const [first] = await eventually(
      async () => ((await texts(bob.api, bobRoom)).length === 1 ? texts(bob.api, bobRoom) : null),
      15_000,
      'the message on B',
    )
    assert.equal(
      first?.body,
      'Hello <Bob> & co',
      'plain text both ends: escaped on the way out, unescaped on the way in',
    )
    assert.deepEqual(first?.actor, { type: 'user', id: `${a.origin}/users/alice`, name: 'Alice A.' })
  })

  it('Bob replies; Alice sees the reply, threaded, after her message', async () => {
    const [first] = await texts(bob.api, bobRoom)
    assert.equal(
      (
        await bob.api(`/api/v1/rooms/${bobRoom}/messages`, {
          method: 'POST',
          body: { body: 'Hi Alice!', replyTo: first?.seq },
        })
      ).status,
      201,
    )
    assert.equal(
      (await bob.api(`/api/v1/rooms/${bobRoom}/messages`, { method: 'POST', body: { body: 'And a second line' } }))
        .status,
      201,
    )
    const list = await eventually(
      async () => ((await texts(alice.api, aliceRoom)).length === 3 ? texts(alice.api, aliceRoom) : null),
      15_000,
      'the replies on A',
    )
    assert.deepEqual(
      list.map((m) => [m.body, m.actor.id]),
      [
        ['Hello <Bob> & co', alice.id],
        ['Hi Alice!', `${b.origin}/users/bob`],
        ['And a second line', `${b.origin}/users/bob`],
      ],
    )
    assert.equal(list[1]?.replyTo, list[0]?.seq)
    assert.equal(list[2]?.replyTo, null)
  })

  it('an edit by Alice and reactions by Bob (❤️, 🎉) cross; taking one back crosses too', async () => {
    const [mine] = await texts(alice.api, aliceRoom)
    assert.equal(
      (
        await alice.api(`/api/v1/rooms/${aliceRoom}/messages/${mine?.seq}`, {
          method: 'PATCH',
          body: { body: 'Hello Bob (edited)' },
        })
      ).status,
      200,
    )
    const edited = await eventually(
      async () => (await texts(bob.api, bobRoom)).find((m) => m.editedAt !== null),
      15_000,
      'the edit on B',
    )
    assert.equal(edited.body, 'Hello Bob (edited)')
    for (const emoji of ['❤️', '🎉']) {
      assert.equal(
        (
          await bob.api(`/api/v1/rooms/${bobRoom}/messages/${edited.seq}/reactions/${encodeURIComponent(emoji)}`, {
            method: 'PUT',
          })
        ).status,
        200,
      )
    }
    const reacted = await eventually(
      async () => (await texts(alice.api, aliceRoom)).find((m) => m.seq === mine?.seq && m.reactions.length === 2),
      15_000,
      'the reactions on A',
    )
    assert.deepEqual(reacted.reactions.map((r) => r.emoji).sort(), ['❤️', '🎉'].sort())
    assert.equal(
      (
        await bob.api(`/api/v1/rooms/${bobRoom}/messages/${edited.seq}/reactions/${encodeURIComponent('🎉')}`, {
          method: 'DELETE',
        })
      ).status,
      200,
    )
    await eventually(
      async () =>
        (await texts(alice.api, aliceRoom))
          .find((m) => m.seq === mine?.seq)
          ?.reactions.map((r) => r.emoji)
          .join() === '❤️',
      15_000,
      'the Undo on A',
    )
  })

  it('a delete by Bob crosses', async () => {
    const mine = (await texts(bob.api, bobRoom)).find((m) => m.body === 'And a second line')
    assert.equal((await bob.api(`/api/v1/rooms/${bobRoom}/messages/${mine?.seq}`, { method: 'DELETE' })).status, 200)
    const gone = await eventually(
      async () =>
        ((await alice.api(`/api/v1/rooms/${aliceRoom}/messages?limit=100`)).json.messages as Json[]).find(
          (m) => m.deletedAt !== null,
        ),
      15_000,
      'the delete on A',
    )
    assert.equal(gone.body, '')
    assert.equal((gone.actor as Json).id, `${b.origin}/users/bob`)
  })
})
