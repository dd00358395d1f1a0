import { describe, it, before, after } from 'node:test'
import assert from 'node:assert/strict'
import type { MeetingList, MeetingView, OccurrenceList, RoomView, RsvpList, RsvpView } from '@parley/protocol'
import { startTestInstance, type TestInstance, type TestUser } from '../../testing/test-instance.ts'

describe('Meetings REST API', () => {
  let t: TestInstance
  let olga: TestUser
  let mia: TestUser
  let sam: TestUser
  let room: RoomView
  let other: RoomView
  const code = (reply: { json<T>(): T }) => reply.json<{ error: { code: string } }>().error.code

  before(async () => {
    t = await startTestInstance()
    olga = await t.user('olga')
    mia = await t.user('mia')
    sam = await t.user('sam')
    room = (await t.call('POST', '/api/v1/rooms', { headers: olga.auth, body: { kind: 'group', name: 'Team' } })).json()
    other = (
      await t.call('POST', '/api/v1/rooms', { headers: olga.auth, body: { kind: 'group', name: 'Board' } })
    ).json()
    for (const r of [room, other])
      assert.equal(
        (
          await t.call('POST', `/api/v1/rooms/${r.id}/participants`, {
            headers: olga.auth,
            body: { userId: mia.user.id },
          })
        ).statusCode,
        201,
      )
  })
  after(async () => t.close())

  const standup = {
    title: 'Standup',
    description: 'Daily sync',
    start: '2026-03-16T09:00',
    end: '2026-03-16T09:15',
    timeZone: 'Europe/Berlin',
    recurrence: 'FREQ=WEEKLY;BYDAY=MO;COUNT=4',
  }

  it('a moderator schedules a weekly standup that stays at 09:00 Berlin across the change to summer time', async () => {
    const made = await t.call('POST', `/api/v1/rooms/${room.id}/meetings`, { headers: olga.auth, body: standup })
    assert.equal(made.statusCode, 201, made.body)
    const meeting = made.json<MeetingView>()
    assert.equal(meeting.start, '2026-03-16T08:00:00.000Z')
    assert.equal(meeting.startLocal, '2026-03-16T09:00:00')
    assert.equal(meeting.recurrence, 'FREQ=WEEKLY;BYDAY=MO;COUNT=4')
    assert.equal(meeting.joinUrl, `${t.config.publicOrigin}/r/${room.id}/call`)
    assert.equal(meeting.reminderMinutes, 10)

    const list = await t.call(
      'GET',
      `/api/v1/rooms/${room.id}/occurrences?from=2026-03-01T00:00:00Z&to=2026-05-01T00:00:00Z`,
      {
        headers: mia.auth,
      },
    )
    assert.equal(list.statusCode, 200, list.body)
    const occurrences = list.json<OccurrenceList>().occurrences
    assert.deepEqual(
      occurrences.map((o) => [o.occurrence, o.start, o.startLocal, o.joinUrl]),
      [
        ['20260316T080000Z', '2026-03-16T08:00:00.000Z', '2026-03-16T09:00:00', meeting.joinUrl],
        ['20260323T080000Z', '2026-03-23T08:00:00.000Z', '2026-03-23T09:00:00', meeting.joinUrl],
        ['20260330T070000Z', '2026-03-30T07:00:00.000Z', '2026-03-30T09:00:00', meeting.joinUrl],
        ['20260406T070000Z', '2026-04-06T07:00:00.000Z', '2026-04-06T09:00:00', meeting.joinUrl],
      ],
    )
    // The same occurrences in New York's wall clock (which changed to summer time two weeks earlier).
    const ny = await t.call(
      'GET',
      `/api/v1/rooms/${room.id}/occurrences?from=2026-03-01T00:00:00Z&to=2026-05-01T00:00:00Z&timeZone=America/New_York`,
      { headers: mia.auth },
    )
    assert.deepEqual(
      ny.json<OccurrenceList>().occurrences.map((o) => [o.startLocal, o.timeZone]),
      [
        ['2026-03-16T04:00:00', 'America/New_York'],
        ['2026-03-23T04:00:00', 'America/New_York'],
        ['2026-03-30T03:00:00', 'America/New_York'],
        ['2026-04-06T03:00:00', 'America/New_York'],
      ],
    )
  })

  it('moderators cancel and move single occurrences; the listing follows and the meeting counts its revisions', async () => {
    const meeting = (
      await t.call('POST', `/api/v1/rooms/${room.id}/meetings`, {
        headers: olga.auth,
        body: { ...standup, title: 'Review', start: '2026-06-01T14:00', end: '2026-06-01T15:00' },
      })
    ).json<MeetingView>()
    const base = `/api/v1/rooms/${room.id}/meetings/${meeting.id}/occurrences`
    const byMember = await t.call('PUT', `${base}/20260608T120000Z`, { headers: mia.auth, body: { cancelled: true } })
    assert.equal(byMember.statusCode, 403)
    assert.equal(code(byMember), 'role-too-low')
    assert.equal(
      (await t.call('PUT', `${base}/20260608T120000Z`, { headers: olga.auth, body: { cancelled: true } })).statusCode,
      200,
    )
    const moved = await t.call('PUT', `${base}/20260615T120000Z`, {
      headers: olga.auth,
      body: { start: '2026-06-16T10:00', end: '2026-06-16T11:00' },
    })
    assert.equal(moved.statusCode, 200, moved.body)
    assert.equal(moved.json<MeetingView>().sequence, 2)
    const unknown = await t.call('PUT', `${base}/20260609T120000Z`, { headers: olga.auth, body: { cancelled: true } })
    assert.equal(unknown.statusCode, 404)
    assert.equal(code(unknown), 'occurrence-not-found')

    const list = (
      await t.call('GET', `/api/v1/rooms/${room.id}/occurrences?from=2026-05-31T00:00:00Z&to=2026-07-01T00:00:00Z`, {
        headers: mia.auth,
      })
    ).json<OccurrenceList>()
    assert.deepEqual(
      list.occurrences.map((o) => [o.occurrence, o.start, o.moved]),
      [
        ['20260601T120000Z', '2026-06-01T12:00:00.000Z', false],
        ['20260615T120000Z', '2026-06-16T08:00:00.000Z', true],
        ['20260622T120000Z', '2026-06-22T12:00:00.000Z', false],
      ],
    )
  })

  it('participants answer each occurrence; strangers cannot', async () => {
    const meeting = (
      await t.call('POST', `/api/v1/rooms/${room.id}/meetings`, {
        headers: olga.auth,
        body: { ...standup, title: 'Planning', start: '2026-09-07T10:00', end: '2026-09-07T11:00' },
      })
    ).json<MeetingView>()
    const rsvp = (who: TestUser, occurrence: string, response: string) =>
      t.call('PUT', `/api/v1/rooms/${room.id}/meetings/${meeting.id}/occurrences/${occurrence}/rsvp`, {
        headers: who.auth,
        body: { response },
      })
    const going = await rsvp(mia, '20260907T080000Z', 'going')
    assert.equal(going.statusCode, 200, going.body)
    assert.equal(going.json<RsvpView>().name, 'Mia')
    assert.equal((await rsvp(olga, '20260907T080000Z', 'maybe')).statusCode, 200)
    assert.equal((await rsvp(mia, '20260907T080000Z', 'declined')).statusCode, 200)

    const stranger = await rsvp(sam, '20260907T080000Z', 'going')
    assert.equal(stranger.statusCode, 404)
    assert.equal(code(stranger), 'room-not-found')
    const wrong = await rsvp(mia, '20260908T080000Z', 'going')
    assert.equal(code(wrong), 'occurrence-not-found')
    const bad = await rsvp(mia, '20260907T080000Z', 'perhaps')
    assert.equal(code(bad), 'validation-failed')

    const answers = (
      await t.call('GET', `/api/v1/rooms/${room.id}/meetings/${meeting.id}/occurrences/20260907T080000Z/rsvps`, {
        headers: olga.auth,
      })
    ).json<RsvpList>()
    assert.deepEqual(
      answers.rsvps.map((r) => [r.name, r.response]),
      [
        ['Olga', 'maybe'],
        ['Mia', 'declined'],
      ],
    )
    const mine = (
      await t.call('GET', `/api/v1/me/occurrences?from=2026-09-07T00:00:00Z&to=2026-09-08T00:00:00Z`, {
        headers: mia.auth,
      })
    ).json<OccurrenceList>()
    assert.deepEqual(
      mine.occurrences.map((o) => [o.title, o.rsvp]),
      [['Planning', 'declined']],
    )
  })

  it('upcoming meetings across my rooms leave out rooms I am not in and cancelled meetings', async () => {
    const body = { title: 'Board', start: '2026-11-02T09:00', end: '2026-11-02T10:00', timeZone: 'Europe/Berlin' }
    const board = (
      await t.call('POST', `/api/v1/rooms/${other.id}/meetings`, { headers: olga.auth, body })
    ).json<MeetingView>()
    const gone = (
      await t.call('POST', `/api/v1/rooms/${other.id}/meetings`, {
        headers: olga.auth,
        body: { ...body, title: 'Gone' },
      })
    ).json<MeetingView>()
    assert.equal(
      (await t.call('DELETE', `/api/v1/rooms/${other.id}/meetings/${gone.id}`, { headers: olga.auth })).statusCode,
      204,
    )
    const window = '?from=2026-11-01T00:00:00Z&to=2026-11-03T00:00:00Z'
    const mine = (await t.call('GET', `/api/v1/me/occurrences${window}`, { headers: mia.auth })).json<OccurrenceList>()
    assert.deepEqual(
      mine.occurrences.map((o) => [o.meetingId, o.start]),
      [[board.id, '2026-11-02T08:00:00.000Z']],
    )
    const sams = (await t.call('GET', `/api/v1/me/occurrences${window}`, { headers: sam.auth })).json<OccurrenceList>()
    assert.deepEqual(sams.occurrences, [])
    const listed = (
      await t.call('GET', `/api/v1/rooms/${other.id}/meetings`, { headers: mia.auth })
    ).json<MeetingList>()
    // Both start at the same time: their order is not defined.
    assert.deepEqual(listed.meetings.map((m) => [m.title, m.cancelled]).sort(), [
      ['Board', false],
      ['Gone', true],
    ])
    const again = await t.call('PATCH', `/api/v1/rooms/${other.id}/meetings/${gone.id}`, {
      headers: olga.auth,
      body: { title: 'Back' },
    })
    assert.equal(code(again), 'meeting-cancelled')
  })

  it('bad input is refused with a stable code and changes nothing', async () => {
    const before = (
      await t.call('GET', `/api/v1/rooms/${room.id}/meetings`, { headers: olga.auth })
    ).json<MeetingList>()
    const cases: [Record<string, unknown>, string][] = [
      [{ ...standup, end: '2026-03-16T08:59' }, 'meeting-ends-before-start'],
      [{ ...standup, end: standup.start }, 'meeting-ends-before-start'],
      [{ ...standup, recurrence: 'FREQ=WEEKLY;BYDAY=MO' }, 'recurrence-unbounded'],
      [{ ...standup, recurrence: 'FREQ=DAILY;COUNT=5000' }, 'recurrence-unbounded'],
      [{ ...standup, recurrence: 'FREQ=DAILY;BYMONTH=2;BYMONTHDAY=30;COUNT=2' }, 'recurrence-unbounded'],
      [{ ...standup, recurrence: 'FREQ=SECONDLY;COUNT=5' }, 'recurrence-invalid'],
      [{ ...standup, recurrence: 'FREQ=WEEKLY;COUNT=3;X-EVIL=1' }, 'recurrence-invalid'],
      [{ ...standup, recurrence: 'garbage' }, 'recurrence-invalid'],
      [{ ...standup, timeZone: 'Mars/Olympus_Mons' }, 'time-zone-unknown'],
      [{ ...standup, timeZone: 'Europe/Berlin\n' }, 'time-zone-unknown'],
      [{ ...standup, start: '2026-02-30T09:00', end: '2026-03-01T09:00' }, 'validation-failed'],
      [{ ...standup, start: '2026-03-16 09:00' }, 'validation-failed'],
      [{ ...standup, title: '' }, 'validation-failed'],
      [{ ...standup, extra: 1 }, 'validation-failed'],
    ]
    for (const [body, expected] of cases) {
      const reply = await t.call('POST', `/api/v1/rooms/${room.id}/meetings`, { headers: olga.auth, body })
      assert.equal(code(reply), expected, JSON.stringify(body))
      assert.ok(reply.statusCode >= 400 && reply.statusCode < 500)
    }
    const byMember = await t.call('POST', `/api/v1/rooms/${room.id}/meetings`, { headers: mia.auth, body: standup })
    assert.equal(code(byMember), 'role-too-low')
    const byStranger = await t.call('POST', `/api/v1/rooms/${room.id}/meetings`, { headers: sam.auth, body: standup })
    assert.equal(code(byStranger), 'room-not-found')
    const wide = await t.call('GET', `/api/v1/me/occurrences?from=2026-01-01T00:00:00Z&to=2028-01-01T00:00:00Z`, {
      headers: mia.auth,
    })
    assert.equal(code(wide), 'occurrence-window-invalid')
    const backwards = await t.call('GET', `/api/v1/me/occurrences?from=2026-02-01T00:00:00Z&to=2026-01-01T00:00:00Z`, {
      headers: mia.auth,
    })
    assert.equal(code(backwards), 'occurrence-window-invalid')

    const meeting = before.meetings[0] as MeetingView
    const patch = await t.call('PATCH', `/api/v1/rooms/${room.id}/meetings/${meeting.id}`, {
      headers: olga.auth,
      body: { recurrence: 'FREQ=DAILY' },
    })
    assert.equal(code(patch), 'recurrence-unbounded')
    const after = (await t.call('GET', `/api/v1/rooms/${room.id}/meetings`, { headers: olga.auth })).json<MeetingList>()
    assert.deepEqual(after, before)
  })
})
