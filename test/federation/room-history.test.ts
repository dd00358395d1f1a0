import { after, afterEach, before, describe, it } from 'node:test'
import assert from 'node:assert/strict'
import { startInstance, eventually, printLogsOnFailure, type TestInstance } from '../harness/instance.ts'
import { apiAs, inviteAndJoin, memberAct, mirrorOf, type Api, type Json } from '../harness/rooms.ts'

// Alice posts hundreds of messages in a burst.
const env = { PARLEY_CHAT_POSTS_PER_SECOND: '1000' }
const COUNT = 600

/** Every message with what a replica must match exactly: seq, author, body, edit time, deletion time, reactions. */
type Exact = {
  seq: number
  author: string
  body: string
  editedAt: number | null
  deletedAt: number | null
  reactions: string[]
}

async function hostMessages(host: TestInstance, roomId: string): Promise<Exact[]> {
  const out: Exact[] = []
  for (let after = 0; ;) {
    const page = await host.services.store.messages.history({ roomId, after, limit: 500 })
    const texts = page.filter((m) => m.kind === 'text')
    const reactions = await host.services.store.messages.reactions(
      roomId,
      texts.map((m) => m.seq),
    )
    for (const m of texts) {
      const author = m.actorId.startsWith('https://')
        ? m.actorId
        : `${host.origin}/users/${(await host.services.store.users.byId(m.actorId))?.username}`
      out.push({
        seq: m.seq,
        author,
        body: m.body,
        editedAt: m.editedAt,
        deletedAt: m.deletedAt,
        reactions:
          m.deletedAt === null
            ? reactions
                .filter((r) => r.seq === m.seq)
                .map((r) => `${r.emoji} ${r.actorName}`)
                .sort()
            : [],
      })
    }
    if (page.length < 500) return out
    after = page[page.length - 1]!.seq
  }
}

/** The room as the member's ordinary rooms API shows it (its own users as their actor URLs, as the host names them). */
async function replicaMessages(member: Api, roomUri: string): Promise<Exact[]> {
  const out: Exact[] = []
  const roomId = await mirrorOf(member, roomUri)
  if (!roomId) return out
  const me = (await member('/api/v1/me')).json as { id: string; username: string }
  const url = (id: string) => (id === me.id ? `${member.origin}/users/${me.username}` : id)
  for (let after = 0; ;) {
    const { status, json }: { status: number; json: Json } = await member(
      `/api/v1/rooms/${roomId}/messages?after=${after}&limit=100`,
    )
    assert.equal(status, 200, JSON.stringify(json))
    const page = json.messages as Json[]
    for (const m of page) {
      if (m.kind !== 'text') continue
      const reactions =
        (m.reactions as Json[]).length === 0
          ? []
          : ((await member(`/api/v1/rooms/${roomId}/messages/${String(m.seq)}/reactions`)).json.reactions as Json[])
      out.push({
        seq: Number(m.seq),
        author: url((m.actor as { id: string }).id),
        body: String(m.body),
        editedAt: m.editedAt === null ? null : Date.parse(String(m.editedAt)),
        deletedAt: m.deletedAt === null ? null : Date.parse(String(m.deletedAt)),
        reactions: reactions.map((r) => `${String(r.emoji)} ${String((r.actor as { name: string }).name)}`).sort(),
      })
    }
    if (!json.hasNewer || page.length === 0) return out
    after = Number(page[page.length - 1]!.seq)
  }
}

const same = (x: unknown, y: unknown) => JSON.stringify(x) === JSON.stringify(y)

