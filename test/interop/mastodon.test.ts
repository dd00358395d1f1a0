import { after, afterEach, before, describe, it } from 'node:test'
import assert from 'node:assert/strict'
import { startInstance, eventually, printLogsOnFailure, type TestInstance } from '../harness/instance.ts'
import { startFakeMastodon, type FakeMastodon } from '../harness/fake-mastodon.ts'

describe('Mastodon → Parley with fixture payloads signed as Mastodon signs them', () => {
  let parley: TestInstance
  let mastodon: FakeMastodon
  let bob: { id: string }
  const vars = () => ({ PARLEY: parley.origin, PARLEY_HOST: parley.host })

  before(async () => {
    ;[parley, mastodon] = await Promise.all([startInstance(), startFakeMastodon()])
    bob = await parley.addUser('bob', 'Bob')
  })
  afterEach(printLogsOnFailure(() => [parley]))
  after(async () => {
    await Promise.all([parley?.close(), mastodon?.close()])
  })

  it('Follow (draft-cavage rsa-sha256) is accepted: one follower, and a signed Accept embedding the Follow arrives back', async () => {
    const follow = mastodon.fixture('follow.json', vars())
    const { status } = await mastodon.deliver(`${parley.origin}/users/bob/inbox`, follow)
    assert.equal(status, 202)
    const accept = await eventually(
      async () => mastodon.deliveries.find((d) => d.json.type === 'Accept'),
      15_000,
      'the Accept',
    )
    assert.equal(accept.path, '/users/alice/inbox')
    assert.equal(accept.signatureVerified, true)
    assert.match(
      accept.headers.signature ?? '',
      /algorithm="rsa-sha256"/,
      'Mastodon gets a draft-cavage signature (after Fedify double-knocks)',
    )
    assert.equal(accept.json.actor, `${parley.origin}/users/bob`)
    const object = accept.json.object as Record<string, unknown>
    assert.equal(object.id, JSON.parse(follow).id)
    assert.equal(object.type, 'Follow')
    assert.equal(object.actor, mastodon.actorId)
    const followers = (await parley.store().followers.list(bob.id, null, 10)).items
    assert.deepEqual(
      followers.map((f) => [f.actorId, f.inbox, f.sharedInbox]),
      [[mastodon.actorId, `${mastodon.origin}/users/alice/inbox`, `${mastodon.origin}/inbox`]],
    )
  })

  it('a direct message (Create Note with a Mention, addressed only to the user) reaches the inbound message store', async () => {
    const create = mastodon.fixture('create-direct-note.json', vars())
    assert.equal((await mastodon.deliver(`${parley.origin}/users/bob/inbox`, create)).status, 202)
    const [message] = await eventually(
      async () => {
        const list = await parley.store().inboundMessages.listForUser(bob.id)
        return list.length > 0 ? list : null
      },
      15_000,
      'the direct message',
    )
    const note = JSON.parse(create).object
    assert.equal(message?.noteId, note.id)
    assert.equal(message?.senderId, mastodon.actorId)
    assert.deepEqual(message?.recipientUserIds, [bob.id])
    assert.match(message?.content ?? '', /Hi Bob, can we talk about the meeting\?/)
    assert.equal(message?.published, Date.parse(note.published))
  })

  it('public and followers-only Notes mentioning the user are not taken for direct messages', async () => {
    const publicNote = JSON.parse(mastodon.fixture('create-direct-note.json', vars()))
    publicNote.to = publicNote.object.to = ['https://www.w3.org/ns/activitystreams#Public']
    publicNote.cc = publicNote.object.cc = [`${parley.origin}/users/bob`]
    const followersOnly = JSON.parse(mastodon.fixture('create-direct-note.json', vars()))
    followersOnly.to = followersOnly.object.to = [`${mastodon.actorId}/followers`]
    followersOnly.cc = followersOnly.object.cc = [`${parley.origin}/users/bob`]
    for (const create of [publicNote, followersOnly]) {
      assert.equal((await mastodon.deliver(`${parley.origin}/inbox`, JSON.stringify(create))).status, 202)
    }
    await parley.queueDrained()
    const notes = (await parley.store().inboundMessages.listForUser(bob.id)).map((m) => m.noteId)
    assert.ok(!notes.includes(publicNote.object.id), 'public')
    assert.ok(!notes.includes(followersOnly.object.id), 'followers-only')
  })

  it('Undo of the Follow (Follow embedded) removes the follower', async () => {
    const followId = JSON.parse(mastodon.fixture('follow.json', vars())).id as string
    // The follower record holds the id of the Follow that made it; undo that one.
    const current = (await parley.store().followers.list(bob.id, null, 10)).items[0]
    const undo = JSON.parse(mastodon.fixture('undo-follow.json', vars()))
    undo.object.id = current?.followId ?? followId
    assert.equal((await mastodon.deliver(`${parley.origin}/users/bob/inbox`, JSON.stringify(undo))).status, 202)
    await eventually(async () => (await parley.store().followers.count(bob.id)) === 0, 15_000, 'the Undo')
  })

  it("ParleyFederation.lookup() shows a Mastodon account's name and avatar from its handle", async () => {
    const found = await parley.services.federation.federation.lookup(`@alice@${mastodon.host}`)
    assert.ok(found.ok, JSON.stringify(found))
    assert.deepEqual(found.value, {
      id: mastodon.actorId,
      type: 'Person',
      handle: `@alice@${mastodon.host}`,
      name: 'Alice Mastodon',
      avatarUrl: `${mastodon.origin}/system/accounts/avatars/000/000/001/original/alice.png`,
      url: `${mastodon.origin}/@alice`,
      inbox: `${mastodon.origin}/users/alice/inbox`,
    })
  })

  it("a Parley user's direct message reaches Mastodon as Mastodon sends them: Create of a Note to the account only, with a Mention", async () => {
    const sent = await parley.services.federation.federation.sendDirectMessage(
      'bob',
      `@alice@${mastodon.host}`,
      'Yes, at 10?',
    )
    assert.ok(sent.ok, JSON.stringify(sent))
    const create = await eventually(
      async () => mastodon.deliveries.find((d) => d.json.type === 'Create'),
      15_000,
      'the Create',
    )
    assert.equal(create.signatureVerified, true)
    assert.equal(create.path, '/users/alice/inbox')
    const note = create.json.object as Record<string, unknown>
    assert.equal(note.type, 'Note')
    assert.equal(note.id, sent.value.noteId)
    assert.equal(note.attributedTo, `${parley.origin}/users/bob`)
    assert.deepEqual([create.json.to].flat(), [mastodon.actorId])
    assert.deepEqual([note.to].flat(), [mastodon.actorId])
    assert.equal(note.cc, undefined, 'nobody else')
    assert.deepEqual(note.tag, { type: 'Mention', href: mastodon.actorId, name: `@alice@${mastodon.host}` })
    assert.match(
      String(note.content),
      new RegExp(
        `^<p><span class="h-card" translate="no"><a href="${mastodon.origin}/@alice" class="u-url mention">@<span>alice</span></a></span> Yes, at 10\\?</p>$`,
      ),
    )
  })

  it('a Parley user follows the Mastodon account: the Follow arrives signed, so Mastodon would accept it', async () => {
    const sent = await parley.services.federation.federation.follow('bob', `@alice@${mastodon.host}`)
    assert.ok(sent.ok)
    const delivered = await eventually(
      async () => mastodon.deliveries.find((d) => d.json.type === 'Follow'),
      15_000,
      'the Follow',
    )
    assert.equal(delivered.json.id, sent.value.followId)
    assert.equal(delivered.json.object, mastodon.actorId)
    assert.equal(delivered.signatureVerified, true)
  })
})

