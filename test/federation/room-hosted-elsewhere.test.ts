import { after, afterEach, before, describe, it } from 'node:test'
import assert from 'node:assert/strict'
import WebSocket from 'ws'
import { ParleyClient, RealtimeClient, type ServerEvent, type ServerTyping } from '@parley/client'
import { CASCADE_CHANNEL_PATH } from '@parley/protocol'
import { InProcessBus } from '@parley/server'
import { startInstance, eventually, printLogsOnFailure, type TestInstance } from '../harness/instance.ts'
import { apiAs, inviteAndJoin, mirrorOf, type Api } from '../harness/rooms.ts'

/**
 * Read markers and typing in a room hosted on A, with members on B and C: a member's read marker
 * goes to the host (which refuses non-members) and comes back to every member instance as the
 * host's `read` event; typing rides the call channel both ways and is kept nowhere.
 */
describe('Read markers, typing and participants of a room hosted elsewhere, across three instances', () => {
  let a: TestInstance
  let b: TestInstance
  let c: TestInstance
  let alice: Api
  let bob: Api
  let carol: Api
  let mallory: Api
  let bobSdk: ParleyClient
  let carolToken: string
  let bobToken: string
  let roomId: string
  let roomUri: string
  let onB: string
  let onC: string

  before(async () => {
    ;[a, b, c] = await Promise.all([startInstance(), startInstance(), startInstance()])
    alice = (await apiAs(a, 'alice', 'Alice')).api
    const bobUser = await apiAs(b, 'bob', 'Bob')
    bob = bobUser.api
    bobToken = (await b.services.accounts.createToken(bobUser.id, 'sdk')).secret
    bobSdk = new ParleyClient({ baseUrl: b.origin, auth: { token: bobToken } })
    const carolUser = await apiAs(c, 'carol', 'Carol')
    carol = carolUser.api
    carolToken = (await c.services.accounts.createToken(carolUser.id, 'sdk')).secret
    mallory = (await apiAs(b, 'mallory', 'Mallory')).api
    roomId = (
      (await alice('/api/v1/rooms', { method: 'POST', body: { kind: 'group', name: 'Markers' } })).json as {
        id: string
      }
    ).id
    roomUri = `${a.origin}/rooms/${roomId}`
    await alice(`/api/v1/rooms/${roomId}/messages`, { method: 'POST', body: { body: 'First' } })
    await inviteAndJoin(a, alice, roomId, b, bob, 'bob')
    await inviteAndJoin(a, alice, roomId, c, carol, 'carol')
    onB = await eventually(async () => mirrorOf(bob, roomUri), 15_000, 'the room on B')
    onC = await eventually(async () => mirrorOf(carol, roomUri), 15_000, 'the room on C')
  })
  afterEach(printLogsOnFailure(() => [a, b, c]))
  after(async () => {
    await Promise.all([a?.close(), b?.close(), c?.close()])
  })

  it("Bob's read marker reaches A (stored for his participant) and C gets it as A's read event, at A's seq", async () => {
    const posted = await alice(`/api/v1/rooms/${roomId}/messages`, { method: 'POST', body: { body: 'Read me' } })
    const seq = (posted.json as { seq: number }).seq
    await eventually(async () => (await b.services.store.messages.get(onB, seq)) !== null, 15_000, 'the message on B')
    await eventually(async () => (await c.services.store.messages.get(onC, seq)) !== null, 15_000, 'the message on C')
    const carolFrames: ServerEvent[] = []
    const carolRt = new RealtimeClient({ baseUrl: c.origin, auth: { token: carolToken }, reconnect: false })
    carolRt.on('event', (frame) => {
      if (frame.roomId === onC) carolFrames.push(frame)
    })
    await carolRt.connect()
    try {
      const state = await bobSdk.markRead(onB, seq)
      assert.equal(state.lastReadSeq, seq)
      const bobOnA = `${b.origin}/users/bob`
      assert.equal((await a.services.store.participants.get(roomId, bobOnA))?.lastReadSeq, seq, 'kept by the host')
      const read = await eventually(
        async () => carolFrames.find((f) => f.event.type === 'read'),
        15_000,
        "A's read event on C",
      )
      assert.deepEqual(read.event, {
        type: 'read',
        actorId: bobOnA,
        lastReadSeq: seq,
        everyoneReadSeq: (read.event as { everyoneReadSeq: number }).everyoneReadSeq,
      })
      const [onHost] = (await a.services.store.events.since(roomId, read.seq - 1, 1)).filter((e) => e.seq === read.seq)
      assert.equal(onHost?.type, 'read', "the same seq as A's read event")
      // On B the marker is Bob's own (his local id), as for a local room.
      await eventually(
        async () => {
          const [logged] = await b.services.store.events.since(onB, read.seq - 1, 1)
          return logged?.seq === read.seq && (logged.data as { actorId?: string }).actorId === (await bobId())
        },
        15_000,
        "A's read event on B, naming Bob by his id there",
      )
    } finally {
      carolRt.close()
    }
  })

  const bobId = async () => (await b.services.store.users.byUsername('bob'))?.id

  it('the host refuses a read marker for a user who is not in the room (not-a-participant); nothing is stored', async () => {
    const before = (await a.services.store.rooms.byId(roomId))?.lastSeq
    const refused = await b.instance.federation.roomMembers.forward(
      'mallory',
      roomUri,
      { type: 'read', seq: 1 },
      'mallory-read-0001',
    )
    assert.deepEqual(refused.type === 'refused' ? refused.code : refused, 'not-a-participant')
    assert.equal(await a.services.store.participants.get(roomId, `${b.origin}/users/mallory`), null)
    assert.equal((await a.services.store.rooms.byId(roomId))?.lastSeq, before, 'no event on the host')
    // Mallory is not in the mirror either: B refuses before asking A.
    const mallory = (await apiAs(b, 'mallory')).api
    const local = await mallory(`/api/v1/rooms/${onB}/read`, { method: 'POST', body: { seq: 1 } })
    assert.equal(local.status, 404, JSON.stringify(local.json))
  })

  it("Bob's typing reaches Alice on A and Carol on C (over the call channel); Alice's reaches Bob", async () => {
    const carolTyping: ServerTyping[] = []
    const aliceTyping: ServerTyping[] = []
    const bobTyping: ServerTyping[] = []
    const aliceToken = (
      await a.services.accounts.createToken((await a.services.store.users.byUsername('alice'))!.id, 't')
    ).secret
    const carolRt = new RealtimeClient({ baseUrl: c.origin, auth: { token: carolToken }, reconnect: false })
    const aliceRt = new RealtimeClient({ baseUrl: a.origin, auth: { token: aliceToken }, reconnect: false })
    const bobRt = new RealtimeClient({ baseUrl: b.origin, auth: { token: bobToken }, reconnect: false })
    carolRt.on('typing', (f) => f.roomId === onC && carolTyping.push(f))
    aliceRt.on('typing', (f) => f.roomId === roomId && aliceTyping.push(f))
    bobRt.on('typing', (f) => f.roomId === onB && bobTyping.push(f))
    await Promise.all([carolRt.connect(), aliceRt.connect(), bobRt.connect()])
    try {
      // Typing is ephemeral: a client repeats it while the person types; C follows the room once its session streams it.
      await eventually(
        async () => {
          bobRt.typing(onB, true)
          return carolTyping.find((t) => t.typing) ?? null
        },
        15_000,
        "Bob's typing on C",
      )
      const onCarol = carolTyping.find((t) => t.typing)!
      assert.deepEqual(onCarol.actor, { type: 'user', id: `${b.origin}/users/bob`, name: 'Bob' })
      const onAlice = await eventually(async () => aliceTyping.find((t) => t.typing) ?? null, 15_000, 'on A')
      assert.deepEqual(onAlice.actor, { type: 'user', id: `${b.origin}/users/bob`, name: 'Bob' })
      // Bob's own sessions get it back from the host, naming him by his id on B (as a local room would).
      const own = await eventually(async () => bobTyping.find((t) => t.typing) ?? null, 15_000, 'echo on B')
      assert.equal(own.actor.id, await bobId())

      await eventually(
        async () => {
          aliceRt.typing(roomId, true)
          return bobTyping.find((t) => t.actor.name === 'Alice') ?? null
        },
        15_000,
        "Alice's typing on B",
      )
      const alices = bobTyping.find((t) => t.actor.name === 'Alice')!
      assert.equal(alices.actor.id, `${a.origin}/users/alice`)
      assert.equal(alices.roomId, onB)
    } finally {
      for (const rt of [carolRt, aliceRt, bobRt]) rt.close()
    }
  })

  it("the host refuses a peer's typing for someone not in the room (not-a-participant), and closes the channel for another origin's actor", async () => {
    const aliceToken = (
      await a.services.accounts.createToken((await a.services.store.users.byUsername('alice'))!.id, 't')
    ).secret
    const aliceTyping: ServerTyping[] = []
    const aliceRt = new RealtimeClient({ baseUrl: a.origin, auth: { token: aliceToken }, reconnect: false })
    aliceRt.on('typing', (f) => f.roomId === roomId && aliceTyping.push(f))
    await aliceRt.connect()
    const url = `${a.origin}${CASCADE_CHANNEL_PATH}`
    const open = async () => {
      const headers = await b.instance.federation.callChannels.sign(url)
      const socket = new WebSocket(url.replace(/^https/, 'wss'), { headers: headers! })
      const frames: { type: string; error?: { code: string } }[] = []
      socket.on('message', (data) => frames.push(JSON.parse(String(data)) as (typeof frames)[number]))
      await new Promise((resolve, reject) => socket.once('open', resolve).once('error', reject))
      return { socket, frames }
    }
    const typing = (id: string) =>
      JSON.stringify({ type: 'cascade.typing', room: roomUri, actor: { id, name: 'X' }, typing: true })
    try {
      const { socket, frames } = await open()
      socket.send(typing(`${b.origin}/users/mallory`))
      const refused = await eventually(async () => frames.find((f) => f.type === 'cascade.error'), 10_000, 'refusal')
      assert.equal(refused.error?.code, 'not-a-participant')
      // A sentinel on the same channel (frames are handled in order): once Bob's typing is on A, Mallory's would have been.
      socket.send(typing(`${b.origin}/users/bob`))
      await eventually(async () => aliceTyping.some((t) => t.actor.id === `${b.origin}/users/bob`), 10_000, 'sentinel')
      assert.ok(!aliceTyping.some((t) => t.actor.id.endsWith('/users/mallory')), "Mallory's typing reached nobody")
      const closedWith = new Promise<number>((resolve) => socket.once('close', (code) => resolve(code)))
      socket.send(typing(`${c.origin}/users/carol`))
      assert.equal(await closedWith, 4403, 'a peer speaks for its own accounts only')
      assert.ok(!aliceTyping.some((t) => t.actor.id.startsWith(c.origin)))
    } finally {
      aliceRt.close()
    }
  })

  it("Bob lists the room's participants as A knows them: Alice (owner, A's actor id), himself (his id on B) and Carol on C", async () => {
    const listed = await bobSdk.participants(onB)
    const byId = new Map(listed.participants.map((p) => [p.actorId, p]))
    const alicesId = `${a.origin}/users/alice`
    assert.equal(byId.get(alicesId)?.role, 'owner')
    assert.equal(byId.get(alicesId)?.displayName, 'Alice')
    assert.equal(byId.get((await bobId())!)?.role, 'member', 'Bob by his own id')
    assert.equal(byId.get(`${c.origin}/users/carol`)?.state, 'active', 'Carol, on a third instance')
    assert.equal(byId.get(`${c.origin}/users/carol`)?.role, 'member')
    // The same list as A's own API gives (ids as A names them, but Bob's).
    const onHost = (await alice(`/api/v1/rooms/${roomId}/participants`)).json.participants as { actorId: string }[]
    assert.equal(listed.participants.length, onHost.length)
  })

  it('the host answers the participants list to its participants only (not-a-participant); unsigned requests are refused', async () => {
    const refused = await b.instance.federation.roomMembers.participants('mallory', roomUri)
    assert.deepEqual(refused.type === 'refused' ? refused.code : refused, 'not-a-participant')
    const unsigned = await fetch(`${roomUri}/participants`, { headers: { accept: 'application/json' } })
    assert.equal(unsigned.status, 401)
    assert.equal(((await unsigned.json()) as { error: { code: string } }).error.code, 'unauthenticated')
  })

  it("B keeps A's roster briefly: listing again does not ask A; a membership change on B (Mallory joins) makes the next list ask A", async () => {
    const asked = () =>
      a.logs().filter((l) => l.includes('"incoming request"') && l.includes(`"url":"/rooms/${roomId}/participants"`))
        .length
    const first = await bobSdk.participants(onB)
    const before = asked()
    assert.deepEqual(await bobSdk.participants(onB), first, 'the same roster')
    assert.equal(asked(), before, 'answered from what B kept')
    await inviteAndJoin(a, alice, roomId, b, mallory, 'mallory')
    const listed = await bobSdk.participants(onB)
    assert.ok(
      listed.participants.some((p) => p.displayName === 'Mallory'),
      'Mallory, at once: B forgot the roster when she joined',
    )
    assert.equal(asked(), before + 1, 'A was asked again, once')
  })

  it('a write that skipped forwarding never reaches the event log of a mirror (room-hosted-elsewhere); nothing is stored', async () => {
    const before = await b.services.store.events.since(onB, 0, 10_000)
    await assert.rejects(
      b.instance.chat.events.emit(onB, { type: 'room.deleted' }),
      (error: Error & { code?: string }) => error.code === 'room-hosted-elsewhere',
    )
    await assert.rejects(
      b.instance.chat.events.postMessage({
        roomId: onB,
        kind: 'system',
        actorType: 'user',
        actorId: (await bobId())!,
        actorName: 'Bob',
        body: 'left',
        data: {},
        replyTo: null,
        createdAt: Date.now(),
        editedAt: null,
        deletedAt: null,
        expiresAt: null,
      }),
      (error: Error & { code?: string }) => error.code === 'room-hosted-elsewhere',
    )
    assert.deepEqual(await b.services.store.events.since(onB, 0, 10_000), before)
  })

  it('once no member on C is in the room (Carol left), C stops following it: A no longer sends C its typing and call news', async () => {
    const bus = a.instance.chat.bus as InProcessBus
    assert.ok(bus instanceof InProcessBus)
    const topic = `room:${roomId}`
    // C follows the room (its channel's subscription on A): Carol's own typing comes back to her through it.
    const carolRt = new RealtimeClient({ baseUrl: c.origin, auth: { token: carolToken }, reconnect: false })
    const echoed: ServerTyping[] = []
    carolRt.on('typing', (f) => f.roomId === onC && echoed.push(f))
    await carolRt.connect()
    await eventually(
      async () => {
        carolRt.typing(onC, true)
        return echoed.length > 0
      },
      15_000,
      "Carol's typing back on C",
    )
    const followed = bus.subscribers(topic)
    carolRt.close()
    const left = await carol(`/api/v1/rooms/${onC}/leave`, { method: 'POST' })
    assert.equal(left.status, 204, JSON.stringify(left.json))
    await eventually(async () => bus.subscribers(topic) === followed - 1, 15_000, "C's subscription on A to end")
    // B still follows: Alice's typing still reaches Bob.
    const bobRt = new RealtimeClient({ baseUrl: b.origin, auth: { token: bobToken }, reconnect: false })
    const aliceToken = (
      await a.services.accounts.createToken((await a.services.store.users.byUsername('alice'))!.id, 't')
    ).secret
    const aliceRt = new RealtimeClient({ baseUrl: a.origin, auth: { token: aliceToken }, reconnect: false })
    const bobTyping: ServerTyping[] = []
    bobRt.on('typing', (f) => f.roomId === onB && bobTyping.push(f))
    await Promise.all([bobRt.connect(), aliceRt.connect()])
    try {
      await eventually(
        async () => {
          aliceRt.typing(roomId, true)
          return bobTyping.find((t) => t.actor.name === 'Alice') ?? null
        },
        15_000,
        "Alice's typing on B",
      )
    } finally {
      for (const rt of [bobRt, aliceRt]) rt.close()
    }
  })
})
