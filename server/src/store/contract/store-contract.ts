/**
 * The contract every store backend passes: one suite, run against each backend
 * (model: fedify-dev/fedify packages/testing/src/mq-tester.ts). A backend test file calls
 * `storeContract(name, open)` where `open` gives a fresh, empty, migrated store.
 */
import { describe, it as test, beforeEach, afterEach } from 'node:test'
import assert from 'node:assert/strict'
import { randomUUID } from 'node:crypto'
import type { Store } from '../ports.ts'
import type { ApiTokenRecord, UserRecord } from '../records.ts'

export type OpenStore = () => Promise<Store>

function user(username: string, overrides: Partial<UserRecord> = {}): UserRecord {
  return {
    id: randomUUID(),
    username,
    displayName: username.toUpperCase(),
    role: 'user',
    passwordHash: 'scrypt$hash',
    disabled: false,
    createdAt: 1_700_000_000_000,
    deletedAt: null,
    hidden: false,
    avatarEtag: null,
    ...overrides,
  }
}

function token(userId: string, overrides: Partial<ApiTokenRecord> = {}): ApiTokenRecord {
  return {
    id: randomUUID(),
    userId,
    name: 'ci',
    secretHash: randomUUID(),
    createdAt: 1_700_000_000_000,
    expiresAt: null,
    lastUsedAt: null,
    revokedAt: null,
    ...overrides,
  }
}