describe('Parley → Mastodon followers: profile updates', () => {
  let parley: TestInstance
  let mastodon: FakeMastodon
  before(async () => {
    ;[parley, mastodon] = await Promise.all([startInstance(), startFakeMastodon()])
  })
  afterEach(printLogsOnFailure(() => [parley]))
  after(async () => {
    await Promise.all([parley?.close(), mastodon?.close()])
  })

  it('a display name change reaches the Mastodon follower as a signed Update of the Person, at its shared inbox', async () => {
    const carol = await parley.addUser('carol', 'Carol')
    const follow = mastodon
      .fixture('follow.json', { PARLEY: parley.origin, PARLEY_HOST: parley.host })
      .replace('/users/bob', '/users/carol')
    assert.equal((await mastodon.deliver(`${parley.origin}/users/carol/inbox`, follow)).status, 202)
    await eventually(async () => (await parley.store().followers.count(carol.id)) === 1, 15_000, 'the follow')
    const updated = await parley.services.accounts.updateProfile(carol.id, 'Carol C.')
    assert.equal(updated?.displayName, 'Carol C.')
    const update = await eventually(
      async () => mastodon.deliveries.find((d) => d.json.type === 'Update'),
      15_000,
      'the Update',
    )
    // Once the follower's domain is blocked, further updates skip it.
    await parley.services.federation.federation.blockDomain(mastodon.host, 'test')
    await parley.services.accounts.updateProfile(carol.id, 'Carol D.')
    await parley.queueDrained()
    assert.equal(
      mastodon.deliveries.filter((d) => d.json.type === 'Update').length,
      1,
      'nothing sent to a blocked domain',
    )
    assert.equal(update.path, '/inbox', 'shared inbox preferred')
    assert.equal(update.signatureVerified, true)
    const person = update.json.object as Record<string, unknown>
    assert.equal(person.id, `${parley.origin}/users/carol`)
    assert.equal(person.type, 'Person')
    assert.equal(person.name, 'Carol C.')
    assert.equal(update.json.actor, `${parley.origin}/users/carol`)
  })
})
