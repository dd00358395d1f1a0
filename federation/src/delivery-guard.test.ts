import { describe, it } from 'node:test'
import assert from 'node:assert/strict'
import type { LookupFunction } from 'node:net'
import type { MessageQueue } from '@fedify/fedify'
import { DeliveryAddressGuard } from './delivery-guard.ts'
import { RemoteFetcher } from './remote-fetcher.ts'

/** A queue that hands the messages given to `deliver()` to its listener. */
function fakeQueue(): MessageQueue & { deliver(message: unknown): Promise<void> } {
  let listener: ((message: unknown) => Promise<void> | void) | null = null
  return {
    nativeRetrial: true,
    enqueue: async () => {},
    listen: async (handler) => {
      listener = handler
    },
    deliver: async (message) => {
      await listener?.(message)
    },
  }
}

const lookup: LookupFunction = (hostname, options, callback) => {
  const address = hostname === 'private.test' ? '10.0.0.1' : hostname === 'public.test' ? '93.184.216.34' : null
  if (address === null)
    return callback(Object.assign(new Error(`getaddrinfo ENOTFOUND ${hostname}`), { code: 'ENOTFOUND' }), '', 4)
  if (options.all) callback(null, [{ address, family: 4 }])
  else callback(null, address, 4)
}

describe('DeliveryAddressGuard', () => {
  it('drops outbox messages to non-public or non-https inboxes with a warning, and passes the rest on', async () => {
    const inner = fakeQueue()
    const warnings: object[] = []
    const log = { debug() {}, info() {}, error() {}, warn: (fields: object) => void warnings.push(fields) }
    const fetcher = new RemoteFetcher(
      { allowPrivateAddress: false, maxBytes: 1024, timeoutMs: 1000, userAgent: 'test' },
      { lookup },
    )
    const guard = new DeliveryAddressGuard(inner, (url) => fetcher.checkUrl(url), log)
    assert.equal(guard.nativeRetrial, true)
    const handled: unknown[] = []
    await guard.listen((message) => void handled.push(message))
    const outbox = (inbox: string) => ({ type: 'outbox', id: inbox, inbox })
    await inner.deliver(outbox('https://private.test/inbox'))
    await inner.deliver(outbox('https://169.254.169.254/inbox'))
    await inner.deliver(outbox('http://public.test/inbox'))
    await inner.deliver(outbox('https://public.test/inbox'))
    await inner.deliver(outbox('https://unknown.test/inbox')) // a DNS failure is the delivery's to retry
    await inner.deliver({ type: 'inbox', id: 'x' })
    assert.deepEqual(handled, [
      outbox('https://public.test/inbox'),
      outbox('https://unknown.test/inbox'),
      { type: 'inbox', id: 'x' },
    ])
    assert.deepEqual(
      warnings.map((fields) => [(fields as { inbox: string }).inbox, (fields as { code: string }).code]),
      [
        ['https://private.test/inbox', 'fetch-private-address'],
        ['https://169.254.169.254/inbox', 'fetch-private-address'],
        ['http://public.test/inbox', 'fetch-scheme-refused'],
      ],
    )
    await fetcher.close()
  })

  it('lets every inbox through on a test network', async () => {
    const inner = fakeQueue()
    const fetcher = new RemoteFetcher(
      { allowPrivateAddress: true, maxBytes: 1024, timeoutMs: 1000, userAgent: 'test' },
      { lookup },
    )
    const guard = new DeliveryAddressGuard(inner, (url) => fetcher.checkUrl(url), {
      debug() {},
      info() {},
      warn() {},
      error() {},
    })
    assert.equal(guard.enqueueMany, undefined)
    const handled: unknown[] = []
    await guard.listen((message) => void handled.push(message))
    await inner.deliver({ type: 'outbox', inbox: 'http://127.0.0.1:8080/inbox' })
    assert.equal(handled.length, 1)
    await fetcher.close()
  })
})
