import { describe, it, beforeEach, afterEach } from 'node:test'
import assert from 'node:assert/strict'
import type { WebSocket as WsClient } from 'ws'
import { ParleyClient, RealtimeClient } from '@parley/client'
import type { RoomEvent, ServerEvent } from '@parley/protocol'
import { startTestInstance, type TestInstance } from '../testing/test-instance.ts'
import { rawClient, until } from '../testing/raw-realtime.ts'

type Person = { rest: ParleyClient; rt: RealtimeClient; id: string; token: string }

/** Every event a client receives, from now on. */
function record(rt: RealtimeClient): ServerEvent[] {
  const events: ServerEvent[] = []
  rt.on('event', (e) => events.push(e))
  return events
}

const isEvent = (roomId: string, type: RoomEvent['type']) => (e: ServerEvent) =>
  e.roomId === roomId && e.event.type === type

describe('Realtime gateway', () => {
  let t: TestInstance
  let base: string
  let alice: Person
  let bob: Person
  let roomId: string
  const clients: RealtimeClient[] = []

  const person = async (name: string): Promise<Person> => {
    const u = await t.user(name)
    const rt = new RealtimeClient({
      baseUrl: base,
      auth: { token: u.token },
      reconnect: { initialDelayMs: 20, maxDelayMs: 100 },
    })
    clients.push(rt)
    return { rest: new ParleyClient({ baseUrl: base, auth: { token: u.token } }), rt, id: u.user.id, token: u.token }
  }

  beforeEach(async () => {
    t = await startTestInstance({
      env: { PARLEY_CHAT_POSTS_PER_SECOND: '10000' },
      // Pings far apart: in one process with the server, a loaded machine can hold a pong back past a
      // short interval, and the idle-timeout close it causes would drop typing frames mid-test.
      // The idle-timeout test starts its own instance with quick pings.
      realtimeLimits: { pingIntervalMs: 60_000, maxReplay: 50, sendBufferBytes: 256 * 1024, reauthIntervalMs: 200 },
    })
    base = await t.listen()
    alice = await person('alice')
    bob = await person('bob')
    roomId = (await alice.rest.createRoom({ kind: 'group', name: 'Team' })).id
    await alice.rest.addParticipant(roomId, bob.id)
  })
  afterEach(async () => {
    for (const c of clients.splice(0)) c.close()
    await t.close()
  })

  it('RealtimeClient.connect() gets a welcome with features, the caller and every room with its last seq', async () => {
    const welcome = await bob.rt.connect()
    assert.equal(welcome.version, 1)
    assert.deepEqual(welcome.features, ['resume', 'typing', 'presence', 'chat', 'polls', 'calls'])
    assert.deepEqual(welcome.actor, { type: 'user', id: bob.id, name: 'Bob' })
    assert.deepEqual(welcome.rooms, { [roomId]: (await t.store.rooms.byId(roomId))?.lastSeq })
    assert.equal(welcome.limits.maxFrameBytes, 65536)
    const pong = await bob.rt.ping()
    assert.equal(pong.type, 'pong')
  })

  it("two users see each other's messages, reactions, edits, deletes, typing and read markers, each event with its seq", async () => {
    await Promise.all([alice.rt.connect(), bob.rt.connect()])
    const seen = bob.rt.next('event', isEvent(roomId, 'message.new'))
    const posted = await alice.rest.post(roomId, 'hello **bob**')
    const got = await seen
    assert.equal(got.seq, posted.seq)
    assert.equal(got.event.type === 'message.new' && got.event.message.body, 'hello **bob**')

    const reaction = alice.rt.next('event', isEvent(roomId, 'reaction.added'))
    await bob.rest.react(roomId, posted.seq, '🎉')
    const r = await reaction
    assert.deepEqual(r.event.type === 'reaction.added' && [r.event.messageSeq, r.event.emoji, r.event.actor.name], [
      posted.seq,
      '🎉',
      'Bob',
    ])
    assert.ok(r.seq > posted.seq)

    const edited = bob.rt.next('event', isEvent(roomId, 'message.edited'))
    await alice.rest.edit(roomId, posted.seq, 'hello bob (edited)')
    const e = await edited
    assert.equal(e.event.type === 'message.edited' && e.event.message.body, 'hello bob (edited)')
    assert.notEqual(e.event.type === 'message.edited' && e.event.message.editedAt, null)

    const typing = alice.rt.next('typing', (m) => m.actor.id === bob.id)
    bob.rt.typing(roomId, true)
    assert.equal((await typing).typing, true)

    const read = alice.rt.next('event', isEvent(roomId, 'read'))
    await bob.rest.markRead(roomId, e.seq)
    const rd = await read
    assert.deepEqual(rd.event.type === 'read' && [rd.event.actorId, rd.event.lastReadSeq], [bob.id, e.seq])

    const deleted = bob.rt.next('event', isEvent(roomId, 'message.deleted'))
    await alice.rest.deleteMessage(roomId, posted.seq)
    const d = await deleted
    assert.equal(d.event.type === 'message.deleted' && d.event.message.body, '')
    assert.equal(bob.rt.positions[roomId], d.seq)

    const offline = alice.rt.next('presence', (p) => p.actor.id === bob.id && !p.online)
    bob.rt.close()
    assert.equal((await offline).roomId, roomId)
  })

  it('a client that disconnects while others post resumes with nothing lost or repeated', async () => {
    await Promise.all([alice.rt.connect(), bob.rt.connect()])
    const early = record(bob.rt)
    const before = await alice.rest.post(roomId, 'before')
    await until(() => early.some((e) => e.seq === before.seq), 'bob sees "before"')
    bob.rt.close()
    const missed: number[] = []
    for (let i = 0; i < 5; i++) missed.push((await alice.rest.post(roomId, `missed ${i}`)).seq)
    const received = record(bob.rt)
    await bob.rt.connect()
    const live = await alice.rest.post(roomId, 'live')
    await until(() => received.some((e) => e.seq === live.seq), 'bob sees "live"')
    assert.deepEqual(
      received.map((e) => e.seq),
      [...missed, live.seq],
    )
    assert.deepEqual(
      received.map((e) => e.replay ?? false),
      [true, true, true, true, true, false],
    )
    assert.deepEqual(
      received.map((e) => e.event.type === 'message.new' && e.event.message.body),
      ['missed 0', 'missed 1', 'missed 2', 'missed 3', 'missed 4', 'live'],
    )
  })

  it('the client reconnects by itself after the server drops it, and resumes', async () => {
    await bob.rt.connect()
    const events = record(bob.rt)
    const reconnected = bob.rt.next('welcome', () => true, 5000)
    // Drop every connection as a crashing proxy would.
    for (const client of (t.app as unknown as { websocketServer: { clients: Set<WsClient> } }).websocketServer.clients)
      client.terminate()
    const m = await alice.rest.post(roomId, 'while you were away')
    await reconnected
    await until(() => events.some((e) => e.seq === m.seq), 'bob gets the message after reconnecting')
    assert.equal(events.filter((e) => e.seq === m.seq).length, 1)
  })

  it('a forged resume position gets resume-invalid and a resync; one too far behind gets a resync to the history API', async () => {
    const lastSeq = (await t.store.rooms.byId(roomId))?.lastSeq ?? 0
    const forged = rawClient(base)
    await forged.opened
    forged.send({
      type: 'hello',
      version: 1,
      auth: { type: 'token', token: bob.token },
      resume: { [roomId]: lastSeq + 100, 'not-my-room': 3 },
    })
    const error = await forged.next((m) => m.type === 'error')
    assert.equal(error.type === 'error' && error.error.code, 'resume-invalid')
    const resync = await forged.next((m) => m.type === 'resync')
    assert.deepEqual(resync, {
      type: 'resync',
      roomId,
      lastSeq,
      history: `/api/v1/rooms/${roomId}/messages`,
      reason: 'resume-invalid',
    })
    assert.deepEqual(await forged.next((m) => m.type === 'room.removed'), {
      type: 'room.removed',
      roomId: 'not-my-room',
    })
    forged.ws.close()

    for (let i = 0; i < 51; i++) await alice.rest.post(roomId, `flood ${i}`)
    const behind = rawClient(base)
    await behind.opened
    behind.send({ type: 'hello', version: 1, auth: { type: 'token', token: bob.token }, resume: { [roomId]: lastSeq } })
    const far = await behind.next((m) => m.type === 'resync')
    assert.equal(far.type === 'resync' && far.reason, 'too-far-behind')
    assert.equal(behind.frames.filter((f) => f.type === 'event').length, 0, 'no partial replay')
    behind.ws.close()
  })

  it('bad frames get stable error codes and the session stays usable', async () => {
    const c = rawClient(base)
    await c.opened
    c.send({ type: 'typing', roomId, typing: true })
    assert.equal((await c.next((m) => m.type === 'error')).type === 'error' && c.frames.at(-1)?.type, 'error')
    const codes = async (value: unknown) => {
      const count = c.frames.length
      c.send(value)
      const frame = await c.next((m) => m.type === 'error' && c.frames.indexOf(m) >= count)
      return frame.type === 'error' ? frame.error.code : ''
    }
    assert.equal((c.frames[0] as { error: { code: string } }).error.code, 'hello-required')
    c.send({ type: 'hello', version: 1, auth: { type: 'token', token: bob.token } })
    await c.next((m) => m.type === 'welcome')
    assert.equal(await codes({ type: 'subscribe', roomId }), 'unknown-message-type')
    assert.equal(await codes({ type: 'typing', roomId }), 'invalid-message')
    assert.equal(await codes('{"type": "ping"'), 'invalid-message')
    assert.equal(await codes({ type: 'hello', version: 1 }), 'already-hello')
    assert.equal(await codes({ type: 'ping', id: 'x'.repeat(70 * 1024) }), 'frame-too-large')
    assert.equal(await codes({ type: 'typing', roomId: 'someone-elses-room', typing: true }), 'room-not-found')
    c.send({ type: 'ping', id: 'still-here' })
    assert.deepEqual(await c.next((m) => m.type === 'pong'), { type: 'pong', id: 'still-here' })
    c.ws.close()
  })

  it('a flooding session gets rate-limited errors, then is disconnected; unauthenticated hellos are refused', async () => {
    const c = rawClient(base)
    await c.opened
    c.send({ type: 'hello', version: 1, auth: { type: 'token', token: bob.token } })
    await c.next((m) => m.type === 'welcome')
    for (let i = 0; i < 300; i++) c.send({ type: 'ping' })
    const limited = await c.next((m) => m.type === 'error' && m.error.code === 'rate-limited')
    assert.equal(limited.type === 'error' && limited.error.details?.messagesPerSecond, 20)
    assert.equal((await c.closed).code, 4029)

    const anonymous = rawClient(base)
    await anonymous.opened
    anonymous.send({ type: 'hello', version: 1 })
    assert.equal((await anonymous.closed).code, 4001)
    assert.equal(
      anonymous.frames.some((f) => f.type === 'error' && f.error.code === 'unauthenticated'),
      true,
    )
    const forged = rawClient(base)
    await forged.opened
    forged.send({ type: 'hello', version: 1, auth: { type: 'token', token: 'parley_forged' } })
    assert.equal((await forged.closed).code, 4001)
    assert.equal(
      forged.frames.some((f) => f.type === 'error' && f.error.code === 'token-invalid'),
      true,
    )
  })

  it('revoking the token a session was opened with ends the session (bye session-ended, close 4003)', async () => {
    await bob.rt.connect()
    const bye = bob.rt.next('bye')
    const closed = bob.rt.next('close')
    const tokens = (
      await t.call('GET', '/api/v1/me/tokens', { headers: { authorization: `Bearer ${bob.token}` } })
    ).json<{ tokens: { id: string }[] }>()
    const revoked = await t.call('DELETE', `/api/v1/me/tokens/${tokens.tokens[0]?.id}`, {
      headers: { authorization: `Bearer ${bob.token}` },
    })
    assert.equal(revoked.statusCode, 204)
    assert.equal((await bye).reason, 'session-ended')
    assert.equal((await closed).code, 4003)
    assert.equal(bob.rt.state, 'closed', 'no reconnect after a final close')
  })

  it('a client that answers no pings is closed with idle-timeout', async () => {
    const quick = await startTestInstance({ realtimeLimits: { pingIntervalMs: 300 } })
    try {
      const carol = await quick.user('carol')
      const c = rawClient(await quick.listen(), { autoPong: false })
      await c.opened
      c.send({ type: 'hello', version: 1, auth: { type: 'token', token: carol.token } })
      await c.next((m) => m.type === 'welcome')
      const closed = await c.closed
      assert.equal(closed.code, 4000)
      assert.equal(closed.reason, 'idle-timeout')
    } finally {
      await quick.close()
    }
  })

  it('a slow consumer is cut off without slowing the others', async () => {
    await alice.rt.connect()
    const fast = record(alice.rt)
    const slow = rawClient(base)
    await slow.opened
    slow.send({ type: 'hello', version: 1, auth: { type: 'token', token: bob.token } })
    await slow.next((m) => m.type === 'welcome')
    // Stop reading: the kernel buffers fill, then the server's send buffer grows.
    ;(slow.ws as unknown as { _socket: { pause(): void } })._socket.pause()
    assert.equal(t.app.realtimeSessionCount(), 2)
    // Posted until the server gives up on the slow reader. The kernel takes the first few MB (its
    // send buffer grows to net.ipv4.tcp_wmem's maximum, 4 MB by default) before anything waits in
    // the server's own buffer, so how many posts that takes depends on the machine; 600 (18 MB) is
    // far past any default.
    const big = 'x'.repeat(30_000)
    let last = 0
    for (let i = 0; i < 600 && t.app.realtimeSessionCount() > 1; i++)
      last = (await alice.rest.post(roomId, `${i} ${big}`)).seq
    await until(() => t.app.realtimeSessionCount() === 1, 'the slow session is gone; the fast one stays')
    await until(() => fast.some((e) => e.seq === last), 'the fast client got everything')
    assert.equal(alice.rt.state, 'open')
  })
})

