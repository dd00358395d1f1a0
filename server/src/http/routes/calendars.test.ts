import { describe, it, before, after } from 'node:test'
import assert from 'node:assert/strict'
import ICAL from 'ical.js'
import type { CalendarFeedView, MeetingView, OccurrenceList, RoomView } from '@parley/protocol'
import { startTestInstance, type TestInstance, type TestUser } from '../../testing/test-instance.ts'

/**
 * What a calendar app would show, read by an independent parser (ical.js, Mozilla's): every
 * event's occurrences as instants, with the rule, exceptions and time zones the file states.
 */
function occurrencesIn(text: string): { uid: string; summary: string; location: string; starts: string[] }[] {
  const calendar = new ICAL.Component(ICAL.parse(text))
  for (const zone of calendar.getAllSubcomponents('vtimezone')) ICAL.TimezoneService.register(zone)
  const events = calendar.getAllSubcomponents('vevent').map((c) => new ICAL.Event(c))
  const masters = events.filter((e) => !e.isRecurrenceException())
  for (const exception of events.filter((e) => e.isRecurrenceException()))
    masters.find((m) => m.uid === exception.uid)?.relateException(exception)
  return masters.map((event) => {
    const starts: string[] = []
    const iterator = event.iterator()
    for (let next = iterator.next(); next && starts.length < 100; next = iterator.next())
      starts.push(event.getOccurrenceDetails(next).startDate.toJSDate().toISOString())
    return { uid: event.uid, summary: event.summary, location: event.location, starts }
  })
}

