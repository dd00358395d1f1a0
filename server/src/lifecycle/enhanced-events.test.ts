import { test } from 'node:test'
import assert from 'node:assert/strict'
import { EnhancedEventEmitter } from './enhanced-events.ts'

test('EnhancedEventEmitter.safeEmit() runs every listener even when one throws or rejects', async () => {
  const errors: string[] = []
  const emitter = new EnhancedEventEmitter<{ ping: [number] }>((event, error) =>
    errors.push(`${event}:${(error as Error).message}`),
  )
  const seen: number[] = []
  emitter.on('ping', () => {
    throw new Error('boom')
  })
  emitter.on('ping', async () => {
    throw new Error('later')
  })
  emitter.once('ping', (n) => seen.push(n))
  assert.equal(emitter.safeEmit('ping', 1), true)
  assert.equal(emitter.safeEmit('ping', 2), true)
  await new Promise((resolve) => setImmediate(resolve))
  assert.deepEqual(seen, [1])
  assert.deepEqual(errors.sort(), ['ping:boom', 'ping:boom', 'ping:later', 'ping:later'])
  assert.equal(emitter.listenerCount('ping'), 2)
})
