import { describe, it, beforeEach, afterEach } from 'node:test'
import assert from 'node:assert/strict'
import { asSession, createUser, login, sessionCookie, startTestApp, type TestApp } from '../../testing/test-app.ts'

const password = 'correct horse battery'

describe('POST /api/v1/account/register', () => {
  let t: TestApp
  afterEach(() => t.close())

  it('creates the account and signs in, in open mode, with an HttpOnly SameSite=Lax cookie', async () => {
    t = await startTestApp({ PARLEY_REGISTRATION: 'open' })
    const response = await t.app.inject({
      method: 'POST',
      url: '/api/v1/account/register',
      payload: { username: 'alice', password, displayName: 'Alice A.' },
    })
    assert.equal(response.statusCode, 201)
    const body = response.json()
    assert.equal(body.user.username, 'alice')
    assert.equal(body.user.displayName, 'Alice A.')
    assert.equal(body.user.role, 'user')
    const cookie = response.cookies.find((c) => c.name === 'parley_session')
    assert.ok(cookie)
    assert.equal(cookie.httpOnly, true)
    assert.equal(cookie.sameSite, 'Lax')
    assert.equal(cookie.secure, undefined, 'not Secure on an http origin')
    const me = await t.app.inject({ url: '/api/v1/me', headers: { cookie: sessionCookie(response) } })
    assert.equal(me.json().username, 'alice')
  })

  it('marks the cookie Secure when the public origin is https', async () => {
    t = await startTestApp({ PARLEY_REGISTRATION: 'open', PARLEY_PUBLIC_ORIGIN: 'https://talk.example.org' })
    const response = await t.app.inject({
      method: 'POST',
      url: '/api/v1/account/register',
      payload: { username: 'alice', password },
    })
    assert.equal(response.cookies.find((c) => c.name === 'parley_session')?.secure, true)
  })

  it('refuses everyone when registration is closed, changing nothing', async () => {
    t = await startTestApp({ PARLEY_REGISTRATION: 'closed' })
    const before = t.snapshot()
    const response = await t.app.inject({
      method: 'POST',
      url: '/api/v1/account/register',
      payload: { username: 'alice', password },
    })
    assert.equal(response.statusCode, 403)
    assert.equal(response.json().error.code, 'registration-closed')
    assert.deepEqual(t.snapshot(), before)
  })

  it('needs a valid, unused invite in invite mode, and a taken name does not burn the invite', async () => {
    t = await startTestApp({ PARLEY_REGISTRATION: 'invite' })
    const adminId = await createUser(t, 'root', 'admin')
    const register = (payload: Record<string, unknown>) =>
      t.app.inject({ method: 'POST', url: '/api/v1/account/register', payload })
    const before = t.snapshot()
    assert.equal((await register({ username: 'bob', password })).json().error.code, 'invite-required')
    assert.equal(
      (await register({ username: 'bob', password, inviteCode: 'made-up' })).json().error.code,
      'invite-invalid',
    )
    assert.deepEqual(t.snapshot(), before)

    const { code } = await t.accounts.createInvite(adminId)
    const taken = await register({ username: 'root', password, inviteCode: code })
    assert.equal(taken.statusCode, 409)
    assert.equal(taken.json().error.code, 'username-taken')
    const ok = await register({ username: 'bob', password, inviteCode: code })
    assert.equal(ok.statusCode, 201)
    const reused = await register({ username: 'carol', password, inviteCode: code })
    assert.equal(reused.json().error.code, 'invite-invalid')
    assert.equal(await t.store.users.byUsername('carol'), null)
  })

  it('refuses malformed usernames, short passwords, wrong types and unknown fields, changing nothing', async () => {
    t = await startTestApp({ PARLEY_REGISTRATION: 'open' })
    const before = t.snapshot()
    for (const payload of [
      { username: 'Alice', password },
      { username: 'a b', password },
      { username: '<script>', password },
      { username: 'alice', password: 'short' },
      { username: 'alice', password: 12345678901 },
      { username: 'alice', password, role: 'admin' },
      { username: 'alice' },
    ]) {
      const response = await t.app.inject({ method: 'POST', url: '/api/v1/account/register', payload })
      assert.equal(response.statusCode, 400, JSON.stringify(payload))
      assert.equal(response.json().error.code, 'validation-failed')
      assert.ok(Array.isArray(response.json().error.details.issues))
    }
    assert.deepEqual(t.snapshot(), before)
  })
})

