import { after, afterEach, before, describe, it } from 'node:test'
import assert from 'node:assert/strict'
import { join } from 'node:path'
import { DatabaseSync } from 'node:sqlite'
import { SqliteMessageQueue } from '@parley/federation'
import { startInstance, eventually, printLogsOnFailure, type TestInstance } from '../harness/instance.ts'
import { apiAs, inviteAndJoin, type Api } from '../harness/rooms.ts'

/**
 * At least once, for real: a room event that fails to go over (the member's inbox answers 500, or
 * the hand-over to the federation itself fails) still arrives, in the host's order, and a restart
 * in between loses nothing.
 */
describe('Room fan-out under faults', () => {
  let a: TestInstance
  let b: TestInstance
  let alice: Api
  let roomId: string
  let mirrorId: string

  const post = async (body: string): Promise<number> => {
    const sent = await alice(`/api/v1/rooms/${roomId}/messages`, { method: 'POST', body: { body } })
    assert.equal(sent.status, 201, JSON.stringify(sent.json))
    return (sent.json as { seq: number }).seq
  }
  /** B's copy: message bodies by seq, and the seqs of the message.new events in its log (each must be there once). */
  const onB = async () => {
    const messages = (await b.services.store.messages.history({ roomId: mirrorId, after: 0, limit: 1000 })).map(
      (m) => `${m.seq}:${m.body}`,
    )
    const events = (await b.services.store.events.since(mirrorId, 0, 1000))
      .filter((e) => e.type === 'message.new')
      .map((e) => e.seq)
    return { messages, events }
  }
  const onA = async () =>
    (await a.services.store.messages.history({ roomId, after: 0, limit: 1000 }))
      .filter((m) => m.kind === 'text')
      .map((m) => `${m.seq}:${m.body}`)

  before(async () => {
    ;[a, b] = await Promise.all([startInstance(), startInstance()])
    alice = (await apiAs(a, 'alice', 'Alice')).api
    const bob = (await apiAs(b, 'bob', 'Bob')).api
    roomId = (
      (await alice('/api/v1/rooms', { method: 'POST', body: { kind: 'group', name: 'Faulty' } })).json as {
        id: string
      }
    ).id
    await inviteAndJoin(a, alice, roomId, b, bob, 'bob')
    mirrorId = await eventually(
      async () => b.services.store.remoteRooms.roomOf(`${a.origin}/rooms/${roomId}`),
      15_000,
      'the room on B',
    )
  })
  afterEach(printLogsOnFailure(() => [a, b]))
  after(async () => {
    await Promise.all([a?.close(), b?.close()])
  })

  it("the member's inbox answers 500 once: every event still arrives, once, in the host's order", async () => {
    const refused = b.failRequests((method, path) => method === 'POST' && path.endsWith('/inbox'), 500)
    const seqs = [await post('one'), await post('two'), await post('three')]
    await refused
    const expected = await onA()
    const arrived = await eventually(
      async () => {
        const now = await onB()
        return JSON.stringify(now.messages) === JSON.stringify(expected) ? now : null
      },
      20_000,
      "B to have A's messages",
    )
    assert.deepEqual(
      arrived.events.filter((seq) => seqs.includes(seq)),
      seqs,
      'each event once, in order',
    )
  })

  it('a failed hand-over stops the room at its cursor; after a restart everything after the cursor goes over, in order', async () => {
    const cursors = a.services.store.federation.rooms.fanoutCursors
    // What the test before posted may still be on its way (a delivery B refused waits for its retry,
    // and its late arrival would make B pull A's whole history, the message that failed included):
    // the cursor is read once every hand-over and delivery so far is done.
    await a.queueDrained()
    const before = await cursors.get(roomId)
    // Fault injection: the hand-over to the federation fails until this instance stops.
    const rooms = a.instance.federation.rooms
    let failures = 0
    rooms.fanOut = async () => {
      failures++
      throw new Error('injected hand-over failure')
    }
    const four = await post('four')
    const five = await post('five')
    await eventually(async () => failures >= 1, 10_000, 'the failed hand-over')
    await a.instance.fanout.idle()
    assert.equal(await cursors.get(roomId), before, 'the cursor stays before the event that failed')
    assert.ok(!(await onB()).messages.includes(`${four}:four`))

    const { port, dataDir } = a
    await a.close({ keepData: true })
    a = await startInstance({ port, dataDir })
    await eventually(async () => (await a.services.store.federation.rooms.fanoutCursors.get(roomId)) >= five, 20_000)
    const expected = await onA()
    const arrived = await eventually(
      async () => {
        const now = await onB()
        return JSON.stringify(now.messages) === JSON.stringify(expected) ? now : null
      },
      20_000,
      "B to have A's messages after A's restart",
    )
    assert.deepEqual(
      arrived.events.filter((seq) => seq === four || seq === five),
      [four, five],
    )
  })

  it('a hand-over that fails once is retried from the cursor without a restart; later events wait for it', async () => {
    const rooms = a.instance.federation.rooms
    const fanOut = rooms.fanOut.bind(rooms)
    let failed = false
    const handed: number[] = []
    rooms.fanOut = async (room, seq, event) => {
      if (!failed) {
        failed = true
        throw new Error('injected hand-over failure (once)')
      }
      handed.push(seq)
      return fanOut(room, seq, event)
    }
    const six = await post('six')
    const seven = await post('seven')
    await a.instance.fanout.caughtUp()
    assert.ok(failed)
    assert.deepEqual(
      handed.filter((seq) => seq === six || seq === seven),
      [six, seven],
      'handed over in order after the retry',
    )
    assert.ok((await a.services.store.federation.rooms.fanoutCursors.get(roomId)) >= seven)
    const expected = await onA()
    await eventually(
      async () => JSON.stringify((await onB()).messages) === JSON.stringify(expected),
      20_000,
      'B to have six and seven',
    )
  })

  it("deliveries the previous version left in the rooms' own queue go over after the upgrade", async () => {
    // The previous version (rooms had a federation and a queue of their own) kept room deliveries in
    // the table `fedify_room_queue`. Made here as it had them: A's queue workers stop, a message is
    // posted and handed over (its delivery waits in the queue), A stops, and the waiting delivery is
    // moved into that table, where this version's workers never look. (Fedify keys a delivery by
    // the ordering key it was given, the room, followed by the inbox's origin.)
    await a.instance.federation.close()
    const eight = await post('eight')
    await a.instance.fanout.caughtUp()
    assert.ok((await a.services.store.federation.rooms.fanoutCursors.get(roomId)) >= eight, 'handed over')
    const roomUri = `${a.origin}/rooms/${roomId}`
    const { port, dataDir } = a
    await a.close({ keepData: true })
    const db = new DatabaseSync(join(dataDir, 'federation.sqlite'))
    try {
      new SqliteMessageQueue(db, { table: 'fedify_room_queue' })
      const moved = db
        .prepare(
          `INSERT INTO fedify_room_queue (message, ordering_key, run_at, created_at)
           SELECT message, ordering_key, run_at, created_at FROM fedify_queue WHERE ordering_key LIKE ? ORDER BY id`,
        )
        .run(`${roomUri}%`)
      assert.ok(Number(moved.changes) > 0, 'the delivery of "eight" was waiting')
      db.prepare('DELETE FROM fedify_queue WHERE ordering_key LIKE ?').run(`${roomUri}%`)
    } finally {
      db.close()
    }
    a = await startInstance({ port, dataDir })
    const expected = await onA()
    const arrived = await eventually(
      async () => {
        const now = await onB()
        return JSON.stringify(now.messages) === JSON.stringify(expected) ? now : null
      },
      20_000,
      'B to have "eight" after the upgrade',
    )
    assert.equal(arrived.events.filter((seq) => seq === eight).length, 1, 'once')
    const check = new DatabaseSync(join(dataDir, 'federation.sqlite'), { readOnly: true })
    try {
      const old = check.prepare("SELECT name FROM sqlite_master WHERE name = 'fedify_room_queue'").get()
      assert.equal(old, undefined, 'the old queue is gone')
    } finally {
      check.close()
    }
  })
})
