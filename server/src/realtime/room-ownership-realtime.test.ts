import { describe, it, beforeEach, afterEach } from 'node:test'
import assert from 'node:assert/strict'
import { ParleyClient, RealtimeClient } from '@parley/client'
import type { ServerEvent } from '@parley/protocol'
import { startTestInstance, type TestInstance } from '../testing/test-instance.ts'

describe('Ownership and unban, live', () => {
  let t: TestInstance
  const clients: RealtimeClient[] = []
  beforeEach(async () => {
    t = await startTestInstance()
  })
  afterEach(async () => {
    for (const c of clients.splice(0)) c.close()
    await t.close()
  })

  it('a new owner and an unban reach the room as participant.updated and system messages, in order', async () => {
    const base = await t.listen()
    const [a, b, c] = await Promise.all([t.user('alice'), t.user('bob'), t.user('carol')])
    const alice = new ParleyClient({ baseUrl: base, auth: { token: a.token } })
    const bobRt = new RealtimeClient({ baseUrl: base, auth: { token: b.token }, reconnect: false })
    clients.push(bobRt)
    const room = await alice.createRoom({ kind: 'group', name: 'Team' })
    await alice.addParticipant(room.id, b.user.id)
    await alice.addParticipant(room.id, c.user.id)
    await bobRt.connect()
    const events: ServerEvent[] = []
    bobRt.on('event', (e) => events.push(e))

    await alice.transferOwnership(room.id, b.user.id)
    await alice.ban(room.id, c.user.id)
    await new ParleyClient({ baseUrl: base, auth: { token: b.token } }).unban(room.id, c.user.id)
    const done = await bobRt.next(
      'event',
      (e) => e.event.type === 'message.new' && e.event.message.body === 'unbanned',
      10_000,
    )
    const seen = events.filter((e) => e.seq <= done.seq)
    const summary = seen.map((e) =>
      e.event.type === 'participant.updated'
        ? `${e.event.participant.displayName} is ${e.event.participant.role}`
        : e.event.type === 'message.new' && e.event.message.kind === 'system'
          ? `system: ${e.event.message.body}`
          : e.event.type,
    )
    assert.deepEqual(summary, [
      'Bob is owner',
      'Alice is moderator',
      'system: owner-changed',
      'participant.left',
      'system: banned',
      'system: unbanned',
    ])
    for (let i = 1; i < seen.length; i++) assert.ok((seen[i]?.seq ?? 0) > (seen[i - 1]?.seq ?? 0))
  })
})
