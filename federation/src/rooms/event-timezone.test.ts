import { describe, it } from 'node:test'
import assert from 'node:assert/strict'
import { Create, Event, Update } from '@fedify/fedify/vocab'
import { meetingActivity, meetingEvent, type RoomMeeting } from './room-meetings.ts'
import { eventTimeZone, MZ_TIMEZONE, receivedTimeZone, TIMEZONE_TERMS } from './event-timezone.ts'

const room = new URL('https://a.example/rooms/r1')
const meeting: RoomMeeting = {
  id: 'm1',
  title: 'Standup',
  description: '',
  startsAt: Date.parse('2026-03-16T08:00:00Z'),
  endsAt: Date.parse('2026-03-16T08:15:00Z'),
  timeZone: 'Europe/Berlin',
  recurrence: null,
  joinUrl: 'https://a.example/r/r1',
  exceptions: [],
  sequence: 1,
  updatedAt: Date.parse('2026-03-01T00:00:00Z'),
}

/** A Create of an Event as Mobilizon sends it (its context and fields, trimmed to what matters here). */
const mobilizonCreate = {
  '@context': [
    'https://www.w3.org/ns/activitystreams',
    {
      mz: 'https://joinmobilizon.org/ns#',
      sc: 'http://schema.org#',
      timezone: { '@id': 'mz:timezone', '@type': 'sc:Text' },
      isOnline: { '@id': 'mz:isOnline', '@type': 'sc:Boolean' },
    },
  ],
  id: 'https://mobilizon.example/events/e1/activity',
  type: 'Create',
  actor: 'https://mobilizon.example/@group',
  to: ['https://www.w3.org/ns/activitystreams#Public'],
  object: {
    id: 'https://mobilizon.example/events/e1',
    type: 'Event',
    name: 'Repair café',
    startTime: '2026-04-04T14:00:00-04:00',
    endTime: '2026-04-04T17:00:00-04:00',
    timezone: 'America/Montreal',
    isOnline: false,
    attributedTo: 'https://mobilizon.example/@group',
  },
}

describe('Event time zones (Mobilizon’s timezone)', () => {
  it('meetingActivity() sends the zone as Mobilizon reads it: a top-level `timezone` of the Event, defined as mz:timezone', async () => {
    for (const change of ['scheduled', 'updated'] as const) {
      const activity = meetingActivity(room, meeting, change, { public: true })
      const json = (await activity.toJsonLd({ format: 'compact' })) as {
        '@context': unknown[]
        object: Record<string, unknown>
      }
      assert.equal(json.object.timezone, 'Europe/Berlin', change)
      assert.equal(MZ_TIMEZONE in json.object, false)
      assert.ok(json['@context'].some((c) => JSON.stringify(c) === JSON.stringify(TIMEZONE_TERMS)))
      // Expanded, it is Mobilizon's property (what any JSON-LD processor sees).
      const expanded = (await activity.toJsonLd({ format: 'expand' })) as Record<string, unknown>[]
      const object = (expanded[0]!['https://www.w3.org/ns/activitystreams#object'] as Record<string, unknown>[])[0]!
      assert.deepEqual(object[MZ_TIMEZONE], [{ '@value': 'Europe/Berlin' }])
      // And read back as sent (what a Parley member instance does).
      const parsed = change === 'scheduled' ? await Create.fromJsonLd(json) : await Update.fromJsonLd(json)
      const event = await parsed.getObject()
      assert.ok(event instanceof Event)
      assert.equal(await receivedTimeZone(parsed, event), 'Europe/Berlin')
    }
    // The Event on its own (compacted) carries it too.
    const own = (await meetingEvent(room, meeting, { public: false }).toJsonLd({ format: 'compact' })) as Record<
      string,
      unknown
    >
    assert.equal(own.timezone, 'Europe/Berlin')
    assert.equal(eventTimeZone(own, undefined), 'Europe/Berlin')
  })

  it("receivedTimeZone() reads a Mobilizon Event's timezone; a `timezone` its context does not define is not read", async () => {
    const create = await Create.fromJsonLd(mobilizonCreate)
    const event = await create.getObject()
    assert.ok(event instanceof Event)
    assert.equal(await receivedTimeZone(create, event), 'America/Montreal')

    const undefinedTerm = { ...mobilizonCreate, '@context': 'https://www.w3.org/ns/activitystreams' }
    const other = await Create.fromJsonLd(undefinedTerm)
    assert.equal(await receivedTimeZone(other, (await other.getObject()) as Event), null)
    // Spelled with the prefix, or the full IRI: read the same.
    assert.equal(
      eventTimeZone({ 'mz:timezone': 'Asia/Tokyo' }, [{ mz: 'https://joinmobilizon.org/ns#' }]),
      'Asia/Tokyo',
    )
    assert.equal(eventTimeZone({ [MZ_TIMEZONE]: [{ '@value': 'UTC' }] }, undefined), 'UTC')
    // Not a zone-sized string: ignored (the server checks the zone again).
    assert.equal(eventTimeZone({ timezone: 'x'.repeat(500) }, mobilizonCreate['@context']), null)
  })
})
