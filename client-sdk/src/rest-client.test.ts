import { describe, it } from 'node:test'
import assert from 'node:assert/strict'
import { ParleyApiError, ParleyClient } from './index.ts'
import { Emitter } from './emitter.ts'

type Call = { url: string; init: RequestInit }

function fakeFetch(reply: (call: Call) => Response): { fetch: typeof fetch; calls: Call[] } {
  const calls: Call[] = []
  return {
    calls,
    fetch: (async (url: string, init: RequestInit) => {
      const call = { url, init }
      calls.push(call)
      return reply(call)
    }) as unknown as typeof fetch,
  }
}

describe('ParleyClient', () => {
  it('ParleyClient.post() sends JSON with the bearer token and returns the typed reply', async () => {
    const { fetch, calls } = fakeFetch(() => Response.json({ seq: 7, body: 'hi' }, { status: 201 }))
    const client = new ParleyClient({ baseUrl: 'http://parley.test/', auth: { token: 'parley_abc' }, fetch })
    const message = await client.post('room 1', 'hi', 3)
    assert.equal(message.seq, 7)
    assert.equal(calls[0]?.url, 'http://parley.test/api/v1/rooms/room%201/messages')
    assert.equal(calls[0]?.init.method, 'POST')
    assert.deepEqual(JSON.parse(String(calls[0]?.init.body)), { body: 'hi', replyTo: 3 })
    assert.equal((calls[0]?.init.headers as Record<string, string>).authorization, 'Bearer parley_abc')
  })

  it('ParleyClient.as() switches to a guest secret; history() builds the query', async () => {
    const { fetch, calls } = fakeFetch(() => Response.json({ messages: [], hasOlder: false, hasNewer: false }))
    const guest = new ParleyClient({ baseUrl: 'http://parley.test', fetch }).as({ guestSecret: 'parley-guest_x' })
    await guest.history('r', { before: 10, limit: 5 })
    assert.equal(calls[0]?.url, 'http://parley.test/api/v1/rooms/r/messages?before=10&limit=5')
    assert.equal((calls[0]?.init.headers as Record<string, string>).authorization, 'Guest parley-guest_x')
  })

  it('client.federation sends through the same client; a reply with only a status resolves to undefined', async () => {
    const { fetch, calls } = fakeFetch(() => new Response(null, { status: 201 }))
    const client = new ParleyClient({ baseUrl: 'http://parley.test', auth: { token: 'parley_abc' }, fetch })
    assert.equal(await client.federation.blockDomain('spam.example'), undefined)
    assert.equal(calls[0]?.url, 'http://parley.test/api/v1/admin/federation/domain-blocks')
    assert.deepEqual(JSON.parse(String(calls[0]?.init.body)), { domain: 'spam.example' })
    await client.federation.answerInvitation('https://a.example/rooms/1/invites/2', true)
    assert.equal(calls[1]?.url, 'http://parley.test/api/v1/me/room-invitations/answer')
    assert.deepEqual(JSON.parse(String(calls[1]?.init.body)), {
      inviteId: 'https://a.example/rooms/1/invites/2',
      accept: true,
    })
  })

  it('ParleyClient throws ParleyApiError with the registry code, status and details', async () => {
    const { fetch } = fakeFetch(() =>
      Response.json(
        { error: { code: 'rate-limited', message: 'slow down', details: { retryAfterSeconds: 4 } } },
        { status: 429 },
      ),
    )
    const client = new ParleyClient({ baseUrl: 'http://parley.test', fetch })
    await assert.rejects(client.join('r', 'pw'), (error: unknown) => {
      assert.ok(error instanceof ParleyApiError)
      assert.equal(error.code, 'rate-limited')
      assert.equal(error.status, 429)
      assert.deepEqual(error.details, { retryAfterSeconds: 4 })
      return true
    })
  })
})

describe('Emitter', () => {
  it('Emitter.emit() reaches every listener even when one throws, and off() stops delivery', () => {
    const errors: unknown[] = []
    const emitter = new Emitter<{ ping: number }>((error) => errors.push(error))
    const seen: number[] = []
    emitter.on('ping', () => {
      throw new Error('listener bug')
    })
    const off = emitter.on('ping', (n) => seen.push(n))
    emitter.emit('ping', 1)
    off()
    emitter.emit('ping', 2)
    assert.deepEqual(seen, [1])
    assert.equal(errors.length, 2)
  })
})

describe('ParleyClient failures: always a ParleyApiError with a code', () => {
  it("a proxy's HTML 502 page rejects with ParleyApiError bad-gateway (status kept), never a JSON SyntaxError", async () => {
    const { fetch } = fakeFetch(
      () =>
        new Response('<html><h1>502 Bad Gateway</h1></html>', {
          status: 502,
          headers: { 'content-type': 'text/html' },
        }),
    )
    const client = new ParleyClient({ baseUrl: 'http://parley.test', fetch })
    await assert.rejects(client.rooms(), (error: unknown) => {
      assert.ok(error instanceof ParleyApiError)
      assert.equal(error.code, 'bad-gateway')
      assert.equal(error.status, 502)
      return true
    })
  })

  it('an HTML page with status 200 (a captive portal) and a network failure are coded too', async () => {
    const portal = new ParleyClient({
      baseUrl: 'http://parley.test',
      fetch: fakeFetch(
        () => new Response('<html>log in to the wifi</html>', { headers: { 'content-type': 'text/html' } }),
      ).fetch,
    })
    await assert.rejects(portal.me(), (e: unknown) => e instanceof ParleyApiError && e.code === 'bad-gateway')
    const offline = new ParleyClient({
      baseUrl: 'http://parley.test',
      fetch: (async () => {
        throw new TypeError('fetch failed')
      }) as unknown as typeof fetch,
    })
    await assert.rejects(
      offline.me(),
      (e: unknown) => e instanceof ParleyApiError && e.code === 'server-unreachable' && e.status === 0,
    )
  })

  it("Parley's own error body keeps its code, status and details", async () => {
    const { fetch } = fakeFetch(() =>
      Response.json(
        { error: { code: 'room-not-found', message: 'No such room', details: { roomId: 'r' } } },
        { status: 404 },
      ),
    )
    const client = new ParleyClient({ baseUrl: 'http://parley.test', fetch })
    await assert.rejects(client.room('r'), (e: unknown) => {
      assert.ok(e instanceof ParleyApiError)
      assert.deepEqual([e.code, e.status, e.details], ['room-not-found', 404, { roomId: 'r' }])
      return true
    })
  })

  it('recordingUrl() and meetings.invitationUrl() are absolute download URLs on the base URL, ids encoded', () => {
    const client = new ParleyClient({ baseUrl: 'https://talk.example/', auth: { csrfToken: 'c' } })
    assert.equal(
      client.recordingUrl('room 1', 'rec/2'),
      'https://talk.example/api/v1/rooms/room%201/recordings/rec%2F2',
    )
    assert.equal(
      client.meetings.invitationUrl('room 1', 'm?3'),
      'https://talk.example/api/v1/rooms/room%201/meetings/m%3F3/calendar.ics',
    )
  })
})
