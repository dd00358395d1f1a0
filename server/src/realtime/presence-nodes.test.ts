import { describe, it, afterEach } from 'node:test'
import assert from 'node:assert/strict'
import { mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { randomUUID } from 'node:crypto'
import { ParleyClient, RealtimeClient } from '@parley/client'
import { startTestInstance, type TestInstance } from '../testing/test-instance.ts'
import { RedisBus } from '../bus/redis-bus.ts'
import { ManualClock } from '../testing/manual-clock.ts'
import { testEnv } from '../testing/test-env.ts'

// Redis runs on every machine this project targets (multi-node.test.ts fails loudly without it).
const redisUrl = testEnv('REDIS_URL') ?? 'redis://127.0.0.1:6379'

describe('Presence across two nodes (needs Redis)', () => {
  const cleanup: (() => Promise<void> | void)[] = []
  afterEach(async () => {
    for (const step of cleanup.splice(0).reverse()) await step()
  })

  async function twoNodes(clock?: ManualClock): Promise<[TestInstance, TestInstance, string, string]> {
    const dir = mkdtempSync(join(tmpdir(), 'parley-presence-'))
    cleanup.push(() => rmSync(dir, { recursive: true, force: true }))
    const prefix = `parley-test-${randomUUID()}:`
    const start = () =>
      startTestInstance({ dir, bus: new RedisBus({ url: redisUrl, prefix }), ...(clock ? { clock } : {}) })
    const node1 = await start()
    cleanup.push(() => node1.close())
    const node2 = await start()
    cleanup.push(() => node2.close())
    return [node1, node2, await node1.listen(), await node2.listen()]
  }

  const realtime = (baseUrl: string, token: string) => {
    const rt = new RealtimeClient({ baseUrl, auth: { token }, reconnect: false })
    cleanup.push(() => rt.close())
    return rt
  }

  it("welcome's online list names people connected to the other node, and drops them once they leave", async () => {
    const [node1, , url1, url2] = await twoNodes()
    const alice = await node1.user('alice')
    const bob = await node1.user('bob')
    const carol = await node1.user('carol')
    const rest = new ParleyClient({ baseUrl: url1, auth: { token: alice.token } })
    const room = await rest.createRoom({ kind: 'group', name: 'Across' })
    await rest.addParticipant(room.id, bob.user.id)
    await rest.addParticipant(room.id, carol.user.id)

    // Carol watches from node 2; Bob connects to node 1.
    const carolRt = realtime(url2, carol.token)
    await carolRt.connect()
    const bobOnline = carolRt.next('presence', (p) => p.actor.id === bob.user.id && p.online)
    const bobRt = realtime(url1, bob.token)
    await bobRt.connect()
    await bobOnline
    // Alice opens a session on node 2: node 1's Bob and node 2's Carol are both listed.
    const aliceRt = realtime(url2, alice.token)
    const welcome = await aliceRt.connect()
    assert.deepEqual((welcome.online[room.id] ?? []).map((a) => a.id).sort(), [bob.user.id, carol.user.id].sort())
    // Bob leaves; a later session on node 2 no longer lists him.
    const bobOffline = carolRt.next('presence', (p) => p.actor.id === bob.user.id && !p.online)
    bobRt.close()
    await bobOffline
    const again = await realtime(url2, alice.token).connect()
    assert.deepEqual(
      (again.online[room.id] ?? []).map((a) => a.id),
      [carol.user.id],
    )
  })

  it('a status set through node 1 expires on time after node 1 stopped: node 2 announces it', async () => {
    const clock = new ManualClock()
    const [node1, , url1, url2] = await twoNodes(clock)
    const alice = await node1.user('alice')
    const bob = await node1.user('bob')
    const rest = new ParleyClient({ baseUrl: url1, auth: { token: alice.token } })
    const room = await rest.createRoom({ kind: 'group', name: 'Status' })
    await rest.addParticipant(room.id, bob.user.id)
    const aliceRt = realtime(url2, alice.token)
    await aliceRt.connect()
    const bobOnline = aliceRt.next('presence', (p) => p.actor.id === bob.user.id && p.online)
    const bobRt = realtime(url2, bob.token)
    await bobRt.connect()
    await bobOnline

    const away = aliceRt.next('presence', (p) => p.actor.id === bob.user.id && p.status?.availability === 'away')
    const bobRest = new ParleyClient({ baseUrl: url1, auth: { token: bob.token } })
    await bobRest.account.setStatus({ availability: 'away', message: 'Lunch', expiresInSeconds: 600 })
    await away
    // Node 1 publishes the change for every node's timer before the status frame, on one Redis
    // connection: node 2 relayed the frame Alice saw, so it has armed its timer. Node 1 stops.
    await node1.close()
    const back = aliceRt.next('presence', (p) => p.actor.id === bob.user.id && p.status?.availability === 'online')
    clock.advance(601_000)
    const presence = await back
    assert.equal(presence.status?.message, null)
    assert.equal(presence.roomId, room.id)
    assert.deepEqual(await new ParleyClient({ baseUrl: url2, auth: { token: bob.token } }).account.status(), {
      availability: 'online',
      message: null,
      expiresAt: null,
    })
  })
})
