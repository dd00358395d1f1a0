import { after, afterEach, describe, it } from 'node:test'
import assert from 'node:assert/strict'
import { startInstance, eventually, printLogsOnFailure, type TestInstance } from '../harness/instance.ts'
import { apiAs, hostView, inviteAndJoin, replicaView } from '../harness/rooms.ts'

// Fedify opens a per-host circuit after repeated failures; tests close it again after 2 s. Alice posts 50 in a burst.
const env = { PARLEY_FEDERATION_CIRCUIT_RECOVERY_SECONDS: '2', PARLEY_CHAT_POSTS_PER_SECOND: '100' }

describe('Federated rooms when a member instance is down', () => {
  const running: TestInstance[] = []
  afterEach(printLogsOnFailure(() => running))
  after(async () => {
    await Promise.all(running.map((instance) => instance.close()))
  })

  it(
    "B is down while A posts 50 messages: every post succeeds at once, and once B is back it has all 50, in A's order, once each",
    { timeout: 120_000 },
    async () => {
      const a = await startInstance({ env })
      let b = await startInstance({ env })
      running.push(a, b)
      const { api: alice } = await apiAs(a, 'alice', 'Alice')
      const { api: bob } = await apiAs(b, 'bob', 'Bob')
      const roomId = (
        (await alice('/api/v1/rooms', { method: 'POST', body: { kind: 'group', name: 'Busy' } })).json as { id: string }
      ).id
      const roomUri = `${a.origin}/rooms/${roomId}`
      await inviteAndJoin(a, alice, roomId, b, bob, 'bob')

      const { port, dataDir } = b
      await b.close({ keepData: true })
      running.splice(running.indexOf(b), 1)
      for (let i = 1; i <= 50; i++) {
        assert.equal(
          (await alice(`/api/v1/rooms/${roomId}/messages`, { method: 'POST', body: { body: `message ${i}` } })).status,
          201,
          'the local action never waits for B',
        )
      }
      // B comes back only once A has tried it and failed: a delivery waits for its retry.
      await eventually(async () => (await a.queuePending()).delayed > 0, 30_000, "A's retry of a failed delivery to B")
      b = await startInstance({ port, dataDir, env })
      running.push(b)
      const { api: bobAgain } = await apiAs(b, 'bob')

      const authorOnA = async (actorId: string) =>
        `${a.origin}/users/${(await a.services.store.users.byId(actorId))?.username ?? actorId}`
      const expected = await hostView(a, roomId, authorOnA)
      assert.equal(expected.length, 50)
      await eventually(async () => (await replicaView(bobAgain, roomUri)).length === 50, 90_000, 'all 50 on B')
      const replica = await replicaView(bobAgain, roomUri)
      assert.deepEqual(replica, expected)
      assert.deepEqual(
        (replica as { body: string }[]).map((m) => m.body),
        Array.from({ length: 50 }, (_, i) => `message ${i + 1}`),
      )
    },
  )
})
