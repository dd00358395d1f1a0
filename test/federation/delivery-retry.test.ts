import { after, afterEach, describe, it } from 'node:test'
import assert from 'node:assert/strict'
import { startInstance, eventually, printLogsOnFailure, type TestInstance } from '../harness/instance.ts'

describe('delivery to an instance that is down', () => {
  const running: TestInstance[] = []
  afterEach(printLogsOnFailure(() => running))
  after(async () => {
    await Promise.all(running.map((instance) => instance.close()))
  })

  it('unfollowing while the other instance is down succeeds at once; the queued Undo arrives once it is back', async () => {
    const a = await startInstance()
    let b = await startInstance()
    running.push(a, b)
    const alice = await a.addUser('alice')
    const bob = await b.addUser('bob')
    const bobActor = `${b.origin}/users/bob`
    assert.ok((await a.services.federation.federation.follow('alice', `@bob@${b.host}`)).ok)
    await eventually(
      async () => (await a.store().following.get(alice.id, bobActor))?.state === 'accepted',
      15_000,
      'the Accept',
    )
    assert.equal(await b.store().followers.count(bob.id), 1)

    // B goes down (its files stay); A's user unfollows meanwhile.
    const { port, dataDir } = b
    await b.close({ keepData: true })
    running.splice(running.indexOf(b), 1)
    const undone = await a.services.federation.federation.unfollow('alice', bobActor)
    assert.deepEqual(undone, { ok: true, value: undefined }, 'the local action does not fail')
    assert.equal(await a.store().following.get(alice.id, bobActor), null)

    // B comes back only once A has tried to deliver the Undo and failed: it waits for its retry.
    await eventually(async () => (await a.queuePending()).delayed > 0, 15_000, "A's retry of the Undo")
    b = await startInstance({ port, dataDir })
    running.push(b)
    assert.equal(b.origin, bobActor.replace('/users/bob', ''), 'same origin after the restart')
    assert.equal(await b.store().followers.count(bob.id), 1, 'B still has the follower it stored')
    // Fedify retries with backoff (1 s, 2 s, 4 s, …): the Undo lands after B is back.
    await eventually(async () => (await b.store().followers.count(bob.id)) === 0, 20_000, 'the retried Undo')
  })
})
