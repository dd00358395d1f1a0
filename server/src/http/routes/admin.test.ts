import { describe, it, beforeEach, afterEach } from 'node:test'
import assert from 'node:assert/strict'
import { asSession, createUser, login, startTestApp, type SignedIn, type TestApp } from '../../testing/test-app.ts'

describe('/api/v1/admin', () => {
  let t: TestApp
  let root: SignedIn
  let bob: SignedIn
  beforeEach(async () => {
    t = await startTestApp({ PARLEY_REGISTRATION: 'invite' })
    await createUser(t, 'root', 'admin')
    await createUser(t, 'bob')
    root = await login(t, 'root')
    bob = await login(t, 'bob')
  })
  afterEach(() => t.close())

  it('refuses non-admins with forbidden and strangers with unauthenticated, changing nothing', async () => {
    const before = t.snapshot()
    const requests = [
      { method: 'GET' as const, url: '/api/v1/admin/users' },
      { method: 'POST' as const, url: '/api/v1/admin/users', payload: { username: 'eve' } },
      { method: 'POST' as const, url: '/api/v1/admin/users/root/disable' },
      { method: 'DELETE' as const, url: '/api/v1/admin/users/root' },
      { method: 'POST' as const, url: '/api/v1/admin/invites', payload: {} },
    ]
    for (const request of requests) {
      const asBob = await t.app.inject({ ...request, headers: asSession(bob) })
      assert.equal(asBob.statusCode, 403, request.url)
      assert.equal(asBob.json().error.code, 'forbidden')
      const asNobody = await t.app.inject(request)
      assert.equal(asNobody.json().error.code, 'unauthenticated')
    }
    assert.deepEqual(t.snapshot(), before)
  })

  it('lists accounts and creates one regardless of the registration mode', async () => {
    const created = await t.app.inject({
      method: 'POST',
      url: '/api/v1/admin/users',
      headers: asSession(root),
      payload: { username: 'carol', password: 'carol password 1', role: 'admin' },
    })
    assert.equal(created.statusCode, 201)
    assert.equal(created.json().role, 'admin')
    assert.equal(created.json().disabled, false)
    const list = await t.app.inject({ url: '/api/v1/admin/users', headers: { cookie: root.cookie } })
    assert.deepEqual(
      list
        .json()
        .users.map((u: { username: string }) => u.username)
        .sort(),
      ['bob', 'carol', 'root'],
    )
    await login(t, 'carol', 'carol password 1')
  })

  it("disabling ends the account's sessions; enabling lets it log in again", async () => {
    const disabled = await t.app.inject({
      method: 'POST',
      url: '/api/v1/admin/users/bob/disable',
      headers: asSession(root),
    })
    assert.equal(disabled.json().disabled, true)
    assert.equal((await t.app.inject({ url: '/api/v1/me', headers: { cookie: bob.cookie } })).statusCode, 401)
    const enabled = await t.app.inject({
      method: 'POST',
      url: '/api/v1/admin/users/bob/enable',
      headers: asSession(root),
    })
    assert.equal(enabled.json().disabled, false)
    await login(t, 'bob')
    const missing = await t.app.inject({
      method: 'POST',
      url: '/api/v1/admin/users/nobody/disable',
      headers: asSession(root),
    })
    assert.equal(missing.statusCode, 404)
    assert.equal(missing.json().error.code, 'not-found')
  })

  it("a deleted account's username is never given out again, and its id stays", async () => {
    const bobId = bob.userId
    const deleted = await t.app.inject({ method: 'DELETE', url: '/api/v1/admin/users/bob', headers: asSession(root) })
    assert.equal(deleted.statusCode, 204)
    assert.equal((await t.app.inject({ url: '/api/v1/me', headers: { cookie: bob.cookie } })).statusCode, 401)
    assert.equal((await t.store.users.byId(bobId))?.deletedAt, t.clock.now)
    const recreate = await t.app.inject({
      method: 'POST',
      url: '/api/v1/admin/users',
      headers: asSession(root),
      payload: { username: 'bob' },
    })
    assert.equal(recreate.statusCode, 409)
    assert.equal(recreate.json().error.code, 'username-taken')
    const { code } = (
      await t.app.inject({ method: 'POST', url: '/api/v1/admin/invites', headers: asSession(root), payload: {} })
    ).json()
    const register = await t.app.inject({
      method: 'POST',
      url: '/api/v1/account/register',
      payload: { username: 'bob', password: 'new bob password', inviteCode: code },
    })
    assert.equal(register.json().error.code, 'username-taken')
    const list = await t.app.inject({ url: '/api/v1/admin/users', headers: { cookie: root.cookie } })
    assert.ok(!list.json().users.some((u: { username: string }) => u.username === 'bob'))
  })

  it('the last active administrator can be neither disabled nor deleted; with a second one, either can', async () => {
    const before = t.snapshot()
    for (const request of [
      { method: 'POST' as const, url: '/api/v1/admin/users/root/disable' },
      { method: 'DELETE' as const, url: '/api/v1/admin/users/root' },
    ]) {
      const refused = await t.app.inject({ ...request, headers: asSession(root) })
      assert.equal(refused.statusCode, 409, request.url)
      assert.equal(refused.json().error.code, 'last-admin')
    }
    assert.deepEqual(t.snapshot(), before, 'nothing changed, the session included')

    // A disabled administrator does not count: nobody can sign in as them.
    await createUser(t, 'ada', 'admin')
    await t.app.inject({ method: 'POST', url: '/api/v1/admin/users/ada/disable', headers: asSession(root) })
    const still = await t.app.inject({ method: 'DELETE', url: '/api/v1/admin/users/root', headers: asSession(root) })
    assert.equal(still.json().error.code, 'last-admin')

    await t.app.inject({ method: 'POST', url: '/api/v1/admin/users/ada/enable', headers: asSession(root) })
    const disabled = await t.app.inject({
      method: 'POST',
      url: '/api/v1/admin/users/root/disable',
      headers: asSession(root),
    })
    assert.equal(disabled.statusCode, 200, disabled.body)
    assert.equal(disabled.json().disabled, true)
  })

  it('an invite created through the API lets one person register', async () => {
    const invite = await t.app.inject({
      method: 'POST',
      url: '/api/v1/admin/invites',
      headers: asSession(root),
      payload: { expiresInDays: 2 },
    })
    assert.equal(invite.statusCode, 201)
    const { code, expiresAt } = invite.json()
    assert.equal(new Date(expiresAt).getTime(), t.clock.now + 2 * 24 * 3600 * 1000)
    const register = await t.app.inject({
      method: 'POST',
      url: '/api/v1/account/register',
      payload: { username: 'dana', password: 'dana password', inviteCode: code },
    })
    assert.equal(register.statusCode, 201)
  })
})
