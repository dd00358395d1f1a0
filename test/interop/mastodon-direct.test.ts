/**
 * Direct messages with Mastodon and Misskey accounts as one-to-one rooms, with payloads as those
 * servers send them (fixtures), signed draft-cavage rsa-sha256: what arrives becomes chat seen
 * through the REST API, and what the Parley user does there goes back as direct messages.
 */
import { after, afterEach, before, describe, it } from 'node:test'
import assert from 'node:assert/strict'
import { generateKeyPairSync, randomUUID } from 'node:crypto'
import { startInstance, eventually, printLogsOnFailure, type TestInstance } from '../harness/instance.ts'
import { MISSKEY, startFakeMastodon, type FakeMastodon } from '../harness/fake-mastodon.ts'
import { apiAs, type Api, type Json } from '../harness/rooms.ts'

type Message = {
  seq: number
  kind: string
  actor: { id: string; name: string }
  body: string
  replyTo: number | null
  editedAt: string | null
  deletedAt: string | null
  reactions: { emoji: string; count: number }[]
}

describe('Mastodon and Misskey direct messages ↔ one-to-one rooms', () => {
  let parley: TestInstance
  let mastodon: FakeMastodon
  let misskey: FakeMastodon
  let bob: { id: string; api: Api }
  let roomId: string
  /** The note ids of Alice's first DM and of Bob's reply. */
  let aliceNote: string
  let bobNote: string
  const vars = (extra: Record<string, string> = {}) => ({ PARLEY: parley.origin, PARLEY_HOST: parley.host, ...extra })
  const inbox = () => `${parley.origin}/users/bob/inbox`

  before(async () => {
    ;[parley, mastodon, misskey] = await Promise.all([startInstance(), startFakeMastodon(), startFakeMastodon(MISSKEY)])
    bob = await apiAs(parley, 'bob', 'Bob')
  })
  afterEach(printLogsOnFailure(() => [parley]))
  after(async () => {
    await Promise.all([parley?.close(), mastodon?.close(), misskey?.close()])
  })

  async function messages(room = roomId): Promise<Message[]> {
    const { status, json } = await bob.api(`/api/v1/rooms/${room}/messages?limit=100`)
    assert.equal(status, 200, JSON.stringify(json))
    return (json.messages as Message[]).filter((m) => m.kind === 'text')
  }

  /** What a bad-input test must find unchanged: the room's messages with their reactions. */
  async function snapshot() {
    return JSON.stringify(await messages())
  }

  it('a Mastodon direct message opens a one-to-one room, listed for the user via REST with the message by the account', async () => {
    const create = JSON.parse(mastodon.fixture('create-direct-note.json', vars()))
    aliceNote = create.object.id
    assert.equal((await mastodon.deliver(inbox(), JSON.stringify(create))).status, 202)
    const room = await eventually(
      async () => ((await bob.api('/api/v1/rooms')).json.rooms as Json[]).find((r) => r.kind === 'one-to-one'),
      15_000,
      'the one-to-one room',
    )
    roomId = String(room.id)
    assert.deepEqual(room.remote, {
      actorId: mastodon.actorId,
      name: 'Alice Mastodon',
      handle: `@alice@${mastodon.host}`,
      avatarUrl: `${mastodon.origin}/system/accounts/avatars/000/000/001/original/alice.png`,
      url: `${mastodon.origin}/@alice`,
    })
    const participants = (await bob.api(`/api/v1/rooms/${roomId}/participants`)).json.participants as Json[]
    assert.deepEqual(
      participants.map((p) => [p.actorId, p.displayName, p.actorType]).sort(),
      [
        [bob.id, 'Bob', 'user'],
        [mastodon.actorId, 'Alice Mastodon', 'user'],
      ].sort(),
    )
    const [message] = await eventually(
      async () => ((await messages()).length === 1 ? messages() : null),
      15_000,
      'the message',
    )
    assert.equal(
      message?.body,
      'Hi Bob, can we talk about the meeting?',
      'the mention that addresses the DM is dropped, the HTML gone',
    )
    assert.deepEqual(message?.actor, { type: 'user', id: mastodon.actorId, name: 'Alice Mastodon' })
  })

  it('a redelivered Create (same activity) and a second Create of the same note post nothing more', async () => {
    const create = JSON.parse(mastodon.fixture('create-direct-note.json', vars()))
    create.object.id = aliceNote
    create.id = `${aliceNote}/activity`
    assert.equal((await mastodon.deliver(inbox(), JSON.stringify(create))).status, 202)
    create.id = `${aliceNote}/activity-again`
    assert.equal((await mastodon.deliver(inbox(), JSON.stringify(create))).status, 202)
    await parley.queueDrained()
    assert.equal((await messages()).length, 1)
  })

  it("the user's reply via REST reaches Mastodon as a signed Create of a Note to the account only, with a Mention and inReplyTo", async () => {
    const posted = await bob.api(`/api/v1/rooms/${roomId}/messages`, {
      method: 'POST',
      body: { body: 'Sure, 10:00?', replyTo: (await messages())[0]?.seq },
    })
    assert.equal(posted.status, 201, JSON.stringify(posted.json))
    const create = await eventually(
      async () => mastodon.deliveries.find((d) => d.json.type === 'Create'),
      15_000,
      'the Create',
    )
    assert.equal(create.signatureVerified, true)
    assert.equal(create.path, '/users/alice/inbox')
    assert.equal(create.json.actor, `${parley.origin}/users/bob`)
    assert.deepEqual([create.json.to].flat(), [mastodon.actorId])
    assert.equal(create.json.cc, undefined)
    const note = create.json.object as Json
    bobNote = String(note.id)
    assert.equal(note.type, 'Note')
    assert.deepEqual([note.to].flat(), [mastodon.actorId])
    assert.equal(note.cc, undefined, 'nobody else')
    assert.equal(note.inReplyTo, aliceNote)
    assert.deepEqual(note.tag, { type: 'Mention', href: mastodon.actorId, name: `@alice@${mastodon.host}` })
    assert.match(
      String(note.content),
      /^<p><span class="h-card" translate="no"><a href="[^"]+\/@alice" class="u-url mention">@<span>alice<\/span><\/a><\/span> Sure, 10:00\?<\/p>$/,
    )
  })

  it('a Mastodon reply to our note is a chat reply to that message', async () => {
    const create = JSON.parse(mastodon.fixture('create-direct-note.json', vars()))
    create.object.inReplyTo = bobNote
    create.object.content = create.object.contentMap.en =
      '<p><span class="h-card" translate="no"><a href="x" class="u-url mention">@<span>bob</span></a></span> Perfect &amp; see you</p>'
    assert.equal((await mastodon.deliver(inbox(), JSON.stringify(create))).status, 202)
    const list = await eventually(
      async () => ((await messages()).length === 3 ? messages() : null),
      15_000,
      'the reply',
    )
    assert.equal(list[2]?.body, 'Perfect & see you')
    assert.equal(list[2]?.replyTo, list[1]?.seq)
    assert.equal(list[1]?.body, 'Sure, 10:00?')
  })

  it('a Mastodon Like of our note is a 👍 by the account (visible via REST); its Undo takes it back', async () => {
    const likeId = randomUUID()
    assert.equal(
      (await mastodon.deliver(inbox(), mastodon.fixture('like.json', vars({ LIKE_ID: likeId, NOTE: bobNote })))).status,
      202,
    )
    const liked = await eventually(
      async () => (await messages()).find((m) => m.body === 'Sure, 10:00?' && m.reactions.length > 0),
      15_000,
      'the reaction',
    )
    assert.deepEqual(liked.reactions, [{ emoji: '👍', count: 1 }])
    const who = (await bob.api(`/api/v1/rooms/${roomId}/messages/${liked.seq}/reactions`)).json.reactions as Json[]
    assert.deepEqual(
      who.map((r) => [r.emoji, (r.actor as Json).id]),
      [['👍', mastodon.actorId]],
    )
    assert.equal(
      (await mastodon.deliver(inbox(), mastodon.fixture('undo-like.json', vars({ LIKE_ID: likeId, NOTE: bobNote }))))
        .status,
      202,
    )
    await eventually(
      async () => (await messages()).find((m) => m.seq === liked.seq)?.reactions.length === 0,
      15_000,
      'the Undo',
    )
  })

  it('a Like of a note Parley does not know is accepted (202) and changes nothing', async () => {
    const before = await snapshot()
    const unknown = `${parley.origin}/users/bob/notes/${randomUUID()}`
    assert.equal(
      (await mastodon.deliver(inbox(), mastodon.fixture('like.json', vars({ LIKE_ID: randomUUID(), NOTE: unknown }))))
        .status,
      202,
    )
    await parley.queueDrained()
    assert.equal(await snapshot(), before)
  })

  it('Update of the DM note by its author edits the chat message; Delete (Tombstone) by its author deletes it', async () => {
    const published = new Date().toISOString()
    const update = mastodon.fixture(
      'update-note.json',
      vars({
        NOTE: aliceNote,
        NOTE_NUMBER: aliceNote.split('/').pop() ?? '',
        UPDATED_EPOCH: String(Date.now()),
        PUBLISHED: published,
        TEXT: 'Hi Bob, can we talk about Friday?',
      }),
    )
    assert.equal((await mastodon.deliver(inbox(), update)).status, 202)
    const edited = await eventually(
      async () => (await messages()).find((m) => m.editedAt !== null && m.actor.id === mastodon.actorId),
      15_000,
      'the edit',
    )
    assert.equal(edited.body, 'Hi Bob, can we talk about Friday?')
    assert.equal(
      (await mastodon.deliver(inbox(), mastodon.fixture('delete-note.json', vars({ NOTE: aliceNote })))).status,
      202,
    )
    const deleted = await eventually(
      async () => (await messages()).find((m) => m.seq === edited.seq && m.deletedAt !== null),
      15_000,
      'the delete',
    )
    assert.equal(deleted.body, '')
  })

  it('Misskey: a direct note opens its own room; a Like with _misskey_reaction and an EmojiReact become reactions with that emoji; Undo takes one back', async () => {
    const create = JSON.parse(misskey.fixture('create-direct-note.json', vars()))
    assert.equal((await misskey.deliver(inbox(), JSON.stringify(create))).status, 202)
    const room = await eventually(
      async () =>
        ((await bob.api('/api/v1/rooms')).json.rooms as Json[]).find((r) => r.kind === 'one-to-one' && r.id !== roomId),
      15_000,
      'the Misskey room',
    )
    const [message] = await eventually(
      async () => ((await messages(String(room.id))).length === 1 ? messages(String(room.id)) : null),
      15_000,
      'the note',
    )
    assert.equal(message?.body, 'are you joining the call?')
    assert.equal(message?.actor.id, misskey.actorId)
    const posted = await bob.api(`/api/v1/rooms/${String(room.id)}/messages`, {
      method: 'POST',
      body: { body: 'Yes!' },
    })
    assert.equal(posted.status, 201)
    const out = await eventually(
      async () => misskey.deliveries.find((d) => d.json.type === 'Create'),
      15_000,
      'the Create to Misskey',
    )
    const note = String((out.json.object as Json).id)
    const likeId = randomUUID()
    assert.equal(
      (
        await misskey.deliver(
          inbox(),
          misskey.fixture('like-reaction.json', vars({ NOTE: note, EMOJI: '🎉', ID: likeId })),
        )
      ).status,
      202,
    )
    assert.equal(
      (await misskey.deliver(inbox(), misskey.fixture('emoji-react.json', vars({ NOTE: note, EMOJI: '🔥' })))).status,
      202,
    )
    const reacted = await eventually(
      async () => (await messages(String(room.id))).find((m) => m.body === 'Yes!' && m.reactions.length === 2),
      15_000,
      'both reactions',
    )
    assert.deepEqual(reacted.reactions.map((r) => r.emoji).sort(), ['🎉', '🔥'].sort())
    assert.equal(
      (
        await misskey.deliver(
          inbox(),
          misskey.fixture('undo-like-reaction.json', vars({ NOTE: note, EMOJI: '🎉', LIKE_ID: likeId })),
        )
      ).status,
      202,
    )
    await eventually(
      async () =>
        (await messages(String(room.id)))
          .find((m) => m.seq === reacted.seq)
          ?.reactions.map((r) => r.emoji)
          .join() === '🔥',
      15_000,
      'the Undo',
    )
  })

  it('bad input changes nothing: Update/Delete/Like of the DM by another actor, signatures by a key the actor does not own, notes of other servers', async () => {
    const create = JSON.parse(mastodon.fixture('create-direct-note.json', vars()))
    assert.equal((await mastodon.deliver(inbox(), JSON.stringify(create))).status, 202)
    const note = String(create.object.id)
    await eventually(
      async () =>
        (await messages()).some((m) => m.body === 'Hi Bob, can we talk about the meeting?' && m.deletedAt === null),
      15_000,
      'a fresh DM',
    )
    const before = await snapshot()
    const text = {
      NOTE: note,
      NOTE_NUMBER: note.split('/').pop() ?? '',
      UPDATED_EPOCH: String(Date.now()),
      PUBLISHED: new Date().toISOString(),
      TEXT: 'forged',
    }
    // Misskey's account acting on Alice's note: an Update naming Alice as the author, a Delete and an Update naming itself.
    const forgedUpdate = JSON.parse(mastodon.fixture('update-note.json', vars(text)))
    forgedUpdate.actor = misskey.actorId
    forgedUpdate.id = `${misskey.origin}/updates/${randomUUID()}`
    const forgedDelete = JSON.parse(mastodon.fixture('delete-note.json', vars({ NOTE: note })))
    forgedDelete.actor = misskey.actorId
    forgedDelete.id = `${misskey.origin}/deletes/${randomUUID()}`
    for (const body of [forgedUpdate, forgedDelete])
      assert.equal((await misskey.deliver(inbox(), JSON.stringify(body))).status, 202)
    // Misskey's account is no participant of Alice's room: its Like of Bob's note there is refused too.
    assert.equal(
      (await misskey.deliver(inbox(), misskey.fixture('like-reaction.json', vars({ NOTE: bobNote, EMOJI: '🎉' }))))
        .status,
      202,
    )
    // Signed with a key that is not Alice's, claiming to be Alice: 401 before anything is done.
    const { privateKey } = generateKeyPairSync('rsa', { modulusLength: 2048 })
    const like = mastodon.fixture('like.json', vars({ LIKE_ID: randomUUID(), NOTE: bobNote }))
    assert.equal((await mastodon.deliver(inbox(), like, { privateKey })).status, 401)
    assert.equal(
      (await mastodon.deliver(inbox(), mastodon.fixture('update-note.json', vars(text)), { breakSignature: true }))
        .status,
      401,
    )
    // Signed by Misskey's account (a valid signature, of another key owner) but claiming to be Alice: 401.
    const claimed = JSON.parse(misskey.fixture('emoji-react.json', vars({ NOTE: bobNote, EMOJI: '🔥' })))
    claimed.actor = mastodon.actorId
    assert.equal((await misskey.deliver(inbox(), JSON.stringify(claimed))).status, 401)
    const claimedDelete = JSON.parse(mastodon.fixture('delete-note.json', vars({ NOTE: note })))
    claimedDelete.id = `${note}#delete-claimed`
    assert.equal((await misskey.deliver(inbox(), JSON.stringify(claimedDelete))).status, 401)
    // Alice liking a note of another server, and deleting one: not ours to change.
    assert.equal(
      (
        await mastodon.deliver(
          inbox(),
          mastodon.fixture(
            'like.json',
            vars({ LIKE_ID: randomUUID(), NOTE: `${misskey.origin}/notes/9ix${randomUUID()}` }),
          ),
        )
      ).status,
      202,
    )
    // Alice deleting a note of another server (Misskey's origin).
    const otherServer = JSON.parse(
      mastodon.fixture('delete-note.json', vars({ NOTE: `${misskey.origin}/notes/9ix${randomUUID()}` })),
    )
    assert.equal((await mastodon.deliver(inbox(), JSON.stringify(otherServer))).status, 202)
    await parley.queueDrained()
    assert.equal(await snapshot(), before, 'store unchanged')
  })

  it('once the user blocks the account, what they post in the room no longer goes to it', async () => {
    const blocked = await parley.services.federation.federation.block('bob', mastodon.actorId)
    assert.ok(blocked.ok, JSON.stringify(blocked))
    await eventually(async () => mastodon.deliveries.find((d) => d.json.type === 'Block'), 15_000, 'the Block')
    const creates = mastodon.deliveries.filter((d) => d.json.type === 'Create').length
    assert.equal(
      (await bob.api(`/api/v1/rooms/${roomId}/messages`, { method: 'POST', body: { body: 'not for you' } })).status,
      201,
      'the local post is not failed',
    )
    await parley.services.federation.federation.sendDirectMessage('bob', `@carol@${misskey.host}`, 'a marker after it')
    await eventually(
      async () => misskey.deliveries.find((d) => JSON.stringify(d.json).includes('a marker after it')),
      15_000,
      'the marker',
    )
    // The post went through the direct outbox and the queue, which then emptied: nothing left to send.
    await parley.queueDrained()
    assert.equal(mastodon.deliveries.filter((d) => d.json.type === 'Create').length, creates)
  })
})
