import { describe, it, before, after } from 'node:test'
import assert from 'node:assert/strict'
import { createServer, type Server } from 'node:http'
import type { AddressInfo } from 'node:net'
import webpush from 'web-push'
import { PushSender } from './push-sender.ts'
import { PushReceiver } from '../testing/push-receiver.ts'
import type { PushSubscriptionRecord } from '../store/push-records.ts'

const vapid = { subject: 'mailto:ops@example.org', ...webpush.generateVAPIDKeys() }
const options = { ttlSeconds: 60, urgency: 'normal' as const }

function record(subscription: ReturnType<PushReceiver['subscription']>): PushSubscriptionRecord {
  return {
    id: 's1',
    userId: 'u1',
    owner: 'token:t1',
    createdAt: 0,
    endpoint: subscription.endpoint,
    ...subscription.keys,
  }
}

describe('PushSender (the guarded path to push services)', () => {
  let receiver: PushReceiver
  before(async () => {
    receiver = await new PushReceiver().listen()
  })
  after(async () => {
    await receiver.close()
  })

  it('PushSender.send() refuses to connect to a loopback address unless private endpoints are allowed', async () => {
    const guarded = new PushSender({ vapid, timeoutMs: 2000, allowPrivate: false })
    const refused = await guarded.send(record(receiver.subscription()), '{"hello":1}', options)
    assert.equal(refused.type, 'failed')
    await guarded.close()
    // Allowed on a test network: the same push arrives, and decrypts.
    const open = new PushSender({ vapid, timeoutMs: 2000, allowPrivate: true })
    assert.deepEqual(await open.send(record(receiver.subscription()), '{"hello":1}', options), {
      type: 'sent',
      status: 201,
    })
    await open.close()
    assert.equal(receiver.received.length, 1, 'the guarded sender sent nothing')
    assert.equal(receiver.received[0]?.text, '{"hello":1}')
  })

  it('PushSender.send() gives up on a push service that never answers (timeout), without throwing', async () => {
    const silent: Server = createServer(() => {}) // reads the request, never answers
    await new Promise<void>((resolve) => silent.listen(0, '127.0.0.1', resolve))
    const port = (silent.address() as AddressInfo).port
    const sender = new PushSender({ vapid, timeoutMs: 300, allowPrivate: true })
    const sub = { ...receiver.subscription(), endpoint: `http://127.0.0.1:${port}/push` }
    const result = await sender.send(record(sub), '{}', options)
    assert.deepEqual(result, { type: 'failed', error: 'timeout' })
    await sender.close()
    silent.closeAllConnections()
    await new Promise<void>((resolve) => silent.close(() => resolve()))
  })
})
