import { after, afterEach, before, describe, it } from 'node:test'
import assert from 'node:assert/strict'
import { join } from 'node:path'
import { DatabaseSync } from 'node:sqlite'
import { ParleyApiError, ParleyClient, RealtimeClient, type MessageView, type ServerEvent } from '@parley/client'
import { startInstance, eventually, printLogsOnFailure, type TestInstance } from '../harness/instance.ts'
import { apiAs, inviteAndJoin, type Api, type Json } from '../harness/rooms.ts'

/**
 * One room model: on Bob's instance (B) the room Alice hosts on A is an ordinary room — listed,
 * read, written and streamed through the same API, SDK calls and realtime events as a local one.
 */
describe("A room hosted on another instance is an ordinary room on the member's instance", () => {
  let a: TestInstance
  let b: TestInstance
  let alice: Api
  let bob: Api
  let bobSdk: ParleyClient
  let bobToken: string
  let roomId: string
  let roomUri: string
  /** The room's id on B. */
  let mirrorId: string
  const hostTexts = async () =>
    (await a.services.store.messages.history({ roomId, after: 0, limit: 1000 }))
      .filter((m) => m.kind === 'text')
      .map((m) => ({ seq: m.seq, body: m.body, deleted: m.deletedAt !== null }))
  const memberTexts = async () =>
    (await bobSdk.history(mirrorId, { limit: 200 })).messages.map((m) => ({
      seq: m.seq,
      body: m.body,
      deleted: m.deletedAt !== null,
    }))

  before(async () => {
    ;[a, b] = await Promise.all([startInstance(), startInstance()])
    alice = (await apiAs(a, 'alice', 'Alice')).api
    const bobUser = await apiAs(b, 'bob', 'Bob Builder')
    bob = bobUser.api
    bobToken = (await b.services.accounts.createToken(bobUser.id, 'sdk')).secret
    bobSdk = new ParleyClient({ baseUrl: b.origin, auth: { token: bobToken } })
    roomId = (
      (await alice('/api/v1/rooms', { method: 'POST', body: { kind: 'group', name: 'Project X' } })).json as {
        id: string
      }
    ).id
    roomUri = `${a.origin}/rooms/${roomId}`
    assert.equal(
      (await alice(`/api/v1/rooms/${roomId}/messages`, { method: 'POST', body: { body: 'Before Bob' } })).status,
      201,
    )
    await inviteAndJoin(a, alice, roomId, b, bob, 'bob')
  })
  afterEach(printLogsOnFailure(() => [a, b]))
  after(async () => {
    await Promise.all([a?.close(), b?.close()])
  })

  it('GET /api/v1/rooms lists it with its host; its history (from before Bob joined) reads through the ordinary API', async () => {
    const listed = await eventually(
      async () => (await bobSdk.rooms()).rooms.find((r) => r.host?.roomUri === roomUri),
      15_000,
      "the room in Bob's list",
    )
    mirrorId = listed.id
    assert.equal(listed.name, 'Project X')
    assert.deepEqual(listed.host, { roomUri, instance: a.host })
    assert.equal(listed.me?.actorId, (await b.services.store.users.byUsername('bob'))?.id)
    const history = await eventually(
      async () => {
        const texts = await memberTexts()
        return texts.length === 1 ? texts : null
      },
      15_000,
      'the history on B',
    )
    assert.deepEqual(history, await hostTexts())
    assert.equal((await bob(`/api/v1/rooms/${mirrorId}`)).json.id, mirrorId)
  })

  it("Bob posts, replies, reacts, edits and deletes through the ordinary API; A decides and B shows A's state, same seqs", async () => {
    const posted = await bobSdk.post(mirrorId, 'Hi Alice')
    assert.equal(posted.body, 'Hi Alice')
    assert.equal(posted.roomId, mirrorId)
    assert.equal(posted.actor.id, (await b.services.store.users.byUsername('bob'))?.id, "Bob's own message is his")
    const onHost = await a.services.store.messages.get(roomId, posted.seq)
    assert.equal(onHost?.body, 'Hi Alice', 'the same seq on the host')
    assert.equal(onHost?.actorId, `${b.origin}/users/bob`)

    const reply = await bobSdk.post(mirrorId, 'a typo', posted.seq)
    assert.equal(reply.replyTo, posted.seq)
    const alicesFirst = (await hostTexts())[0]!
    const reacted = await bobSdk.react(mirrorId, alicesFirst.seq, '🎉')
    assert.equal(reacted.seq, alicesFirst.seq)
    await eventually(
      async () =>
        (await bobSdk.history(mirrorId)).messages
          .find((m) => m.seq === alicesFirst.seq)
          ?.reactions.some((r) => r.emoji === '🎉'),
      15_000,
      'the reaction on B',
    )
    assert.deepEqual(
      (await a.services.store.messages.reactions(roomId, [alicesFirst.seq])).map((r) => [r.emoji, r.actorId]),
      [['🎉', `${b.origin}/users/bob`]],
    )
    await bobSdk.edit(mirrorId, reply.seq, 'no typo')
    await eventually(async () => (await a.services.store.messages.get(roomId, reply.seq))?.body === 'no typo', 15_000)
    await bobSdk.deleteMessage(mirrorId, reply.seq)
    assert.notEqual((await a.services.store.messages.get(roomId, reply.seq))?.deletedAt, null)

    const expected = await hostTexts()
    await eventually(
      async () => JSON.stringify(await memberTexts()) === JSON.stringify(expected),
      15_000,
      "B's view to match A's",
    )
    assert.deepEqual(
      expected.map((m) => m.body),
      ['Before Bob', 'Hi Alice', ''],
    )
  })

  it("the host refuses an edit or delete of someone else's message, with its code; nothing changes on either side", async () => {
    const alicesFirst = (await hostTexts())[0]!
    const before = JSON.stringify(await hostTexts())
    for (const attempt of [
      () => bobSdk.edit(mirrorId, alicesFirst.seq, 'hijacked'),
      () => bobSdk.deleteMessage(mirrorId, alicesFirst.seq),
    ]) {
      const refused = await attempt().then(
        () => null,
        (error: unknown) => error,
      )
      assert.ok(refused instanceof ParleyApiError, String(refused))
      assert.equal(refused.code, 'not-author')
      assert.equal(refused.status, 403)
      assert.equal((refused.details as { host?: { code: string } }).host?.code, 'not-author', "the host's refusal")
    }
    assert.equal(JSON.stringify(await hostTexts()), before)
    assert.equal(JSON.stringify(await memberTexts()), before)
  })

  it("Bob's realtime session gets A's events as ordinary room events and resumes after a disconnect without loss or duplicates", async () => {
    const frames: ServerEvent[] = []
    const connect = (positions?: Record<string, number>) => {
      const client = new RealtimeClient({
        baseUrl: b.origin,
        auth: { token: bobToken },
        reconnect: false,
        ...(positions ? { positions } : {}),
      })
      client.on('event', (frame) => {
        if (frame.roomId === mirrorId) frames.push(frame)
      })
      return client
    }
    const first = connect()
    await first.connect()
    const posted = await alice(`/api/v1/rooms/${roomId}/messages`, { method: 'POST', body: { body: 'Live one' } })
    assert.equal(posted.status, 201)
    const liveSeq = (posted.json as { seq: number }).seq
    const live = await eventually(async () => frames.find((f) => f.seq === liveSeq), 15_000, 'the live event on B')
    assert.equal(live.event.type, 'message.new')
    assert.equal((live.event as { message: MessageView }).message.body, 'Live one')
    assert.equal((live.event as { message: MessageView }).message.roomId, mirrorId)

    const positions = first.positions
    first.close()
    const missed: number[] = []
    for (const body of ['Missed one', 'Missed two']) {
      const sent = await alice(`/api/v1/rooms/${roomId}/messages`, { method: 'POST', body: { body } })
      missed.push((sent.json as { seq: number }).seq)
    }
    await eventually(
      async () => (await b.services.store.messages.get(mirrorId, missed[1]!)) !== null,
      15_000,
      'the missed messages on B',
    )
    frames.length = 0
    const second = connect(positions)
    await second.connect()
    // A sentinel after the replay: once it is here, everything before it was delivered.
    const sentinel = await alice(`/api/v1/rooms/${roomId}/messages`, { method: 'POST', body: { body: 'Sentinel' } })
    const sentinelSeq = (sentinel.json as { seq: number }).seq
    await eventually(async () => frames.some((f) => f.seq === sentinelSeq), 15_000, 'the sentinel')
    second.close()
    const seqs = frames.map((f) => f.seq)
    assert.deepEqual(seqs, [...missed, sentinelSeq], 'the missed events once, in order, then live ones')
    assert.deepEqual(
      frames.map((f) => (f.event as { message: MessageView }).message.body),
      ['Missed one', 'Missed two', 'Sentinel'],
    )
  })

  it("while A is down Bob's post is queued (202); once A is back it appears on both sides exactly once, in A's order", async () => {
    const port = a.port
    const dataDir = a.dataDir
    await a.close({ keepData: true })
    const queued = await bob(`/api/v1/rooms/${mirrorId}/messages`, {
      method: 'POST',
      body: { body: 'While A was down' },
    })
    assert.equal(queued.status, 202, JSON.stringify(queued.json))
    assert.equal(queued.json.queued, true)
    assert.equal(queued.json.roomId, mirrorId)
    // A second write made meanwhile waits behind the first: the host gets them in the order made.
    const sdkQueued = await bobSdk.post(mirrorId, 'Second while down').then(
      () => null,
      (error: unknown) => error,
    )
    assert.ok(sdkQueued instanceof ParleyApiError)
    assert.equal(sdkQueued.code, 'write-queued')
    assert.equal((await b.services.store.remoteRooms.queued(mirrorId)).length, 2)

    a = await startInstance({ port, dataDir })
    await b.instance.remoteWrites.drained()
    const bodies = async (texts: { body: string }[]) => texts.map((t) => t.body)
    const onHost = await hostTexts()
    assert.deepEqual((await bodies(onHost)).slice(-2), ['While A was down', 'Second while down'])
    assert.equal(onHost.filter((t) => t.body === 'While A was down').length, 1, 'exactly once on A')
    await eventually(
      async () => JSON.stringify(await memberTexts()) === JSON.stringify(onHost),
      20_000,
      "B's view to match A's",
    )
    assert.equal((await memberTexts()).filter((t) => t.body === 'While A was down').length, 1, 'exactly once on B')
  })
})