describe('POST /api/v1/session (login)', () => {
  let t: TestApp
  beforeEach(async () => {
    t = await startTestApp({ PARLEY_LOGIN_ATTEMPTS_PER_ACCOUNT: '3', PARLEY_LOGIN_ATTEMPTS_PER_ADDRESS: '5' })
    await createUser(t, 'alice')
  })
  afterEach(() => t.close())

  const attempt = (username: string, pw: string, headers: Record<string, string> = {}) =>
    t.app.inject({ method: 'POST', url: '/api/v1/session', payload: { username, password: pw }, headers })

  it('gives a fresh session id at every login', async () => {
    const first = await login(t, 'alice')
    const second = await login(t, 'alice')
    assert.notEqual(first.cookie, second.cookie)
    assert.notEqual(first.csrf, second.csrf)
    for (const s of [first, second])
      assert.equal((await t.app.inject({ url: '/api/v1/me', headers: { cookie: s.cookie } })).statusCode, 200)
  })

  it('answers a wrong password and an unknown user alike', async () => {
    const wrong = await attempt('alice', 'not the password')
    const unknown = await attempt('nobody', 'not the password')
    for (const response of [wrong, unknown]) {
      assert.equal(response.statusCode, 401)
      assert.equal(response.json().error.code, 'invalid-credentials')
      assert.equal(response.cookies.length, 0)
    }
  })

  it('limits failed attempts per account, even with the right password afterwards', async () => {
    for (let i = 0; i < 3; i++) assert.equal((await attempt('alice', 'wrong password')).statusCode, 401)
    const blocked = await attempt('alice', password)
    assert.equal(blocked.statusCode, 429)
    assert.equal(blocked.json().error.code, 'rate-limited')
    assert.ok(Number(blocked.headers['retry-after']) > 0)
    assert.ok(blocked.json().error.details.retryAfterSeconds > 0)
  })

  it('charges each attempt before checking the password: 20 concurrent wrong logins get 3 checks', async () => {
    const answers = await Promise.all(Array.from({ length: 20 }, () => attempt('alice', 'wrong password')))
    const statuses = answers.map((a) => a.statusCode)
    assert.equal(statuses.filter((s) => s === 401).length, 3, statuses.join(','))
    assert.equal(statuses.filter((s) => s === 429).length, 17)
    assert.equal((await attempt('alice', password)).statusCode, 429, 'still limited with the right password')
  })

  it('limits failed attempts per address across accounts', async () => {
    for (let i = 0; i < 5; i++) await attempt(`user${i}`, 'wrong password')
    const blocked = await attempt('alice', password)
    assert.equal(blocked.json().error.code, 'rate-limited')
  })

  it('ignores X-Forwarded-For without a trusted proxy', async () => {
    for (let i = 0; i < 5; i++) await attempt(`user${i}`, 'wrong password', { 'x-forwarded-for': `203.0.113.${i}` })
    assert.equal(
      (await attempt('alice', password, { 'x-forwarded-for': '203.0.113.99' })).json().error.code,
      'rate-limited',
    )
  })

  it('refuses a disabled account', async () => {
    await t.accounts.setDisabled('alice', true)
    const response = await attempt('alice', password)
    assert.equal(response.statusCode, 403)
    assert.equal(response.json().error.code, 'account-disabled')
  })
})

