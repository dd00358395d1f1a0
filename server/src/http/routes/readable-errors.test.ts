import { describe, it, beforeEach, afterEach } from 'node:test'
import assert from 'node:assert/strict'
import { startTestInstance, type TestInstance, type TestUser } from '../../testing/test-instance.ts'

/** Every error reply has exactly `{ error: { code, message, details } }`. */
function assertErrorShape(reply: { statusCode: number; body: string }, status: number, code: string) {
  assert.equal(reply.statusCode, status, reply.body)
  const body = JSON.parse(reply.body) as { error: { code: string; message: string; details: unknown } }
  assert.deepEqual(Object.keys(body), ['error'])
  assert.deepEqual(Object.keys(body.error), ['code', 'message', 'details'])
  assert.equal(body.error.code, code)
  assert.equal(typeof body.error.message, 'string')
  assert.equal(typeof body.error.details, 'object')
  return body.error
}

describe('errors a person can read', () => {
  let t: TestInstance
  let alice: TestUser
  beforeEach(async () => {
    t = await startTestInstance()
    alice = await t.user('alice')
  })
  afterEach(() => t.close())

  const rooms = async () => (await t.call('GET', '/api/v1/rooms', { headers: alice.auth })).json().rooms as unknown[]

  it("Fastify's own refusals have the documented shape: long path parameters, bad escapes, content types, unknown routes", async () => {
    const long = await t.app.inject({ url: `/api/v1/rooms/${'a'.repeat(500)}`, headers: alice.auth })
    assertErrorShape(long, 414, 'path-parameter-too-long')
    assert.ok(!long.body.includes('a'.repeat(200)), 'the refused path is not echoed back')
    assertErrorShape(await t.app.inject({ url: '/api/v1/rooms/%FF', headers: alice.auth }), 400, 'url-invalid')
    assertErrorShape(await t.app.inject({ url: '/api/v1/rooms?x=%E0%A4', headers: alice.auth }), 400, 'url-invalid')
    const xml = await t.app.inject({
      method: 'POST',
      url: '/api/v1/rooms',
      headers: { ...alice.auth, 'content-type': 'application/xml' },
      payload: '<room/>',
    })
    assertErrorShape(xml, 415, 'unsupported-media-type')
    assertErrorShape(await t.app.inject({ url: '/api/v1/nowhere' }), 404, 'route-not-found')
    // Refusals without anything to add still carry an (empty) details object.
    assert.deepEqual(assertErrorShape(await t.app.inject({ url: '/api/v1/rooms' }), 401, 'unauthenticated').details, {})
    assert.deepEqual(await rooms(), [])
  })

  it('validation messages name the field and its allowed values', async () => {
    const kind = assertErrorShape(
      await t.call('POST', '/api/v1/rooms', { headers: alice.auth, body: { kind: 'secret', name: 'Team' } }),
      400,
      'validation-failed',
    )
    assert.equal(kind.message, 'kind must be one of group, public')
    assert.deepEqual(kind.details, { in: 'body', issues: [{ field: 'kind', message: kind.message }] })
    const missing = assertErrorShape(
      await t.call('POST', '/api/v1/rooms', { headers: alice.auth, body: { kind: 'group', colour: 'red' } }),
      400,
      'validation-failed',
    )
    assert.equal(missing.message, 'name is required; colour is not an allowed field')
    assert.deepEqual(await rooms(), [])
  })

  it('blank and control-character room names are refused, on create and rename, changing nothing', async () => {
    for (const name of ['   ', '\u3000', 'a\u0000b', 'two\nlines', 'tab\there', 'del\u007f'])
      assert.equal(
        assertErrorShape(
          await t.call('POST', '/api/v1/rooms', { headers: alice.auth, body: { kind: 'group', name } }),
          400,
          'validation-failed',
        ).message,
        'name must not be blank or contain control characters',
        JSON.stringify(name),
      )
    assert.deepEqual(await rooms(), [])
    const room = (
      await t.call('POST', '/api/v1/rooms', { headers: alice.auth, body: { kind: 'group', name: ' Team ✨ ' } })
    ).json<{ id: string; name: string }>()
    assert.equal(room.name, ' Team ✨ ')
    const renamed = await t.call('PATCH', `/api/v1/rooms/${room.id}`, { headers: alice.auth, body: { name: ' ' } })
    assertErrorShape(renamed, 400, 'validation-failed')
    assert.equal((await t.store.rooms.byId(room.id))?.name, ' Team ✨ ')
  })

  it('a body that is not valid UTF-8 is refused with invalid-utf8, not stored with replacement characters', async () => {
    const payload = Buffer.concat([Buffer.from('{"kind":"group","name":"caf'), Buffer.from([0xe9]), Buffer.from('"}')])
    const reply = await t.app.inject({
      method: 'POST',
      url: '/api/v1/rooms',
      headers: { ...alice.auth, 'content-type': 'application/json; charset=utf-8' },
      payload,
    })
    assert.deepEqual(assertErrorShape(reply, 400, 'invalid-utf8').details, { in: 'body' })
    assert.deepEqual(await rooms(), [])
    // The same bytes in UTF-8 are fine.
    const ok = await t.app.inject({
      method: 'POST',
      url: '/api/v1/rooms',
      headers: { ...alice.auth, 'content-type': 'application/json' },
      payload: Buffer.from('{"kind":"group","name":"café"}'),
    })
    assert.equal(ok.statusCode, 201, ok.body)
    assert.equal(ok.json().name, 'café')
  })

  it('names and keys others are shown refuse control characters and blanks: display name, guest name, reaction, token name, status', async () => {
    const before = (await t.call('GET', '/api/v1/me', { headers: alice.auth })).json().displayName
    for (const displayName of ['x\u0000y', 'a\u001b[31m', '   ', 'tab\there'])
      assertErrorShape(
        await t.call('PATCH', '/api/v1/me', { headers: alice.auth, body: { displayName } }),
        400,
        'validation-failed',
      )
    assert.equal((await t.call('GET', '/api/v1/me', { headers: alice.auth })).json().displayName, before)
    const room = (
      await t.call('POST', '/api/v1/rooms', { headers: alice.auth, body: { kind: 'public', name: 'Open' } })
    ).json()
    const guest = await t.call('POST', `/api/v1/rooms/${room.id}/guests`, { body: { displayName: 'a\u0000b' } })
    assertErrorShape(guest, 400, 'validation-failed')
    const posted = (
      await t.call('POST', `/api/v1/rooms/${room.id}/messages`, { headers: alice.auth, body: { body: 'hi' } })
    ).json()
    for (const emoji of ['a%00b', '%1B', '%C2%85'])
      assertErrorShape(
        await t.call('PUT', `/api/v1/rooms/${room.id}/messages/${posted.seq}/reactions/${emoji}`, {
          headers: alice.auth,
        }),
        400,
        'validation-failed',
      )
    assertErrorShape(
      await t.call('POST', '/api/v1/me/tokens', { headers: alice.auth, body: { name: 'a\u0000b' } }),
      400,
      'validation-failed',
    )
    assertErrorShape(
      await t.call('PUT', '/api/v1/me/status', {
        headers: alice.auth,
        body: { availability: 'online', message: 'a\u0007' },
      }),
      400,
      'validation-failed',
    )
    const message = (await t.call('GET', `/api/v1/rooms/${room.id}/messages`, { headers: alice.auth })).json().messages
    assert.deepEqual(message.find((m: { seq: number }) => m.seq === posted.seq).reactions, [])
  })

  it('an unpaired surrogate escape (\\uD800) in a JSON string is refused with invalid-utf8: nothing stored, no two passwords alike', async () => {
    // Plain ASCII on the wire, so the bytes pass the UTF-8 check; stored, it became U+FFFD.
    const raw = (json: string, url = '/api/v1/rooms', headers: Record<string, string> = alice.auth) =>
      t.app.inject({ method: 'POST', url, headers: { ...headers, 'content-type': 'application/json' }, payload: json })
    assert.deepEqual(assertErrorShape(await raw('{"kind":"group","name":"a\\ud800b"}'), 400, 'invalid-utf8').details, {
      in: 'body',
    })
    assertErrorShape(
      await raw('{"kind":"group","name":"ok","description":["x", {"deep": "\\udfff"}]}'),
      400,
      'invalid-utf8',
    )
    assertErrorShape(await raw('{"kind":"group","name":"ok","\\ud800":1}'), 400, 'invalid-utf8')
    assert.deepEqual(await rooms(), [])
    // Two different lone surrogates would hash alike: registering with one is refused.
    const registered = await raw(
      '{"username":"newbie","password":"correct\\ud800horse battery"}',
      '/api/v1/account/register',
      {},
    )
    assertErrorShape(registered, 400, 'invalid-utf8')
    assert.equal(await t.store.users.byUsername('newbie'), null)
    // A pair (an emoji written as escapes) is fine.
    const pair = await raw('{"kind":"group","name":"\\ud83d\\ude00 club"}')
    assert.equal(pair.statusCode, 201, pair.body)
    assert.equal(pair.json().name, '😀 club')
  })
})
