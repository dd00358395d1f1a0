import { after, afterEach, before, describe, it } from 'node:test'
import assert from 'node:assert/strict'
import { startInstance, eventually, printLogsOnFailure, type TestInstance } from '../harness/instance.ts'
import { mirrorOf } from '../harness/rooms.ts'

type Json = Record<string, unknown>

describe('Room invites across instances: Invite, Accept (the invitee joins on the host), Reject', () => {
  let a: TestInstance
  let b: TestInstance
  let aliceToken: string
  let bobToken: string
  let carolToken: string
  let roomId: string
  const call =
    (instance: () => TestInstance, token: () => string) =>
    async (path: string, init: { method?: string; body?: unknown } = {}) => {
      const res = await fetch(`${instance().origin}${path}`, {
        method: init.method ?? 'GET',
        headers: {
          authorization: `Bearer ${token()}`,
          ...(init.body !== undefined ? { 'content-type': 'application/json' } : {}),
        },
        ...(init.body !== undefined ? { body: JSON.stringify(init.body) } : {}),
      })
      const text = await res.text()
      return { status: res.status, json: (text ? JSON.parse(text) : {}) as Json }
    }
  const alice = call(
    () => a,
    () => aliceToken,
  )
  const bob = call(
    () => b,
    () => bobToken,
  )
  const carol = call(
    () => b,
    () => carolToken,
  )

  before(async () => {
    ;[a, b] = await Promise.all([startInstance(), startInstance()])
    aliceToken = (await a.services.accounts.createToken((await a.addUser('alice', 'Alice')).id, 't')).secret
    bobToken = (await b.services.accounts.createToken((await b.addUser('bob', 'Bob Builder')).id, 't')).secret
    carolToken = (await b.services.accounts.createToken((await b.addUser('carol', 'Carol')).id, 't')).secret
    roomId = (
      (await alice('/api/v1/rooms', { method: 'POST', body: { kind: 'group', name: 'Project X' } })).json as {
        id: string
      }
    ).id
  })
  afterEach(printLogsOnFailure(() => [a, b]))
  after(async () => {
    await Promise.all([a?.close(), b?.close()])
  })

  it('alice invites @bob@B: B lists the pending invitation with the room name; bob accepts and is a member of the room on A', async () => {
    const sent = await alice(`/api/v1/rooms/${roomId}/remote-invites`, {
      method: 'POST',
      body: { target: `@bob@${b.host}` },
    })
    assert.equal(sent.status, 202, JSON.stringify(sent.json))
    assert.equal(sent.json.inviteeId, `${b.origin}/users/bob`)
    assert.equal(sent.json.state, 'pending')
    const inviteId = String(sent.json.inviteId)
    assert.ok(inviteId.startsWith(`${a.origin}/rooms/${roomId}/invites/`))

    const listed = await eventually(
      async () => {
        const { json } = await bob('/api/v1/me/room-invitations')
        const invitations = json.invitations as Json[]
        return invitations.length === 1 ? invitations : null
      },
      15_000,
      'the invitation on B',
    )
    assert.deepEqual(
      { ...listed[0], createdAt: undefined },
      {
        inviteId,
        roomId: `${a.origin}/rooms/${roomId}`,
        roomName: 'Project X',
        inviterId: `${a.origin}/users/alice`,
        createdAt: undefined,
      },
    )
    assert.deepEqual((await carol('/api/v1/me/room-invitations')).json, { invitations: [] }, 'only the invitee sees it')
    assert.equal(
      (await carol('/api/v1/me/room-invitations/answer', { method: 'POST', body: { inviteId, accept: true } })).status,
      404,
      'nor answers it',
    )

    assert.equal(
      (await bob('/api/v1/me/room-invitations/answer', { method: 'POST', body: { inviteId, accept: true } })).status,
      204,
    )
    assert.deepEqual((await bob('/api/v1/me/room-invitations')).json, { invitations: [] })
    const member = await eventually(
      async () => a.services.store.participants.get(roomId, `${b.origin}/users/bob`),
      15_000,
      'bob on A',
    )
    assert.equal(member.displayName, 'Bob Builder')
    assert.equal(member.role, 'member')
    assert.equal(member.state, 'active')
    assert.equal((await a.store().rooms.members.list(roomId, null, 10)).items[0]?.sharedInbox, `${b.origin}/inbox`)
    assert.equal((await a.store().rooms.invites.get(inviteId))?.state, 'accepted')
    const participants = await alice(`/api/v1/rooms/${roomId}/participants`)
    assert.ok(JSON.stringify(participants.json).includes(`${b.origin}/users/bob`), 'A lists bob among the participants')
    assert.equal(
      (await bob('/api/v1/me/room-invitations/answer', { method: 'POST', body: { inviteId, accept: true } })).status,
      404,
      'answered once',
    )
  })

  it('carol declines: the invite is rejected on A and she is not a participant', async () => {
    const sent = await alice(`/api/v1/rooms/${roomId}/remote-invites`, {
      method: 'POST',
      body: { target: `${b.origin}/users/carol` },
    })
    assert.equal(sent.status, 202)
    const inviteId = String(sent.json.inviteId)
    await eventually(
      async () => ((await carol('/api/v1/me/room-invitations')).json.invitations as Json[]).length === 1,
      15_000,
      'the invitation on B',
    )
    assert.equal(
      (await carol('/api/v1/me/room-invitations/answer', { method: 'POST', body: { inviteId, accept: false } })).status,
      204,
    )
    await eventually(
      async () => (await a.store().rooms.invites.get(inviteId))?.state === 'rejected',
      15_000,
      'the Reject on A',
    )
    assert.equal(await a.services.store.participants.get(roomId, `${b.origin}/users/carol`), null)
  })

  it('inviting needs participant.add in the room, and a real remote account', async () => {
    const dave = await a.addUser('dave')
    const daveToken = (await a.services.accounts.createToken(dave.id, 't')).secret
    const res = await fetch(`${a.origin}/api/v1/rooms/${roomId}/remote-invites`, {
      method: 'POST',
      headers: { authorization: `Bearer ${daveToken}`, 'content-type': 'application/json' },
      body: JSON.stringify({ target: `@bob@${b.host}` }),
    })
    assert.equal(res.status, 404, 'not in the room')
    const ghost = await alice(`/api/v1/rooms/${roomId}/remote-invites`, {
      method: 'POST',
      body: { target: `@ghost@${b.host}` },
    })
    assert.equal(ghost.status, 404)
    assert.equal((ghost.json.error as Json).code, 'remote-not-found')
  })

  it('bob leaves (a Leave): he is no longer a participant on A, gets nothing more, and B forgets the room', async () => {
    const roomUri = `${a.origin}/rooms/${roomId}`
    const mirrorId = await mirrorOf(bob, roomUri)
    assert.ok(mirrorId)
    assert.equal((await bob(`/api/v1/rooms/${mirrorId}/leave`, { method: 'POST' })).status, 204)
    assert.equal(await mirrorOf(bob, roomUri), null, 'the room left the list')
    await eventually(
      async () => (await a.services.store.participants.get(roomId, `${b.origin}/users/bob`)) === null,
      15_000,
      'bob gone on A',
    )
    assert.equal(await a.store().rooms.members.count(roomId), 0)
    assert.equal(
      (await bob(`/api/v1/rooms/${mirrorId}/leave`, { method: 'POST' })).status >= 400,
      true,
      'not in it any more',
    )
  })

  it('a moderator on A removes bob by his handle @bob@B: B is told (Remove) and forgets the room', async () => {
    const roomUri = `${a.origin}/rooms/${roomId}`
    const sent = await alice(`/api/v1/rooms/${roomId}/remote-invites`, {
      method: 'POST',
      body: { target: `@bob@${b.host}` },
    })
    const inviteId = String(sent.json.inviteId)
    await eventually(
      async () => ((await bob('/api/v1/me/room-invitations')).json.invitations as Json[]).length === 1,
      15_000,
      'the new invitation',
    )
    assert.equal(
      (await bob('/api/v1/me/room-invitations/answer', { method: 'POST', body: { inviteId, accept: true } })).status,
      204,
    )
    await eventually(
      async () => (await a.services.store.participants.get(roomId, `${b.origin}/users/bob`))?.state === 'active',
      15_000,
      'bob back on A',
    )
    assert.ok(await mirrorOf(bob, roomUri), 'listed again')
    // A handle of B that names nobody: looked up on B, refused with its code, nothing changes.
    const participantsBefore = await a.services.store.participants.list(roomId)
    const nobody = await alice(`/api/v1/rooms/${roomId}/participants/${encodeURIComponent(`@nobody@${b.host}`)}`, {
      method: 'DELETE',
    })
    assert.equal((nobody.json.error as Json | undefined)?.code, 'remote-not-found', JSON.stringify(nobody.json))
    assert.deepEqual(await a.services.store.participants.list(roomId), participantsBefore)
    // Named as people name him: the handle is looked up (WebFinger on B) and is the participant.
    const removed = await alice(`/api/v1/rooms/${roomId}/participants/${encodeURIComponent(`@bob@${b.host}`)}`, {
      method: 'DELETE',
    })
    assert.equal(removed.status, 204, JSON.stringify(removed.json))
    assert.equal(await a.services.store.participants.get(roomId, `${b.origin}/users/bob`), null)
    await eventually(async () => (await mirrorOf(bob, roomUri)) === null, 15_000, 'the Remove on B')
    assert.equal(await a.store().rooms.members.count(roomId), 0)
  })
})
