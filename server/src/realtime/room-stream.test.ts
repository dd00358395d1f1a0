import { describe, it } from 'node:test'
import assert from 'node:assert/strict'
import type { ServerMessage } from '@parley/protocol'
import { RoomStream, type StreamFrame } from './room-stream.ts'

const frame = (seq: number | null): StreamFrame => {
  const message: ServerMessage =
    seq === null
      ? { type: 'typing', roomId: 'r', actor: { type: 'user', id: 'u', name: 'U' }, typing: true }
      : { type: 'event', roomId: 'r', seq, event: { type: 'room.deleted' } }
  return { raw: JSON.stringify(message), frame: message, seq }
}

function stream(log: number[] = []) {
  const delivered: (number | null)[] = []
  const asked: [number, number][] = []
  const s = new RoomStream({
    deliver: (f) => delivered.push(f.seq),
    missing: async (after, before) => {
      asked.push([after, before])
      return log.filter((seq) => seq > after && seq < before).map(frame)
    },
    onError: (error) => assert.fail(String(error)),
    gapWaitMs: 5,
  })
  return { s, delivered, asked }
}

/**
 * Waits until `count` frames were delivered (the stream fills gaps after a timer and reads the log
 * asynchronously). The last delivery ends a fill: nothing is asked of the log after it.
 */
async function untilDelivered(list: unknown[], count: number): Promise<void> {
  for (let i = 0; list.length < count; i++) {
    if (i > 200) assert.fail(`only ${list.length} of ${count} frames delivered`)
    await new Promise((resolve) => setTimeout(resolve, 5))
  }
}

describe('RoomStream', () => {
  it('RoomStream holds frames until start(), then drops what the floor covers', () => {
    const { s, delivered } = stream()
    s.accept(frame(4))
    s.accept(frame(5))
    s.accept(frame(6))
    assert.deepEqual(delivered, [])
    s.start(5)
    assert.deepEqual(delivered, [6])
    s.accept(frame(6))
    assert.deepEqual(delivered, [6], 'no duplicate')
    assert.equal(s.floor, 6)
  })

  it('RoomStream puts late frames back in order without asking the log when they arrive in time', async () => {
    const { s, delivered, asked } = stream()
    s.start(0)
    s.accept(frame(2))
    s.accept(frame(null))
    s.accept(frame(1))
    s.accept(frame(3))
    await untilDelivered(delivered, 4)
    assert.deepEqual(delivered, [null, 1, 2, 3], 'typing (no seq) is never held')
    assert.deepEqual(asked, [])
  })

  it('RoomStream reads a missing event from the log, and skips what the log no longer has', async () => {
    const { s, delivered, asked } = stream([2])
    s.start(1)
    s.accept(frame(3))
    s.accept(frame(5))
    await untilDelivered(delivered, 3)
    assert.deepEqual(delivered, [2, 3, 5])
    assert.deepEqual(asked, [
      [1, 3],
      [3, 5],
    ])
    assert.equal(s.floor, 5)
  })
})
