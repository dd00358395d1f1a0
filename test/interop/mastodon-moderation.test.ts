import { after, afterEach, before, describe, it } from 'node:test'
import assert from 'node:assert/strict'
import { startInstance, eventually, printLogsOnFailure, type TestInstance } from '../harness/instance.ts'
import { startFakeMastodon, type FakeMastodon } from '../harness/fake-mastodon.ts'

describe('a Mastodon account is deleted', () => {
  let parley: TestInstance
  let mastodon: FakeMastodon
  let bob: { id: string }
  before(async () => {
    ;[parley, mastodon] = await Promise.all([startInstance(), startFakeMastodon()])
    bob = await parley.addUser('bob')
  })
  afterEach(printLogsOnFailure(() => [parley]))
  after(async () => {
    await Promise.all([parley?.close(), mastodon?.close()])
  })

  it('its self-Delete, signed with a key that now answers 410, is taken (202) and the account is forgotten', async () => {
    // Alice followed bob earlier, and bob follows alice (records as a Follow/Accept would leave them).
    await parley.store().followers.upsert({
      userId: bob.id,
      actorId: mastodon.actorId,
      inbox: `${mastodon.origin}/users/alice/inbox`,
      sharedInbox: null,
      followId: `${mastodon.origin}/f/1`,
      createdAt: 1,
    })
    await parley.store().following.put({
      userId: bob.id,
      actorId: mastodon.actorId,
      followId: `${parley.origin}/users/bob/follows/1`,
      state: 'accepted',
      inbox: `${mastodon.origin}/users/alice/inbox`,
      sharedInbox: null,
      createdAt: 1,
    })
    mastodon.deleteAccount()
    const { status } = await mastodon.deliver(`${parley.origin}/inbox`, mastodon.fixture('delete-actor.json', {}))
    assert.equal(status, 202)
    await eventually(async () => (await parley.store().followers.count(bob.id)) === 0, 5000, 'the follower forgotten')
    assert.equal(await parley.store().following.get(bob.id, mastodon.actorId), null)
  })

  it('a self-Delete of an account that still exists, with a bad signature, is refused (401)', async () => {
    const other = await startFakeMastodon()
    try {
      await parley.store().followers.upsert({
        userId: bob.id,
        actorId: other.actorId,
        inbox: `${other.origin}/users/alice/inbox`,
        sharedInbox: null,
        followId: `${other.origin}/f/1`,
        createdAt: 1,
      })
      const { status } = await other.deliver(`${parley.origin}/inbox`, other.fixture('delete-actor.json', {}), {
        breakSignature: true,
      })
      assert.equal(status, 401)
      assert.equal(await parley.store().followers.count(bob.id), 1)
    } finally {
      await other.close()
    }
  })
})

describe('Mastodon reports a Parley user', () => {
  let parley: TestInstance
  let mastodon: FakeMastodon
  before(async () => {
    ;[parley, mastodon] = await Promise.all([startInstance(), startFakeMastodon()])
  })
  afterEach(printLogsOnFailure(() => [parley]))
  after(async () => {
    await Promise.all([parley?.close(), mastodon?.close()])
  })

  it('a Flag from the instance actor is stored for admins and listed by the admin API; others may not read it', async () => {
    const bob = await parley.addUser('bob')
    const admin = await parley.services.accounts.createUser({ username: 'root', role: 'admin' })
    assert.ok(admin.ok)
    const adminToken = (await parley.services.accounts.createToken(admin.value.id, 't')).secret
    const userToken = (await parley.services.accounts.createToken(bob.id, 't')).secret
    const flag = mastodon.fixture('flag.json', { PARLEY: parley.origin })
    const { status } = await mastodon.deliver(`${parley.origin}/inbox`, flag, {
      keyId: `${mastodon.origin}/actor#main-key`,
    })
    assert.equal(status, 202)
    const [report] = await eventually(
      async () => {
        const list = await parley.store().reports.list(10)
        return list.length > 0 ? list : null
      },
      15_000,
      'the report',
    )
    assert.equal(report?.activityId, JSON.parse(flag).id)
    assert.equal(report?.reporterId, `${mastodon.origin}/actor`)
    assert.deepEqual(report?.userIds, [bob.id])
    assert.equal(report?.content, 'Sends spam links in direct messages')
    const res = await fetch(`${parley.origin}/api/v1/admin/federation/reports`, {
      headers: { authorization: `Bearer ${adminToken}` },
    })
    assert.equal(res.status, 200)
    const body = (await res.json()) as { reports: { activityId: string; objectIds: string[] }[] }
    assert.deepEqual(
      body.reports.map((r) => r.activityId),
      [JSON.parse(flag).id],
    )
    assert.deepEqual(body.reports[0]?.objectIds, [`${parley.origin}/users/bob`, `${parley.origin}/users/bob/notes/1`])
    const forbidden = await fetch(`${parley.origin}/api/v1/admin/federation/reports`, {
      headers: { authorization: `Bearer ${userToken}` },
    })
    assert.equal(forbidden.status, 403)
  })
})
