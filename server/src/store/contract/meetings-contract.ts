/** The meetings part of the store contract. */
import { describe, it, beforeEach, afterEach } from 'node:test'
import assert from 'node:assert/strict'
import type { Store } from '../ports.ts'
import type { MeetingRecord } from '../meeting-records.ts'
import type { OpenStore } from './store-contract.ts'

export function meeting(id: string, overrides: Partial<MeetingRecord> = {}): MeetingRecord {
  return {
    id,
    roomId: 'r1',
    title: 'Standup',
    description: '',
    startsAt: 1_774_252_800_000,
    endsAt: 1_774_254_600_000,
    startLocal: '2026-03-23T09:00:00',
    endLocal: '2026-03-23T09:30:00',
    timeZone: 'Europe/Berlin',
    recurrence: null,
    reminderMinutes: 10,
    lastEndsAt: 1_774_254_600_000,
    sequence: 0,
    createdBy: 'u1',
    createdAt: 1_700_000_000_000,
    updatedAt: 1_700_000_000_000,
    cancelledAt: null,
    origin: null,
    joinUrl: null,
    ...overrides,
  }
}

export function meetingsContract(backend: string, open: OpenStore, skip?: string): void {
  describe(`Store contract: meetings (${backend})`, { skip }, () => {
    let store: Store
    beforeEach(async () => {
      store = await open()
    })
    afterEach(async () => {
      await store.close()
    })

    it('MeetingRepository.create()/update() keep every field; listForRooms() orders by first start', async () => {
      await store.meetings.create(meeting('m2', { startsAt: 2, recurrence: 'FREQ=WEEKLY;COUNT=3' }))
      await store.meetings.create(
        meeting('m1', { startsAt: 1, origin: 'https://a.example/meetings/m1', joinUrl: 'https://a.example/r/1/call' }),
      )
      await store.meetings.create(meeting('m3', { roomId: 'r2' }))
      assert.deepEqual(
        (await store.meetings.listForRooms(['r1'])).map((m) => m.id),
        ['m1', 'm2'],
      )
      assert.deepEqual(
        await store.meetings.byId('m2'),
        meeting('m2', { startsAt: 2, recurrence: 'FREQ=WEEKLY;COUNT=3' }),
      )
      assert.equal((await store.meetings.byOrigin('https://a.example/meetings/m1'))?.id, 'm1')
      const updated = await store.meetings.update('m2', {
        title: 'Review',
        recurrence: null,
        sequence: 1,
        cancelledAt: 5,
      })
      assert.deepEqual(updated, meeting('m2', { startsAt: 2, title: 'Review', sequence: 1, cancelledAt: 5 }))
      assert.equal(await store.meetings.update('nope', { title: 'x' }), null)
      assert.deepEqual(await store.meetings.listForRooms([]), [])
    })

    it('MeetingRepository.active() leaves out cancelled and past meetings', async () => {
      await store.meetings.create(meeting('past', { lastEndsAt: 100 }))
      await store.meetings.create(meeting('live', { lastEndsAt: 300 }))
      await store.meetings.create(meeting('gone', { lastEndsAt: 300, cancelledAt: 50 }))
      assert.deepEqual(
        (await store.meetings.active(200)).map((m) => m.id),
        ['live'],
      )
    })

    it('MeetingRepository.putException() replaces the change of one occurrence', async () => {
      await store.meetings.create(meeting('m1'))
      await store.meetings.putException({
        meetingId: 'm1',
        occurrence: 20,
        cancelled: true,
        startsAt: null,
        endsAt: null,
      })
      await store.meetings.putException({ meetingId: 'm1', occurrence: 10, cancelled: false, startsAt: 11, endsAt: 12 })
      await store.meetings.putException({ meetingId: 'm1', occurrence: 20, cancelled: false, startsAt: 21, endsAt: 22 })
      assert.deepEqual(await store.meetings.exceptions(['m1']), [
        { meetingId: 'm1', occurrence: 10, cancelled: false, startsAt: 11, endsAt: 12 },
        { meetingId: 'm1', occurrence: 20, cancelled: false, startsAt: 21, endsAt: 22 },
      ])
    })

    it('MeetingRepository.putRsvp() keeps one answer per person and occurrence', async () => {
      await store.meetings.create(meeting('m1'))
      await store.meetings.putRsvp({
        meetingId: 'm1',
        occurrence: 1,
        actorId: 'u1',
        name: 'U',
        response: 'maybe',
        updatedAt: 1,
      })
      await store.meetings.putRsvp({
        meetingId: 'm1',
        occurrence: 1,
        actorId: 'u2',
        name: 'V',
        response: 'going',
        updatedAt: 2,
      })
      await store.meetings.putRsvp({
        meetingId: 'm1',
        occurrence: 2,
        actorId: 'u1',
        name: 'U',
        response: 'going',
        updatedAt: 3,
      })
      await store.meetings.putRsvp({
        meetingId: 'm1',
        occurrence: 1,
        actorId: 'u1',
        name: 'U',
        response: 'declined',
        updatedAt: 4,
      })
      assert.deepEqual(
        (await store.meetings.rsvps('m1', 1)).map((r) => [r.actorId, r.response]),
        [
          ['u2', 'going'],
          ['u1', 'declined'],
        ],
      )
      assert.equal((await store.meetings.rsvps('m1')).length, 3)
      assert.deepEqual((await store.meetings.rsvpsOf('u1', ['m1'])).map((r) => [r.occurrence, r.response]).sort(), [
        [1, 'declined'],
        [2, 'going'],
      ])
    })

    it('MeetingRepository.claimNotice() says yes once per occurrence and kind', async () => {
      assert.equal(await store.meetings.claimNotice('m1', 1, 'reminder'), true)
      assert.equal(await store.meetings.claimNotice('m1', 1, 'reminder'), false)
      assert.equal(await store.meetings.claimNotice('m1', 1, 'start'), true)
      assert.equal(await store.meetings.claimNotice('m1', 2, 'reminder'), true)
    })

    it('MeetingRepository.replaceFeed() revokes the earlier feed; revokeFeeds() the live one', async () => {
      await store.meetings.replaceFeed({ tokenHash: 'h1', userId: 'u1', createdAt: 1, revokedAt: null })
      await store.meetings.replaceFeed({ tokenHash: 'h2', userId: 'u1', createdAt: 2, revokedAt: null })
      assert.equal((await store.meetings.feedByHash('h1'))?.revokedAt, 2)
      assert.deepEqual(await store.meetings.feedByHash('h2'), {
        tokenHash: 'h2',
        userId: 'u1',
        createdAt: 2,
        revokedAt: null,
      })
      assert.equal((await store.meetings.liveFeed('u1'))?.tokenHash, 'h2', 'the live one')
      assert.equal(await store.meetings.liveFeed('u2'), null)
      assert.equal(await store.meetings.revokeFeeds('u1', 3), 1)
      assert.equal((await store.meetings.feedByHash('h2'))?.revokedAt, 3)
      assert.equal(await store.meetings.liveFeed('u1'), null, 'none once revoked')
      assert.equal(await store.meetings.revokeFeeds('u1', 4), 0)
      assert.equal(await store.meetings.feedByHash('nope'), null)
    })
  })
}
