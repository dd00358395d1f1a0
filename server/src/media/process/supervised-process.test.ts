import { test } from 'node:test'
import assert from 'node:assert/strict'
import { createLogger } from '../../logger.ts'
import { SupervisedProcess } from './supervised-process.ts'

const logger = createLogger('silent')

test('SupervisedProcess.start() says why a process cannot start: missing binary, early exit, never ready', async () => {
  const missing = new SupervisedProcess({
    name: 'ghost',
    command: '/nonexistent/ghost',
    args: [],
    logger,
    ready: async () => true,
  })
  const gone = await missing.start()
  assert.equal(!gone.ok && gone.error.type, 'spawn-failed')
  assert.match(!gone.ok ? gone.error.message : '', /cannot start \/nonexistent\/ghost/)

  const quitter = new SupervisedProcess({
    name: 'quitter',
    command: '/bin/sh',
    args: ['-c', 'echo bad config; exit 3'],
    logger,
    ready: async () => false,
  })
  const quit = await quitter.start()
  assert.equal(!quit.ok && quit.error.type, 'not-ready')
  assert.match(!quit.ok ? quit.error.message : '', /quitter exited during start-up:\nbad config/)

  const sleeper = new SupervisedProcess({
    name: 'sleeper',
    command: '/bin/sleep',
    args: ['30'],
    logger,
    ready: async () => false,
    startTimeoutMs: 200,
  })
  const slow = await sleeper.start()
  assert.equal(!slow.ok && slow.error.type, 'not-ready')
  await sleeper.close()
})

test('SupervisedProcess restarts a process that dies after it was ready, and not after close()', async () => {
  const child = new SupervisedProcess({
    name: 'worker',
    command: '/bin/sleep',
    args: ['30'],
    logger,
    ready: async () => true,
    restartDelayMs: 20,
  })
  const started = await child.start()
  assert.ok(started.ok)
  const exits: { signal: string | null; expected: boolean }[] = []
  child.observer.on('exit', (info) => exits.push({ signal: info.signal, expected: info.expected }))
  const restarted = new Promise<number>((resolve) => child.observer.once('ready', (info) => resolve(info.restarts)))
  process.kill(started.value.pid, 'SIGKILL')
  assert.equal(await restarted, 1)
  assert.notEqual(child.pid, started.value.pid)
  await child.close()
  await child.close()
  assert.deepEqual(exits, [
    { signal: 'SIGKILL', expected: false },
    { signal: 'SIGTERM', expected: true },
  ])
  assert.equal(child.closed, true)
})
