import { after, afterEach, before, describe, it } from 'node:test'
import assert from 'node:assert/strict'
import { readFileSync } from 'node:fs'
import type { MeetingView } from '@parley/protocol'
import { startInstance, eventually, printLogsOnFailure, type TestInstance } from '../harness/instance.ts'
import { startFakeMastodon, type Delivery, type FakeMastodon } from '../harness/fake-mastodon.ts'

type Json = Record<string, unknown>
const spec = readFileSync(new URL('../../spec/federation.md', import.meta.url), 'utf8')
const specEvent = [...spec.matchAll(/```json\n([\s\S]*?)```/g)]
  .map((m) => JSON.parse(m[1] ?? '') as Json)
  .find((e) => (e.object as Json | undefined)?.type === 'Event')
const keys = (o: unknown) => Object.keys(o as Json).sort()

describe('Meetings to Mastodon: a public room’s followers receive its meetings as Events', () => {
  let a: TestInstance
  let mastodon: FakeMastodon
  let token: string
  let publicRoom: string
  let groupRoom: string
  let roomUri: string
  const api = async (method: string, path: string, body?: unknown) => {
    const response = await fetch(`${a.origin}${path}`, {
      method,
      headers: { authorization: `Bearer ${token}`, ...(body ? { 'content-type': 'application/json' } : {}) },
      ...(body ? { body: JSON.stringify(body) } : {}),
    })
    return { status: response.status, json: (response.status === 204 ? {} : await response.json()) as Json }
  }
  const eventDelivery = (type: string, match: (object: Json) => boolean) =>
    eventually(
      async () =>
        mastodon.deliveries.find(
          (d: Delivery) => d.json.type === type && typeof d.json.object === 'object' && match(d.json.object as Json),
        ),
      15_000,
      `the ${type}`,
    )

  before(async () => {
    ;[a, mastodon] = await Promise.all([startInstance(), startFakeMastodon()])
    const alice = await a.addUser('alice')
    token = (await a.services.accounts.createToken(alice.id, 'test')).secret
    publicRoom = String((await api('POST', '/api/v1/rooms', { kind: 'public', name: 'Town hall' })).json.id)
    groupRoom = String((await api('POST', '/api/v1/rooms', { kind: 'group', name: 'Staff' })).json.id)
    roomUri = `${a.origin}/rooms/${publicRoom}`
    const follow = mastodon
      .fixture('follow.json', { MASTODON: mastodon.origin, ID: 'follows/room-meetings', PARLEY: a.origin })
      .replace(`${a.origin}/users/bob`, roomUri)
    assert.equal((await mastodon.deliver(`${roomUri}/inbox`, follow)).status, 202)
    await eventually(
      async () => mastodon.deliveries.find((d) => d.json.type === 'Accept' && d.json.actor === roomUri),
      15_000,
      'the Accept',
    )
  })
  afterEach(printLogsOnFailure(() => [a]))
  after(async () => {
    await Promise.all([a?.close(), mastodon?.close()])
  })

  it('scheduling sends a signed Create of an Event (name, startTime, endTime, location with the join link); changes send Update, cancelling Delete', async () => {
    // A meeting of a private room goes to nobody on Mastodon: scheduled first, it would arrive first.
    const hidden = await api('POST', `/api/v1/rooms/${groupRoom}/meetings`, {
      title: 'Staff only',
      start: '2026-03-16T09:00',
      end: '2026-03-16T09:30',
      timeZone: 'Europe/Berlin',
    })
    assert.equal(hidden.status, 201)
    const made = await api('POST', `/api/v1/rooms/${publicRoom}/meetings`, {
      title: 'Town hall meeting',
      description: 'Open to <everyone>',
      start: '2026-03-30T18:00',
      end: '2026-03-30T19:30',
      timeZone: 'Europe/Berlin',
      recurrence: 'FREQ=MONTHLY;BYDAY=-1MO;COUNT=6',
    })
    assert.equal(made.status, 201)
    const meeting = made.json as unknown as MeetingView
    const eventId = `${roomUri}/meetings/${meeting.id}`

    const created = await eventDelivery('Create', (o) => o.id === eventId)
    assert.equal(created.signatureVerified, true)
    assert.equal(created.path, '/inbox', 'delivered to the shared inbox')
    assert.equal(created.json.actor, roomUri)
    assert.equal(created.json.to, 'https://www.w3.org/ns/activitystreams#Public')
    const event = created.json.object as Json
    assert.equal(event.type, 'Event')
    assert.equal(event.name, 'Town hall meeting')
    assert.equal(event.startTime, '2026-03-30T16:00:00Z')
    assert.equal(event.endTime, '2026-03-30T17:30:00Z')
    assert.equal(event.attributedTo, roomUri)
    assert.equal(event.url, meeting.joinUrl)
    assert.deepEqual(event.location, { type: 'Place', name: 'Town hall meeting', url: meeting.joinUrl })
    assert.match(String(event.content), /Open to &lt;everyone&gt;/)
    assert.match(String(event.content), /Europe\/Berlin/)
    // Mobilizon's timezone: a top-level key of the Event, its term (mz:timezone) in the activity's context.
    assert.equal(event.timezone, 'Europe/Berlin')
    assert.ok(
      (created.json['@context'] as unknown[]).some(
        (c) => JSON.stringify(c) === JSON.stringify({ mz: 'https://joinmobilizon.org/ns#', timezone: 'mz:timezone' }),
      ),
    )
    // Compacted by Fedify against a context without schema.org: the terms stay full IRIs.
    const property = (name: string, value: string) => ({
      type: 'http://schema.org#PropertyValue',
      name,
      'http://schema.org#value': value,
    })
    assert.deepEqual(event.attachment, [
      property('timezone', 'Europe/Berlin'),
      property('rrule', 'FREQ=MONTHLY;BYDAY=-1MO;COUNT=6'),
    ])
    assert.deepEqual((specEvent?.object as Json).attachment, event.attachment)
    assert.ok(specEvent, 'spec/federation.md has an Event example')
    assert.deepEqual(keys(specEvent.object), keys(event), 'the spec example has the properties sent')
    assert.deepEqual(
      keys(specEvent).filter((k) => k !== '@context'),
      keys(created.json).filter((k) => !['@context', 'proof', 'signature'].includes(k)),
    )
    assert.equal(
      mastodon.deliveries.some((d) => JSON.stringify(d.json).includes('Staff only')),
      false,
      "a private room's meeting is not announced",
    )

    assert.equal(
      (
        await api('PATCH', `/api/v1/rooms/${publicRoom}/meetings/${meeting.id}`, {
          title: 'Town hall (moved)',
          start: '2026-03-30T19:00',
          end: '2026-03-30T20:00',
        })
      ).status,
      200,
    )
    const updated = await eventDelivery('Update', (o) => o.id === eventId)
    assert.equal(updated.signatureVerified, true)
    assert.equal((updated.json.object as Json).name, 'Town hall (moved)')
    assert.equal((updated.json.object as Json).startTime, '2026-03-30T17:00:00Z')
    assert.notEqual(updated.json.id, created.json.id)

    assert.equal((await api('DELETE', `/api/v1/rooms/${publicRoom}/meetings/${meeting.id}`)).status, 204)
    const deleted = await eventDelivery('Delete', (o) => o.id === eventId)
    assert.equal(deleted.signatureVerified, true)
    assert.equal((deleted.json.object as Json).type, 'Tombstone')
  })
})