export function storeContract(backend: string, open: OpenStore, skip?: string): void {
  describe(`Store contract (${backend})`, () => {
    // Each test carries the skip reason, so a run without the backend counts them as skipped.
    const it = (name: string, fn: () => Promise<void>) => test(name, { skip }, fn)
    let store: Store
    beforeEach(async () => {
      store = await open()
    })
    afterEach(async () => {
      await store.close()
    })

    it('Store.ping() answers and Store.migrate() is idempotent', async () => {
      await store.ping()
      assert.deepEqual(await store.migrate(), backend === 'mongodb' ? await store.migrate() : [])
    })

    it('UserRepository.create() stores a user readable by id and by username', async () => {
      const alice = user('alice', { role: 'admin' })
      const created = await store.users.create(alice)
      assert.deepEqual(created, { ok: true, value: alice })
      assert.deepEqual(await store.users.byId(alice.id), alice)
      assert.deepEqual(await store.users.byUsername('alice'), alice)
      assert.equal(await store.users.byUsername('bob'), null)
      assert.equal(await store.users.byId(randomUUID()), null)
    })

    it('UserRepository.create() refuses a taken username, even of a deleted user', async () => {
      const first = user('carol', { deletedAt: 1_700_000_001_000 })
      assert.equal((await store.users.create(first)).ok, true)
      const again = await store.users.create(user('carol'))
      assert.deepEqual(again, { ok: false, error: { type: 'conflict', field: 'username' } })
      assert.equal((await store.users.list()).length, 1)
    })

    it('UserRepository.update() changes only the given fields and count() skips deleted users', async () => {
      const dave = user('dave')
      const erin = user('erin', { createdAt: 1_700_000_000_001 })
      await store.users.create(dave)
      await store.users.create(erin)
      const updated = await store.users.update(dave.id, { displayName: 'Dave D.', disabled: true })
      assert.deepEqual(updated, { ...dave, displayName: 'Dave D.', disabled: true })
      assert.equal(await store.users.count(), 2)
      await store.users.update(erin.id, { deletedAt: 1_700_000_002_000 })
      assert.equal(await store.users.count(), 1)
      assert.deepEqual(
        (await store.users.list()).map((u) => u.username),
        ['dave', 'erin'],
      )
      assert.equal(await store.users.update(randomUUID(), { displayName: 'x' }), null)
    })

    it('SessionRepository keeps sessions until deleted or expired', async () => {
      const frank = user('frank')
      await store.users.create(frank)
      const base = { userId: frank.id, csrfToken: 'csrf', createdAt: 1000, userAgent: null }
      await store.sessions.create({ ...base, idHash: 'h1', expiresAt: 5000 })
      await store.sessions.create({ ...base, idHash: 'h2', expiresAt: 9000 })
      await store.sessions.create({ ...base, idHash: 'h3', expiresAt: 9000 })
      assert.deepEqual(await store.sessions.byIdHash('h1'), { ...base, idHash: 'h1', expiresAt: 5000 })
      assert.equal(await store.sessions.deleteExpired(5000), 1)
      assert.equal(await store.sessions.byIdHash('h1'), null)
      await store.sessions.delete('h2')
      assert.equal(await store.sessions.byIdHash('h2'), null)
      assert.equal(await store.sessions.deleteForUser(frank.id), 1)
      assert.equal(await store.sessions.byIdHash('h3'), null)
    })

    it("SessionRepository.listForUser() lists a user's unexpired sessions, oldest first", async () => {
      const ivy = user('ivy')
      const jon = user('jon')
      await store.users.create(ivy)
      await store.users.create(jon)
      const base = { userId: ivy.id, csrfToken: 'csrf', userAgent: 'Firefox' }
      await store.sessions.create({ ...base, idHash: 'late', createdAt: 2000, expiresAt: 9000 })
      await store.sessions.create({ ...base, idHash: 'early', createdAt: 1000, expiresAt: 9000 })
      await store.sessions.create({ ...base, idHash: 'gone', createdAt: 500, expiresAt: 4000 })
      await store.sessions.create({ ...base, userId: jon.id, idHash: 'jons', createdAt: 1000, expiresAt: 9000 })
      const listed = await store.sessions.listForUser(ivy.id, 5000)
      assert.deepEqual(
        listed.map((s) => [s.idHash, s.userAgent]),
        [
          ['early', 'Firefox'],
          ['late', 'Firefox'],
        ],
      )
    })

    it('UserRepository.search() matches username or display-name word prefixes, skips hidden, disabled and deleted', async () => {
      await store.users.create(user('anna', { displayName: 'Anna Berg' }))
      await store.users.create(user('bert', { displayName: 'Bert Annable' }))
      await store.users.create(user('anders', { hidden: true }))
      await store.users.create(user('annika', { disabled: true }))
      await store.users.create(user('anton', { deletedAt: 1 }))
      await store.users.create(user('a_b', { displayName: 'Underscore' }))
      const names = async (prefix: string, after: string | null = null, limit = 10) =>
        (await store.users.search(prefix, after, limit)).map((u) => u.username)
      assert.deepEqual(await names('ANN'), ['anna', 'bert'])
      assert.deepEqual(await names('ann', 'anna'), ['bert'])
      assert.deepEqual(await names('', null, 2), ['a_b', 'anna'])
      assert.deepEqual(await names('a_'), ['a_b'])
      assert.deepEqual(await names('a%'), [])
      const anna = await store.users.byUsername('anna')
      await store.users.update(anna?.id ?? '', { hidden: true, avatarEtag: 'v1' })
      assert.deepEqual(await names('ann'), ['bert'])
      assert.equal((await store.users.byUsername('anna'))?.avatarEtag, 'v1')
    })

    it('AvatarRepository and UserStatusRepository keep one of each per user', async () => {
      const kim = user('kim')
      await store.users.create(kim)
      const bytes = Buffer.from([1, 2, 3])
      await store.avatars.put({ userId: kim.id, mediaType: 'image/webp', bytes, etag: 'e1', updatedAt: 1 })
      await store.avatars.put({
        userId: kim.id,
        mediaType: 'image/webp',
        bytes: Buffer.from([4]),
        etag: 'e2',
        updatedAt: 2,
      })
      const avatar = await store.avatars.get(kim.id)
      assert.deepEqual([avatar?.etag, [...(avatar?.bytes ?? [])]], ['e2', [4]])
      assert.equal(await store.avatars.delete(kim.id), true)
      assert.equal(await store.avatars.get(kim.id), null)
      const status = { userId: kim.id, availability: 'dnd' as const, message: 'Busy', expiresAt: 10, updatedAt: 1 }
      await store.statuses.put(status)
      await store.statuses.put({ ...status, availability: 'away', updatedAt: 2 })
      assert.deepEqual(await store.statuses.get(kim.id), { ...status, availability: 'away', updatedAt: 2 })
      await store.statuses.clear(kim.id)
      assert.equal(await store.statuses.get(kim.id), null)
    })

    it("ApiTokenRepository finds by hash, lists the owner's live tokens and revokes once", async () => {
      const gina = user('gina')
      const hank = user('hank')
      await store.users.create(gina)
      await store.users.create(hank)
      const t1 = token(gina.id, { name: 'laptop' })
      const t2 = token(gina.id, { name: 'ci', createdAt: 1_700_000_000_500, expiresAt: 1_800_000_000_000 })
      await store.tokens.create(t1)
      await store.tokens.create(t2)
      await store.tokens.create(token(hank.id))
      assert.deepEqual(await store.tokens.bySecretHash(t1.secretHash), t1)
      assert.deepEqual(
        (await store.tokens.listForUser(gina.id)).map((t) => t.name),
        ['laptop', 'ci'],
      )
      assert.equal(await store.tokens.revoke(t1.id, hank.id, 2000), false, 'someone else cannot revoke it')
      assert.equal(await store.tokens.revoke(t1.id, gina.id, 2000), true)
      assert.equal(await store.tokens.revoke(t1.id, gina.id, 3000), false, 'revoking twice reports false')
      assert.equal((await store.tokens.bySecretHash(t1.secretHash))?.revokedAt, 2000)
      assert.deepEqual(
        (await store.tokens.listForUser(gina.id)).map((t) => t.name),
        ['ci'],
      )
      await store.tokens.touch(t2.id, 4000)
      assert.equal((await store.tokens.bySecretHash(t2.secretHash))?.lastUsedAt, 4000)
    })

    it('InviteRepository.consume() lets one registration use a code, once, before it expires', async () => {
      const ivan = user('ivan', { role: 'admin' })
      await store.users.create(ivan)
      await store.invites.create({
        codeHash: 'c1',
        createdBy: ivan.id,
        createdAt: 0,
        expiresAt: 10_000,
        usedBy: null,
        usedAt: null,
      })
      await store.invites.create({
        codeHash: 'c2',
        createdBy: ivan.id,
        createdAt: 0,
        expiresAt: 10_000,
        usedBy: null,
        usedAt: null,
      })
      const race = await Promise.all([store.invites.consume('c1', 'u1', 100), store.invites.consume('c1', 'u2', 100)])
      assert.deepEqual(race.sort(), [false, true])
      assert.equal(await store.invites.consume('c2', 'u3', 10_000), false, 'expired at its expiry time')
      assert.equal(await store.invites.consume('nope', 'u4', 100), false)
      await store.invites.release('c1')
      assert.equal(await store.invites.consume('c1', 'u5', 200), true, 'a released code can be used again')
    })
  })
}
