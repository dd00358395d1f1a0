/** The rooms and chat part of the store contract: rooms, participants, messages, events. */
import { describe, it, beforeEach, afterEach } from 'node:test'
import assert from 'node:assert/strict'
import type { Store } from '../ports.ts'
import type { OpenStore } from './store-contract.ts'
import { message, participant, room } from './fixtures.ts'

export function roomsContract(backend: string, open: OpenStore, skip?: string): void {
  describe(`Store contract: rooms and chat (${backend})`, { skip }, () => {
    let store: Store
    beforeEach(async () => {
      store = await open()
    })
    afterEach(async () => {
      await store.close()
    })

    it('RoomRepository.create() stores a room and refuses a second one-to-one room for the same pair', async () => {
      const r = room({ kind: 'one-to-one', pairKey: 'a b' })
      assert.deepEqual(await store.rooms.create(r), { ok: true, value: r })
      assert.deepEqual(await store.rooms.byId(r.id), r)
      assert.deepEqual(await store.rooms.byPairKey('a b'), r)
      assert.deepEqual(await store.rooms.create(room({ kind: 'one-to-one', pairKey: 'a b' })), {
        ok: false,
        error: { type: 'conflict', field: 'pairKey' },
      })
      assert.equal((await store.rooms.create(room())).ok, true, 'rooms without a pair never conflict')
      assert.equal((await store.rooms.create(room())).ok, true)
    })

    it('RoomRepository.nextSeq() hands out 1, 2, 3… with no duplicate under concurrency', async () => {
      const r = room()
      await store.rooms.create(r)
      const seqs = await Promise.all(Array.from({ length: 20 }, () => store.rooms.nextSeq(r.id)))
      assert.deepEqual(
        [...seqs].sort((a, b) => a - b),
        Array.from({ length: 20 }, (_, i) => i + 1),
      )
      assert.equal((await store.rooms.byId(r.id))?.lastSeq, 20)
    })

    it('RoomRepository.update() changes only given fields; listable() and withExpiry() filter', async () => {
      const r = room({ listable: 'users' })
      const hidden = room()
      await store.rooms.create(r)
      await store.rooms.create(hidden)
      const updated = await store.rooms.update(r.id, { name: 'Renamed', lobby: true, messageExpirySeconds: 60 })
      assert.deepEqual(updated, { ...r, name: 'Renamed', lobby: true, messageExpirySeconds: 60 })
      assert.deepEqual(
        (await store.rooms.listable()).map((x) => x.id),
        [r.id],
      )
      assert.deepEqual(
        (await store.rooms.withExpiry()).map((x) => x.id),
        [r.id],
      )
      await store.rooms.update(r.id, { deletedAt: 5, passwordHash: null })
      assert.deepEqual(await store.rooms.listable(), [])
    })

    it('ParticipantRepository keeps participants, settings, read markers that only move forward', async () => {
      const r = room()
      await store.rooms.create(r)
      const alice = participant(r.id, 'alice', { role: 'owner' })
      const bob = participant(r.id, 'bob', { joinedAt: 1_700_000_000_001, permissions: ['chat'] })
      await store.participants.put(alice)
      await store.participants.put(bob)
      assert.deepEqual(await store.participants.get(r.id, 'bob'), bob)
      assert.deepEqual(
        (await store.participants.list(r.id)).map((p) => p.actorId),
        ['alice', 'bob'],
      )
      assert.deepEqual(
        await store.participants.update(r.id, 'bob', {
          favourite: true,
          notificationLevel: 'mentions',
          permissions: null,
        }),
        {
          ...bob,
          favourite: true,
          notificationLevel: 'mentions',
          permissions: null,
        },
      )
      assert.equal((await store.participants.markRead(r.id, 'bob', 7))?.lastReadSeq, 7)
      assert.equal((await store.participants.markRead(r.id, 'bob', 3))?.lastReadSeq, 7, 'never goes back')
      await store.participants.update(r.id, 'alice', { state: 'banned' })
      assert.deepEqual(await store.participants.roomsOf('alice'), [], 'banned: not a room of theirs')
      assert.deepEqual(await store.participants.roomsOf('bob'), [r.id])
      assert.equal(await store.participants.remove(r.id, 'bob'), true)
      assert.equal(await store.participants.remove(r.id, 'bob'), false)
      assert.equal(await store.participants.get(r.id, 'bob'), null)
      await store.participants.put({ ...bob, role: 'moderator' })
      assert.equal((await store.participants.get(r.id, 'bob'))?.role, 'moderator', 'put() replaces')
    })

    it('MessageRepository.history() pages both directions and edit()/tombstone() keep the seq', async () => {
      const r = room()
      await store.rooms.create(r)
      for (let seq = 1; seq <= 10; seq++) await store.messages.create(message(r.id, seq))
      assert.deepEqual(
        (await store.messages.history({ roomId: r.id, before: 11, limit: 3 })).map((m) => m.seq),
        [8, 9, 10],
      )
      assert.deepEqual(
        (await store.messages.history({ roomId: r.id, before: 8, limit: 3 })).map((m) => m.seq),
        [5, 6, 7],
      )
      assert.deepEqual(
        (await store.messages.history({ roomId: r.id, after: 0, limit: 2 })).map((m) => m.seq),
        [1, 2],
      )
      assert.deepEqual(
        (await store.messages.history({ roomId: r.id, after: 9, limit: 5 })).map((m) => m.seq),
        [10],
      )
      const edited = await store.messages.edit(r.id, 4, 'changed', 99)
      assert.equal(edited?.body, 'changed')
      assert.equal(edited?.editedAt, 99)
      await store.messages.create(message(r.id, 11, { replyTo: 4 }))
      await store.messages.addReaction({
        roomId: r.id,
        seq: 4,
        emoji: '👍',
        actorType: 'user',
        actorId: 'bob',
        actorName: 'Bob',
        createdAt: 1,
      })
      const gone = await store.messages.tombstone(r.id, 4, 100)
      assert.equal(gone?.body, '')
      assert.equal(gone?.deletedAt, 100)
      assert.deepEqual(await store.messages.reactions(r.id, [4]), [], 'a tombstone has no reactions')
      assert.equal((await store.messages.edit(r.id, 4, 'again', 101))?.body, '', 'a tombstone cannot be edited')
      assert.equal((await store.messages.get(r.id, 11))?.replyTo, 4, 'replies keep their parent')
    })

    it('MessageRepository reactions: one per emoji and person, listed in order, removable', async () => {
      const r = room()
      await store.rooms.create(r)
      await store.messages.create(message(r.id, 1))
      const base = { roomId: r.id, seq: 1, actorType: 'user' as const }
      assert.equal(
        await store.messages.addReaction({ ...base, emoji: '👍', actorId: 'a', actorName: 'A', createdAt: 1 }),
        true,
      )
      assert.equal(
        await store.messages.addReaction({ ...base, emoji: '👍', actorId: 'a', actorName: 'A', createdAt: 2 }),
        false,
      )
      assert.equal(
        await store.messages.addReaction({ ...base, emoji: '👍', actorId: 'b', actorName: 'B', createdAt: 3 }),
        true,
      )
      assert.equal(
        await store.messages.addReaction({ ...base, emoji: '🎉', actorId: 'a', actorName: 'A', createdAt: 4 }),
        true,
      )
      assert.deepEqual(
        (await store.messages.reactions(r.id, [1])).map((x) => `${x.emoji}${x.actorId}`),
        ['👍a', '👍b', '🎉a'],
      )
      assert.equal(await store.messages.removeReaction(r.id, 1, '👍', 'a'), true)
      assert.equal(await store.messages.removeReaction(r.id, 1, '👍', 'a'), false)
      assert.equal((await store.messages.reactions(r.id, [1])).length, 2)
    })

    it('MessageRepository.search() finds words in the given rooms only, never deleted or operator-parsed', async () => {
      const r1 = room()
      const r2 = room()
      await store.rooms.create(r1)
      await store.rooms.create(r2)
      await store.messages.create(message(r1.id, 1, { body: 'The quarterly report is ready' }))
      await store.messages.create(message(r1.id, 2, { body: 'Report draft attached' }))
      await store.messages.create(message(r2.id, 1, { body: 'secret report in another room' }))
      await store.messages.create(message(r1.id, 3, { body: 'report to delete' }))
      await store.messages.tombstone(r1.id, 3, 5)
      assert.deepEqual(
        (await store.messages.search([r1.id], 'report', 10, 0)).map((m) => m.seq),
        [2, 1],
      )
      assert.deepEqual(
        (await store.messages.search([r1.id], 'quarterly report', 10, 0)).map((m) => m.seq),
        [1],
      )
      assert.deepEqual((await store.messages.search([r1.id, r2.id], 'report', 1, 0)).length, 1)
      assert.deepEqual(await store.messages.search([r1.id], 'report" OR "x', 10, 0), [])
      assert.deepEqual(await store.messages.search([r1.id], '   ', 10, 0), [])
      assert.deepEqual(await store.messages.search([], 'report', 10, 0), [])
      await store.messages.create(message(r1.id, 4, { body: 'report that expires', expiresAt: 100 }))
      assert.deepEqual(
        (await store.messages.search([r1.id], 'expires', 10, 99)).map((m) => m.seq),
        [4],
      )
      assert.deepEqual(await store.messages.search([r1.id], 'expires', 10, 100), [], 'expired: never found')
    })

    it('MessageRepository.deleteExpired() removes expired messages and RoomEventRepository.prune() their events', async () => {
      const r = room({ messageExpirySeconds: 10 })
      await store.rooms.create(r)
      await store.messages.create(message(r.id, 1, { expiresAt: 1000 }))
      await store.messages.create(message(r.id, 2, { expiresAt: 5000 }))
      await store.messages.create(message(r.id, 3))
      await store.messages.addReaction({
        roomId: r.id,
        seq: 1,
        emoji: '👍',
        actorType: 'user',
        actorId: 'a',
        actorName: 'A',
        createdAt: 1,
      })
      await store.events.append({
        roomId: r.id,
        seq: 1,
        type: 'message.new',
        data: { body: 'x' },
        createdAt: 500,
        expiresAt: 1000,
      })
      await store.events.append({
        roomId: r.id,
        seq: 2,
        type: 'message.new',
        data: {},
        createdAt: 600,
        expiresAt: 5000,
      })
      await store.notifications.createMany([
        { id: 'n1', userId: 'u', roomId: r.id, seq: 1, kind: 'mention', actorName: 'A', createdAt: 1, readAt: null },
        { id: 'n2', userId: 'u', roomId: r.id, seq: 2, kind: 'mention', actorName: 'A', createdAt: 2, readAt: null },
      ])
      assert.equal(await store.messages.nextExpiry(), 1000)
      // Expired but not swept yet: already hidden from notifications.
      assert.deepEqual(
        (await store.notifications.listForUser('u', 10, 1000)).map((n) => n.id),
        ['n2'],
      )
      assert.deepEqual(await store.messages.deleteExpired(1000), [{ roomId: r.id, seq: 1 }])
      assert.deepEqual(await store.messages.deleteExpired(1000), [], 'each expiry is reported once')
      assert.equal(await store.messages.nextExpiry(), 5000)
      assert.equal(await store.messages.get(r.id, 1), null)
      assert.deepEqual(await store.messages.reactions(r.id, [1]), [])
      assert.deepEqual(
        (await store.notifications.listForUser('u', 10, 0)).map((n) => n.id),
        ['n2'],
        "the expired message's notification is gone",
      )
      assert.equal(await store.events.prune(0, 1000), 1)
      assert.deepEqual(
        (await store.events.since(r.id, 0, 10)).map((e) => e.seq),
        [2],
      )
    })

    it('MessageRepository.remove() removes one message with its reactions and notifications, whatever its expiry', async () => {
      const r = room()
      await store.rooms.create(r)
      await store.messages.create(message(r.id, 1))
      await store.messages.create(message(r.id, 2))
      await store.messages.addReaction({
        roomId: r.id,
        seq: 1,
        emoji: '👍',
        actorType: 'user',
        actorId: 'a',
        actorName: 'A',
        createdAt: 1,
      })
      await store.notifications.createMany([
        { id: 'n1', userId: 'u', roomId: r.id, seq: 1, kind: 'mention', actorName: 'A', createdAt: 1, readAt: null },
        { id: 'n2', userId: 'u', roomId: r.id, seq: 2, kind: 'mention', actorName: 'A', createdAt: 2, readAt: null },
      ])
      assert.equal(await store.messages.remove(r.id, 1), true)
      assert.equal(await store.messages.remove(r.id, 1), false, 'gone already')
      assert.equal(await store.messages.get(r.id, 1), null)
      assert.ok(await store.messages.get(r.id, 2), 'the other message stays')
      assert.deepEqual(await store.messages.reactions(r.id, [1]), [])
      assert.deepEqual(
        (await store.notifications.listForUser('u', 10, 0)).map((n) => n.id),
        ['n2'],
      )
    })

    it('MessageRepository.post() and RoomEventRepository.appendNext() take consecutive seqs and store message and event together', async () => {
      const r = room()
      await store.rooms.create(r)
      const { seq: _ignored, ...draft } = message(r.id, 1, { body: 'first' })
      const posted = await Promise.all(
        [1, 2, 3].map((n) =>
          store.messages.post({ ...draft, body: `m${n}` }, (m) => ({
            type: 'message.new',
            data: { body: m.body, seq: m.seq },
          })),
        ),
      )
      assert.deepEqual(posted.map((p) => p.message.seq).sort(), [1, 2, 3])
      for (const { message: m, event } of posted) {
        assert.equal(event.seq, m.seq)
        assert.deepEqual(event.data, { body: m.body, seq: m.seq })
        assert.deepEqual(await store.messages.get(r.id, m.seq), m)
      }
      const appended = await store.events.appendNext(
        r.id,
        (seq) => ({ type: 'room.updated', data: { lastSeq: seq } }),
        77,
        null,
      )
      assert.deepEqual(appended, {
        roomId: r.id,
        seq: 4,
        type: 'room.updated',
        data: { lastSeq: 4 },
        createdAt: 77,
        expiresAt: null,
      })
      assert.deepEqual(
        (await store.events.since(r.id, 0, 10)).map((e) => e.seq),
        [1, 2, 3, 4],
      )
      assert.equal((await store.rooms.byId(r.id))?.lastSeq, 4)
      const [bad, good] = await Promise.allSettled([
        store.messages.post({ ...draft, roomId: 'no-such-room' }, () => ({ type: 'message.new', data: {} })),
        store.messages.post({ ...draft, body: 'still posted' }, () => ({ type: 'message.new', data: {} })),
      ])
      assert.equal(bad.status, 'rejected')
      assert.equal(
        good.status === 'fulfilled' && good.value.message.seq,
        5,
        'a failing post does not fail one made at the same time',
      )
      assert.deepEqual(await store.events.since('no-such-room', 0, 10), [], 'nothing half-written')
    })

    it('RoomEventRepository.byAction() finds the event stored with a forwarded action id; one id applies once per room', async () => {
      const r = room()
      await store.rooms.create(r)
      const { seq: _ignored, ...draft } = message(r.id, 1, { body: 'forwarded' })
      const first = 'https://b.example/users/bob/room-activities/action-0001'
      const second = 'https://b.example/users/bob/room-activities/action-0002'
      const posted = await store.messages.post(draft, () => ({ type: 'message.new', data: {}, actionId: first }))
      const appended = await store.events.appendNext(
        r.id,
        () => ({ type: 'reaction.added', data: {}, actionId: second }),
        5,
        null,
      )
      const plain = await store.events.appendNext(r.id, () => ({ type: 'read', data: {} }), 6, null)
      assert.equal(await store.events.byAction(r.id, first), posted.message.seq)
      assert.equal(await store.events.byAction(r.id, second), appended.seq)
      assert.equal(await store.events.byAction(r.id, 'https://b.example/users/bob/room-activities/unknown'), null)
      assert.equal(await store.events.byAction('other-room', first), null, 'by room')
      assert.equal(plain.seq, appended.seq + 1, 'events without an action id are many')
      await assert.rejects(
        store.events.appendNext(r.id, () => ({ type: 'reaction.added', data: {}, actionId: second }), 7, null),
      )
      assert.equal((await store.events.since(r.id, 0, 10)).length, 3, 'the second use of an id stored nothing')
      await assert.rejects(
        store.messages.post({ ...draft, body: 'forwarded again' }, () => ({
          type: 'message.new',
          data: {},
          actionId: first,
        })),
      )
      assert.deepEqual(
        (await store.messages.history({ roomId: r.id, after: 0, limit: 10 })).map((m) => m.body),
        ['forwarded'],
        'a post whose event repeats an action id stores no message either',
      )
    })

    it('RoomEventRepository keeps events in room order and replays after a seq, bounded', async () => {
      const r = room()
      await store.rooms.create(r)
      for (let seq = 1; seq <= 5; seq++)
        await store.events.append({
          roomId: r.id,
          seq,
          type: 'message.new',
          data: { n: seq },
          createdAt: seq * 10,
          expiresAt: null,
        })
      assert.equal(await store.events.oldestSeq(r.id), 1)
      assert.equal(await store.events.oldestSeq('other'), null)
      assert.deepEqual(
        (await store.events.since(r.id, 2, 2)).map((e) => [e.seq, e.data.n]),
        [
          [3, 3],
          [4, 4],
        ],
      )
      assert.equal(await store.events.prune(30, 0), 2)
      assert.equal(await store.events.oldestSeq(r.id), 3)
    })
  })
}
