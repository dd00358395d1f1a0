/** The polls, notifications, guest sessions and call recordings part of the store contract. */
import { describe, it, beforeEach, afterEach } from 'node:test'
import assert from 'node:assert/strict'
import type { Store } from '../ports.ts'
import type { OpenStore } from './store-contract.ts'
import { room } from './fixtures.ts'

export function chatExtrasContract(backend: string, open: OpenStore, skip?: string): void {
  describe(`Store contract: polls, notifications, guests, recordings (${backend})`, { skip }, () => {
    let store: Store
    beforeEach(async () => {
      store = await open()
    })
    afterEach(async () => {
      await store.close()
    })

    it("PollRepository.vote() replaces a voter's choice and is refused once the poll is closed", async () => {
      const r = room()
      await store.rooms.create(r)
      const poll = {
        id: 'p1',
        roomId: r.id,
        question: 'Lunch?',
        options: ['pizza', 'salad'],
        multiple: false,
        anonymous: false,
        createdBy: 'a',
        createdAt: 1,
        closedAt: null,
      }
      await store.polls.create(poll)
      assert.deepEqual(await store.polls.byId('p1'), poll)
      assert.equal(await store.polls.vote({ pollId: 'p1', actorId: 'a', actorName: 'A', options: [0] }), true)
      assert.equal(await store.polls.vote({ pollId: 'p1', actorId: 'b', actorName: 'B', options: [1] }), true)
      assert.equal(await store.polls.vote({ pollId: 'p1', actorId: 'a', actorName: 'A', options: [1] }), true)
      assert.deepEqual(
        (await store.polls.votes('p1')).map((v) => [v.actorId, v.options]),
        [
          ['a', [1]],
          ['b', [1]],
        ],
      )
      assert.equal(await store.polls.close('p1', 50), true)
      assert.equal(await store.polls.close('p1', 60), false)
      assert.equal((await store.polls.byId('p1'))?.closedAt, 50)
      assert.equal(await store.polls.vote({ pollId: 'p1', actorId: 'c', actorName: 'C', options: [0] }), false)
      assert.equal(await store.polls.vote({ pollId: 'nope', actorId: 'c', actorName: 'C', options: [0] }), false)
      assert.equal((await store.polls.votes('p1')).length, 2)
      // A mirror takes its host's results whole, closed poll or not: exactly these votes, in this order.
      await store.polls.replaceVotes('p1', [
        { pollId: 'p1', actorId: 'c', actorName: 'C', options: [0, 1] },
        { pollId: 'p1', actorId: 'a', actorName: 'A', options: [0] },
      ])
      assert.deepEqual(
        (await store.polls.votes('p1')).map((v) => [v.actorId, v.actorName, v.options]),
        [
          ['c', 'C', [0, 1]],
          ['a', 'A', [0]],
        ],
      )
      await store.polls.replaceVotes('p1', [])
      assert.deepEqual(await store.polls.votes('p1'), [])
    })

    it("NotificationRepository lists a user's notifications newest first and marks only theirs read", async () => {
      const n = (id: string, userId: string, createdAt: number) => ({
        id,
        userId,
        roomId: 'r',
        seq: createdAt,
        kind: 'mention' as const,
        actorName: 'A',
        createdAt,
        readAt: null,
      })
      await store.notifications.createMany([n('n1', 'u1', 1), n('n2', 'u1', 2), n('n3', 'u2', 3)])
      assert.deepEqual(
        (await store.notifications.listForUser('u1', 10, 0)).map((x) => x.id),
        ['n2', 'n1'],
      )
      assert.equal(await store.notifications.markRead('u1', ['n1', 'n3'], 9), 1, "n3 is someone else's")
      assert.equal((await store.notifications.listForUser('u1', 10, 0)).find((x) => x.id === 'n1')?.readAt, 9)
      assert.equal((await store.notifications.listForUser('u2', 10, 0))[0]?.readAt, null)
    })

    it('GuestSessionRepository finds sessions by hash until they expire or the guest is removed', async () => {
      const r = room({ kind: 'public' })
      await store.rooms.create(r)
      const g = { idHash: 'h1', guestId: 'g1', roomId: r.id, displayName: 'Visitor', createdAt: 1, expiresAt: 100 }
      await store.guests.create(g)
      await store.guests.create({ ...g, idHash: 'h2', guestId: 'g2', expiresAt: 1000 })
      assert.deepEqual(await store.guests.byIdHash('h1'), g)
      assert.equal(await store.guests.deleteExpired(100), 1)
      assert.equal(await store.guests.byIdHash('h1'), null)
      assert.equal(await store.guests.deleteForGuest('g2'), 1)
      assert.equal(await store.guests.byIdHash('h2'), null)
    })

    it("RecordingRepository lists a room's recordings oldest first, finds one only in its own room, and deletes it once", async () => {
      const [r1, r2] = [room(), room()]
      await store.rooms.create(r1)
      await store.rooms.create(r2)
      const base = {
        callId: 'c1',
        source: 'camera' as const,
        participantId: 'p1',
        actor: { type: 'user' as const, id: 'u1', name: 'Alice' },
        bytes: 10,
        path: '/rec/x',
      }
      const video = { ...base, id: 'v1', roomId: r1.id, kind: 'video' as const, mimeType: 'video/webm', createdAt: 20 }
      const audio = {
        ...base,
        id: 'a1',
        roomId: r1.id,
        kind: 'audio' as const,
        mimeType: 'audio/ogg',
        createdAt: 10,
        source: 'screen' as const,
      }
      // A recording kept before recordings named whose they are.
      const other = {
        ...base,
        id: 'o1',
        roomId: r2.id,
        kind: 'audio' as const,
        mimeType: 'audio/ogg',
        createdAt: 5,
        actor: null,
      }
      for (const r of [video, audio, other]) await store.recordings.add(r)
      assert.deepEqual(await store.recordings.listForRoom(r1.id), [audio, video])
      assert.deepEqual(await store.recordings.byId(r1.id, 'v1'), video)
      assert.deepEqual(await store.recordings.byId(r2.id, 'o1'), other)
      assert.equal(await store.recordings.byId(r2.id, 'v1'), null)
      assert.equal(await store.recordings.delete(r2.id, 'v1'), false)
      assert.equal(await store.recordings.delete(r1.id, 'v1'), true)
      assert.equal(await store.recordings.delete(r1.id, 'v1'), false)
      assert.deepEqual(await store.recordings.listForRoom(r1.id), [audio])
    })
  })
}
