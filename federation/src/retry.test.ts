import { describe, it } from 'node:test'
import assert from 'node:assert/strict'
import { deliveryRetryPolicy } from './retry.ts'

describe('deliveryRetryPolicy()', () => {
  it('deliveryRetryPolicy() keeps retrying for at least two days, never more than 6 h apart, then gives up', () => {
    const policy = deliveryRetryPolicy()
    let totalMs = 0
    let attempts = 0
    for (;;) {
      const delay = policy({ attempts, elapsedTime: { total: () => totalMs } } as never)
      if (delay === null) break
      const ms = delay.total('millisecond')
      assert.ok(ms <= 6 * 3600_000, `attempt ${attempts}: ${ms} ms`)
      totalMs += ms
      attempts++
    }
    assert.equal(attempts, 23)
    assert.ok(totalMs >= 48 * 3600_000, `${(totalMs / 3600_000).toFixed(1)} h`)
  })
})
