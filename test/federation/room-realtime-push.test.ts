import { after, afterEach, before, describe, it } from 'node:test'
import assert from 'node:assert/strict'
import { RealtimeClient, type RealtimeEvents } from '@parley/client'
import { startInstance, eventually, printLogsOnFailure, type TestInstance } from '../harness/instance.ts'
import { apiAs, mirrorOf, type Api, type Json } from '../harness/rooms.ts'

describe("Rooms on other instances reach the member's realtime sessions: invitation.received, then ordinary room events in the host's order", () => {
  let a: TestInstance
  let b: TestInstance
  let alice: Api
  let bob: Api
  let client: RealtimeClient
  let roomId: string
  let roomUri: string
  const invitations: RealtimeEvents['invitation.received'][] = []
  const all: RealtimeEvents['event'][] = []
  const removals: RealtimeEvents['room.removed'][] = []
  /** The room's id on B (known once Bob accepted). */
  let mirrorId = ''
  const events = {
    get list() {
      return all.filter((e) => e.roomId === mirrorId)
    },
  }

  before(async () => {
    ;[a, b] = await Promise.all([startInstance(), startInstance()])
    alice = (await apiAs(a, 'alice', 'Alice')).api
    const bobUser = await apiAs(b, 'bob', 'Bob Builder')
    bob = bobUser.api
    roomId = (
      (await alice('/api/v1/rooms', { method: 'POST', body: { kind: 'group', name: 'Project X' } })).json as {
        id: string
      }
    ).id
    roomUri = `${a.origin}/rooms/${roomId}`
    const token = (await b.services.accounts.createToken(bobUser.id, 'realtime')).secret
    client = new RealtimeClient({ baseUrl: b.origin, auth: { token }, reconnect: false })
    client.on('invitation.received', (frame) => invitations.push(frame))
    client.on('event', (frame) => all.push(frame))
    client.on('room.removed', (frame) => removals.push(frame))
    await client.connect()
  })
  afterEach(printLogsOnFailure(() => [a, b]))
  after(async () => {
    client?.close()
    await Promise.all([a?.close(), b?.close()])
  })

  it("bob's open session gets the invitation as B lists it; after he accepts, alice's post, edit and reaction arrive in seq order", async () => {
    const sent = await alice(`/api/v1/rooms/${roomId}/remote-invites`, {
      method: 'POST',
      body: { target: `@bob@${b.host}` },
    })
    assert.equal(sent.status, 202, JSON.stringify(sent.json))
    const inviteId = String(sent.json.inviteId)
    const received = await eventually(
      async () => invitations.find((i) => i.invitation.inviteId === inviteId),
      15_000,
      "invitation.received on bob's session",
    )
    const listed = ((await bob('/api/v1/me/room-invitations')).json.invitations as Json[])[0]
    assert.deepEqual(received.invitation, listed, 'the same view as the REST API')
    assert.equal(received.invitation.roomId, roomUri)
    assert.equal(received.invitation.roomName, 'Project X')
    assert.equal(received.invitation.inviterId, `${a.origin}/users/alice`)
    assert.equal(invitations.length, 1)

    assert.equal(
      (await bob('/api/v1/me/room-invitations/answer', { method: 'POST', body: { inviteId, accept: true } })).status,
      204,
    )
    await eventually(
      async () => (await a.services.store.participants.get(roomId, `${b.origin}/users/bob`))?.state === 'active',
      15_000,
      'bob on A',
    )
    mirrorId = (await mirrorOf(bob, roomUri)) as string
    assert.ok(mirrorId)

    const posted = await alice(`/api/v1/rooms/${roomId}/messages`, { method: 'POST', body: { body: 'Hello Bob' } })
    assert.equal(posted.status, 201, JSON.stringify(posted.json))
    const seq = Number((posted.json as { seq: number }).seq)
    await eventually(async () => events.list.some((e) => e.event.type === 'message.new'), 15_000, 'message.new')
    assert.equal(
      (await alice(`/api/v1/rooms/${roomId}/messages/${seq}`, { method: 'PATCH', body: { body: 'Hello Bob, edited' } }))
        .status,
      200,
    )
    await eventually(async () => events.list.some((e) => e.event.type === 'message.edited'), 15_000, 'message.edited')
    assert.equal(
      (await alice(`/api/v1/rooms/${roomId}/messages/${seq}/reactions/${encodeURIComponent('👍')}`, { method: 'PUT' }))
        .status,
      200,
    )
    await eventually(async () => events.list.some((e) => e.event.type === 'reaction.added'), 15_000, 'reaction.added')

    const messageEvents = events.list.filter(
      (e) => e.event.type.startsWith('message.') || e.event.type.startsWith('reaction.'),
    )
    assert.deepEqual(
      messageEvents.map((e) => e.event.type),
      ['message.new', 'message.edited', 'reaction.added'],
    )
    for (const e of events.list) assert.equal(e.roomId, mirrorId)
    const seqs = messageEvents.map((e) => e.seq)
    assert.ok(seqs[0]! >= seq && seqs[0]! < seqs[1]! && seqs[1]! < seqs[2]!, `increasing host seqs: ${seqs.join(',')}`)
    const hostLastSeq = (await a.services.store.rooms.byId(roomId))?.lastSeq
    assert.equal(seqs[2], hostLastSeq, "the reaction is the host's latest event")

    const [created, edited] = messageEvents
      .slice(0, 2)
      .map((e) => (e.event as Extract<typeof e.event, { message: unknown }>).message)
    assert.equal(created!.seq, seq)
    assert.equal(created!.body, 'Hello Bob')
    assert.equal(created!.actor.id, `${a.origin}/users/alice`)
    assert.equal(created!.actor.name, 'Alice')
    assert.equal(created!.editedAt, null)
    assert.equal(edited!.seq, seq)
    assert.equal(edited!.body, 'Hello Bob, edited')
    assert.notEqual(edited!.editedAt, null)
    assert.deepEqual(messageEvents[2]!.event, {
      type: 'reaction.added',
      messageSeq: seq,
      emoji: '👍',
      actor: { type: 'user', id: `${a.origin}/users/alice`, name: 'Alice' },
    })
    const [reaction] = (await bob(`/api/v1/rooms/${mirrorId}/messages/${seq}/reactions`)).json.reactions as Json[]
    assert.deepEqual(reaction!.actor, { type: 'user', id: `${a.origin}/users/alice`, name: 'Alice' })
    const shown = ((await bob(`/api/v1/rooms/${mirrorId}/messages`)).json.messages as Json[]).find((m) => m.seq === seq)
    assert.deepEqual(
      { ...edited, reactions: [{ emoji: '👍', count: 1 }] },
      shown,
      'the events carry the message as the history shows it',
    )
  })

  it("who joins A's room, changes role and is removed there reaches Bob's session as participant events, and B's participants list shows it at once", async () => {
    const participantsOnB = async () =>
      ((await bob(`/api/v1/rooms/${mirrorId}/participants`)).json.participants as Json[]).map((p) => ({
        actorId: p.actorId,
        role: p.role,
      }))
    const carolUrl = `${a.origin}/users/carol`
    // Read once, so B keeps the roster without Carol: the change must make B forget it.
    assert.ok(!(await participantsOnB()).some((p) => p.actorId === carolUrl), 'no Carol yet')
    const participantEvents = () => events.list.filter((e) => e.event.type.startsWith('participant.'))
    const seen = participantEvents().length

    const carol = await a.addUser('carol', 'Carol')
    const added = await alice(`/api/v1/rooms/${roomId}/participants`, {
      method: 'POST',
      body: { userId: carol.id, role: 'member' },
    })
    assert.equal(added.status, 201, JSON.stringify(added.json))
    const joined = await eventually(
      async () =>
        participantEvents()
          .slice(seen)
          .find((e) => e.event.type === 'participant.joined'),
      15_000,
      "participant.joined on Bob's session",
    )
    assert.equal(joined.roomId, mirrorId)
    const hostJoin = (await a.services.store.events.since(roomId, joined.seq - 1, 1))[0]
    assert.equal((hostJoin?.data as { type?: string }).type, 'participant.joined', "seq names the host's join event")
    assert.equal(joined.event.type === 'participant.joined' && joined.event.participant.actorId, carolUrl)
    assert.equal(joined.event.type === 'participant.joined' && joined.event.participant.displayName, 'Carol')
    assert.deepEqual(
      (await participantsOnB()).find((p) => p.actorId === carolUrl),
      { actorId: carolUrl, role: 'member' },
      'listed on B at once, not after the roster expires',
    )

    const promoted = await alice(`/api/v1/rooms/${roomId}/participants/${carol.id}`, {
      method: 'PATCH',
      body: { role: 'moderator' },
    })
    assert.equal(promoted.status, 200, JSON.stringify(promoted.json))
    const updated = await eventually(
      async () =>
        participantEvents()
          .slice(seen)
          .find((e) => e.event.type === 'participant.updated'),
      15_000,
      'participant.updated',
    )
    assert.equal(updated.event.type === 'participant.updated' && updated.event.participant.role, 'moderator')
    assert.deepEqual((await participantsOnB()).find((p) => p.actorId === carolUrl)?.role, 'moderator')

    const removed = await alice(`/api/v1/rooms/${roomId}/participants/${carol.id}`, { method: 'DELETE' })
    assert.equal(removed.status, 204)
    const left = await eventually(
      async () =>
        participantEvents()
          .slice(seen)
          .find((e) => e.event.type === 'participant.left'),
      15_000,
      'participant.left',
    )
    assert.deepEqual(left.event, { type: 'participant.left', actorId: carolUrl, reason: 'removed' })
    assert.ok(joined.seq < updated.seq && updated.seq < left.seq, "in the host's order")
    assert.ok(!(await participantsOnB()).some((p) => p.actorId === carolUrl), 'gone from the list on B')
  })

  it("a delete and a rename arrive with the host's seqs; a removal by the host ends with room.removed", async () => {
    const before = events.list.length
    const lastSeq = events.list[events.list.length - 1]!.seq
    const seq = (events.list[0]!.event as Extract<RealtimeEvents['event']['event'], { message: unknown }>).message.seq
    assert.equal((await alice(`/api/v1/rooms/${roomId}/messages/${seq}`, { method: 'DELETE' })).status, 200)
    await eventually(async () => events.list.some((e) => e.event.type === 'message.deleted'), 15_000, 'message.deleted')
    assert.equal((await alice(`/api/v1/rooms/${roomId}`, { method: 'PATCH', body: { name: 'Project Y' } })).status, 200)
    const renamed = await eventually(
      async () => events.list.find((e) => e.event.type === 'room.updated'),
      15_000,
      'room.updated',
    )
    const [deleted] = events.list.slice(before)
    assert.equal(deleted!.event.type, 'message.deleted')
    assert.ok(
      deleted!.seq > lastSeq && renamed.seq > deleted!.seq,
      `increasing host seqs: ${lastSeq}, ${deleted!.seq}, ${renamed.seq}`,
    )
    const tombstone = (deleted!.event as Extract<RealtimeEvents['event']['event'], { message: unknown }>).message
    assert.equal(tombstone.seq, seq)
    assert.equal(tombstone.body, '')
    assert.notEqual(tombstone.deletedAt, null)
    assert.equal(renamed.event.type === 'room.updated' && renamed.event.room.name, 'Project Y')
    const hostEvent = (await a.services.store.events.since(roomId, renamed.seq - 1, 1))[0]
    assert.equal(
      (hostEvent?.data as { type?: string } | undefined)?.type,
      'room.updated',
      "seq names the host's room.updated event",
    )

    const removed = await alice(`/api/v1/rooms/${roomId}/participants/${encodeURIComponent(`${b.origin}/users/bob`)}`, {
      method: 'DELETE',
    })
    assert.ok(removed.status < 300, JSON.stringify(removed.json))
    const gone = await eventually(async () => removals[0], 15_000, 'room.removed')
    assert.equal(gone.roomId, mirrorId)
    assert.equal(await mirrorOf(bob, roomUri), null)
  })
})