describe('Meeting calendars (iCalendar)', () => {
  let t: TestInstance
  let olga: TestUser
  let mia: TestUser
  let sam: TestUser
  let room: RoomView
  let standup: MeetingView
  const code = (reply: { json<T>(): T }) => reply.json<{ error: { code: string } }>().error.code

  before(async () => {
    t = await startTestInstance()
    olga = await t.user('olga')
    mia = await t.user('mia')
    sam = await t.user('sam')
    room = (await t.call('POST', '/api/v1/rooms', { headers: olga.auth, body: { kind: 'group', name: 'Team' } })).json()
    await t.call('POST', `/api/v1/rooms/${room.id}/participants`, { headers: olga.auth, body: { userId: mia.user.id } })
    standup = (
      await t.call('POST', `/api/v1/rooms/${room.id}/meetings`, {
        headers: olga.auth,
        body: {
          title: 'Standup',
          description: 'Daily sync',
          start: '2026-03-16T09:00',
          end: '2026-03-16T09:15',
          timeZone: 'Europe/Berlin',
          recurrence: 'FREQ=WEEKLY;BYDAY=MO;COUNT=5',
        },
      })
    ).json<MeetingView>()
    const base = `/api/v1/rooms/${room.id}/meetings/${standup.id}/occurrences`
    await t.call('PUT', `${base}/20260323T080000Z`, { headers: olga.auth, body: { cancelled: true } })
    await t.call('PUT', `${base}/20260330T070000Z`, {
      headers: olga.auth,
      body: { start: '2026-03-31T09:00', end: '2026-03-31T09:15' },
    })
  })
  after(async () => t.close())

  it("a meeting's .ics gives another parser the same occurrences across the change to summer time, with exceptions", async () => {
    const reply = await t.call('GET', `/api/v1/rooms/${room.id}/meetings/${standup.id}/calendar.ics`, {
      headers: mia.auth,
    })
    assert.equal(reply.statusCode, 200, reply.body)
    assert.match(String(reply.headers['content-type']), /^text\/calendar/)
    assert.match(reply.body, /DTSTART;TZID=Europe\/Berlin:20260316T090000/)
    const [event, ...others] = occurrencesIn(reply.body)
    assert.equal(others.length, 0)
    assert.equal(event?.summary, 'Standup')
    assert.equal(event?.location, standup.joinUrl)
    assert.deepEqual(event?.starts, [
      '2026-03-16T08:00:00.000Z',
      // 23 March is cancelled; 30 March moved to Tuesday 31 March, 09:00 CEST.
      '2026-03-31T07:00:00.000Z',
      '2026-04-06T07:00:00.000Z',
      '2026-04-13T07:00:00.000Z',
    ])
  })

  it('my agenda holds the meetings of all my rooms, a rule with UNTIL as a date included', async () => {
    const other = (
      await t.call('POST', '/api/v1/rooms', { headers: mia.auth, body: { kind: 'group', name: 'Mine' } })
    ).json<RoomView>()
    const review = (
      await t.call('POST', `/api/v1/rooms/${other.id}/meetings`, {
        headers: mia.auth,
        body: {
          title: 'Review',
          start: '2026-09-25T16:00',
          end: '2026-09-25T17:00',
          timeZone: 'Europe/Berlin',
          recurrence: 'FREQ=MONTHLY;BYDAY=-1FR;UNTIL=20261231',
        },
      })
    ).json<MeetingView>()
    const reply = await t.call('GET', '/api/v1/me/calendar.ics', { headers: mia.auth })
    assert.equal(reply.statusCode, 200, reply.body)
    const events = occurrencesIn(reply.body)
    assert.deepEqual(events.map((e) => e.summary).sort(), ['Review', 'Standup'])
    const expected = [
      '2026-09-25T14:00:00.000Z',
      '2026-10-30T15:00:00.000Z',
      '2026-11-27T15:00:00.000Z',
      '2026-12-25T15:00:00.000Z',
    ]
    assert.deepEqual(events.find((e) => e.summary === 'Review')?.starts, expected)
    const listed = await t.call(
      'GET',
      `/api/v1/rooms/${other.id}/occurrences?from=2026-09-01T00:00:00Z&to=2027-03-01T00:00:00Z`,
      {
        headers: mia.auth,
      },
    )
    assert.deepEqual(
      listed.json<OccurrenceList>().occurrences.map((o) => o.start),
      expected,
      'Parley lists what the calendar app shows',
    )
    assert.ok(events.find((e) => e.summary === 'Review')?.uid.startsWith(review.id))
    const sams = occurrencesIn((await t.call('GET', '/api/v1/me/calendar.ics', { headers: sam.auth })).body)
    assert.deepEqual(sams, [])
  })

  it('a private feed URL opens my agenda without signing in, until it is replaced or revoked', async () => {
    const status = async () =>
      (await t.call('GET', '/api/v1/me/calendar-feed', { headers: olga.auth })).json<{
        active: boolean
        createdAt: string | null
      }>()
    assert.deepEqual(await status(), { active: false, createdAt: null }, 'no feed yet')
    const made = await t.call('POST', '/api/v1/me/calendar-feed', { headers: olga.auth })
    assert.equal(made.statusCode, 201, made.body)
    assert.deepEqual(await status(), { active: true, createdAt: made.json<CalendarFeedView>().createdAt })
    const first = new URL(made.json<CalendarFeedView>().url)
    assert.equal(first.origin, t.config.publicOrigin)
    const fetched = await t.call('GET', first.pathname + first.search)
    assert.equal(fetched.statusCode, 200, fetched.body)
    assert.deepEqual(
      occurrencesIn(fetched.body).map((e) => e.summary),
      ['Standup'],
    )

    const second = new URL(
      (await t.call('POST', '/api/v1/me/calendar-feed', { headers: olga.auth })).json<CalendarFeedView>().url,
    )
    const replaced = await t.call('GET', first.pathname + first.search)
    assert.equal(replaced.statusCode, 410)
    assert.equal(code(replaced), 'calendar-feed-revoked')
    assert.equal((await t.call('GET', second.pathname + second.search)).statusCode, 200)

    assert.equal((await t.call('DELETE', '/api/v1/me/calendar-feed', { headers: olga.auth })).statusCode, 204)
    assert.deepEqual(await status(), { active: false, createdAt: null }, 'none once revoked')
    const revoked = await t.call('GET', second.pathname + second.search)
    assert.equal(revoked.statusCode, 410)
    assert.equal(code(revoked), 'calendar-feed-revoked')
    assert.doesNotMatch(revoked.body, /Standup/)

    const forged = await t.call('GET', '/api/v1/calendar/feed.ics?token=parley-cal_forged')
    assert.equal(forged.statusCode, 404)
    assert.equal(code(forged), 'calendar-feed-invalid')
    assert.equal(code(await t.call('GET', '/api/v1/calendar/feed.ics')), 'validation-failed')
  })

  it("strangers get neither a room's meeting nor its calendar", async () => {
    for (const url of [
      `/api/v1/rooms/${room.id}/meetings/${standup.id}/calendar.ics`,
      `/api/v1/rooms/${room.id}/calendar.ics`,
    ]) {
      const reply = await t.call('GET', url, { headers: sam.auth })
      assert.equal(reply.statusCode, 404)
      assert.equal(code(reply), 'room-not-found')
    }
    assert.equal((await t.call('GET', `/api/v1/rooms/${room.id}/calendar.ics`)).statusCode, 401)
  })
})
