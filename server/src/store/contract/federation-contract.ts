/**
 * The contract of the federation ports (declared by @parley/federation) that every store backend
 * passes; called next to `storeContract` by each backend's test file.
 */
import { describe, it, beforeEach, afterEach } from 'node:test'
import assert from 'node:assert/strict'
import { randomUUID } from 'node:crypto'
import type { FollowerRecord } from '@parley/federation'
import type { Store } from '../ports.ts'
import type { OpenStore } from './store-contract.ts'

const jwk = (n: string) => ({ kty: 'OKP', crv: 'Ed25519', x: n })

export function federationContract(backend: string, open: OpenStore, skip?: string): void {
  describe(`Federation repositories contract (${backend})`, { skip }, () => {
    let store: Store
    let userId: string
    beforeEach(async () => {
      store = await open()
      userId = randomUUID()
      await store.users.create({
        id: userId,
        username: `u${userId.slice(0, 8)}`,
        displayName: 'U',
        role: 'user',
        passwordHash: null,
        disabled: false,
        createdAt: 1,
        deletedAt: null,
        hidden: false,
        avatarEtag: null,
      })
    })
    afterEach(async () => {
      await store.close()
    })

    it('ActorKeyRepository.addIfMissing() keeps the first pair per algorithm and list() puts RSA first', async () => {
      const keys = store.federation.keys
      assert.deepEqual(await keys.missing([userId], 'rsa'), [userId])
      const ed = await keys.addIfMissing({
        userId,
        algorithm: 'ed25519',
        publicJwk: jwk('a'),
        privateJwk: jwk('b'),
        createdAt: 5,
      })
      assert.deepEqual(ed.publicJwk, jwk('a'))
      const again = await keys.addIfMissing({
        userId,
        algorithm: 'ed25519',
        publicJwk: jwk('c'),
        privateJwk: jwk('d'),
        createdAt: 6,
      })
      assert.deepEqual(again.publicJwk, jwk('a'), 'a racing second pair loses')
      await keys.addIfMissing({
        userId,
        algorithm: 'rsa',
        publicJwk: { kty: 'RSA', n: 'n' },
        privateJwk: { kty: 'RSA', d: 'd' },
        createdAt: 7,
      })
      assert.deepEqual(
        (await keys.list(userId)).map((k) => k.algorithm),
        ['rsa', 'ed25519'],
      )
      assert.deepEqual(await keys.missing([userId, 'nobody'], 'rsa'), ['nobody'])
    })

    it('FollowerRepository counts, pages and removes followers (by actor or by Follow id)', async () => {
      const followers = store.federation.followers
      const record = (i: number): FollowerRecord => ({
        userId,
        actorId: `https://m.example/users/f${i}`,
        inbox: `https://m.example/users/f${i}/inbox`,
        sharedInbox: i % 2 ? 'https://m.example/inbox' : null,
        followId: `https://m.example/follows/${i}`,
        createdAt: 100 + i,
      })
      for (let i = 0; i < 5; i++) assert.equal(await followers.upsert(record(i)), true)
      assert.equal(
        await followers.upsert({ ...record(0), followId: 'https://m.example/follows/again', createdAt: 999 }),
        false,
        'a repeated Follow refreshes',
      )
      assert.equal(await followers.count(userId), 5)
      const first = await followers.list(userId, null, 2)
      assert.deepEqual(
        first.items.map((f) => f.actorId),
        [record(0).actorId, record(1).actorId],
      )
      assert.equal(first.items[0]?.followId, 'https://m.example/follows/again')
      assert.equal(first.items[0]?.createdAt, 100, 'keeps the first follow time')
      assert.equal(first.items[1]?.sharedInbox, 'https://m.example/inbox')
      const second = await followers.list(userId, first.next, 2)
      const third = await followers.list(userId, second.next, 2)
      assert.deepEqual(
        [...second.items, ...third.items].map((f) => f.actorId),
        [2, 3, 4].map((i) => record(i).actorId),
      )
      assert.equal(third.next, null)
      assert.equal(await followers.remove(userId, record(1).actorId), true)
      assert.equal(await followers.remove(userId, record(1).actorId), false)
      assert.equal(await followers.removeByFollowId(record(2).actorId, 'https://m.example/follows/other'), false)
      assert.equal(await followers.removeByFollowId(record(2).actorId, record(2).followId), true)
      assert.equal(await followers.count(userId), 3)
      assert.equal(await followers.removeActor(record(3).actorId), 1)
      assert.equal(await followers.removeActor(record(3).actorId), 0)
      assert.equal(await followers.count(userId), 2)
    })

    it('FollowingRepository keeps a follow pending until its Follow is accepted, and counts accepted ones only', async () => {
      const following = store.federation.following
      const base = {
        userId,
        state: 'pending' as const,
        inbox: 'https://b.example/users/bob/inbox',
        sharedInbox: null,
        createdAt: 10,
      }
      await following.put({
        ...base,
        actorId: 'https://b.example/users/bob',
        followId: 'https://a.example/users/u/follows/1',
      })
      await following.put({
        ...base,
        actorId: 'https://c.example/users/cy',
        followId: 'https://a.example/users/u/follows/2',
        createdAt: 11,
      })
      assert.equal(await following.count(userId), 0)
      assert.equal(
        (await following.byFollowId('https://a.example/users/u/follows/1'))?.actorId,
        'https://b.example/users/bob',
      )
      assert.equal((await following.accept('https://a.example/users/u/follows/1'))?.state, 'accepted')
      assert.equal(await following.accept('https://a.example/users/u/follows/none'), null)
      assert.equal(await following.count(userId), 1)
      assert.deepEqual(
        (await following.list(userId, null, 10)).items.map((f) => f.actorId),
        ['https://b.example/users/bob'],
      )
      assert.equal((await following.get(userId, 'https://c.example/users/cy'))?.state, 'pending')
      assert.equal(await following.remove(userId, 'https://b.example/users/bob'), true)
      assert.equal(await following.get(userId, 'https://b.example/users/bob'), null)
      assert.equal(await following.count(userId), 0)
      assert.equal(await following.removeActor('https://c.example/users/cy'), 1)
      assert.equal(await following.get(userId, 'https://c.example/users/cy'), null)
    })

    it('InboundMessageRepository.receive() stores a note once and lists it for each recipient', async () => {
      const messages = store.federation.inboundMessages
      const message = {
        activityId: 'https://m.example/users/al/statuses/1/activity',
        noteId: 'https://m.example/users/al/statuses/1',
        senderId: 'https://m.example/users/al',
        recipientUserIds: [userId, 'other'],
        content: '<p>hi</p>',
        inReplyTo: null,
        published: 1_700_000_000_000,
        receivedAt: 1_700_000_000_500,
      }
      assert.equal(await messages.receive(message), true)
      assert.equal(await messages.receive({ ...message, content: 'changed' }), false)
      assert.deepEqual(await messages.listForUser(userId), [message])
      assert.deepEqual(await messages.listForUser('other'), [message])
      assert.deepEqual(await messages.listForUser('third'), [])
    })

    it('BlockRepository adds a block once, answers has(), lists newest first and removes', async () => {
      const blocks = store.federation.blocks
      assert.equal(await blocks.add({ userId, actorId: 'https://m.example/users/troll', createdAt: 10 }), true)
      assert.equal(await blocks.add({ userId, actorId: 'https://m.example/users/troll', createdAt: 11 }), false)
      await blocks.add({ userId, actorId: 'https://n.example/users/spam', createdAt: 20 })
      assert.equal(await blocks.has(userId, 'https://m.example/users/troll'), true)
      assert.equal(await blocks.has('someone-else', 'https://m.example/users/troll'), false)
      assert.deepEqual(
        (await blocks.list(userId)).map((b) => [b.actorId, b.createdAt]),
        [
          ['https://n.example/users/spam', 20],
          ['https://m.example/users/troll', 10],
        ],
      )
      assert.equal(await blocks.remove(userId, 'https://m.example/users/troll'), true)
      assert.equal(await blocks.remove(userId, 'https://m.example/users/troll'), false)
      assert.equal(await blocks.has(userId, 'https://m.example/users/troll'), false)
    })

    it('ReportRepository stores a report once and lists newest first', async () => {
      const reports = store.federation.reports
      const first = {
        activityId: 'https://m.example/flags/1',
        reporterId: 'https://m.example/actor',
        userIds: [userId],
        objectIds: ['https://a.example/users/u'],
        content: 'spam',
        receivedAt: 5,
      }
      assert.equal(await reports.receive(first), true)
      assert.equal(await reports.receive({ ...first, content: 'again' }), false)
      await reports.receive({ ...first, activityId: 'https://m.example/flags/2', receivedAt: 9 })
      assert.deepEqual(
        (await reports.list(10)).map((r) => [r.activityId, r.content]),
        [
          ['https://m.example/flags/2', 'spam'],
          ['https://m.example/flags/1', 'spam'],
        ],
      )
      assert.deepEqual((await reports.list(1))[0]?.userIds, [userId])
    })

    it('DomainBlockRepository adds a domain once, lists oldest first and removes', async () => {
      const blocks = store.federation.domainBlocks
      assert.equal(await blocks.add({ domain: 'spam.example', createdBy: userId, createdAt: 2 }), true)
      assert.equal(await blocks.add({ domain: 'spam.example', createdBy: userId, createdAt: 3 }), false)
      await blocks.add({ domain: '127.0.0.1:4443', createdBy: userId, createdAt: 1 })
      assert.deepEqual(
        (await blocks.list()).map((b) => [b.domain, b.createdAt]),
        [
          ['127.0.0.1:4443', 1],
          ['spam.example', 2],
        ],
      )
      assert.equal(await blocks.remove('spam.example'), true)
      assert.equal(await blocks.remove('spam.example'), false)
      assert.deepEqual(
        (await blocks.list()).map((b) => b.domain),
        ['127.0.0.1:4443'],
      )
    })
  })
}
