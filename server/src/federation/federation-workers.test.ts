/**
 * When federation worker threads run: the rule as a table (decideScaling), and FederationWorkers
 * following it with real threads — each a whole instance on a real data folder. The queue's depth
 * is what the test says it is (a stand-in for getDepth().ready, which sqlite-message-queue.test.ts
 * checks on the real queue), so that a backlog is there exactly when the test wants one; that
 * threads share real work is test/federation/federation-workers.test.ts.
 */
import { after, before, describe, it } from 'node:test'
import assert from 'node:assert/strict'
import { mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { loadConfig } from '../config/load.ts'
import type { Config } from '../config/schema.ts'
import { createLogger } from '../logger.ts'
import { SqliteStore } from '../store/sqlite/sqlite-store.ts'
import { decideScaling, type ScalingLimits, type ScalingState } from './federation-worker-scaling.ts'
import { FederationWorkers } from './federation-workers.ts'

describe('decideScaling()', () => {
  const limits: ScalingLimits = { max: 1, backlog: 32, idleMs: 60_000, drainWithinMs: 5000 }
  /** A backlog of `ready` seen now, the two checks before (500 ms apart) having seen `first`, then `second`. */
  const backlog = (ready: number, first: number, second: number, running = 0): ScalingState => ({
    ready,
    running,
    emptySinceMs: null,
    now: 11_000,
    earlier: [
      { ready: first, at: 10_000 },
      { ready: second, at: 10_500 },
    ],
  })
  const quiet = (emptySinceMs: number, now: number): ScalingState => ({
    ready: 0,
    running: 1,
    emptySinceMs,
    now,
    earlier: [],
  })
  const cases: [string, ScalingState, ScalingLimits, string][] = [
    ['idle, nothing runs', { ...quiet(0, 120_000), running: 0 }, limits, 'keep'],
    ['work below the bar', backlog(31, 31, 31), limits, 'keep'],
    ['a lasting backlog starts a thread', backlog(32, 32, 32), limits, 'start'],
    ['a backlog growing at every check starts a thread', backlog(900, 100, 400), limits, 'start'],
    [
      'a backlog seen at two checks only waits',
      { ...backlog(500, 0, 500), earlier: [{ ready: 500, at: 10_500 }] },
      limits,
      'keep',
    ],
    ['a backlog that was not there two checks ago waits', backlog(500, 10, 400), limits, 'keep'],
    // A fan-out: its messages arrive over one interval (growing), then it falls fast (gone in 0.3 s).
    ['a burst growing, then falling fast, is left to the running threads', backlog(300, 200, 900), limits, 'keep'],
    // 5,000 → 4,900 → 4,800, 500 ms apart: 24 s more at that pace.
    ['a backlog falling slowly starts a thread', backlog(4800, 5000, 4900), limits, 'start'],
    ['no more than allowed', backlog(500, 500, 500, 1), limits, 'keep'],
    ['the next thread on a lasting backlog', backlog(40, 40, 40, 1), { ...limits, max: 3 }, 'start'],
    ['work keeps a thread', backlog(1, 1, 1, 1), limits, 'keep'],
    ['a short quiet keeps it', quiet(10_000, 69_999), limits, 'keep'],
    ['a long quiet stops one', quiet(10_000, 70_000), limits, 'stop'],
    ['none allowed', backlog(1000, 1000, 1000), { ...limits, max: 0 }, 'keep'],
  ]
  for (const [name, state, given, expected] of cases)
    it(name, () => assert.equal(decideScaling(state, given), expected))
})

describe('FederationWorkers', () => {
  let dir: string
  let config: Config
  const lines: string[] = []
  const logger = createLogger('info', { write: (line: string) => void lines.push(line) })

  before(() => {
    dir = mkdtempSync(join(tmpdir(), 'parley-workers-'))
    const loaded = loadConfig({ env: { PARLEY_DATA_DIR: dir, PARLEY_FEDERATION_WORKERS: '2' } })
    if (!loaded.ok) throw new TypeError(JSON.stringify(loaded.problems))
    config = loaded.config
    // The store as the main thread leaves it (migrated) before any worker opens it.
    new SqliteStore(join(dir, 'parley.sqlite')).close()
  })
  after(() => rmSync(dir, { recursive: true, force: true }))

  it('starts a thread when a backlog builds and stops it once the queue has been empty for idleMs', async () => {
    let ready = 0
    let asked = 0
    const workers = new FederationWorkers(config, logger, {
      threads: 1,
      ready: async () => {
        asked++
        return ready
      },
      scaling: { backlog: 10, idleMs: 300 },
      checkEveryMs: 20,
    })
    try {
      workers.start()
      await until(() => asked >= 3, 'a few checks of an empty queue')
      assert.equal(workers.running, 0, 'no thread without work')
      ready = 9
      const seen = asked
      await until(() => asked >= seen + 3, 'checks of a queue below the bar')
      assert.equal(workers.running, 0, 'work below the bar is the main thread’s')
      ready = 50
      await until(() => logged('federation worker thread started'), 'a thread started by the backlog')
      assert.equal(workers.running, 1)
      // A thread started by a backlog is a real one: it answers for what it handled (none here).
      assert.equal(await workers.handled(), 0)
      ready = 0
      await until(() => workers.running === 0 && logged('worker thread stopped'), 'the idle thread stopped')
    } finally {
      await workers.close()
    }
  })

  it('close() ends a thread still starting, and nothing starts after it', async () => {
    const workers = new FederationWorkers(config, logger, { threads: 1, ready: async () => 1000 })
    const growing = workers.grow()
    await workers.close()
    await assert.rejects(growing)
    assert.equal(workers.running, 0)
    assert.throws(() => workers.start(), { name: 'InvalidStateError' })
  })

  const logged = (text: string) => lines.some((line) => line.includes(text))
})

async function until(condition: () => boolean, what: string, timeoutMs = 60_000): Promise<void> {
  const deadline = Date.now() + timeoutMs
  while (!condition()) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`)
    await new Promise((resolve) => setTimeout(resolve, 10))
  }
}
