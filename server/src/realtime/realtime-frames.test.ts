import { describe, it, beforeEach, afterEach } from 'node:test'
import assert from 'node:assert/strict'
import type { ServerMessage } from '@parley/protocol'
import { startTestInstance, type TestInstance, type TestUser } from '../testing/test-instance.ts'
import { rawClient } from '../testing/raw-realtime.ts'

type ErrorFrame = Extract<ServerMessage, { type: 'error' }>

describe('Realtime frames are checked against the schema of their declared type', () => {
  let t: TestInstance
  let base: string
  let bob: TestUser
  let roomId: string
  beforeEach(async () => {
    t = await startTestInstance()
    base = await t.listen()
    const alice = await t.user('alice')
    bob = await t.user('bob')
    roomId = (
      await t.call('POST', '/api/v1/rooms', { headers: alice.auth, body: { kind: 'group', name: 'Team' } })
    ).json().id
    await t.call('POST', `/api/v1/rooms/${roomId}/participants`, {
      headers: alice.auth,
      body: { userId: bob.user.id },
    })
  })
  afterEach(() => t.close())

  async function connected() {
    const c = rawClient(base)
    await c.opened
    c.send({ type: 'hello', version: 1, auth: { type: 'token', token: bob.token } })
    await c.next((m) => m.type === 'welcome')
    const refusal = async (value: unknown): Promise<ErrorFrame['error']> => {
      const count = c.frames.length
      c.ws.send(typeof value === 'string' || Buffer.isBuffer(value) ? value : JSON.stringify(value), {
        binary: false,
      })
      const frame = await c.next((m) => m.type === 'error' && c.frames.indexOf(m) >= count)
      return (frame as ErrorFrame).error
    }
    return { c, refusal }
  }

  it('issues name the fields of the declared type, not of every other message type', async () => {
    const { c, refusal } = await connected()
    const typing = await refusal({ type: 'typing', id: 't1', roomId, typing: 'yes' })
    assert.equal(typing.code, 'invalid-message')
    assert.deepEqual(typing.details, { type: 'typing', issues: ['typing must be true or false'], fields: ['typing'] })
    const missing = await refusal({ type: 'typing', roomId, colour: 'red' })
    assert.deepEqual(missing.details.issues, ['typing is required', 'colour is not an allowed field'])
    const hand = await refusal({ type: 'call.update', roomId, handRaised: 1 })
    assert.equal(hand.code, 'invalid-message')
    assert.deepEqual(hand.details, {
      type: 'call.update',
      issues: ['handRaised must be true or false'],
      fields: ['handRaised'],
    })
    // The session is still usable.
    c.send({ type: 'ping', id: 'still-here' })
    assert.deepEqual(await c.next((m) => m.type === 'pong'), { type: 'pong', id: 'still-here' })
    c.ws.close()
  })

  it('a text frame that is not valid UTF-8 gets invalid-utf8 and the session stays open', async () => {
    const { c, refusal } = await connected()
    const bytes = Buffer.concat([Buffer.from('{"type":"ping","id":"'), Buffer.from([0xc3, 0x28]), Buffer.from('"}')])
    const error = await refusal(bytes)
    assert.equal(error.code, 'invalid-utf8')
    assert.deepEqual(error.details, { in: 'frame' })
    c.send({ type: 'ping', id: 'after' })
    assert.deepEqual(await c.next((m) => m.type === 'pong'), { type: 'pong', id: 'after' })
    // An unpaired surrogate escape is valid UTF-8 on the wire, but no text either.
    const lone = await refusal(Buffer.from('{"type":"ping","id":"x\\ud800"}'))
    assert.deepEqual([lone.code, lone.details], ['invalid-utf8', { in: 'frame' }])
    c.ws.close()
  })

  it('a refused cookie upgrade from another origin says which origin is expected', async () => {
    const register = await t.app.inject({
      method: 'POST',
      url: '/api/v1/account/register',
      payload: { username: 'carol', password: 'correct horse battery' },
    })
    const cookie = String(register.headers['set-cookie']).split(';')[0] as string
    const evil = rawClient(base, { headers: { cookie, origin: 'https://evil.example' } })
    assert.equal((await evil.closed).code, 4003)
    const error = (evil.frames[0] as ErrorFrame).error
    assert.equal(error.code, 'csrf-failed')
    assert.ok(error.message.includes(`expected ${t.config.publicOrigin}`), error.message)
    assert.deepEqual(error.details, { expectedOrigin: t.config.publicOrigin, origin: 'https://evil.example' })
  })
})
