/** The PushRepository contract (store.push), run against every backend. */
import { describe, it as test, beforeEach, afterEach } from 'node:test'
import assert from 'node:assert/strict'
import { randomUUID } from 'node:crypto'
import type { Store } from '../ports.ts'
import type { PushSubscriptionRecord } from '../push-records.ts'
import type { OpenStore } from './store-contract.ts'

export function pushContract(backend: string, open: OpenStore, skip?: string): void {
  describe(`Push contract (${backend})`, () => {
    const it = (name: string, fn: () => Promise<void>) => test(name, { skip }, fn)
    let store: Store
    let alice: string
    let bob: string
    const user = async (username: string) => {
      const id = randomUUID()
      await store.users.create({
        id,
        username,
        displayName: username,
        role: 'user',
        passwordHash: null,
        disabled: false,
        createdAt: 1,
        deletedAt: null,
        hidden: false,
        avatarEtag: null,
      })
      return id
    }
    const subscription = (userId: string, overrides: Partial<PushSubscriptionRecord> = {}): PushSubscriptionRecord => ({
      id: randomUUID(),
      userId,
      endpoint: `https://push.example/${randomUUID()}`,
      p256dh: 'BP'.padEnd(87, 'a'),
      auth: 'c2VjcmV0LWF1dGgtMTY',
      owner: `session:${randomUUID()}`,
      createdAt: 1_700_000_000_000,
      ...overrides,
    })
    beforeEach(async () => {
      store = await open()
      alice = await user('alice')
      bob = await user('bob')
    })
    afterEach(async () => {
      await store.close()
    })

    it('PushRepository.put() adds, and replaces by endpoint keeping the first id', async () => {
      const first = subscription(alice)
      assert.deepEqual(await store.push.put(first), first)
      const again = { ...subscription(bob), endpoint: first.endpoint, createdAt: first.createdAt + 5 }
      const replaced = await store.push.put(again)
      assert.deepEqual(replaced, { ...again, id: first.id })
      assert.deepEqual(await store.push.byEndpoint(first.endpoint), replaced)
      assert.equal(await store.push.countForUser(alice), 0)
      assert.equal(await store.push.countForUser(bob), 1)
    })

    it('PushRepository.listForUser() is oldest first; delete() only removes the owner’s', async () => {
      const older = subscription(alice, { createdAt: 10 })
      const newer = subscription(alice, { createdAt: 20 })
      await store.push.put(newer)
      await store.push.put(older)
      await store.push.put(subscription(bob))
      assert.deepEqual(
        (await store.push.listForUser(alice)).map((s) => s.id),
        [older.id, newer.id],
      )
      assert.equal(await store.push.delete(bob, older.id), false)
      assert.equal(await store.push.delete(alice, older.id), true)
      assert.equal(await store.push.delete(alice, older.id), false)
      assert.equal(await store.push.deleteByEndpoint(newer.endpoint), true)
      assert.equal(await store.push.deleteByEndpoint(newer.endpoint), false)
      assert.deepEqual(await store.push.listForUser(alice), [])
    })

    it('PushRepository.initVapidKeys() keeps the first pair: a second node gets the same keys', async () => {
      assert.equal(await store.push.vapidKeys(), null)
      const first = { publicKey: 'pub-1', privateKey: 'priv-1', createdAt: 1 }
      assert.deepEqual(await store.push.initVapidKeys(first), first)
      assert.deepEqual(
        await store.push.initVapidKeys({ publicKey: 'pub-2', privateKey: 'priv-2', createdAt: 2 }),
        first,
      )
      assert.deepEqual(await store.push.vapidKeys(), first)
    })

    it('UserStatusRepository.expiring() lists statuses that expire after now, soonest first', async () => {
      await store.statuses.put({ userId: alice, availability: 'away', message: null, expiresAt: 5_000, updatedAt: 1 })
      await store.statuses.put({ userId: bob, availability: 'dnd', message: 'x', expiresAt: 3_000, updatedAt: 1 })
      assert.deepEqual(
        (await store.statuses.expiring(2_000)).map((s) => s.userId),
        [bob, alice],
      )
      assert.deepEqual(
        (await store.statuses.expiring(4_000)).map((s) => s.expiresAt),
        [5_000],
      )
      assert.deepEqual(await store.statuses.expiring(5_000), [])
    })
  })
}
