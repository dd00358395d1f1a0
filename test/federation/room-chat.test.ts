import { after, afterEach, before, describe, it } from 'node:test'
import assert from 'node:assert/strict'
import { startInstance, eventually, printLogsOnFailure, type TestInstance } from '../harness/instance.ts'
import { apiAs, hostView, inviteAndJoin, memberAct, replicaView, type Api, type Json } from '../harness/rooms.ts'

describe('Federated chat: the host orders, checks and announces; member instances keep replicas in the same order', () => {
  let a: TestInstance
  let b: TestInstance
  let c: TestInstance
  let alice: Api
  let bob: Api
  let roomId: string
  let roomUri: string
  const authorOnA = async (actorId: string) =>
    actorId.startsWith('https://')
      ? actorId
      : `${a.origin}/users/${(await a.services.store.users.byId(actorId))?.username}`
  const send = (member: Api, action: Parameters<typeof memberAct>[2]) => memberAct(member, roomUri, action)
  const listed = async (member: Api) =>
    ((await member('/api/v1/rooms')).json.rooms as (Json & { host?: { roomUri: string } })[])
      .filter((r) => r.host)
      .map((r) => ({ roomId: r.host!.roomUri, roomName: r.name }))
  const textMessages = async () =>
    (await a.services.store.messages.history({ roomId, after: 0, limit: 1000 })).filter((m) => m.kind === 'text')

  before(async () => {
    ;[a, b, c] = await Promise.all([startInstance(), startInstance(), startInstance()])
    alice = (await apiAs(a, 'alice', 'Alice')).api
    bob = (await apiAs(b, 'bob', 'Bob Builder')).api
    roomId = (
      (await alice('/api/v1/rooms', { method: 'POST', body: { kind: 'group', name: 'Project X' } })).json as {
        id: string
      }
    ).id
    roomUri = `${a.origin}/rooms/${roomId}`
    await inviteAndJoin(a, alice, roomId, b, bob, 'bob')
  })
  afterEach(printLogsOnFailure(() => [a, b, c]))
  after(async () => {
    await Promise.all([a?.close(), b?.close(), c?.close()])
  })

  it("both sides post, react, edit and delete; B shows exactly what A has, in A's order", async () => {
    assert.deepEqual(await listed(bob), [{ roomId: roomUri, roomName: 'Project X' }])
    assert.equal(
      (
        await alice(`/api/v1/rooms/${roomId}/messages`, {
          method: 'POST',
          body: { body: 'Hello Bob, welcome to **X**' },
        })
      ).status,
      201,
    )
    assert.equal((await send(bob, { type: 'post', body: 'Hi Alice <3' })).status, 201)
    const bobsFirst = await eventually(
      async () => (await textMessages()).find((m) => m.body === 'Hi Alice <3'),
      15_000,
      "bob's message on A",
    )
    assert.equal(bobsFirst.actorId, `${b.origin}/users/bob`)
    assert.equal(bobsFirst.actorName, 'Bob Builder')
    assert.equal((await send(bob, { type: 'post', body: 'a typo', replyTo: bobsFirst.seq })).status, 201)
    const typo = await eventually(
      async () => (await textMessages()).find((m) => m.body === 'a typo'),
      15_000,
      "bob's second message",
    )
    assert.equal(typo.replyTo, bobsFirst.seq)
    const alicesFirst = (await textMessages())[0]!
    assert.equal(
      (
        await alice(`/api/v1/rooms/${roomId}/messages/${bobsFirst.seq}/reactions/${encodeURIComponent('👍')}`, {
          method: 'PUT',
        })
      ).status,
      200,
    )
    assert.equal((await send(bob, { type: 'react', seq: alicesFirst.seq, emoji: '🎉' })).status, 200)
    assert.equal((await send(bob, { type: 'edit', seq: typo.seq, body: 'no typo' })).status, 200)
    await eventually(
      async () => (await a.services.store.messages.get(roomId, typo.seq))?.body === 'no typo',
      15_000,
      'the edit on A',
    )
    assert.equal((await send(bob, { type: 'delete', seq: typo.seq })).status, 200)
    await eventually(
      async () => (await a.services.store.messages.get(roomId, typo.seq))?.deletedAt !== null,
      15_000,
      'the delete on A',
    )
    assert.equal(
      (await alice(`/api/v1/rooms/${roomId}/messages`, { method: 'POST', body: { body: 'Last word' } })).status,
      201,
    )

    const expected = await eventually(
      async () => {
        const host = await hostView(a, roomId, authorOnA)
        return host.length === 4 && JSON.stringify(host).includes('🎉') ? host : null
      },
      15_000,
      'everything on A',
    )
    await eventually(
      async () => JSON.stringify(await replicaView(bob, roomUri)) === JSON.stringify(expected),
      15_000,
      "B's replica to match A",
    )
    const replica = await replicaView(bob, roomUri)
    assert.deepEqual(replica, expected)
    assert.deepEqual(
      (replica as { body: string }[]).map((m) => m.body),
      ['Hello Bob, welcome to **X**', 'Hi Alice <3', '', 'Last word'],
    )
  })

  it("an edit or delete of someone else's message by a member is refused by the host; nothing changes anywhere", async () => {
    const alicesFirst = (await textMessages())[0]!
    const before = JSON.stringify(await hostView(a, roomId, authorOnA))
    const edit = await send(bob, { type: 'edit', seq: alicesFirst.seq, body: 'hijacked' })
    assert.equal(edit.status, 403, 'refused by the host, with its code')
    assert.equal((edit.json.error as Json).code, 'not-author')
    assert.equal((await send(bob, { type: 'delete', seq: alicesFirst.seq })).status, 403)
    // A marker message after them: the host answered each write before the next was sent.
    assert.equal((await send(bob, { type: 'post', body: 'marker' })).status, 201)
    const after = await hostView(a, roomId, authorOnA)
    assert.equal((await a.services.store.messages.get(roomId, alicesFirst.seq))?.body, 'Hello Bob, welcome to **X**')
    assert.deepEqual(JSON.stringify(after.slice(0, -1)), before)
  })

  it("a moderator on the host deletes a member's message and renames the room: both reach the member instance", async () => {
    const marker = (await textMessages()).find((m) => m.body === 'marker')!
    assert.equal((await alice(`/api/v1/rooms/${roomId}/messages/${marker.seq}`, { method: 'DELETE' })).status, 200)
    assert.equal((await alice(`/api/v1/rooms/${roomId}`, { method: 'PATCH', body: { name: 'Project Y' } })).status, 200)
    await eventually(
      async () =>
        (await replicaView(bob, roomUri)).some(
          (m) => (m as { seq: number; deleted: boolean }).seq === marker.seq && (m as { deleted: boolean }).deleted,
        ),
      15_000,
      'the delete on B',
    )
    await eventually(
      async () => JSON.stringify(await listed(bob)) === JSON.stringify([{ roomId: roomUri, roomName: 'Project Y' }]),
      15_000,
      'the new name on B',
    )
  })

  it("a third instance joins later: it gets the whole history (edits applied, deleted messages as tombstones, reactions), then everything new, in the host's order", async () => {
    const carol = (await apiAs(c, 'carol', 'Carol')).api
    await inviteAndJoin(a, alice, roomId, c, carol, 'carol')
    await eventually(async () => (await listed(carol)).length === 1, 15_000, 'the room on C')
    assert.equal((await send(carol, { type: 'post', body: 'Carol here' })).status, 201)
    assert.equal(
      (await alice(`/api/v1/rooms/${roomId}/messages`, { method: 'POST', body: { body: 'Welcome Carol' } })).status,
      201,
    )
    const expected = await eventually(
      async () => {
        const host = await hostView(a, roomId, authorOnA)
        return JSON.stringify(host).includes('Carol here') && JSON.stringify(host).includes('Welcome Carol')
          ? host
          : null
      },
      15_000,
      "carol's message on A",
    )
    assert.equal(expected.length, 7)
    await eventually(
      async () => JSON.stringify(await replicaView(carol, roomUri)) === JSON.stringify(expected),
      15_000,
      "C's replica: history and new messages",
    )
    const bodies = (await replicaView(carol, roomUri)).map((m) => (m as { body: string }).body)
    assert.deepEqual(
      bodies.slice(0, 5),
      ['Hello Bob, welcome to **X**', 'Hi Alice <3', '', 'Last word', ''],
      'the history, from before C joined (deleted messages as tombstones)',
    )
    assert.deepEqual(
      bodies.slice(5).sort(),
      ['Carol here', 'Welcome Carol'],
      "then the new messages (in the host's order, checked above)",
    )
    await eventually(
      async () => JSON.stringify(await replicaView(bob, roomUri)) === JSON.stringify(expected),
      15_000,
      "B's replica",
    )
  })
})
