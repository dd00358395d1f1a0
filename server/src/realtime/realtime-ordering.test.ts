import { describe, it } from 'node:test'
import assert from 'node:assert/strict'
import { ParleyClient, RealtimeClient } from '@parley/client'
import type { ServerEvent } from '@parley/protocol'
import { startTestInstance } from '../testing/test-instance.ts'
import { InProcessBus } from '../bus/in-process-bus.ts'
import type { Bus } from '../bus/bus.ts'

/** A bus that can hold room frames and let them go in reverse, as two nodes racing would. */
class ReorderingBus implements Bus {
  readonly inner = new InProcessBus()
  holding = false
  held: [string, string][] = []
  publish(topic: string, message: string): Promise<void> {
    if (this.holding && topic.startsWith('room:')) {
      this.held.push([topic, message])
      return Promise.resolve()
    }
    return this.inner.publish(topic, message)
  }
  async releaseReversed(): Promise<void> {
    this.holding = false
    for (const [topic, message] of this.held.splice(0).reverse()) await this.inner.publish(topic, message)
  }
  dropHeld(): void {
    this.holding = false
    this.held = []
  }
  subscribe = this.inner.subscribe.bind(this.inner)
  close = this.inner.close.bind(this.inner)
}

describe('Realtime gateway: ordering', () => {
  it('a session delivers room events in seq order, once, when the bus brings them out of order or loses one', async () => {
    const bus = new ReorderingBus()
    const t = await startTestInstance({ bus })
    const base = await t.listen()
    const a = await t.user('alice')
    const b = await t.user('bob')
    const alice = new ParleyClient({ baseUrl: base, auth: { token: a.token } })
    const room = await alice.createRoom({ kind: 'group', name: 'Race' })
    await alice.addParticipant(room.id, b.user.id)
    const bob = new RealtimeClient({ baseUrl: base, auth: { token: b.token }, reconnect: false })
    try {
      await bob.connect()
      const events: ServerEvent[] = []
      bob.on('event', (e) => events.push(e))

      bus.holding = true
      const first = await alice.post(room.id, 'first')
      const second = await alice.post(room.id, 'second')
      await bus.releaseReversed()
      // A frame the bus loses entirely (a node dying after storing it) comes from the log instead.
      bus.holding = true
      const lost = await alice.post(room.id, 'lost on the bus')
      bus.dropHeld()
      const after = await alice.post(room.id, 'after')
      for (let i = 0; i < 100 && !events.some((e) => e.seq === after.seq); i++)
        await new Promise((r) => setTimeout(r, 10))
      assert.deepEqual(
        events.map((e) => e.seq),
        [first.seq, second.seq, lost.seq, after.seq],
      )
      assert.deepEqual(
        events.map((e) => e.event.type === 'message.new' && e.event.message.body),
        ['first', 'second', 'lost on the bus', 'after'],
      )
    } finally {
      bob.close()
      await t.close()
    }
  })
})
