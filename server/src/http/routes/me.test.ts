import { describe, it, beforeEach, afterEach } from 'node:test'
import assert from 'node:assert/strict'
import { asSession, createUser, login, startTestApp, type SignedIn, type TestApp } from '../../testing/test-app.ts'

describe('/api/v1/me', () => {
  let t: TestApp
  let alice: SignedIn
  beforeEach(async () => {
    t = await startTestApp()
    await createUser(t, 'alice')
    alice = await login(t, 'alice')
  })
  afterEach(() => t.close())

  it('PATCH changes the display name; the username stays', async () => {
    const response = await t.app.inject({
      method: 'PATCH',
      url: '/api/v1/me',
      headers: asSession(alice),
      payload: { displayName: 'Alice <b>A</b>' },
    })
    assert.equal(response.statusCode, 200)
    const { id: _id, ...profile } = response.json() as Record<string, unknown>
    assert.deepEqual(profile, { username: 'alice', displayName: 'Alice <b>A</b>', role: 'user', avatarUrl: null })
    assert.equal((await t.store.users.byUsername('alice'))?.displayName, 'Alice <b>A</b>')
  })

  it('PATCH refuses a missing CSRF token, an empty name, a new username and wrong types, changing nothing', async () => {
    const before = t.snapshot()
    const noCsrf = await t.app.inject({
      method: 'PATCH',
      url: '/api/v1/me',
      headers: { cookie: alice.cookie },
      payload: { displayName: 'X' },
    })
    assert.equal(noCsrf.json().error.code, 'csrf-failed')
    for (const payload of [{ displayName: '' }, { displayName: 'X', username: 'eve' }, { displayName: 42 }, {}]) {
      const response = await t.app.inject({ method: 'PATCH', url: '/api/v1/me', headers: asSession(alice), payload })
      assert.equal(response.statusCode, 400, JSON.stringify(payload))
      assert.equal(response.json().error.code, 'validation-failed')
    }
    assert.deepEqual(t.snapshot(), before)
  })
})

describe('/api/v1/me/tokens', () => {
  let t: TestApp
  let alice: SignedIn
  beforeEach(async () => {
    t = await startTestApp()
    await createUser(t, 'alice')
    await createUser(t, 'bob')
    alice = await login(t, 'alice')
  })
  afterEach(() => t.close())

  const create = (s: SignedIn, payload: Record<string, unknown>) =>
    t.app.inject({ method: 'POST', url: '/api/v1/me/tokens', headers: asSession(s), payload })
  const bearer = (secret: string) => ({ authorization: `Bearer ${secret}` })

  it('creates a named token whose secret is shown once, stored only as a hash, and works as a bearer token', async () => {
    const response = await create(alice, { name: 'laptop' })
    assert.equal(response.statusCode, 201)
    const { token, secret } = response.json()
    assert.match(secret, /^parley_[A-Za-z0-9_-]{43}$/)
    assert.equal(token.name, 'laptop')
    assert.equal(token.expiresAt, null)
    assert.ok(!JSON.stringify(t.snapshot()).includes(secret), 'the secret is not in the store')

    const me = await t.app.inject({ url: '/api/v1/me', headers: bearer(secret) })
    assert.equal(me.json().username, 'alice')
    const list = await t.app.inject({ url: '/api/v1/me/tokens', headers: bearer(secret) })
    assert.deepEqual(
      list.json().tokens.map((x: { name: string }) => x.name),
      ['laptop'],
    )
    assert.ok(!list.body.includes(secret))
    assert.notEqual(list.json().tokens[0].lastUsedAt, null)
  })

  it('bearer requests need no CSRF token', async () => {
    const { secret } = (await create(alice, { name: 'ci' })).json()
    const response = await t.app.inject({
      method: 'PATCH',
      url: '/api/v1/me',
      headers: bearer(secret),
      payload: { displayName: 'Via token' },
    })
    assert.equal(response.statusCode, 200)
  })

  it('a revoked token is refused as revoked; someone else cannot revoke it', async () => {
    const { token, secret } = (await create(alice, { name: 'ci' })).json()
    const bob = await login(t, 'bob')
    const before = t.snapshot()
    const foreign = await t.app.inject({
      method: 'DELETE',
      url: `/api/v1/me/tokens/${token.id}`,
      headers: asSession(bob),
    })
    assert.equal(foreign.statusCode, 404)
    assert.equal(foreign.json().error.code, 'not-found')
    assert.deepEqual(t.snapshot(), before)

    const revoke = await t.app.inject({
      method: 'DELETE',
      url: `/api/v1/me/tokens/${token.id}`,
      headers: asSession(alice),
    })
    assert.equal(revoke.statusCode, 204)
    const refused = await t.app.inject({ url: '/api/v1/me', headers: bearer(secret) })
    assert.equal(refused.statusCode, 401)
    assert.equal(refused.json().error.code, 'token-revoked')
    const list = await t.app.inject({ url: '/api/v1/me/tokens', headers: { cookie: alice.cookie } })
    assert.deepEqual(list.json().tokens, [])
  })

  it('an expired token is refused as expired', async () => {
    const { secret, token } = (await create(alice, { name: 'short', expiresInDays: 1 })).json()
    assert.equal(new Date(token.expiresAt).getTime(), t.clock.now + 24 * 3600 * 1000)
    assert.equal((await t.app.inject({ url: '/api/v1/me', headers: bearer(secret) })).statusCode, 200)
    t.clock.now += 24 * 3600 * 1000
    const response = await t.app.inject({ url: '/api/v1/me', headers: bearer(secret) })
    assert.equal(response.json().error.code, 'token-expired')
  })

  it('unknown, malformed and missing tokens get distinct stable codes', async () => {
    const cases: [Record<string, string>, string][] = [
      [bearer('parley_' + 'A'.repeat(43)), 'token-invalid'],
      [bearer('not-a-parley-token'), 'token-invalid'],
      [{ authorization: 'Basic YWxpY2U6cHc=' }, 'token-invalid'],
      [{ authorization: 'Bearer' }, 'token-invalid'],
      [{}, 'unauthenticated'],
    ]
    for (const [headers, code] of cases) {
      const response = await t.app.inject({ url: '/api/v1/me', headers })
      assert.equal(response.statusCode, 401, JSON.stringify(headers))
      assert.equal(response.json().error.code, code)
    }
  })

  it("a disabled account's tokens stop working", async () => {
    const { secret } = (await create(alice, { name: 'ci' })).json()
    await t.accounts.setDisabled('alice', true)
    const response = await t.app.inject({ url: '/api/v1/me', headers: bearer(secret) })
    assert.equal(response.statusCode, 403)
    assert.equal(response.json().error.code, 'account-disabled')
  })

  it('refuses bad token requests, changing nothing', async () => {
    const before = t.snapshot()
    for (const payload of [
      {},
      { name: '' },
      { name: 'x', expiresInDays: 0 },
      { name: 'x', expiresInDays: '5' },
      { name: 'x', scope: 'all' },
    ]) {
      const response = await create(alice, payload)
      assert.equal(response.json().error.code, 'validation-failed', JSON.stringify(payload))
    }
    assert.deepEqual(t.snapshot(), before)
  })
})
