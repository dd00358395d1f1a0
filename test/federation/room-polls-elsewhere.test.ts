import { after, afterEach, before, describe, it } from 'node:test'
import assert from 'node:assert/strict'
import { ParleyApiError, ParleyClient, RealtimeClient, type ServerEvent } from '@parley/client'
import type { PollView } from '@parley/protocol'
import { startInstance, eventually, printLogsOnFailure, type TestInstance } from '../harness/instance.ts'
import { apiAs, inviteAndJoin, mirrorOf, type Api } from '../harness/rooms.ts'

/**
 * Polls in a room hosted on A, with members on B and C: Bob on B posts, votes and closes through
 * the ordinary poll endpoints (SDK); A decides (one vote each, options, closed, author) and every
 * change reaches the member instances as ordinary room events at A's seqs.
 */
describe('Polls of a room hosted elsewhere, across three instances', () => {
  let a: TestInstance
  let b: TestInstance
  let c: TestInstance
  let alice: Api
  let bobApi: Api
  let bob: ParleyClient
  let carol: ParleyClient
  let carolToken: string
  let roomId: string
  let roomUri: string
  let onB: string
  let onC: string
  let pollId: string

  const refusal = async (call: Promise<unknown>): Promise<string> => {
    try {
      await call
    } catch (error) {
      if (error instanceof ParleyApiError) return error.code
      throw error
    }
    return 'accepted'
  }

  before(async () => {
    ;[a, b, c] = await Promise.all([startInstance(), startInstance(), startInstance()])
    alice = (await apiAs(a, 'alice', 'Alice')).api
    const bobUser = await apiAs(b, 'bob', 'Bob')
    bobApi = bobUser.api
    bob = new ParleyClient({
      baseUrl: b.origin,
      auth: { token: (await b.services.accounts.createToken(bobUser.id, 'sdk')).secret },
    })
    const carolUser = await apiAs(c, 'carol', 'Carol')
    carolToken = (await c.services.accounts.createToken(carolUser.id, 'sdk')).secret
    carol = new ParleyClient({ baseUrl: c.origin, auth: { token: carolToken } })
    await apiAs(b, 'mallory', 'Mallory')
    roomId = (
      (await alice('/api/v1/rooms', { method: 'POST', body: { kind: 'group', name: 'Polls' } })).json as { id: string }
    ).id
    roomUri = `${a.origin}/rooms/${roomId}`
    await inviteAndJoin(a, alice, roomId, b, bobUser.api, 'bob')
    await inviteAndJoin(a, alice, roomId, c, carolUser.api, 'carol')
    onB = await eventually(async () => mirrorOf(bobUser.api, roomUri), 15_000, 'the room on B')
    onC = await eventually(async () => mirrorOf(carolUser.api, roomUri), 15_000, 'the room on C')
  })
  afterEach(printLogsOnFailure(() => [a, b, c]))
  after(async () => {
    await Promise.all([a?.close(), b?.close(), c?.close()])
  })

  it("Bob's poll is A's: posted on A at A's seq, on B and C as an ordinary poll message and poll", async () => {
    const carolFrames: ServerEvent[] = []
    const carolRt = new RealtimeClient({ baseUrl: c.origin, auth: { token: carolToken }, reconnect: false })
    carolRt.on('event', (frame) => {
      if (frame.roomId === onC) carolFrames.push(frame)
    })
    await carolRt.connect()
    try {
      const created = await bob.createPoll(onB, { question: 'Lunch?', options: ['Pizza', 'Sushi', 'Salad'] })
      pollId = created.poll.id
      assert.equal(created.message.kind, 'poll')
      assert.equal(created.message.roomId, onB)
      assert.deepEqual(created.poll.votes, [0, 0, 0])
      const onHost = await a.services.store.messages.get(roomId, created.message.seq)
      assert.equal(onHost?.kind, 'poll', 'the poll message has the same seq on A')
      assert.equal(onHost?.body, pollId, 'and the same poll')
      assert.equal((await a.services.store.polls.byId(pollId))?.createdBy, `${b.origin}/users/bob`)
      const live = await eventually(
        async () => carolFrames.find((f) => f.event.type === 'message.new'),
        15_000,
        'the poll message live on C',
      )
      assert.equal(live.seq, created.message.seq, "at A's seq")
      assert.equal((live.event as { message: { kind: string; body: string } }).message.body, pollId)
      assert.equal((await carol.poll(onC, pollId)).question, 'Lunch?')
    } finally {
      carolRt.close()
    }
  })

  it('votes from A, B and C are counted once per person on A; every instance shows the same results, in A’s order', async () => {
    const carolFrames: ServerEvent[] = []
    const carolRt = new RealtimeClient({ baseUrl: c.origin, auth: { token: carolToken }, reconnect: false })
    carolRt.on('event', (frame) => {
      if (frame.roomId === onC && frame.event.type === 'poll.updated') carolFrames.push(frame)
    })
    await carolRt.connect()
    try {
      const voted = await alice(`/api/v1/rooms/${roomId}/polls/${pollId}/votes`, {
        method: 'POST',
        body: { options: [0] },
      })
      assert.equal(voted.status, 200, JSON.stringify(voted.json))
      assert.deepEqual(
        (await bob.vote(onB, pollId, [1])).votes.slice(0, 2),
        [1, 1],
        "Bob's answer has Alice's vote too",
      )
      // Bob changes his mind: still one vote of his.
      const changed = await bob.vote(onB, pollId, [0])
      assert.deepEqual(changed.votes, [2, 0, 0])
      assert.deepEqual(changed.voters?.map((v) => v.name).sort(), ['Alice', 'Bob'])
      const last = await carol.vote(onC, pollId, [2])
      assert.deepEqual(last.votes, [2, 0, 1])
      const onA = (await a.services.store.polls.votes(pollId)).map((v) => v.options[0])
      assert.deepEqual(onA.sort(), [0, 0, 2])
      // C saw each of A's results, in A's order (ascending seqs, last one the final tally).
      const updates = await eventually(
        async () => (carolFrames.length >= 4 ? carolFrames : null),
        15_000,
        "A's four poll.updated events on C",
      )
      const seqs = updates.map((f) => f.seq)
      assert.deepEqual(
        seqs,
        [...seqs].sort((x, y) => x - y),
      )
      for (const f of updates) {
        const [logged] = await a.services.store.events.since(roomId, f.seq - 1, 1)
        assert.equal(logged?.seq === f.seq && logged.type, 'poll.updated', "each at A's seq of its poll.updated")
      }
      assert.deepEqual((updates.at(-1)!.event as { poll: PollView }).poll.votes, [2, 0, 1])
      await eventually(
        async () => JSON.stringify((await bob.poll(onB, pollId)).votes) === '[2,0,1]',
        15_000,
        'the final results on B',
      )
    } finally {
      carolRt.close()
    }
  })

  it('bad votes are refused by A with its code and change nothing: unknown option, non-member, replay', async () => {
    const before = (await a.services.store.rooms.byId(roomId))?.lastSeq
    const votesBefore = JSON.stringify(await a.services.store.polls.votes(pollId))
    assert.equal(await refusal(bob.vote(onB, pollId, [7])), 'vote-invalid', "A's code for an option it does not have")
    assert.equal(await refusal(bob.vote(onB, pollId, [0, 1])), 'vote-invalid', 'one option in a single-choice poll')
    // B forwards a vote for Mallory, who is not in the room.
    const mallory = await b.instance.federation.roomMembers.forward(
      'mallory',
      roomUri,
      { type: 'vote', pollId, options: [1], names: ['Sushi'] },
      'mallory-vote-0001',
    )
    assert.equal(mallory.type === 'refused' ? mallory.code : mallory.type, 'not-a-participant')
    // A vote for a poll of another room (or none) is not found.
    const nowhere = await b.instance.federation.roomMembers.forward(
      'bob',
      roomUri,
      { type: 'vote', pollId: 'no-such-poll', options: [0], names: [] },
      'bob-vote-nowhere-01',
    )
    assert.equal(nowhere.type === 'refused' ? nowhere.code : nowhere.type, 'poll-not-found')
    assert.equal((await a.services.store.rooms.byId(roomId))?.lastSeq, before, 'no event on A')
    assert.equal(JSON.stringify(await a.services.store.polls.votes(pollId)), votesBefore, 'no vote on A')
    // A replayed vote (same action id) is applied once: the second arrival gets the first one's seq.
    const first = await b.instance.federation.roomMembers.forward(
      'bob',
      roomUri,
      { type: 'vote', pollId, options: [1], names: ['Sushi'] },
      'bob-vote-replay-01',
    )
    assert.equal(first.type, 'accepted')
    const afterFirst = (await a.services.store.rooms.byId(roomId))?.lastSeq
    const again = await b.instance.federation.roomMembers.forward(
      'bob',
      roomUri,
      { type: 'vote', pollId, options: [2], names: ['Salad'] },
      'bob-vote-replay-01',
    )
    assert.deepEqual(again, first, 'the replay answered with what the first one got')
    assert.equal((await a.services.store.rooms.byId(roomId))?.lastSeq, afterFirst, 'no second event on A')
    const bobsVote = (await a.services.store.polls.votes(pollId)).find((v) => v.actorId === `${b.origin}/users/bob`)
    assert.deepEqual(bobsVote?.options, [1], 'the replayed choice was not applied')
  })

  it('only the author closes (Carol is refused by A); a closed poll refuses votes; C shows it closed', async () => {
    assert.equal(await refusal(carol.closePoll(onC, pollId)), 'not-author', "A's code: Carol did not post it")
    assert.equal((await a.services.store.polls.byId(pollId))?.closedAt, null)
    const closed = await bob.closePoll(onB, pollId)
    assert.equal(closed.closed, true)
    assert.notEqual((await a.services.store.polls.byId(pollId))?.closedAt, null, 'closed on A')
    assert.equal(await refusal(carol.vote(onC, pollId, [0])), 'poll-closed')
    const vote = await alice(`/api/v1/rooms/${roomId}/polls/${pollId}/votes`, {
      method: 'POST',
      body: { options: [1] },
    })
    assert.equal((vote.json as { error: { code: string } }).error.code, 'poll-closed')
    const onC2 = await eventually(
      async () => {
        const p = await carol.poll(onC, pollId)
        return p.closed ? p : null
      },
      15_000,
      'the closed poll on C',
    )
    assert.deepEqual(onC2.votes, (await bob.poll(onB, pollId)).votes)
    // The history on C has the poll message at A's seq, like a local room's.
    const history = await carol.history(onC)
    assert.ok(history.messages.some((m) => m.kind === 'poll' && m.body === pollId))
  })

  it('a member instance that joins after a poll was made gets the poll and its votes with the history it pulls', async () => {
    const late = (
      (await alice('/api/v1/rooms', { method: 'POST', body: { kind: 'group', name: 'Late poll' } })).json as {
        id: string
      }
    ).id
    const made = (
      await alice(`/api/v1/rooms/${late}/polls`, {
        method: 'POST',
        body: { question: 'Where?', options: ['Here', 'There'] },
      })
    ).json as { message: { seq: number }; poll: { id: string } }
    const voted = await alice(`/api/v1/rooms/${late}/polls/${made.poll.id}/votes`, {
      method: 'POST',
      body: { options: [1] },
    })
    assert.equal(voted.status, 200)
    await alice(`/api/v1/rooms/${late}/messages`, { method: 'POST', body: { body: 'after the poll' } })
    // No one on B was in this room until now: B pulls its history from A when Bob joins.
    await inviteAndJoin(a, alice, late, b, bobApi, 'bob')
    const lateOnB = await eventually(async () => mirrorOf(bobApi, `${a.origin}/rooms/${late}`), 15_000, 'the room on B')
    const history = await eventually(
      async () => {
        const page = await bob.history(lateOnB)
        return page.messages.some((m) => m.body === 'after the poll') ? page : null
      },
      15_000,
      "the room's history on B",
    )
    const message = history.messages.find((m) => m.kind === 'poll')
    assert.equal(message?.seq, made.message.seq, "the poll message at A's seq")
    assert.equal(message?.body, made.poll.id, 'naming the same poll')
    const poll = await bob.poll(lateOnB, made.poll.id)
    assert.equal(poll.question, 'Where?')
    assert.deepEqual(poll.votes, [0, 1], "Alice's vote, made before B joined")
    assert.deepEqual(poll.voters, [{ name: 'Alice', options: [1] }])
    // It is A's poll on B: Bob's vote goes to A and comes back with both.
    assert.deepEqual((await bob.vote(lateOnB, made.poll.id, [0])).votes, [1, 1])
  })
})
