import { describe, it } from 'node:test'
import assert from 'node:assert/strict'
import { runPollWorkers, wakeEvent } from './poll-workers.ts'

/**
 * Here claims are synchronous and the poll interval a minute away, so a woken worker claims and
 * goes back to sleep on microtasks alone: once the event loop turned (setImmediate), every worker
 * that was going to claim has — a condition, not a guessed pause.
 */
const workersSettled = () => new Promise((resolve) => setImmediate(resolve))

describe('runPollWorkers()', () => {
  it('runPollWorkers() wakes as many sleeping workers as the wake event counts, and all on a plain Event', async () => {
    const wake = new EventTarget()
    const controller = new AbortController()
    let claims = 0
    const running = runPollWorkers({
      wake,
      signal: controller.signal,
      concurrency: 8,
      pollIntervalMs: 60_000,
      claim: () => {
        claims++
        return null
      },
      handle: async () => {},
    })
    await workersSettled()
    assert.equal(claims, 8, 'each worker looked once, then slept')
    wake.dispatchEvent(wakeEvent(1))
    await workersSettled()
    assert.equal(claims, 9)
    wake.dispatchEvent(wakeEvent(3))
    await workersSettled()
    assert.equal(claims, 12)
    wake.dispatchEvent(new Event('wake'))
    await workersSettled()
    assert.equal(claims, 20)
    controller.abort()
    await running
  })
})
