import { afterEach, describe, it } from 'node:test'
import assert from 'node:assert/strict'
import type { CascadeBridgeSubscribe, HostCascadeFrame } from '@parley/protocol'
import { InProcessBus } from '../bus/in-process-bus.ts'
import { createLogger } from '../logger.ts'
import { MAX_BRIDGES } from './bridge-host.ts'
import { HostCallRelay } from './host-call-relay.ts'
import { until } from '../testing/raw-realtime.ts'

// Two of the host's nodes on one in-process bus. The leases are a fake (FakeLeases): which node
// holds a room's call, and which nodes are alive, is what each test says, so a crashed node is one
// whose heartbeat the test takes away (the real heartbeat is RedisCallLeases', call-lease.ts).

class FakeLeases {
  readonly nodeId: string
  readonly holders = new Map<string, string>()
  readonly dead = new Set<string>()
  /** Nodes asked about so far, with what was answered (a test waits for a check to have run). */
  readonly asked: { node: string; alive: boolean }[] = []

  constructor(nodeId: string) {
    this.nodeId = nodeId
  }

  async holder(roomId: string): Promise<string | null> {
    return this.holders.get(roomId) ?? null
  }

  async alive(nodeIds: Iterable<string>): Promise<Set<string>> {
    const alive = new Set<string>()
    for (const node of nodeIds) {
      this.asked.push({ node, alive: !this.dead.has(node) })
      if (!this.dead.has(node)) alive.add(node)
    }
    return alive
  }
}

const logger = createLogger('silent')
const subscribe = (bridge: string): CascadeBridgeSubscribe => ({
  type: 'cascade.bridge-subscribe',
  room: 'https://a.example/rooms/r1',
  bridge,
  feed: 'feed-1',
})

describe('HostCallRelay across nodes', () => {
  const relays: HostCallRelay[] = []
  afterEach(async () => {
    for (const relay of relays.splice(0)) await relay.close()
  })

  async function node(bus: InProcessBus, leases: FakeLeases): Promise<HostCallRelay> {
    const relay = await HostCallRelay.start({ bus, leases, call: () => undefined, logger, checkMs: 10 })
    relays.push(relay)
    return relay
  }

  it('the call’s node crashed: the channel’s node tells the peer its bridges there ended (node gone)', async () => {
    const bus = new InProcessBus()
    const leases = new FakeLeases('n1')
    leases.holders.set('r1', 'n2') // n2 runs the call but never answers: it crashed
    const relay = await node(bus, leases)
    const sent: HostCascadeFrame[] = []
    const bridges = relay.link('https://b.example', (frame) => sent.push(frame))
    await bridges.subscribe(subscribe('br-1'), 'r1')
    assert.equal(bridges.size, 1, 'the bridge went to n2')

    await until(() => leases.asked.some((a) => a.node === 'n2' && a.alive), 'a check finding n2 alive')
    assert.equal(bridges.size, 1, 'a live call’s node keeps its bridges')
    assert.equal(sent.length, 0)

    leases.dead.add('n2')
    await until(() => sent.length > 0, 'the peer told')
    assert.deepEqual(sent, [
      { type: 'cascade.bridge-closed', room: subscribe('br-1').room, bridge: 'br-1', reason: 'node gone' },
    ])
    assert.equal(bridges.size, 0, 'the channel forgot the bridge')
    assert.equal(bridges.has('br-1'), false)
  })

  it('the channel’s node crashed: the call’s node lets go what it ran for that channel', async () => {
    const bus = new InProcessBus()
    const leases1 = new FakeLeases('n1')
    const leases2 = new FakeLeases('n2')
    leases1.holders.set('r1', 'n2')
    const channelNode = await node(bus, leases1)
    const callNode = await node(bus, leases2)
    const bridges = channelNode.link('https://b.example', () => {})
    await bridges.subscribe(subscribe('br-1'), 'r1')
    await until(() => callNode.hostedChannels === 1, 'n2 holding the channel')

    leases2.dead.add('n1')
    await until(() => callNode.hostedChannels === 0, 'n2 letting the channel go')
  })

  it('the limit of bridges per channel counts those on every node', async () => {
    const bus = new InProcessBus()
    const leases = new FakeLeases('n1')
    leases.holders.set('r1', 'n2')
    const relay = await node(bus, leases)
    const sent: HostCascadeFrame[] = []
    const bridges = relay.link('https://b.example', (frame) => sent.push(frame))
    for (let i = 0; i < MAX_BRIDGES; i++) await bridges.subscribe(subscribe(`br-${i}`), 'r1')
    assert.equal(bridges.size, MAX_BRIDGES)
    assert.equal(sent.length, 0)
    await bridges.subscribe(subscribe('one-more'), 'r1')
    assert.equal(bridges.size, MAX_BRIDGES, 'refused, changing nothing')
    assert.equal(sent.length, 1)
    const refusal = sent[0]
    assert.ok(refusal?.type === 'cascade.error')
    assert.equal(refusal.error.code, 'rate-limited')
    assert.deepEqual(refusal.error.details, { bridge: 'one-more', max: MAX_BRIDGES })
  })
})
