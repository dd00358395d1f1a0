import { describe, it, before, after } from 'node:test'
import assert from 'node:assert/strict'
import { ParleyClient, RealtimeClient } from '@parley/client'
import type { MeetingView, RoomView, ServerMeetingReminder, ServerMeetingStarted } from '@parley/protocol'
import { startTestInstance, type TestInstance, type TestUser } from '../testing/test-instance.ts'
import { formatLocal, wallClockOf } from './time-zones.ts'

/** A wall clock in Berlin `ms` from now, to the second (meetings take wall-clock times). */
const berlinIn = (ms: number) => formatLocal(wallClockOf(Date.now() + ms, 'Europe/Berlin'))

describe('Meeting reminders', () => {
  let t: TestInstance
  let base: string
  let olga: TestUser
  let mia: TestUser
  let room: RoomView
  const clients: RealtimeClient[] = []
  const connect = async (user: TestUser) => {
    const rt = new RealtimeClient({ baseUrl: base, auth: { token: user.token } })
    clients.push(rt)
    await rt.connect()
    return rt
  }

  before(async () => {
    t = await startTestInstance()
    base = await t.listen()
    olga = await t.user('olga')
    mia = await t.user('mia')
    room = (await t.call('POST', '/api/v1/rooms', { headers: olga.auth, body: { kind: 'group', name: 'Team' } })).json()
    await t.call('POST', `/api/v1/rooms/${room.id}/participants`, { headers: olga.auth, body: { userId: mia.user.id } })
    await t.instance.start()
  })
  after(async () => {
    for (const c of clients.splice(0)) c.close()
    await t.close()
  })

  it('participants get meeting.reminder reminderMinutes before the start, then meeting.started with the call link', async () => {
    const olgaRt = await connect(olga)
    const miaRt = await connect(mia)
    // Starts in 62 s with a one-minute reminder: the reminder is due in about 2 s.
    const schedule = new ParleyClient({ baseUrl: base, auth: { token: olga.token } })
    const reminded = Promise.all([
      olgaRt.next('meeting.reminder', (f) => f.occurrence.title === 'Soon', 15_000),
      miaRt.next('meeting.reminder', (f) => f.occurrence.title === 'Soon', 15_000),
    ])
    const meeting = await schedule.meetings.schedule(room.id, {
      title: 'Soon',
      start: berlinIn(62_000),
      end: berlinIn(62_000 + 30 * 60_000),
      timeZone: 'Europe/Berlin',
      reminderMinutes: 1,
    })
    const [forOlga, forMia]: ServerMeetingReminder[] = await reminded
    assert.equal(forMia?.minutesBefore, 1)
    assert.equal(forMia?.occurrence.meetingId, meeting.id)
    assert.equal(forMia?.occurrence.joinUrl, `${t.config.publicOrigin}/r/${room.id}/call`)
    assert.equal(forOlga?.occurrence.start, meeting.start)

    // Starting now, no reminder asked for: only meeting.started.
    const started = miaRt.next('meeting.started', (f) => f.occurrence.title === 'Now', 15_000)
    const now: MeetingView = await schedule.meetings.schedule(room.id, {
      title: 'Now',
      start: berlinIn(1_500),
      end: berlinIn(1_500 + 30 * 60_000),
      timeZone: 'Europe/Berlin',
      reminderMinutes: 0,
    })
    const frame: ServerMeetingStarted = await started
    assert.equal(frame.occurrence.meetingId, now.id)
    assert.equal(frame.occurrence.joinUrl, now.joinUrl)
  })

  it('who declined an occurrence is not reminded of it (checked against a later sentinel reminder)', async () => {
    const miaRt = await connect(mia)
    const seen: string[] = []
    miaRt.on('meeting.reminder', (f) => seen.push(f.occurrence.title))
    const olgaApi = new ParleyClient({ baseUrl: base, auth: { token: olga.token } })
    const miaApi = new ParleyClient({ baseUrl: base, auth: { token: mia.token } })
    const skipped = await olgaApi.meetings.schedule(room.id, {
      title: 'Skipped',
      start: berlinIn(64_000),
      end: berlinIn(64_000 + 60_000),
      timeZone: 'Europe/Berlin',
      reminderMinutes: 1,
    })
    const [occurrence] = (await miaApi.meetings.upcoming({ roomId: room.id })).filter((o) => o.meetingId === skipped.id)
    assert.ok(occurrence)
    await miaApi.meetings.rsvp(room.id, skipped.id, occurrence.occurrence, 'declined')
    const sentinel = miaRt.next('meeting.reminder', (f) => f.occurrence.title === 'Sentinel', 15_000)
    await olgaApi.meetings.schedule(room.id, {
      title: 'Sentinel',
      start: berlinIn(66_000),
      end: berlinIn(66_000 + 60_000),
      timeZone: 'Europe/Berlin',
      reminderMinutes: 1,
    })
    await sentinel
    assert.deepEqual(seen, ['Sentinel'])
  })
})