describe('Room history across instances: a late member instance gets the whole history, a replica that missed events catches up', () => {
  let a: TestInstance
  let b: TestInstance
  let c: TestInstance
  let alice: Api
  let bob: Api
  let carol: Api
  let roomId: string
  let roomUri: string
  const send = (member: Api, action: Parameters<typeof memberAct>[2]) => memberAct(member, roomUri, action)
  const post = (body: string) => alice(`/api/v1/rooms/${roomId}/messages`, { method: 'POST', body: { body } })

  before(async () => {
    ;[a, b, c] = await Promise.all([startInstance({ env }), startInstance({ env }), startInstance({ env })])
    alice = (await apiAs(a, 'alice', 'Alice')).api
    bob = (await apiAs(b, 'bob', 'Bob')).api
    carol = (await apiAs(c, 'carol', 'Carol')).api
    roomId = (
      (await alice('/api/v1/rooms', { method: 'POST', body: { kind: 'group', name: 'Archive' } })).json as {
        id: string
      }
    ).id
    roomUri = `${a.origin}/rooms/${roomId}`
  })
  afterEach(printLogsOnFailure(() => [a, b, c]))
  after(async () => {
    await Promise.all([a?.close(), b?.close(), c?.close()])
  })

  it(
    `C joins a room of ${COUNT} messages with edits, reactions and deletes: its replica equals A's, then live chat goes on in order`,
    { timeout: 240_000 },
    async () => {
      const seqs: number[] = []
      for (let i = 1; i <= COUNT; i++) {
        const res = await post(`message ${i}`)
        assert.equal(res.status, 201)
        seqs.push(Number((res.json as { seq: number }).seq))
      }
      for (let i = 0; i < COUNT; i += 7)
        assert.equal(
          (
            await alice(`/api/v1/rooms/${roomId}/messages/${seqs[i]}`, {
              method: 'PATCH',
              body: { body: `message ${i + 1}, edited` },
            })
          ).status,
          200,
        )
      for (let i = 3; i < COUNT; i += 11)
        assert.equal(
          (
            await alice(`/api/v1/rooms/${roomId}/messages/${seqs[i]}/reactions/${encodeURIComponent('👍')}`, {
              method: 'PUT',
            })
          ).status,
          200,
        )
      for (let i = 5; i < COUNT; i += 13)
        assert.equal((await alice(`/api/v1/rooms/${roomId}/messages/${seqs[i]}`, { method: 'DELETE' })).status, 200)
      await inviteAndJoin(a, alice, roomId, c, carol, 'carol')
      const expected = await hostMessages(a, roomId)
      assert.equal(expected.length, COUNT)
      assert.ok(
        expected.some((m) => m.deletedAt !== null && m.editedAt !== null) &&
          expected.some((m) => m.reactions.length === 1),
      )
      // Pages are parsed as JSON-LD on both sides (about a second per page of 50 here): give it time.
      await eventually(
        async () => same(await replicaMessages(carol, roomUri), expected),
        150_000,
        "C's replica to equal A's messages",
      )
      assert.deepEqual(await replicaMessages(carol, roomUri), expected)
      assert.equal(
        a.logs().filter((line) => line.includes('room history pulled')).length,
        0,
        'A pulled nothing (it is the host)',
      )
      assert.ok(
        c.logs().some((line) => line.includes('room history pulled')),
        'C pulled the history',
      )

      // Live chat goes on: posts from A and from C, and C's reaction to an old message, arrive on C in A's order, each once.
      assert.equal((await post('live 1')).status, 201)
      assert.equal((await send(carol, { type: 'post', body: 'live 2 from carol' })).status, 201)
      await eventually(
        async () => (await hostMessages(a, roomId)).some((m) => m.body === 'live 2 from carol'),
        15_000,
        "carol's post on A",
      )
      assert.equal((await send(carol, { type: 'react', seq: seqs[3]!, emoji: '🎉' })).status, 200)
      await eventually(
        async () => (await a.services.store.messages.reactions(roomId, [seqs[3]!])).length === 2,
        15_000,
        "carol's reaction on A",
      )
      assert.equal((await post('live 3')).status, 201)
      const after = await hostMessages(a, roomId)
      await eventually(async () => same(await replicaMessages(carol, roomUri), after), 30_000, 'C to follow live chat')
      const live = (await replicaMessages(carol, roomUri)).slice(-3).map((m) => m.body)
      assert.deepEqual(live, ['live 1', 'live 2 from carol', 'live 3'])
      assert.deepEqual((await replicaMessages(carol, roomUri)).find((m) => m.seq === seqs[3])?.reactions, [
        '🎉 Carol',
        '👍 Alice',
      ])
    },
  )

  it(
    'B misses announcements while A blocks its domain (posts, an edit, a reaction, a delete); after the block, the next event makes B pull what it missed',
    { timeout: 120_000 },
    async () => {
      roomId = (
        (await alice('/api/v1/rooms', { method: 'POST', body: { kind: 'group', name: 'Patchy' } })).json as {
          id: string
        }
      ).id
      roomUri = `${a.origin}/rooms/${roomId}`
      for (let i = 1; i <= 5; i++) assert.equal((await post(`before ${i}`)).status, 201)
      await inviteAndJoin(a, alice, roomId, b, bob, 'bob')
      await inviteAndJoin(a, alice, roomId, c, carol, 'carol')
      const admin = (await a.services.store.users.byUsername('alice'))!.id
      const before = await hostMessages(a, roomId)
      await eventually(async () => same(await replicaMessages(bob, roomUri), before), 30_000, 'B in step first')
      assert.equal(await a.services.federation.federation.blockDomain(b.host, admin), true)
      const missed = await post('missed 1')
      assert.equal(missed.status, 201)
      assert.equal((await post('missed 2')).status, 201)
      const old = before[0]!.seq
      assert.equal(
        (
          await alice(`/api/v1/rooms/${roomId}/messages/${old}`, {
            method: 'PATCH',
            body: { body: 'an old message, edited while B was cut off' },
          })
        ).status,
        200,
      )
      assert.equal(
        (
          await alice(`/api/v1/rooms/${roomId}/messages/${before[1]!.seq}/reactions/${encodeURIComponent('🔥')}`, {
            method: 'PUT',
          })
        ).status,
        200,
      )
      assert.equal(
        (await alice(`/api/v1/rooms/${roomId}/messages/${(missed.json as { seq: number }).seq}`, { method: 'DELETE' }))
          .status,
        200,
      )
      // C, not blocked, follows along; B has none of it.
      const during = await hostMessages(a, roomId)
      await eventually(async () => same(await replicaMessages(carol, roomUri), during), 30_000, 'C in step')
      assert.ok(same(await replicaMessages(bob, roomUri), before), 'B missed all of it')

      await a.services.federation.federation.unblockDomain(b.host)
      assert.equal((await post('after the block')).status, 201)
      const expected = await hostMessages(a, roomId)
      await eventually(async () => same(await replicaMessages(bob, roomUri), expected), 30_000, 'B to converge')
      assert.deepEqual(await replicaMessages(bob, roomUri), expected)
      assert.ok(
        b.logs().some((line) => line.includes('room history pulled') && !line.includes('"since":0,')),
        'B pulled what changed since its head, not everything',
      )
    },
  )

  it('the history collection answers members only: unsigned and non-member requests are refused', async () => {
    const unsigned = await fetch(`${roomUri}/history?cursor=0`, { headers: { accept: 'application/activity+json' } })
    assert.ok(unsigned.status === 401 || unsigned.status === 403, `status ${unsigned.status}`)
    const collection = await fetch(`${roomUri}/history`, { headers: { accept: 'application/activity+json' } })
    assert.ok(collection.status === 401 || collection.status === 403, `status ${collection.status}`)
  })
})
