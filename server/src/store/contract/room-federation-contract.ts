/**
 * The contract of the room-actor ports (`store.federation.rooms`: keys, followers, public posts)
 * that every store backend passes; called next to `federationContract` by each backend's test file.
 */
import { describe, it, beforeEach, afterEach } from 'node:test'
import assert from 'node:assert/strict'
import type { FollowerRecord } from '@parley/federation'
import type { Store } from '../ports.ts'
import type { OpenStore } from './store-contract.ts'
import { room } from './fixtures.ts'

const jwk = (n: string) => ({ kty: 'OKP', crv: 'Ed25519', x: n })

export function roomFederationContract(backend: string, open: OpenStore, skip?: string): void {
  describe(`Room federation repositories contract (${backend})`, { skip }, () => {
    let store: Store
    let roomId: string
    let otherRoomId: string
    beforeEach(async () => {
      store = await open()
      const created = room({ kind: 'public' })
      const other = room()
      await store.rooms.create(created)
      await store.rooms.create(other)
      roomId = created.id
      otherRoomId = other.id
    })
    afterEach(async () => {
      await store.close()
    })

    it("room keys: addIfMissing() keeps the first pair per algorithm, apart from users' keys", async () => {
      const keys = store.federation.rooms.keys
      assert.deepEqual(await keys.missing([roomId], 'ed25519'), [roomId])
      await keys.addIfMissing({
        userId: roomId,
        algorithm: 'ed25519',
        publicJwk: jwk('a'),
        privateJwk: jwk('b'),
        createdAt: 5,
      })
      const again = await keys.addIfMissing({
        userId: roomId,
        algorithm: 'ed25519',
        publicJwk: jwk('c'),
        privateJwk: jwk('d'),
        createdAt: 6,
      })
      assert.deepEqual(again.publicJwk, jwk('a'))
      await keys.addIfMissing({
        userId: roomId,
        algorithm: 'rsa',
        publicJwk: { kty: 'RSA', n: 'n' },
        privateJwk: { kty: 'RSA', d: 'd' },
        createdAt: 7,
      })
      assert.deepEqual(
        (await keys.list(roomId)).map((k) => k.algorithm),
        ['rsa', 'ed25519'],
      )
      assert.deepEqual(await keys.missing([roomId, otherRoomId], 'rsa'), [otherRoomId])
      assert.deepEqual(await store.federation.keys.list(roomId), [], "users' keys are another table")
    })

    it("instance actor keys: addIfMissing() keeps the first pair per algorithm, with no user or room row, apart from users' keys", async () => {
      const keys = store.federation.instanceKeys
      assert.deepEqual(await keys.missing(['instance'], 'rsa'), ['instance'])
      await keys.addIfMissing({
        userId: 'instance',
        algorithm: 'rsa',
        publicJwk: { kty: 'RSA', n: 'n' },
        privateJwk: { kty: 'RSA', d: 'd' },
        createdAt: 1,
      })
      const again = await keys.addIfMissing({
        userId: 'instance',
        algorithm: 'rsa',
        publicJwk: { kty: 'RSA', n: 'other' },
        privateJwk: { kty: 'RSA', d: 'other' },
        createdAt: 2,
      })
      assert.deepEqual(again.publicJwk, { kty: 'RSA', n: 'n' })
      assert.deepEqual(
        (await keys.list('instance')).map((k) => k.algorithm),
        ['rsa'],
      )
      assert.deepEqual(await store.federation.keys.list('instance'), [], "users' keys are another table")
      assert.deepEqual(await store.federation.rooms.keys.list('instance'), [], "rooms' keys are another table")
    })

    it('room followers: counted, paged and removed per room', async () => {
      const followers = store.federation.rooms.followers
      const record = (i: number, owner = roomId): FollowerRecord => ({
        userId: owner,
        actorId: `https://m.example/users/f${i}`,
        inbox: `https://m.example/users/f${i}/inbox`,
        sharedInbox: 'https://m.example/inbox',
        followId: `https://m.example/follows/${owner}/${i}`,
        createdAt: 100 + i,
      })
      for (let i = 0; i < 3; i++) assert.equal(await followers.upsert(record(i)), true)
      assert.equal(await followers.upsert(record(0, otherRoomId)), true)
      assert.equal(await followers.upsert({ ...record(1), createdAt: 999 }), false)
      assert.equal(await followers.count(roomId), 3)
      assert.equal(await followers.count(otherRoomId), 1)
      const first = await followers.list(roomId, null, 2)
      assert.deepEqual(
        first.items.map((f) => f.actorId),
        [record(0).actorId, record(1).actorId],
      )
      assert.equal((await followers.list(roomId, first.next, 2)).next, null)
      assert.equal(await followers.removeByFollowId(record(2).actorId, record(2).followId), true)
      assert.equal(await followers.remove(roomId, record(0).actorId), true)
      assert.equal(await followers.count(roomId), 1)
      assert.equal(await followers.count(otherRoomId), 1, 'the other room keeps its follower')
      assert.equal(await store.federation.followers.count(roomId), 0, "users' followers are another table")
    })

    it('room posts: added, read back, listed newest first and counted per room', async () => {
      const posts = store.federation.rooms.posts
      await posts.add({ roomId, postId: 'p1', text: 'first', createdAt: 10 })
      await posts.add({ roomId, postId: 'p2', text: 'second', createdAt: 20 })
      await posts.add({ roomId, postId: 'p3', text: 'third', createdAt: 30 })
      await posts.add({ roomId: otherRoomId, postId: 'p1', text: 'elsewhere', createdAt: 15 })
      assert.deepEqual(await posts.get(roomId, 'p2'), { roomId, postId: 'p2', text: 'second', createdAt: 20 })
      assert.equal(await posts.get(roomId, 'none'), null)
      const first = await posts.list(roomId, null, 2)
      assert.deepEqual(
        first.items.map((p) => p.postId),
        ['p3', 'p2'],
      )
      const second = await posts.list(roomId, first.next, 2)
      assert.deepEqual(
        second.items.map((p) => p.postId),
        ['p1'],
      )
      assert.equal(second.next, null)
      assert.equal(await posts.count(roomId), 3)
      assert.equal(await posts.count(otherRoomId), 1)
    })

    it('room members: a follower-shaped list per room, apart from followers', async () => {
      const members = store.federation.rooms.members
      const member = {
        userId: roomId,
        actorId: 'https://b.example/users/bob',
        inbox: 'https://b.example/users/bob/inbox',
        sharedInbox: 'https://b.example/inbox',
        followId: 'https://a.example/rooms/r/invites/1',
        createdAt: 5,
      }
      assert.equal(await members.upsert(member), true)
      assert.equal(await members.count(roomId), 1)
      assert.equal(await store.federation.rooms.followers.count(roomId), 0)
      assert.deepEqual((await members.list(roomId, null, 10)).items, [member])
      assert.equal(await members.remove(roomId, member.actorId), true)
      assert.equal(await members.count(roomId), 0)
    })

    it('room invites (host side): added pending, answered once', async () => {
      const invites = store.federation.rooms.invites
      const invite = {
        inviteId: 'https://a.example/rooms/r/invites/1',
        roomId,
        inviterId: 'u-alice',
        inviteeId: 'https://b.example/users/bob',
        inviteeName: 'Bob',
        inviteeInbox: 'https://b.example/users/bob/inbox',
        inviteeSharedInbox: null,
        state: 'pending' as const,
        createdAt: 7,
      }
      await invites.add(invite)
      assert.deepEqual(await invites.get(invite.inviteId), invite)
      assert.equal(await invites.answer(invite.inviteId, 'accepted'), true)
      assert.equal(await invites.answer(invite.inviteId, 'rejected'), false, 'answered already')
      assert.equal((await invites.get(invite.inviteId))?.state, 'accepted')
      assert.equal(await invites.answer('https://a.example/none', 'accepted'), false)
      const pending = {
        ...invite,
        inviteId: 'https://a.example/rooms/r/invites/2',
        inviteeId: 'https://b.example/users/carol',
        createdAt: 8,
      }
      await invites.add(pending)
      await invites.add({ ...pending, inviteId: 'https://a.example/rooms/other/invites/3', roomId: otherRoomId })
      assert.deepEqual(
        (await invites.pendingFor(roomId)).map((i) => i.inviteId),
        [pending.inviteId],
        "answered ones and other rooms' left out",
      )
    })

    it('room invitations (member side): received once, listed per user and state, answered once', async () => {
      const userId = 'u-bob'
      await store.users.create({
        id: userId,
        username: 'bob-contract',
        displayName: 'Bob',
        role: 'user',
        passwordHash: null,
        disabled: false,
        createdAt: 1,
        deletedAt: null,
        hidden: false,
        avatarEtag: null,
      })
      const invitations = store.federation.rooms.invitations
      const invitation = {
        inviteId: 'https://a.example/rooms/r/invites/1',
        userId,
        roomId: 'https://a.example/rooms/r',
        roomName: 'Town hall',
        roomInbox: 'https://a.example/rooms/r/inbox',
        inviterId: 'https://a.example/users/alice',
        state: 'pending' as const,
        createdAt: 3,
      }
      assert.equal(await invitations.receive(invitation), true)
      assert.equal(await invitations.receive({ ...invitation, roomName: 'changed' }), false)
      await invitations.receive({ ...invitation, inviteId: 'https://a.example/rooms/r/invites/2', createdAt: 4 })
      assert.deepEqual(
        (await invitations.listForUser(userId, 'pending')).map((i) => i.inviteId),
        [invitation.inviteId, 'https://a.example/rooms/r/invites/2'],
      )
      assert.equal(await invitations.answer(invitation.inviteId, 'rejected'), true)
      assert.equal(await invitations.answer(invitation.inviteId, 'accepted'), false)
      assert.deepEqual(
        (await invitations.listForUser(userId, 'rejected')).map((i) => i.roomName),
        ['Town hall'],
      )
      assert.equal((await invitations.get('https://a.example/rooms/r/invites/2'))?.state, 'pending')
      assert.deepEqual(await invitations.acceptedFor('https://a.example/rooms/r'), [])
      await invitations.answer('https://a.example/rooms/r/invites/2', 'accepted')
      assert.deepEqual(
        (await invitations.acceptedFor('https://a.example/rooms/r')).map((i) => i.inviteId),
        ['https://a.example/rooms/r/invites/2'],
      )
      assert.deepEqual(await invitations.acceptedFor('https://a.example/rooms/other'), [])
      await invitations.rename('https://a.example/rooms/r', 'Renamed')
      assert.equal((await invitations.get('https://a.example/rooms/r/invites/2'))?.roomName, 'Renamed')
      assert.equal(await invitations.remove('https://a.example/rooms/r/invites/2'), true)
      assert.equal(await invitations.remove('https://a.example/rooms/r/invites/2'), false)
      assert.deepEqual(await invitations.acceptedFor('https://a.example/rooms/r'), [])
      await invitations.receive({ ...invitation, inviteId: 'https://a.example/rooms/r/invites/5', createdAt: 9 })
      await invitations.receive({
        ...invitation,
        inviteId: 'https://a.example/rooms/other/invites/6',
        roomId: 'https://a.example/rooms/other',
      })
      await invitations.answer('https://a.example/rooms/r/invites/5', 'accepted')
      assert.deepEqual(
        (await invitations.forgetRoom('https://a.example/rooms/r')).map((i) => i.inviteId),
        [invitation.inviteId, 'https://a.example/rooms/r/invites/5'],
      )
      assert.equal(await invitations.get(invitation.inviteId), null)
      assert.deepEqual(await invitations.forgetRoom('https://a.example/rooms/r'), [])
      assert.equal(
        (await invitations.get('https://a.example/rooms/other/invites/6'))?.state,
        'pending',
        "other rooms' invitations kept",
      )
    })

    it('fan-out cursors: per room, only ever forward', async () => {
      const cursors = store.federation.rooms.fanoutCursors
      assert.deepEqual(await cursors.list(), [])
      await cursors.advance(roomId, 5)
      await cursors.advance(roomId, 3)
      await cursors.advance(otherRoomId, 1)
      const list = await cursors.list()
      assert.equal(list.find((c) => c.roomId === roomId)?.seq, 5)
      assert.equal(list.find((c) => c.roomId === otherRoomId)?.seq, 1)
      assert.equal(list.length, 2)
      assert.equal(await cursors.get(roomId), 5)
      await cursors.forget(roomId)
      assert.equal(await cursors.get(roomId), 0, 'a room without remote members has no cursor')
      assert.deepEqual(
        (await cursors.list()).map((c) => c.roomId),
        [otherRoomId],
      )
    })

    it('room replicas: each host event applied once; messages kept by seq with edits, tombstones and reactions', async () => {
      const replicas = store.federation.rooms.replicas
      const room = 'https://a.example/rooms/r'
      const alice = { id: 'https://a.example/users/alice', name: 'Alice' }
      const bob = { id: 'https://b.example/users/bob', name: 'Bob' }
      const post = (messageSeq: number, body: string) => ({
        type: 'message.new' as const,
        messageSeq,
        author: alice,
        body,
        replyTo: null,
        createdAt: 100 + messageSeq,
        editedAt: null,
      })
      assert.equal(await replicas.apply(room, 3, post(3, 'third')), 'applied')
      assert.equal(
        await replicas.apply(room, 2, {
          type: 'message.edited',
          messageSeq: 1,
          author: alice,
          body: 'too early',
          replyTo: null,
          createdAt: 101,
          editedAt: 400,
        }),
        'missing-message',
        'an edit overtaking its message',
      )
      assert.equal(await replicas.apply(room, 1, post(1, 'first')), 'applied')
      assert.equal(await replicas.apply(room, 1, post(1, 'again')), 'duplicate', 'an event is applied once')
      assert.equal(
        await replicas.apply(room, 4, {
          type: 'message.edited',
          messageSeq: 1,
          author: alice,
          body: 'first, edited',
          replyTo: null,
          createdAt: 101,
          editedAt: 500,
        }),
        'applied',
      )
      assert.equal(
        await replicas.apply(room, 5, { type: 'reaction.added', messageSeq: 1, emoji: '👍', actor: bob }),
        'applied',
      )
      assert.equal(
        await replicas.apply(room, 6, { type: 'reaction.added', messageSeq: 3, emoji: '🎉', actor: bob }),
        'applied',
      )
      assert.equal(
        await replicas.apply(room, 7, { type: 'reaction.removed', messageSeq: 3, emoji: '🎉', actor: bob }),
        'applied',
      )
      assert.equal(await replicas.apply(room, 8, { type: 'message.deleted', messageSeq: 3, at: 900 }), 'applied')
      await replicas.apply('https://a.example/rooms/other', 1, post(1, 'elsewhere'))
      const messages = await replicas.messages(room, 0, 10)
      assert.deepEqual(
        messages.map((m) => [m.seq, m.body, m.editedAt, m.deletedAt]),
        [
          [1, 'first, edited', 500, null],
          [3, '', null, 900],
        ],
      )
      assert.deepEqual(messages[0]?.reactions, [{ emoji: '👍', actorId: bob.id, actorName: 'Bob' }])
      assert.deepEqual(messages[1]?.reactions, [])
      assert.deepEqual(
        (await replicas.messages(room, 1, 10)).map((m) => m.seq),
        [3],
      )
      assert.deepEqual(
        (await replicas.messages(room, 0, 1)).map((m) => m.seq),
        [1],
      )
    })

    it("room replicas: store() replaces messages with the host's snapshots; the head only moves forward; drop() forgets the room", async () => {
      const replicas = store.federation.rooms.replicas
      const room = 'https://a.example/rooms/r'
      const other = 'https://a.example/rooms/other'
      const alice = { id: 'https://a.example/users/alice', name: 'Alice' }
      await replicas.apply(room, 1, {
        type: 'message.new',
        messageSeq: 1,
        author: alice,
        body: 'stale',
        replyTo: null,
        createdAt: 101,
        editedAt: null,
      })
      await replicas.apply(other, 1, {
        type: 'message.new',
        messageSeq: 1,
        author: alice,
        body: 'elsewhere',
        replyTo: null,
        createdAt: 101,
        editedAt: null,
      })
      const snapshot = (seq: number, body: string, deletedAt: number | null = null) => ({
        roomId: room,
        seq,
        authorId: alice.id,
        authorName: 'Alice',
        body,
        replyTo: null,
        createdAt: 100 + seq,
        editedAt: seq === 1 ? 300 : null,
        deletedAt,
        reactions:
          deletedAt === null ? [{ emoji: '👍', actorId: 'https://b.example/users/bob', actorName: 'Bob' }] : [],
      })
      await replicas.store(room, [snapshot(1, 'edited'), snapshot(2, '', 400), snapshot(5, 'fifth')])
      await replicas.store(room, [snapshot(5, 'fifth')])
      assert.deepEqual(await replicas.messages(room, 0, 10), [
        snapshot(1, 'edited'),
        snapshot(2, '', 400),
        snapshot(5, 'fifth'),
      ])
      assert.equal(await replicas.head(room), 0, 'never synced')
      await replicas.advanceHead(room, 9)
      await replicas.advanceHead(room, 4)
      assert.equal(await replicas.head(room), 9)
      await replicas.advanceHead(other, 1)
      await replicas.drop(room)
      assert.deepEqual(await replicas.messages(room, 0, 10), [])
      assert.equal(await replicas.head(room), 0)
      assert.equal(
        await replicas.apply(room, 1, {
          type: 'message.new',
          messageSeq: 1,
          author: alice,
          body: 'again',
          replyTo: null,
          createdAt: 101,
          editedAt: null,
        }),
        'applied',
        'applied events forgotten too',
      )
      assert.deepEqual(
        (await replicas.messages(other, 0, 10)).map((m) => m.body),
        ['elsewhere'],
      )
      assert.equal(await replicas.head(other), 1)
    })
  })
}
