/**
 * A meeting's call (issue 13): while one of a room's meetings is on, its call is opened by the first
 * moderator to arrive; members who come earlier are refused `meeting-awaits-moderator` (the web
 * client shows them "waiting for a moderator"), and everyone who comes later joins that same call.
 * Outside meetings, members start calls as before. Real instance, realtime gateway, mesh engine.
 */
import { after, before, describe, it } from 'node:test'
import assert from 'node:assert/strict'
import { ParleyClient, RealtimeClient } from '@parley/client'
import type { ServerCallJoined } from '@parley/protocol'
import { refused } from '../testing/realtime-refusal.ts'
import { startTestInstance, type TestInstance } from '../testing/test-instance.ts'

const AV = { audio: true, video: false, screen: false }
/** A wall-clock time in UTC `minutes` from now, as meetings take it. */
const utcIn = (minutes: number) => new Date(Date.now() + minutes * 60_000).toISOString().slice(0, 19)

type Person = { rest: ParleyClient; rt: RealtimeClient; id: string }

describe("A meeting's call is opened by the first moderator to arrive", () => {
  let t: TestInstance
  let alice: Person, bob: Person, cas: Person
  const clients: RealtimeClient[] = []

  const person = async (name: string): Promise<Person> => {
    const u = await t.user(name)
    const rt = new RealtimeClient({ baseUrl: base, auth: { token: u.token }, reconnect: false })
    clients.push(rt)
    await rt.connect()
    return { rest: new ParleyClient({ baseUrl: base, auth: { token: u.token } }), rt, id: u.user.id }
  }
  const join = async (p: Person, roomId: string) =>
    (await p.rt.request({ type: 'call.join', roomId, media: AV })) as ServerCallJoined
  const room = async (name: string) => {
    const id = (await alice.rest.createRoom({ kind: 'group', name })).id
    await alice.rest.addParticipant(id, bob.id)
    await alice.rest.addParticipant(id, cas.id)
    return id
  }
  let base = ''

  before(async () => {
    t = await startTestInstance()
    base = await t.listen()
    alice = await person('alice')
    bob = await person('bob')
    cas = await person('cas')
  })
  after(async () => {
    for (const c of clients.splice(0)) c.close()
    await t?.close()
  })

  it('while the meeting is on, a member cannot open its call; the moderator does, and members join that call', async () => {
    const roomId = await room('Weekly')
    await alice.rest.meetings.schedule(roomId, {
      title: 'Weekly',
      start: utcIn(-1),
      end: utcIn(30),
      timeZone: 'UTC',
    })
    assert.equal(await refused(join(bob, roomId)), 'meeting-awaits-moderator')

    const opened = await join(alice, roomId)
    assert.equal(opened.type, 'call.joined')
    assert.deepEqual(
      opened.participants.map((p) => p.actor.name),
      ['Alice'],
      "Bob's refused join started nothing and added nobody",
    )
    const bobs = await join(bob, roomId)
    const cass = await join(cas, roomId)
    assert.equal(bobs.callId, opened.callId, 'the same call')
    assert.equal(cass.callId, opened.callId)
    assert.deepEqual(cass.participants.map((p) => p.actor.name).sort(), ['Alice', 'Bob', 'Cas'])
  })

  it('before a meeting starts, and once an occurrence is cancelled, members start calls as usual', async () => {
    const later = await room('Later')
    await alice.rest.meetings.schedule(later, { title: 'Later', start: utcIn(60), end: utcIn(90), timeZone: 'UTC' })
    const early = await join(bob, later)
    assert.deepEqual(
      early.participants.map((p) => p.actor.name),
      ['Bob'],
    )

    const cancelled = await room('Cancelled')
    const meeting = await alice.rest.meetings.schedule(cancelled, {
      title: 'Cancelled',
      start: utcIn(-1),
      end: utcIn(30),
      timeZone: 'UTC',
    })
    assert.equal(await refused(join(cas, cancelled)), 'meeting-awaits-moderator')
    const [on] = await alice.rest.meetings.upcoming({ roomId: cancelled })
    assert.ok(on, 'the occurrence that is on')
    await alice.rest.meetings.changeOccurrence(cancelled, meeting.id, on.occurrence, { cancelled: true })
    const started = await join(cas, cancelled)
    assert.deepEqual(
      started.participants.map((p) => p.actor.name),
      ['Cas'],
    )
  })
})
