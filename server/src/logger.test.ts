import { describe, it } from 'node:test'
import assert from 'node:assert/strict'
import { createUser, startTestApp } from './testing/test-app.ts'

describe('logging', () => {
  it('never writes passwords, cookies, CSRF tokens or API token secrets, even at debug level', async () => {
    const t = await startTestApp({ PARLEY_LOG_LEVEL: 'trace', PARLEY_REGISTRATION: 'open' })
    try {
      const password = 'a very secret password'
      await createUser(t, 'alice', 'user', password)
      const login = await t.app.inject({
        method: 'POST',
        url: '/api/v1/session',
        payload: { username: 'alice', password },
      })
      const cookie = login.cookies.find((c) => c.name === 'parley_session')?.value ?? ''
      const csrf = login.json().csrfToken as string
      const created = await t.app.inject({
        method: 'POST',
        url: '/api/v1/me/tokens',
        payload: { name: 'ci' },
        headers: { cookie: `parley_session=${cookie}`, 'x-csrf-token': csrf },
      })
      const secret = created.json().secret as string
      await t.app.inject({ url: '/api/v1/me', headers: { authorization: `Bearer ${secret}` } })
      await t.app.inject({
        method: 'POST',
        url: '/api/v1/session',
        payload: { username: 'alice', password: 'wrong ' + password },
      })

      const logs = t.logs.join('')
      assert.ok(t.logs.length > 5, 'requests were logged')
      for (const secretValue of [password, cookie, csrf, secret]) {
        assert.ok(secretValue.length > 8)
        assert.ok(!logs.includes(secretValue), `a secret leaked into the logs: ${secretValue.slice(0, 6)}…`)
      }
    } finally {
      await t.close()
    }
  })
})
