import { after, afterEach, before, describe, it } from 'node:test'
import assert from 'node:assert/strict'
import { ParleyApiError, ParleyClient, RealtimeClient, type ServerEvent } from '@parley/client'
import type { PollView } from '@parley/protocol'
import { startInstance, eventually, printLogsOnFailure, type TestInstance } from '../harness/instance.ts'
import { apiAs, inviteAndJoin, mirrorOf, type Api } from '../harness/rooms.ts'

/**
 * An anonymous multiple-choice poll of a room hosted on A, followed from B: results missed while
 * Bob's realtime session was away come on resume in A's order, once; a vote made while A is down
 * is queued and counted once when A is back; nobody on B learns who voted what.
 */
describe('Poll results of a room hosted elsewhere: resume, and a vote while the host is down', () => {
  let a: TestInstance
  let b: TestInstance
  let alice: Api
  let bob: ParleyClient
  let bobToken: string
  let roomId: string
  let onB: string
  let pollId: string
  let pollSeq: number

  before(async () => {
    ;[a, b] = await Promise.all([startInstance(), startInstance()])
    alice = (await apiAs(a, 'alice', 'Alice')).api
    const bobUser = await apiAs(b, 'bob', 'Bob')
    bobToken = (await b.services.accounts.createToken(bobUser.id, 'sdk')).secret
    bob = new ParleyClient({ baseUrl: b.origin, auth: { token: bobToken } })
    const created = await alice('/api/v1/rooms', { method: 'POST', body: { kind: 'group', name: 'Anonymous' } })
    roomId = (created.json as { id: string }).id
    await inviteAndJoin(a, alice, roomId, b, bobUser.api, 'bob')
    onB = await eventually(async () => mirrorOf(bobUser.api, `${a.origin}/rooms/${roomId}`), 15_000, 'the room on B')
    const poll = await alice(`/api/v1/rooms/${roomId}/polls`, {
      method: 'POST',
      body: { question: 'Which days?', options: ['Mon', 'Tue', 'Wed'], multiple: true, anonymous: true },
    })
    assert.equal(poll.status, 201, JSON.stringify(poll.json))
    pollId = (poll.json as { poll: PollView }).poll.id
    pollSeq = (poll.json as { message: { seq: number } }).message.seq
    await eventually(async () => (await b.services.store.polls.byId(pollId)) !== null, 15_000, "Alice's poll on B")
  })
  afterEach(printLogsOnFailure(() => [a, b]))
  after(async () => {
    await Promise.all([a?.close(), b?.close()])
  })

  it("results missed by Bob's session arrive on resume, once, in A's order; voters stay unknown on B", async () => {
    const frames: ServerEvent[] = []
    const connect = (positions?: Record<string, number>) => {
      const client = new RealtimeClient({
        baseUrl: b.origin,
        auth: { token: bobToken },
        reconnect: false,
        ...(positions ? { positions } : {}),
      })
      client.on('event', (frame) => {
        if (frame.roomId === onB) frames.push(frame)
      })
      return client
    }
    const first = connect()
    await first.connect()
    const positions = { ...first.positions, [onB]: pollSeq }
    first.close()
    // Missed: Alice's vote on A and Bob's own (forwarded), two poll.updated events of A.
    const aliceVote = await alice(`/api/v1/rooms/${roomId}/polls/${pollId}/votes`, {
      method: 'POST',
      body: { options: [0, 1] },
    })
    assert.equal(aliceVote.status, 200, JSON.stringify(aliceVote.json))
    const bobs = await bob.vote(onB, pollId, [1])
    assert.deepEqual(bobs.votes, [1, 2, 0])
    assert.equal(bobs.voters, null, 'anonymous on B too')
    const second = connect(positions)
    await second.connect()
    try {
      // A sentinel after the replay: once it is here, everything before it was delivered.
      const sentinel = await alice(`/api/v1/rooms/${roomId}/messages`, { method: 'POST', body: { body: 'Sentinel' } })
      const sentinelSeq = (sentinel.json as { seq: number }).seq
      await eventually(async () => frames.some((f) => f.seq === sentinelSeq), 15_000, 'the sentinel')
      const hostUpdates = (await a.services.store.events.since(roomId, pollSeq, 100))
        .filter((e) => e.type === 'poll.updated')
        .map((e) => e.seq)
      assert.equal(hostUpdates.length, 2)
      assert.deepEqual(
        frames.map((f) => [f.seq, f.event.type]),
        [...hostUpdates.map((s) => [s, 'poll.updated']), [sentinelSeq, 'message.new']],
        "A's two results once, in A's order, then the live message",
      )
      assert.deepEqual((frames[1]!.event as { poll: PollView }).poll.votes, [1, 2, 0])
      const onB2 = await b.services.store.polls.votes(pollId)
      assert.ok(
        onB2.every((v) => v.actorName === '' && !v.actorId.includes('/users/')),
        'B keeps no voter names or actors of an anonymous poll',
      )
    } finally {
      second.close()
    }
  })

  it('a vote while A is down is queued (write-queued); once A is back it counts once, on A and on B', async () => {
    const port = a.port
    const dataDir = a.dataDir
    await a.close({ keepData: true })
    const queued = await bob.vote(onB, pollId, [1, 2]).then(
      () => null,
      (error: unknown) => error,
    )
    assert.ok(queued instanceof ParleyApiError, String(queued))
    assert.equal(queued.code, 'write-queued')
    assert.equal((await b.services.store.remoteRooms.queued(onB)).length, 1)
    a = await startInstance({ port, dataDir })
    await b.instance.remoteWrites.drained()
    const onA = await a.services.store.polls.votes(pollId)
    assert.equal(onA.length, 2, 'Alice and Bob, once each')
    assert.deepEqual(onA.find((v) => v.actorId === `${b.origin}/users/bob`)?.options, [1, 2])
    await eventually(
      async () => JSON.stringify((await bob.poll(onB, pollId)).votes) === '[1,2,1]',
      20_000,
      "A's results on B",
    )
  })
})
