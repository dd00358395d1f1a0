import { after, afterEach, before, describe, it } from 'node:test'
import assert from 'node:assert/strict'
import { testRedisUrl } from '@parley/federation/testing'
import { startInstance, eventually, printLogsOnFailure, type TestInstance } from '../harness/instance.ts'

const AP = 'application/activity+json'
const { url: redisUrl, skip: redisSkip } = await testRedisUrl()
type CollectionJson = { totalItems: number; first: string; orderedItems: string[] }

async function getCollection(url: string): Promise<CollectionJson> {
  const res = await fetch(url, { headers: { accept: AP } })
  assert.equal(res.status, 200, url)
  return (await res.json()) as CollectionJson
}

for (const queue of ['sqlite', 'redis'] as const)
  describe(
    `Parley ↔ Parley: users follow each other across instances (HTTPS, real signatures, ${queue} queue${queue === 'redis' ? ', needs a Redis server' : ''})`,
    { skip: queue === 'redis' ? redisSkip : undefined },
    () => {
      let a: TestInstance
      let b: TestInstance
      let alice: { id: string }
      let bob: { id: string }
      before(async () => {
        const env: Record<string, string> =
          queue === 'redis' ? { PARLEY_FEDERATION_QUEUE: 'redis', PARLEY_REDIS_URL: redisUrl } : {}
        ;[a, b] = await Promise.all([startInstance({ env }), startInstance({ env })])
        alice = await a.addUser('alice', 'Alice Liddell')
        bob = await b.addUser('bob', 'Bob Builder')
      })
      afterEach(printLogsOnFailure(() => [a, b]))
      after(async () => {
        await Promise.all([a?.close(), b?.close()])
      })

      it('ParleyFederation.lookup() finds a remote user by handle through WebFinger and shows the name', async () => {
        const found = await a.services.federation.federation.lookup(`@bob@${b.host}`)
        assert.ok(found.ok, JSON.stringify(found))
        assert.equal(found.value.id, `${b.origin}/users/bob`)
        assert.equal(found.value.name, 'Bob Builder')
        assert.equal(found.value.handle, `@bob@${b.host}`)
        assert.equal(found.value.inbox, `${b.origin}/users/bob/inbox`)
        const missing = await a.services.federation.federation.lookup(`@nobody@${b.host}`)
        assert.deepEqual(missing, { ok: false, error: { type: 'not-found', what: 'remote-actor' } })
      })

      it('Follow → signed Accept: the follow becomes accepted on A and B counts one follower; Undo removes it', async () => {
        const started = performance.now()
        const sent = await a.services.federation.federation.follow('alice', `@bob@${b.host}`)
        assert.ok(sent.ok, JSON.stringify(sent))
        assert.equal(sent.value.state, 'pending')
        assert.equal(sent.value.actorId, `${b.origin}/users/bob`)

        const accepted = await eventually(
          async () => {
            const record = await a.store().following.get(alice.id, `${b.origin}/users/bob`)
            return record?.state === 'accepted' ? record : null
          },
          15_000,
          'the Accept',
        )
        const latency = performance.now() - started
        assert.equal(accepted.followId, sent.value.followId)
        // Measured, not asserted (timings belong in bench/): printed for the record.
        console.log(`# Follow→Accept between two local instances (${queue}): ${latency.toFixed(0)} ms`)

        const follower = (await b.store().followers.list(bob.id, null, 10)).items[0]
        assert.equal(follower?.actorId, `${a.origin}/users/alice`)
        assert.equal(follower?.inbox, `${a.origin}/users/alice/inbox`)
        assert.equal(follower?.sharedInbox, `${a.origin}/inbox`)
        assert.equal(follower?.followId, sent.value.followId)

        const followers = await getCollection(`${b.origin}/users/bob/followers`)
        assert.equal(followers.totalItems, 1)
        const page = await getCollection(followers.first)
        assert.deepEqual(page.orderedItems, [`${a.origin}/users/alice`])
        const following = await getCollection(`${a.origin}/users/alice/following`)
        assert.equal(following.totalItems, 1)

        // Following again is idempotent on B's side: still one follower.
        const warmStart = performance.now()
        const again = await a.services.federation.federation.follow('alice', `${b.origin}/users/bob`)
        assert.ok(again.ok)
        await eventually(
          async () => (await a.store().following.get(alice.id, `${b.origin}/users/bob`))?.state === 'accepted',
          15_000,
          'the second Accept',
        )
        console.log(`# warm Follow→Accept (${queue}): ${(performance.now() - warmStart).toFixed(0)} ms`)
        assert.equal(await b.store().followers.count(bob.id), 1)

        const undone = await a.services.federation.federation.unfollow('alice', `${b.origin}/users/bob`)
        assert.deepEqual(undone, { ok: true, value: undefined })
        assert.equal(await a.store().following.get(alice.id, `${b.origin}/users/bob`), null)
        await eventually(async () => (await b.store().followers.count(bob.id)) === 0, 15_000, 'the Undo')
        const after = await getCollection(`${b.origin}/users/bob/followers`)
        assert.equal(after.totalItems, 0)
      })

      it('ParleyFederation.follow() refuses unknown local users and unknown remote actors', async () => {
        assert.deepEqual(await a.services.federation.federation.follow('ghost', `@bob@${b.host}`), {
          ok: false,
          error: { type: 'not-found', what: 'local-user' },
        })
        assert.deepEqual(await a.services.federation.federation.follow('alice', `@ghost@${b.host}`), {
          ok: false,
          error: { type: 'not-found', what: 'remote-actor' },
        })
      })
    },
  )
