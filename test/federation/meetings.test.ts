import { after, afterEach, before, describe, it } from 'node:test'
import assert from 'node:assert/strict'
import { startInstance, eventually, printLogsOnFailure, type TestInstance } from '../harness/instance.ts'
import { apiAs, inviteAndJoin, type Api, type Json } from '../harness/rooms.ts'
import { startFakeMastodon, type FakeMastodon } from '../harness/fake-mastodon.ts'
import { startHostilePeer } from '../harness/hostile-peer.ts'

type Occurrence = {
  meetingId: string
  roomId: string
  occurrence: string
  title: string
  start: string
  startLocal: string
  joinUrl: string
}

describe('Meetings across instances: a meeting on A reaches its room’s members on B, their answers come back', () => {
  let a: TestInstance
  let b: TestInstance
  let mastodon: FakeMastodon
  let alice: Api
  let bob: Api
  let roomId: string
  let roomUri: string

  const bobsOccurrences = async (query = 'from=2026-03-01T00:00:00Z&to=2026-05-01T00:00:00Z') =>
    ((await bob(`/api/v1/me/occurrences?${query}`)).json.occurrences ?? []) as Occurrence[]

  before(async () => {
    ;[a, b, mastodon] = await Promise.all([startInstance(), startInstance(), startFakeMastodon()])
    alice = (await apiAs(a, 'alice', 'Alice')).api
    bob = (await apiAs(b, 'bob', 'Bob')).api
    const room = await alice('/api/v1/rooms', { method: 'POST', body: { kind: 'group', name: 'Across' } })
    roomId = String(room.json.id)
    roomUri = `${a.origin}/rooms/${roomId}`
    await inviteAndJoin(a, alice, roomId, b, bob, 'bob')
  })
  afterEach(printLogsOnFailure(() => [a, b]))
  after(async () => {
    await Promise.all([a?.close(), b?.close(), mastodon?.close()])
  })

  it('scheduled on A, Bob sees it on B at the right local time; an update, single occurrences and the cancellation follow; his answers show on A', async () => {
    const made = await alice(`/api/v1/rooms/${roomId}/meetings`, {
      method: 'POST',
      body: {
        title: 'Standup',
        description: 'Across <instances>',
        start: '2026-03-16T09:00',
        end: '2026-03-16T09:15',
        timeZone: 'Europe/Berlin',
        recurrence: 'FREQ=WEEKLY;BYDAY=MO;COUNT=3',
      },
    })
    assert.equal(made.status, 201, JSON.stringify(made.json))
    const joinUrl = String(made.json.joinUrl)

    const seen = await eventually(
      async () => {
        const found = await bobsOccurrences(
          'from=2026-03-01T00:00:00Z&to=2026-05-01T00:00:00Z&timeZone=America/New_York',
        )
        return found.length === 3 ? found : undefined
      },
      20_000,
      "the meeting on Bob's instance",
    )
    assert.deepEqual(
      seen.map((o) => [o.start, o.startLocal, o.title, o.roomId, o.joinUrl]),
      [
        ['2026-03-16T08:00:00.000Z', '2026-03-16T04:00:00', 'Standup', roomUri, joinUrl],
        ['2026-03-23T08:00:00.000Z', '2026-03-23T04:00:00', 'Standup', roomUri, joinUrl],
        // Berlin changed to summer time on 29 March: 09:00 there is 07:00 UTC, 03:00 in New York.
        ['2026-03-30T07:00:00.000Z', '2026-03-30T03:00:00', 'Standup', roomUri, joinUrl],
      ],
    )

    const changed = await alice(`/api/v1/rooms/${roomId}/meetings/${String(made.json.id)}`, {
      method: 'PATCH',
      body: { title: 'Standup (later)', start: '2026-03-16T09:30', end: '2026-03-16T09:45' },
    })
    assert.equal(changed.status, 200)
    const updated = await eventually(
      async () => {
        const found = await bobsOccurrences()
        return found[0]?.title === 'Standup (later)' ? found : undefined
      },
      20_000,
      'the update on B',
    )
    assert.deepEqual(
      updated.map((o) => o.start),
      ['2026-03-16T08:30:00.000Z', '2026-03-23T08:30:00.000Z', '2026-03-30T07:30:00.000Z'],
    )

    const copyId = updated[0]!.meetingId
    const going = await bob(`/api/v1/meetings/${copyId}/occurrences/20260323T083000Z/rsvp`, {
      method: 'PUT',
      body: { response: 'going' },
    })
    assert.equal(going.status, 200, JSON.stringify(going.json))
    const maybe = await bob(`/api/v1/meetings/${copyId}/occurrences/20260330T073000Z/rsvp`, {
      method: 'PUT',
      body: { response: 'maybe' },
    })
    assert.equal(maybe.status, 200)
    const answers = (occurrence: string) =>
      alice(`/api/v1/rooms/${roomId}/meetings/${String(made.json.id)}/occurrences/${occurrence}/rsvps`)
    const onA = await eventually(
      async () => {
        const list = (await answers('20260323T083000Z')).json.rsvps as Json[]
        return list.length > 0 ? list : undefined
      },
      20_000,
      "Bob's answer on A",
    )
    assert.deepEqual(
      onA.map((r) => [r.actorId, r.response]),
      [[`${b.origin}/users/bob`, 'going']],
    )
    await eventually(
      async () => ((await answers('20260330T073000Z')).json.rsvps as Json[])[0]?.response === 'maybe',
      20_000,
      "Bob's TentativeAccept on A",
    )
    // Single occurrences cancelled and moved on A follow on B.
    const occurrences = `/api/v1/rooms/${roomId}/meetings/${String(made.json.id)}/occurrences`
    assert.equal(
      (await alice(`${occurrences}/20260316T083000Z`, { method: 'PUT', body: { cancelled: true } })).status,
      200,
    )
    assert.equal(
      (
        await alice(`${occurrences}/20260330T073000Z`, {
          method: 'PUT',
          body: { start: '2026-03-31T09:30', end: '2026-03-31T09:45' },
        })
      ).status,
      200,
    )
    await eventually(
      async () =>
        JSON.stringify((await bobsOccurrences()).map((o) => [o.occurrence, o.start])) ===
        JSON.stringify([
          ['20260323T083000Z', '2026-03-23T08:30:00.000Z'],
          ['20260330T073000Z', '2026-03-31T07:30:00.000Z'],
        ]),
      20_000,
      'the cancelled and moved occurrences on B',
    )
    const stranger = (await apiAs(b, 'sam')).api
    const refused = await stranger(`/api/v1/meetings/${copyId}/occurrences/20260323T083000Z/rsvp`, {
      method: 'PUT',
      body: { response: 'going' },
    })
    assert.equal((refused.json.error as Json).code, 'meeting-not-found')

    assert.equal(
      (await alice(`/api/v1/rooms/${roomId}/meetings/${String(made.json.id)}`, { method: 'DELETE' })).status,
      204,
    )
    await eventually(async () => (await bobsOccurrences()).length === 0, 20_000, 'the cancellation on B')
  })

  it("an Update of the room's Event from anyone but the room is refused and changes nothing", async () => {
    const made = await alice(`/api/v1/rooms/${roomId}/meetings`, {
      method: 'POST',
      body: { title: 'Board', start: '2026-04-02T10:00', end: '2026-04-02T11:00', timeZone: 'Europe/Berlin' },
    })
    const eventId = `${roomUri}/meetings/${String(made.json.id)}`
    await eventually(async () => (await bobsOccurrences()).some((o) => o.title === 'Board'), 20_000, 'the meeting on B')
    const forged = JSON.stringify({
      '@context': 'https://www.w3.org/ns/activitystreams',
      id: `${mastodon.origin}/activities/forged-meeting`,
      type: 'Update',
      actor: mastodon.actorId,
      to: 'https://www.w3.org/ns/activitystreams#Public',
      object: {
        id: eventId,
        type: 'Event',
        name: 'Hijacked',
        attributedTo: roomUri,
        startTime: '2026-04-02T08:00:00Z',
        endTime: '2026-04-02T09:00:00Z',
      },
    })
    assert.equal((await mastodon.deliver(`${b.origin}/inbox`, forged)).status, 202)
    await eventually(
      async () => b.logs().some((line) => line.includes('meeting Event not sent by its room refused')),
      20_000,
      'the refusal on B',
    )
    const board = (await bobsOccurrences()).filter((o) => o.roomId === roomUri)
    assert.deepEqual(
      board.map((o) => [o.title, o.start]),
      [['Board', '2026-04-02T08:00:00.000Z']],
    )
  })

  it('an RSVP (Accept, TentativeAccept, Reject of an occurrence) from someone not in the room is refused and changes nothing', async () => {
    const made = await alice(`/api/v1/rooms/${roomId}/meetings`, {
      method: 'POST',
      body: { title: 'Review', start: '2026-04-09T10:00', end: '2026-04-09T11:00', timeZone: 'Europe/Berlin' },
    })
    assert.equal(made.status, 201)
    const meetingId = String(made.json.id)
    const rsvps = `/api/v1/rooms/${roomId}/meetings/${meetingId}/occurrences/20260409T080000Z/rsvps`
    const refusals = () =>
      a
        .logs()
        .filter(
          (line) => line.includes('meeting answer from someone not in the room') && line.includes(mastodon.actorId),
        ).length
    const before = refusals()
    // Signed by a real key of an actor the room has never seen as a member: the signature is fine,
    // the sender is not in the room.
    for (const type of ['Accept', 'TentativeAccept', 'Reject']) {
      const answer = JSON.stringify({
        '@context': 'https://www.w3.org/ns/activitystreams',
        id: `${mastodon.origin}/activities/rsvp-${type}`,
        type,
        actor: mastodon.actorId,
        to: roomUri,
        object: `${roomUri}/meetings/${meetingId}`,
        startTime: '2026-04-09T08:00:00Z',
      })
      assert.equal((await mastodon.deliver(`${roomUri}/inbox`, answer)).status, 202)
    }
    await eventually(async () => refusals() - before === 3, 20_000, 'the three refusals on A')
    assert.deepEqual((await alice(rsvps)).json.rsvps, [], 'no answer kept')
    // A member's answer after them is kept: the refusals were about the sender, not the route.
    const bobsCopy = await eventually(
      async () => (await bobsOccurrences()).find((o) => o.title === 'Review'),
      20_000,
      'the meeting on B',
    )
    const going = await bob(`/api/v1/meetings/${bobsCopy.meetingId}/occurrences/20260409T080000Z/rsvp`, {
      method: 'PUT',
      body: { response: 'declined' },
    })
    assert.equal(going.status, 200)
    const kept = await eventually(
      async () => {
        const list = (await alice(rsvps)).json.rsvps as Json[]
        return list.length > 0 ? list : undefined
      },
      20_000,
      "Bob's answer on A",
    )
    assert.deepEqual(
      kept.map((r) => [r.actorId, r.response]),
      [[`${b.origin}/users/bob`, 'declined']],
    )
  })

  it("a room's Event naming another server (its id, linked or foreign-id attachments) makes B fetch nothing there", async () => {
    // H hosts a room and signs properly; F is a server H names in what it sends: B must not ask F anything.
    const [h, f] = await Promise.all([startHostilePeer(), startHostilePeer()])
    try {
      const room = `${h.origin}/rooms/evil`
      h.serveJson('/rooms/evil', {
        '@context': ['https://www.w3.org/ns/activitystreams', 'https://w3id.org/security/v1'],
        id: room,
        type: 'Group',
        inbox: `${room}/inbox`,
        publicKey: { id: `${room}#main-key`, owner: room, publicKeyPem: h.publicKeyPem },
      })
      const event = (id: string, extra: Record<string, unknown> = {}) => ({
        id,
        type: 'Event',
        name: 'Probe',
        attributedTo: room,
        startTime: '2026-04-20T08:00:00Z',
        endTime: '2026-04-20T09:00:00Z',
        ...extra,
      })
      let n = 0
      const send = (type: 'Create' | 'Update', object: unknown) =>
        h.post(
          `${b.origin}/users/bob/inbox`,
          {
            '@context': 'https://www.w3.org/ns/activitystreams',
            id: `${room}/activities/${++n}`,
            type,
            actor: room,
            to: `${b.origin}/users/bob`,
            object,
          },
          { keyId: `${room}#main-key` },
        )
      const answers = [
        // An Event of F's, sent as the room's meeting (Create, Update) or as anything else.
        await send('Create', event(`${f.origin}/rooms/evil/meetings/1`)),
        await send('Update', event(`${f.origin}/rooms/evil/meetings/1`)),
        await send('Create', event(`${f.origin}/events/2`)),
        // The room's own Event, whose attachments point at F: linked, and embedded with F's id.
        await send(
          'Create',
          event(`${room}/meetings/3`, {
            attachment: [
              `${f.origin}/attachments/linked`,
              { type: 'PropertyValue', id: `${f.origin}/attachments/embedded`, name: 'rrule', value: 'FREQ=DAILY' },
            ],
          }),
        ),
      ]
      assert.deepEqual(
        answers.map((answer) => answer.status),
        [202, 202, 202, 202],
        JSON.stringify(answers),
      )
      // Every activity was handled once B's queue is empty; F was asked nothing.
      await b.queueDrained()
      assert.deepEqual(
        ['/rooms/evil/meetings/1', '/events/2', '/attachments/linked', '/attachments/embedded'].map((path) =>
          f.hits(path),
        ),
        [0, 0, 0, 0],
      )
      assert.ok(
        b.logs().some((line) => line.includes('meeting Event not sent by its room refused')),
        "F's Event refused as the room's meeting",
      )
    } finally {
      await Promise.all([h.close(), f.close()])
    }
  })
})