describe('X-Forwarded-For with a trusted proxy', () => {
  it('keys the per-address limit on the forwarded client address', async () => {
    const t = await startTestApp({ PARLEY_TRUSTED_PROXIES: '127.0.0.1', PARLEY_LOGIN_ATTEMPTS_PER_ADDRESS: '2' })
    try {
      await createUser(t, 'alice')
      const attempt = (ip: string, pw: string) =>
        t.app.inject({
          method: 'POST',
          url: '/api/v1/session',
          payload: { username: 'alice', password: pw },
          headers: { 'x-forwarded-for': ip },
        })
      await attempt('203.0.113.1', 'wrong password')
      await attempt('203.0.113.1', 'wrong password')
      assert.equal((await attempt('203.0.113.1', password)).json().error.code, 'rate-limited')
      assert.equal((await attempt('203.0.113.2', password)).statusCode, 200)
    } finally {
      await t.close()
    }
  })
})

describe('GET and DELETE /api/v1/session', () => {
  let t: TestApp
  beforeEach(async () => {
    t = await startTestApp()
    await createUser(t, 'alice')
  })
  afterEach(() => t.close())

  it('GET returns the user and the CSRF token of the session', async () => {
    const s = await login(t, 'alice')
    const response = await t.app.inject({ url: '/api/v1/session', headers: { cookie: s.cookie } })
    assert.equal(response.statusCode, 200)
    assert.equal(response.json().csrfToken, s.csrf)
    assert.equal(response.json().user.username, 'alice')
  })

  it('logout needs the CSRF token; afterwards the cookie no longer works', async () => {
    const s = await login(t, 'alice')
    const before = t.snapshot()
    const forged = await t.app.inject({ method: 'DELETE', url: '/api/v1/session', headers: { cookie: s.cookie } })
    assert.equal(forged.statusCode, 403)
    assert.equal(forged.json().error.code, 'csrf-failed')
    const wrong = await t.app.inject({
      method: 'DELETE',
      url: '/api/v1/session',
      headers: { cookie: s.cookie, 'x-csrf-token': 'x'.repeat(s.csrf.length) },
    })
    assert.equal(wrong.json().error.code, 'csrf-failed')
    assert.deepEqual(t.snapshot(), before)

    const out = await t.app.inject({ method: 'DELETE', url: '/api/v1/session', headers: asSession(s) })
    assert.equal(out.statusCode, 204)
    assert.equal(out.cookies.find((c) => c.name === 'parley_session')?.value, '')
    const after = await t.app.inject({ url: '/api/v1/me', headers: { cookie: s.cookie } })
    assert.equal(after.statusCode, 401)
    assert.equal(after.json().error.code, 'session-expired')
  })

  it('an expired session is refused and removed', async () => {
    const s = await login(t, 'alice')
    t.clock.now += t.config.sessionTtlHours * 3600 * 1000
    const response = await t.app.inject({ url: '/api/v1/me', headers: { cookie: s.cookie } })
    assert.equal(response.json().error.code, 'session-expired')
    assert.deepEqual(t.snapshot().sessions, [])
  })

  it('a login from a browser still holding an expired (or logged-out) cookie starts a new session', async () => {
    const s = await login(t, 'alice')
    t.clock.now += t.config.sessionTtlHours * 3600 * 1000
    const again = await t.app.inject({
      method: 'POST',
      url: '/api/v1/session',
      payload: { username: 'alice', password },
      headers: { cookie: s.cookie },
    })
    assert.equal(again.statusCode, 200, again.body)
    const fresh = again.cookies.find((c) => c.name === 'parley_session')?.value
    assert.ok(fresh && `parley_session=${fresh}` !== s.cookie)
    const me = await t.app.inject({ url: '/api/v1/me', headers: { cookie: `parley_session=${fresh}` } })
    assert.equal(me.statusCode, 200)
  })

  it('without credentials: 401 unauthenticated', async () => {
    const response = await t.app.inject({ url: '/api/v1/session' })
    assert.equal(response.statusCode, 401)
    assert.equal(response.json().error.code, 'unauthenticated')
  })
})