/** The host's side of forwarded writes: signed by the acting member, refused with a code when they must not apply. */
describe('The host refuses forwarded writes that must not apply; nothing is stored', () => {
  let a: TestInstance
  let b: TestInstance
  let alice: Api
  let bob: Api
  let roomId: string
  let roomUri: string

  before(async () => {
    ;[a, b] = await Promise.all([startInstance(), startInstance()])
    alice = (await apiAs(a, 'alice', 'Alice')).api
    bob = (await apiAs(b, 'bob', 'Bob')).api
    await apiAs(b, 'mallory', 'Mallory')
    roomId = (
      (await alice('/api/v1/rooms', { method: 'POST', body: { kind: 'group', name: 'Guarded' } })).json as {
        id: string
      }
    ).id
    roomUri = `${a.origin}/rooms/${roomId}`
    await inviteAndJoin(a, alice, roomId, b, bob, 'bob')
  })
  afterEach(printLogsOnFailure(() => [a, b]))
  after(async () => {
    await Promise.all([a?.close(), b?.close()])
  })

  const texts = async () =>
    (await a.services.store.messages.history({ roomId, after: 0, limit: 1000 })).filter((m) => m.kind === 'text')

  it('a write for a user who is not a member is refused (not-a-participant); a replayed action id is refused (action-replayed) and not applied twice', async () => {
    const forward = b.instance.federation.roomMembers
    const refused = await forward.forward('mallory', roomUri, { type: 'post', body: 'let me in' }, 'mallory-action-1')
    assert.deepEqual(refused.type === 'refused' ? refused.code : refused, 'not-a-participant')

    const first = await forward.forward('bob', roomUri, { type: 'post', body: 'once' }, 'bob-action-0001')
    assert.equal(first.type, 'accepted')
    const again = await forward.forward('bob', roomUri, { type: 'post', body: 'once' }, 'bob-action-0001')
    // The member sees the first answer again (it may have lost it); the host applied it once.
    assert.deepEqual(again, first)
    const stored = (await texts()).filter((m) => m.body === 'once')
    assert.equal(stored.length, 1)
    assert.ok(a.logs().some((line) => line.includes('replayed forwarded room action refused')))
    assert.equal((await texts()).filter((m) => m.body === 'let me in').length, 0)
  })

  it('an action another node of the host took between the replay check and the write is answered as a replay (409, not a 500), and stored once', async () => {
    const forward = b.instance.federation.roomMembers
    const first = await forward.forward('bob', roomUri, { type: 'post', body: 'raced' }, 'bob-action-race1')
    assert.equal(first.type, 'accepted')
    // The race, as two nodes of A sharing one store and cache see it: the second copy's look-ups ran
    // before the first copy's write. So the cache's memory of the action is gone, and the event
    // log's look-up answers from before the write once (a real SQLite file, reached from outside).
    const federationDb = new DatabaseSync(join(a.dataDir, 'federation.sqlite'))
    try {
      const removed = federationDb
        .prepare("DELETE FROM fedify_kv WHERE key LIKE '%room-actions%' AND key LIKE '%bob-action-race1%'")
        .run()
      assert.equal(removed.changes, 1)
    } finally {
      federationDb.close()
    }
    const events = a.services.store.events
    const byAction = events.byAction.bind(events)
    let looked = 0
    events.byAction = async (room, action) => (looked++ === 0 ? null : byAction(room, action))
    try {
      const again = await forward.forward('bob', roomUri, { type: 'post', body: 'raced' }, 'bob-action-race1')
      // Before: the event log's unique action id threw and the member got a 500 (a failed write).
      assert.deepEqual(again, first)
    } finally {
      events.byAction = byAction
    }
    assert.equal(looked, 2, 'the replay check and the look-up after the refused write')
    assert.equal((await texts()).filter((m) => m.body === 'raced').length, 1)
    assert.ok(a.logs().some((line) => line.includes('forwarded room action taken meanwhile by another node')))
  })

  it('an unsigned or wrongly signed forwarded write is refused (401) and nothing is stored', async () => {
    const before = (await texts()).length
    const unsigned = await fetch(`${roomUri}/actions`, {
      method: 'POST',
      headers: { 'content-type': 'application/activity+json' },
      body: JSON.stringify({
        '@context': 'https://www.w3.org/ns/activitystreams',
        type: 'Create',
        id: `${b.origin}/users/bob/room-activities/forged-0001`,
        actor: `${b.origin}/users/bob`,
        object: { type: 'Note', id: `${b.origin}/users/bob/room-notes/x`, content: 'forged' },
      }),
    })
    assert.equal(unsigned.status, 401)
    assert.equal(((await unsigned.json()) as Json & { error: { code: string } }).error.code, 'unauthenticated')
    assert.equal((await texts()).length, before)
  })
})