describe('Realtime gateway: room changes, polls, presence and cookies', () => {
  let t: TestInstance
  let base: string
  const clients: RealtimeClient[] = []
  beforeEach(async () => {
    t = await startTestInstance()
    base = await t.listen()
  })
  afterEach(async () => {
    for (const c of clients.splice(0)) c.close()
    await t.close()
  })

  it('room updates, participant changes, polls and presence arrive live; a new room arrives as room.added', async () => {
    const a = await t.user('alice')
    const b = await t.user('bob')
    const alice = new ParleyClient({ baseUrl: base, auth: { token: a.token } })
    const room = await alice.createRoom({ kind: 'group', name: 'Before' })
    const aliceRt = new RealtimeClient({ baseUrl: base, auth: { token: a.token }, reconnect: false })
    const bobRt = new RealtimeClient({ baseUrl: base, auth: { token: b.token }, reconnect: false })
    clients.push(aliceRt, bobRt)
    await aliceRt.connect()
    const bobWelcome = await bobRt.connect()
    assert.deepEqual(bobWelcome.rooms, {})

    const added = bobRt.next('room.added')
    const online = aliceRt.next('presence', (p) => p.actor.id === b.user.id && p.online)
    const joinedSeen = aliceRt.next(
      'event',
      (e) => e.event.type === 'participant.joined' && e.event.participant.actorId === b.user.id,
    )
    await alice.addParticipant(room.id, b.user.id)
    assert.equal((await added).roomId, room.id)
    assert.equal((await joinedSeen).event.type, 'participant.joined')
    assert.deepEqual((await online).actor, { type: 'user', id: b.user.id, name: 'Bob' })

    const renamed = bobRt.next('event', (e) => e.event.type === 'room.updated')
    await alice.updateRoom(room.id, { name: 'After' })
    const update = await renamed
    assert.equal(update.event.type === 'room.updated' && update.event.room.name, 'After')
    assert.equal(update.event.type === 'room.updated' && update.event.room.lastSeq, update.seq)

    const pollSeen = bobRt.next('event', (e) => e.event.type === 'poll.updated')
    const { poll } = await alice.createPoll(room.id, { question: 'Tea or coffee?', options: ['tea', 'coffee'] })
    await alice.vote(room.id, poll.id, [1])
    const polled = await pollSeen
    assert.deepEqual(polled.event.type === 'poll.updated' && polled.event.poll.votes, [0, 1])

    const offline = aliceRt.next('presence', (p) => p.actor.id === b.user.id && !p.online)
    const removed = bobRt.next('room.removed')
    await alice.removeParticipant(room.id, b.user.id)
    assert.equal((await removed).roomId, room.id)
    assert.equal((await offline).online, false, 'removed: offline for the room')
  })

  it('a cookie-authenticated upgrade from another origin is refused with csrf-failed; from ours it is welcomed', async () => {
    const register = await t.app.inject({
      method: 'POST',
      url: '/api/v1/account/register',
      payload: { username: 'carol', password: 'correct horse battery' },
    })
    const cookie = String(register.headers['set-cookie']).split(';')[0] as string
    const evil = rawClient(base, { headers: { cookie, origin: 'https://evil.example' } })
    const closed = await evil.closed
    assert.equal(closed.code, 4003)
    assert.equal(evil.frames[0]?.type === 'error' && evil.frames[0].error.code, 'csrf-failed')
    const ours = rawClient(base, { headers: { cookie, origin: t.config.publicOrigin } })
    await ours.opened
    ours.send({ type: 'hello', version: 1 })
    const welcome = await ours.next((m) => m.type === 'welcome')
    assert.equal(welcome.type === 'welcome' && welcome.actor.name, 'carol')
    ours.ws.close()
  })
})
