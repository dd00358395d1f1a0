import { describe, it } from 'node:test'
import assert from 'node:assert/strict'
import { mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { randomUUID } from 'node:crypto'
import { Redis } from 'ioredis'
import { ParleyClient, RealtimeClient } from '@parley/client'
import type { ServerEvent } from '@parley/protocol'
import { startTestInstance } from '../testing/test-instance.ts'
import { RedisBus } from '../bus/redis-bus.ts'
import { testEnv } from '../testing/test-env.ts'

// Redis runs on 127.0.0.1:6379 on these machines; REDIS_URL points elsewhere when needed.
const redisUrl = testEnv('REDIS_URL') ?? 'redis://127.0.0.1:6379'

async function redisAnswers(): Promise<boolean> {
  const probe = new Redis(redisUrl, { lazyConnect: true, maxRetriesPerRequest: 0, retryStrategy: () => null })
  try {
    await probe.connect()
    return (await probe.ping()) === 'PONG'
  } catch {
    return false
  } finally {
    probe.disconnect()
  }
}

const available = await redisAnswers()

// Redis runs on every machine this project targets (CI starts it): a missing one is a failure.
if (!available)
  throw new Error(`no Redis answers at ${redisUrl}: start one (redis-server --port 6379) or set REDIS_URL`)

describe('Two server nodes (needs Redis)', () => {
  it('RedisBus delivers a message posted through node 1 to a realtime client on node 2 (one SQLite file, one Redis)', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'parley-two-nodes-'))
    const prefix = `parley-test-${randomUUID()}:`
    const node1 = await startTestInstance({ dir, bus: new RedisBus({ url: redisUrl, prefix }) })
    const node2 = await startTestInstance({ dir, bus: new RedisBus({ url: redisUrl, prefix }) })
    const realtime: RealtimeClient[] = []
    try {
      const [url1, url2] = [await node1.listen(), await node2.listen()]
      const alice = await node1.user('alice')
      const bob = await node1.user('bob')
      const aliceRest = new ParleyClient({ baseUrl: url1, auth: { token: alice.token } })
      const room = await aliceRest.createRoom({ kind: 'group', name: 'Across nodes' })
      await aliceRest.addParticipant(room.id, bob.user.id)

      const bobOnNode2 = new RealtimeClient({ baseUrl: url2, auth: { token: bob.token }, reconnect: false })
      realtime.push(bobOnNode2)
      const welcome = await bobOnNode2.connect()
      assert.equal(welcome.rooms[room.id], (await node2.store.rooms.byId(room.id))?.lastSeq)
      const received: ServerEvent[] = []
      bobOnNode2.on('event', (e) => received.push(e))

      const posted = await aliceRest.post(room.id, 'hello from node 1')
      for (let i = 0; i < 200 && !received.some((e) => e.seq === posted.seq); i++)
        await new Promise((r) => setTimeout(r, 10))
      const got = received.find((e) => e.seq === posted.seq)
      assert.equal(got?.event.type === 'message.new' && got.event.message.body, 'hello from node 1')
      assert.equal(received.filter((e) => e.seq === posted.seq).length, 1)

      // Membership changes cross nodes too: a room created on node 1 reaches Bob's session on node 2.
      const added = bobOnNode2.next('room.added')
      const second = await aliceRest.createRoom({ kind: 'group', name: 'Second' })
      await aliceRest.addParticipant(second.id, bob.user.id)
      assert.equal((await added).roomId, second.id)
    } finally {
      for (const c of realtime) c.close()
      await node1.close()
      await node2.close()
      rmSync(dir, { recursive: true, force: true })
    }
  })
})
