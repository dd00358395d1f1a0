import { describe, it, before, after, afterEach } from 'node:test'
import assert from 'node:assert/strict'
import { startInstance, eventually, printLogsOnFailure, type TestInstance } from '../harness/instance.ts'
import { startFakeMastodon, type FakeMastodon } from '../harness/fake-mastodon.ts'

describe('a Parley user blocks a Mastodon account', () => {
  let parley: TestInstance
  let mastodon: FakeMastodon
  let bob: { id: string }
  let token: string
  const vars = () => ({ PARLEY: parley.origin, PARLEY_HOST: parley.host })
  const api = (path: string, init: RequestInit = {}) =>
    fetch(`${parley.origin}${path}`, {
      ...init,
      headers: { authorization: `Bearer ${token}`, ...(init.body ? { 'content-type': 'application/json' } : {}) },
    })
  const count = (type: string) => mastodon.deliveries.filter((d) => d.json.type === type).length

  before(async () => {
    ;[parley, mastodon] = await Promise.all([startInstance(), startFakeMastodon()])
    bob = await parley.addUser('bob')
    token = (await parley.services.accounts.createToken(bob.id, 'test')).secret
  })
  afterEach(printLogsOnFailure(() => [parley]))
  after(async () => {
    await Promise.all([parley?.close(), mastodon?.close()])
  })

  it("POST /api/v1/me/blocks drops the follows both ways and sends Block (and Undo of bob's Follow)", async () => {
    assert.equal(
      (await mastodon.deliver(`${parley.origin}/users/bob/inbox`, mastodon.fixture('follow.json', vars()))).status,
      202,
    )
    await eventually(async () => (await parley.store().followers.count(bob.id)) === 1, 15_000, 'the follow')
    assert.ok((await parley.services.federation.federation.follow('bob', mastodon.actorId)).ok)
    await eventually(async () => count('Follow') === 1, 15_000, "bob's Follow")

    const res = await api('/api/v1/me/blocks', {
      method: 'POST',
      body: JSON.stringify({ target: `@alice@${mastodon.host}` }),
    })
    assert.equal(res.status, 200)
    assert.equal(((await res.json()) as { actorId: string }).actorId, mastodon.actorId)
    assert.equal(await parley.store().followers.count(bob.id), 0)
    assert.equal(await parley.store().following.get(bob.id, mastodon.actorId), null)
    const block = await eventually(
      async () => mastodon.deliveries.find((d) => d.json.type === 'Block'),
      15_000,
      'the Block',
    )
    assert.equal(block.json.object, mastodon.actorId)
    assert.equal(block.json.actor, `${parley.origin}/users/bob`)
    await eventually(
      async () =>
        mastodon.deliveries.find(
          (d) => d.json.type === 'Undo' && (d.json.object as { type: string }).type === 'Follow',
        ),
      15_000,
      'the Undo of the Follow',
    )
    const list = (await (await api('/api/v1/me/blocks')).json()) as { blocks: { actorId: string }[] }
    assert.deepEqual(
      list.blocks.map((b) => b.actorId),
      [mastodon.actorId],
    )
  })

  it("the blocked account's Follow is rejected and its direct messages are dropped", async () => {
    const follow = mastodon.fixture('follow.json', vars())
    assert.equal((await mastodon.deliver(`${parley.origin}/users/bob/inbox`, follow)).status, 202)
    const reject = await eventually(
      async () => mastodon.deliveries.find((d) => d.json.type === 'Reject'),
      15_000,
      'the Reject',
    )
    assert.equal((reject.json.object as { id: string }).id, JSON.parse(follow).id)
    const dm = mastodon.fixture('create-direct-note.json', vars())
    assert.equal((await mastodon.deliver(`${parley.origin}/users/bob/inbox`, dm)).status, 202)
    await parley.queueDrained()
    assert.equal(await parley.store().followers.count(bob.id), 0)
    assert.deepEqual(await parley.store().inboundMessages.listForUser(bob.id), [])
    assert.equal(count('Accept'), 1, 'only the Accept from before the block')
  })

  it('DELETE /api/v1/me/blocks lifts the block with an Undo of the Block; follows are accepted again', async () => {
    const res = await api(`/api/v1/me/blocks?actor=${encodeURIComponent(mastodon.actorId)}`, { method: 'DELETE' })
    assert.equal(res.status, 204)
    const undo = await eventually(
      async () =>
        mastodon.deliveries.find((d) => d.json.type === 'Undo' && (d.json.object as { type: string }).type === 'Block'),
      15_000,
      'the Undo of the Block',
    )
    assert.equal((undo.json.object as { object: string }).object, mastodon.actorId)
    assert.equal(
      (await api(`/api/v1/me/blocks?actor=${encodeURIComponent(mastodon.actorId)}`, { method: 'DELETE' })).status,
      404,
    )
    assert.equal(
      (await mastodon.deliver(`${parley.origin}/users/bob/inbox`, mastodon.fixture('follow.json', vars()))).status,
      202,
    )
    await eventually(async () => (await parley.store().followers.count(bob.id)) === 1, 15_000, 'the new follow')
  })
})
