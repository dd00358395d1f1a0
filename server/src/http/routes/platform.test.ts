import { describe, it, beforeEach, afterEach } from 'node:test'
import assert from 'node:assert/strict'
import type { IncomingMessage } from 'node:http'
import { createUser, login, startTestApp, type TestApp } from '../../testing/test-app.ts'

describe('health, readiness, metrics and API docs', () => {
  let t: TestApp
  beforeEach(async () => {
    t = await startTestApp()
  })
  afterEach(() => t.close())

  it('GET /healthz and /readyz answer 200 while the store answers', async () => {
    assert.deepEqual((await t.app.inject({ url: '/healthz' })).json(), { status: 'ok' })
    const ready = await t.app.inject({ url: '/readyz' })
    assert.equal(ready.statusCode, 200)
    assert.deepEqual(ready.json(), { status: 'ok', checks: { store: 'ok' } })
  })

  it('GET /readyz answers 503 when the store is unreachable', async () => {
    await t.store.close()
    const ready = await t.app.inject({ url: '/readyz' })
    assert.equal(ready.statusCode, 503)
    assert.deepEqual(ready.json(), { status: 'unavailable', checks: { store: 'unreachable' } })
  })

  it('GET /metrics exposes request latency by route pattern and process metrics', async () => {
    await createUser(t, 'alice')
    await login(t, 'alice')
    await t.app.inject({ url: '/api/v1/me/tokens/whatever' })
    const metrics = await t.app.inject({ url: '/metrics' })
    assert.equal(metrics.statusCode, 200)
    assert.match(String(metrics.headers['content-type']), /^text\/plain/)
    assert.match(
      metrics.body,
      /parley_http_request_duration_seconds_count\{method="POST",route="\/api\/v1\/session",status_code="200"\} 1/,
    )
    assert.match(metrics.body, /parley_process_cpu_user_seconds_total/)
    assert.ok(!metrics.body.includes('/api/v1/me/tokens/whatever'), 'raw URLs never become labels')
  })

  it('GET /api/openapi.json is an OpenAPI 3.1 document of every route, and /api/docs serves its UI', async () => {
    const doc = (await t.app.inject({ url: '/api/openapi.json' })).json()
    assert.equal(doc.openapi, '3.1.0')
    for (const path of [
      '/api/v1/session',
      '/api/v1/account/register',
      '/api/v1/me',
      '/api/v1/me/tokens',
      '/api/v1/me/tokens/{id}',
      '/api/v1/admin/users',
      '/api/v1/admin/invites',
      '/readyz',
    ]) {
      assert.ok(doc.paths[path], `documents ${path}`)
    }
    assert.deepEqual(Object.keys(doc.paths['/api/v1/session']).sort(), ['delete', 'get', 'post'])
    const ui = await t.app.inject({ url: '/api/docs/' })
    assert.equal(ui.statusCode, 200)
    assert.match(ui.body, /swagger/i)
  })
})

describe('bad input at the HTTP edge', () => {
  let t: TestApp
  beforeEach(async () => {
    t = await startTestApp({ PARLEY_BODY_LIMIT: '2048', PARLEY_REGISTRATION: 'open' })
    await createUser(t, 'alice')
  })
  afterEach(() => t.close())

  const post = (payload: string, contentType = 'application/json', headers: Record<string, string> = {}) =>
    t.app.inject({
      method: 'POST',
      url: '/api/v1/account/register',
      payload,
      headers: { 'content-type': contentType, ...headers },
    })

  it('malformed JSON, an empty JSON body and prototype poisoning get 400 with a stable code, changing nothing', async () => {
    const before = t.snapshot()
    const cases: [string, string][] = [
      ['{"username": "eve", "password": ', 'malformed-json'],
      ['', 'malformed-json'],
      ['{"username":"eve","password":"long enough pw","__proto__":{"role":"admin"}}', 'malformed-json'],
      ['[1,2,3]', 'validation-failed'],
      ['"just a string"', 'validation-failed'],
    ]
    for (const [payload, code] of cases) {
      const response = await post(payload)
      assert.equal(response.statusCode, 400, payload)
      assert.deepEqual(Object.keys(response.json()), ['error'])
      assert.equal(response.json().error.code, code, payload)
      assert.equal(typeof response.json().error.message, 'string')
    }
    assert.deepEqual(t.snapshot(), before)
  })

  it('a body over the limit is refused with 413 before it is parsed', async () => {
    const before = t.snapshot()
    const big = JSON.stringify({ username: 'eve', password: 'x'.repeat(4000) })
    const response = await post(big)
    assert.equal(response.statusCode, 413)
    assert.equal(response.json().error.code, 'body-too-large')
    // A body that is not even JSON is refused for its size, not its syntax: the parser never ran.
    const notJson = await post('{'.repeat(5000))
    assert.equal(notJson.json().error.code, 'body-too-large')
    assert.deepEqual(t.snapshot(), before)
  })

  it('a chunked body over the limit (no content-length) gets 413 body-too-large on REST routes, changing nothing', async () => {
    // Over a real socket: inject() always knows the length, a streaming client does not send one.
    const address = await t.app.listen({ host: '127.0.0.1', port: 0 })
    const framing: string[] = []
    t.app.server.on('request', (request: IncomingMessage) =>
      framing.push(`${request.headers['transfer-encoding']} ${request.headers['content-length']}`),
    )
    const before = t.snapshot()
    for (const path of ['/api/v1/account/register', '/api/v1/session']) {
      const chunk = new TextEncoder().encode(' '.repeat(16 * 1024))
      let sent = 0
      const body = new ReadableStream<Uint8Array>({
        pull(controller) {
          if (sent >= 512 * 1024) return controller.close()
          if (sent === 0) controller.enqueue(new TextEncoder().encode('{"username":"eve","password":"'))
          sent += chunk.byteLength
          controller.enqueue(chunk)
        },
      })
      const response = await fetch(`${address}${path}`, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body,
        duplex: 'half',
      } as RequestInit)
      assert.equal(response.status, 413, path)
      const answer = (await response.json()) as { error: { code: string; message: string } }
      assert.equal(answer.error.code, 'body-too-large', path)
      assert.equal(typeof answer.error.message, 'string')
    }
    assert.deepEqual(framing, ['chunked undefined', 'chunked undefined'], 'the bodies were sent chunked')
    assert.deepEqual(t.snapshot(), before)
  })

  it('a body that is not JSON gets 415', async () => {
    const before = t.snapshot()
    for (const type of ['text/plain', 'application/x-www-form-urlencoded', 'multipart/form-data; boundary=x']) {
      const response = await post('username=eve&password=longenoughpw', type)
      assert.equal(response.statusCode, 415, type)
      assert.equal(response.json().error.code, 'unsupported-media-type')
    }
    assert.deepEqual(t.snapshot(), before)
  })

  it('an unknown route gets 404 route-not-found in the error shape', async () => {
    const response = await t.app.inject({ url: '/api/v1/nope' })
    assert.equal(response.statusCode, 404)
    assert.equal(response.json().error.code, 'route-not-found')
  })
})
