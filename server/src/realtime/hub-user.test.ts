import { describe, it } from 'node:test'
import assert from 'node:assert/strict'
import { InProcessBus } from '../bus/in-process-bus.ts'
import { userTopic } from '../bus/bus.ts'
import { RealtimeHub, type HubListener } from './hub.ts'

const listener = (frames: string[]): HubListener => ({
  roomFrame: () => assert.fail('no room frames'),
  membership: () => assert.fail('no membership changes'),
  userFrame: (raw) => frames.push(raw.toString('utf8')),
})

describe('RealtimeHub user channel', () => {
  it("frames published on a user's topic reach that user's listeners on every hub sharing the bus, until unwatched", async () => {
    const bus = new InProcessBus()
    const [one, two] = [
      new RealtimeHub(bus, (error) => assert.fail(String(error))),
      new RealtimeHub(bus, (error) => assert.fail(String(error))),
    ]
    const [first, second, other] = [[], [], []] as string[][]
    const [l1, l2, l3] = [listener(first!), listener(second!), listener(other!)]
    await one.watchUser('u1', l1)
    await two.watchUser('u1', l2)
    await two.watchUser('u2', l3)
    const frame = JSON.stringify({ type: 'invitation.received', invitation: { inviteId: 'https://a.example/i/1' } })
    await bus.publish(userTopic('u1'), frame)
    assert.deepEqual([first, second, other], [[frame], [frame], []])
    two.unwatchUser('u1', l2)
    await new Promise((resolve) => setImmediate(resolve))
    await bus.publish(userTopic('u1'), frame)
    assert.deepEqual([first!.length, second!.length], [2, 1])
    await bus.close()
  })
})
