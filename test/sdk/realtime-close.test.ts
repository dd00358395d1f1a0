/**
 * A realtime request waiting for its reply is rejected at once when the socket closes, with a
 * ParleyRealtimeError whose code says why (the gateway's close code). The gateway here is a
 * stand-in (a `ws` server that welcomes, then closes instead of answering): a real gateway cannot
 * be made to hold a reply back on purpose. The real gateway's close codes are tested in
 * server/src/realtime; the real end-to-end path in test/sdk/package.test.ts.
 */
import { after, describe, it } from 'node:test'
import assert from 'node:assert/strict'
import { WebSocketServer } from 'ws'
import { Parley, ParleyRealtimeError } from '@parley/client'

function standIn(closeWith: number): Promise<{ url: string; close: () => void; requests: string[] }> {
  const requests: string[] = []
  const server = new WebSocketServer({ host: '127.0.0.1', port: 0 })
  server.on('connection', (socket) => {
    socket.on('message', (data) => {
      const frame = JSON.parse(String(data)) as { type: string }
      if (frame.type === 'hello') {
        socket.send(
          JSON.stringify({
            type: 'welcome',
            version: 1,
            sessionId: 's1',
            features: [],
            actor: { type: 'user', id: 'u1', name: 'Alice' },
            rooms: {},
            limits: { maxFrameBytes: 65536, messagesPerSecond: 50, pingIntervalMs: 30000 },
          }),
        )
        return
      }
      requests.push(frame.type)
      socket.close(closeWith, 'closing')
    })
  })
  return new Promise((resolve) =>
    server.on('listening', () => {
      const address = server.address()
      const port = typeof address === 'object' && address ? address.port : 0
      resolve({ url: `http://127.0.0.1:${port}`, close: () => server.close(), requests })
    }),
  )
}

describe('Parley realtime: pending requests when the socket closes', () => {
  const closers: (() => void)[] = []
  after(() => closers.forEach((c) => c()))

  for (const [closeCode, code] of [
    [4003, 'session-ended'],
    [1011, 'connection-closed'],
  ] as const) {
    it(`a close with ${closeCode} rejects the pending request at once with ${code}`, async () => {
      const gateway = await standIn(closeCode)
      closers.push(gateway.close)
      const parley = new Parley({ baseUrl: gateway.url, auth: { token: 't' }, reconnect: false })
      await parley.connect()
      const started = Date.now()
      // A 60 s timeout: only the close can settle this within the test's time.
      const error = await parley.realtime.request({ type: 'call.leave', roomId: 'r' }, 60_000).then(
        () => null,
        (e: unknown) => e,
      )
      assert.ok(error instanceof ParleyRealtimeError, String(error))
      assert.equal(error.code, code)
      assert.deepEqual(gateway.requests, ['call.leave'])
      assert.ok(Date.now() - started < 30_000)
      parley.close()
    })
  }

  it('a request on a closed client is refused with connection-closed, not a plain Error', async () => {
    const gateway = await standIn(1000)
    closers.push(gateway.close)
    const parley = new Parley({ baseUrl: gateway.url, auth: { token: 't' }, reconnect: false })
    await parley.connect()
    parley.close()
    await assert.rejects(
      parley.realtime.request({ type: 'call.leave', roomId: 'r' }),
      (e: unknown) => e instanceof ParleyRealtimeError && e.code === 'connection-closed',
    )
    assert.throws(() => parley.connect(), { name: 'InvalidStateError' })
  })
})
