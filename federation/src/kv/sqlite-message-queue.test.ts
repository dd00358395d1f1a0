import { describe, it, mock } from 'node:test'
import assert from 'node:assert/strict'
import { mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { testMessageQueue } from '@fedify/testing'
import { Temporal } from '@js-temporal/polyfill'
import { openFederationDatabase } from './sqlite-database.ts'
import { SqliteMessageQueue } from './sqlite-message-queue.ts'

function tempFile(): { path: string; cleanup: () => void } {
  const dir = mkdtempSync(join(tmpdir(), 'parley-mq-'))
  return { path: join(dir, 'federation.sqlite'), cleanup: () => rmSync(dir, { recursive: true, force: true }) }
}

describe('SqliteMessageQueue', () => {
  it("SqliteMessageQueue passes Fedify's MessageQueue conformance tests (@fedify/testing), ordering keys included", async () => {
    const { path, cleanup } = tempFile()
    // Two queues on two connections to one file, as Fedify's tester requires.
    await testMessageQueue(
      () => new SqliteMessageQueue(openFederationDatabase(path), { pollIntervalMs: 200 }),
      async ({ controller }) => {
        controller.abort()
        cleanup()
      },
      { testOrderingKey: true },
    )
  })

  it("SqliteMessageQueue.enqueue() takes a delay with fractional milliseconds, as Fedify's retry backoff gives", async () => {
    const { path, cleanup } = tempFile()
    const queue = new SqliteMessageQueue(openFederationDatabase(path), { pollIntervalMs: 20 })
    const controller = new AbortController()
    try {
      await queue.enqueue({ n: 1 }, { delay: Temporal.Duration.from({ milliseconds: 30, microseconds: 700 }) })
      assert.deepEqual(await queue.getDepth(), { queued: 1, ready: 0, delayed: 1 })
      const received = await new Promise<unknown>((resolve) => {
        void queue.listen((message) => resolve(message), { signal: controller.signal })
      })
      assert.deepEqual(received, { n: 1 })
    } finally {
      controller.abort()
      cleanup()
    }
  })

  it('SqliteMessageQueue with a wake channel: an enqueue after close(), or a delayed wake-up falling due after it, posts nothing to the closed channel', async () => {
    // Shutdown closes the queue while a handler may still enqueue (an Accept, a retry with a delay):
    // BroadcastChannel.postMessage on a closed channel throws, which crashed a test run.
    const { path, cleanup } = tempFile()
    const db = openFederationDatabase(path)
    mock.timers.enable({ apis: ['setTimeout'] })
    try {
      const queue = new SqliteMessageQueue(db, { wakeChannel: `test-wake-${path}` })
      await queue.enqueue({ n: 1 }, { delay: Temporal.Duration.from({ milliseconds: 500 }) })
      queue.close()
      mock.timers.tick(1000)
      await queue.enqueue({ n: 2 })
      assert.equal((await queue.getDepth()).queued, 2)
    } finally {
      mock.timers.reset()
      db.close()
      cleanup()
    }
  })

  it('SqliteMessageQueue hands a message left by a killed worker to the next one once its lease runs out', async () => {
    const { path, cleanup } = tempFile()
    try {
      const clock = { now: 1_000_000 }
      const db = openFederationDatabase(path)
      const first = new SqliteMessageQueue(db, { leaseMs: 5000, now: () => clock.now, pollIntervalMs: 20 })
      await first.enqueue({ n: 1 })
      // A worker takes the message and dies without finishing: simulated by leasing it by hand.
      db.prepare('UPDATE fedify_queue SET lease_until = ?').run(clock.now + 5000)
      assert.deepEqual(await first.getDepth(), { queued: 0, ready: 0, delayed: 0 }, 'a leased message is not waiting')

      const seen: unknown[] = []
      const controller = new AbortController()
      const second = new SqliteMessageQueue(openFederationDatabase(path), {
        leaseMs: 5000,
        now: () => clock.now,
        pollIntervalMs: 20,
      })
      const listening = second.listen((message) => void seen.push(message), { signal: controller.signal })
      // A later message as a sentinel: workers take the oldest message they may, so once the
      // sentinel was handled, the leased one was passed over.
      await second.enqueue({ n: 'sentinel' })
      for (let i = 0; i < 250 && seen.length === 0; i++) await new Promise((resolve) => setTimeout(resolve, 20))
      assert.deepEqual(seen, [{ n: 'sentinel' }], 'not while the lease holds')
      clock.now += 5000
      for (let i = 0; i < 250 && seen.length === 1; i++) await new Promise((resolve) => setTimeout(resolve, 20))
      assert.deepEqual(seen, [{ n: 'sentinel' }, { n: 1 }])
      controller.abort()
      await listening
      assert.equal(db.prepare('SELECT COUNT(*) AS n FROM fedify_queue').get()?.n, 0, 'deleted once handled')
    } finally {
      cleanup()
    }
  })

  it('SqliteMessageQueue.listen() returns once its signal is aborted, and a handler error does not stop it', async () => {
    const errors: unknown[] = []
    const mq = new SqliteMessageQueue(openFederationDatabase(':memory:'), { onError: (e) => errors.push(e) })
    const seen: unknown[] = []
    const controller = new AbortController()
    const listening = mq.listen(
      (message) => {
        if (message === 'boom') throw new Error('boom')
        seen.push(message)
      },
      { signal: controller.signal },
    )
    await mq.enqueue('boom')
    await mq.enqueue('fine')
    for (let i = 0; i < 50 && seen.length === 0; i++) await new Promise((resolve) => setTimeout(resolve, 10))
    assert.deepEqual(seen, ['fine'])
    assert.equal((errors[0] as Error).message, 'boom')
    controller.abort()
    await listening
  })

  it('SqliteMessageQueue.pending() counts waiting, delayed and running messages, until the last handler finished', async () => {
    const mq = new SqliteMessageQueue(openFederationDatabase(':memory:'), { pollIntervalMs: 20, concurrency: 1 })
    await mq.enqueue({ n: 1 }, { orderingKey: 'k' })
    await mq.enqueue({ n: 2 }, { orderingKey: 'k' })
    await mq.enqueue({ n: 3 }, { delay: Temporal.Duration.from({ hours: 1 }) })
    assert.deepEqual(mq.pending(), { waiting: 2, running: 0, delayed: 1, total: 3 })
    let release = () => {}
    const seen: unknown[] = []
    const controller = new AbortController()
    let listening: Promise<void> = Promise.resolve()
    await new Promise<void>((started) => {
      listening = mq.listen(
        (message) => {
          seen.push(message)
          if (seen.length > 1) return
          started()
          return new Promise<void>((resolve) => (release = resolve))
        },
        { signal: controller.signal },
      )
    })
    assert.deepEqual(mq.pending(), { waiting: 1, running: 1, delayed: 1, total: 3 }, 'the running one counts')
    assert.equal((await mq.getDepth()).queued, 2, "Fedify's depth leaves it out")
    release()
    for (let i = 0; i < 250 && mq.pending().total > 1; i++) await new Promise((resolve) => setTimeout(resolve, 20))
    assert.deepEqual(mq.pending(), { waiting: 0, running: 0, delayed: 1, total: 1 }, 'the retry not due yet is left')
    assert.deepEqual(seen, [{ n: 1 }, { n: 2 }])
    controller.abort()
    await listening
  })
})
