import { describe, it, before, after, afterEach } from 'node:test'
import assert from 'node:assert/strict'
import { startInstance, eventually, printLogsOnFailure, type TestInstance } from '../harness/instance.ts'
import { MISSKEY, startFakeMastodon, type FakeMastodon } from '../harness/fake-mastodon.ts'

describe('Misskey → Parley with fixture payloads signed as Misskey signs them', () => {
  let parley: TestInstance
  let misskey: FakeMastodon
  let bob: { id: string }
  const vars = () => ({ PARLEY: parley.origin, PARLEY_HOST: parley.host })
  before(async () => {
    ;[parley, misskey] = await Promise.all([startInstance(), startFakeMastodon(MISSKEY)])
    bob = await parley.addUser('bob')
  })
  afterEach(printLogsOnFailure(() => [parley]))
  after(async () => {
    await Promise.all([parley?.close(), misskey?.close()])
  })

  it('Follow (signed over (request-target) date host digest) is accepted, and the signed Accept arrives back', async () => {
    const follow = misskey.fixture('follow.json', vars())
    assert.equal((await misskey.deliver(`${parley.origin}/users/bob/inbox`, follow)).status, 202)
    const accept = await eventually(
      async () => misskey.deliveries.find((d) => d.json.type === 'Accept'),
      15_000,
      'the Accept',
    )
    assert.equal(accept.signatureVerified, true)
    assert.equal(accept.path, `${MISSKEY.actorPath}/inbox`)
    assert.equal((accept.json.object as { id: string }).id, JSON.parse(follow).id)
    const followers = (await parley.store().followers.list(bob.id, null, 10)).items
    assert.deepEqual(
      followers.map((f) => [f.actorId, f.sharedInbox]),
      [[misskey.actorId, `${misskey.origin}/inbox`]],
    )
  })

  it('a specified-visibility note to the user is a direct message', async () => {
    const create = misskey.fixture('create-direct-note.json', vars())
    assert.equal((await misskey.deliver(`${parley.origin}/inbox`, create)).status, 202)
    const [message] = await eventually(
      async () => {
        const list = await parley.store().inboundMessages.listForUser(bob.id)
        return list.length > 0 ? list : null
      },
      15_000,
      'the direct message',
    )
    assert.equal(message?.noteId, JSON.parse(create).object.id)
    assert.equal(message?.senderId, misskey.actorId)
    assert.match(message?.content ?? '', /are you joining the call\?/)
  })

  it('ParleyFederation.lookup() resolves the Misskey handle to its opaque actor id, name and avatar', async () => {
    const found = await parley.services.federation.federation.lookup(`@carol@${misskey.host}`)
    assert.ok(found.ok, JSON.stringify(found))
    assert.equal(found.value.id, misskey.actorId)
    assert.equal(found.value.handle, `@carol@${misskey.host}`)
    assert.equal(found.value.name, 'Carol Misskey')
    assert.equal(found.value.avatarUrl, `${misskey.origin}/files/webpublic-avatar.webp`)
  })
})
