import { describe, it } from 'node:test'
import assert from 'node:assert/strict'
import type { Context, MessageQueue } from '@fedify/fedify'
import { ProfileUpdates } from './profile-updates.ts'
import { silentLogger } from './log.ts'
import type { LocalActor } from './ports.ts'

const alice: LocalActor = { userId: 'u1', username: 'alice', displayName: 'Alice', createdAt: 0, deletedAt: null }

function setup(followers: number) {
  const enqueued: unknown[] = []
  const queue = {
    enqueue: async (message: unknown) => void enqueued.push(message),
    listen: async () => {},
  } as unknown as MessageQueue
  const updates = new ProfileUpdates({
    context: () => {
      throw new Error('request() must not build the Update itself')
    },
    directory: { byUsername: async (name) => (name === 'alice' ? alice : null) },
    followers: { count: async () => followers },
    queue,
    log: silentLogger,
  })
  return { updates, enqueued }
}

describe('ProfileUpdates', () => {
  it('ProfileUpdates.request() counts the followers and only enqueues a task for them', async () => {
    const { updates, enqueued } = setup(1000)
    const result = await updates.request('alice')
    assert.deepEqual(result, { ok: true, value: { recipients: 1000 } })
    assert.deepEqual(enqueued, [{ type: 'parley:profile-update', username: 'alice' }])
  })

  it('ProfileUpdates.request() enqueues nothing without followers, and refuses an unknown user', async () => {
    const { updates, enqueued } = setup(0)
    assert.deepEqual(await updates.request('alice'), { ok: true, value: { recipients: 0 } })
    assert.deepEqual(await updates.request('nobody'), { ok: false, error: { type: 'not-found', what: 'local-user' } })
    assert.deepEqual(enqueued, [])
  })

  it('ProfileUpdates.send() sends nothing for a deleted user', async () => {
    const updates = new ProfileUpdates({
      context: () => ({ sendActivity: () => assert.fail('nothing is sent') }) as unknown as Context<void>,
      directory: { byUsername: async () => ({ ...alice, deletedAt: 1 }) },
      followers: { count: async () => 1 },
      log: silentLogger,
    })
    await updates.send('alice')
  })
})
