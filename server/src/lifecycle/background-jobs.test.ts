import { test } from 'node:test'
import assert from 'node:assert/strict'
import { BackgroundJobs } from './background-jobs.ts'
import { createLogger } from '../logger.ts'

test('BackgroundJobs.stop() waits for the run in progress, and no run starts after it', async () => {
  const jobs = new BackgroundJobs(createLogger('silent'))
  let release!: () => void
  const events: string[] = []
  jobs.add({
    name: 'slow',
    everyMs: null,
    run: async () => {
      events.push('started')
      await new Promise<void>((resolve) => (release = resolve))
      events.push('finished')
    },
  })
  jobs.start()
  assert.deepEqual(events, ['started'])
  const stopped = jobs.stop().then(() => events.push('stopped'))
  release()
  await stopped
  assert.deepEqual(events, ['started', 'finished', 'stopped'])
})

test('BackgroundJobs runs a periodic job at start when asked, never two runs of one job at once, and logs failures', async () => {
  const jobs = new BackgroundJobs(createLogger('silent'))
  let runs = 0
  let failing = 0
  jobs.add({ name: 'sweep', everyMs: 60_000, atStart: true, run: async () => void runs++ })
  jobs.add({
    name: 'broken',
    everyMs: null,
    run: async () => {
      failing++
      throw new Error('boom')
    },
  })
  jobs.start()
  await jobs.idle()
  assert.equal(runs, 1)
  assert.equal(failing, 1)
  await jobs.stop()
  assert.throws(() => jobs.start(), { name: 'InvalidStateError' })
})
