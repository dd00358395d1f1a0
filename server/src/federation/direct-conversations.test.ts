/**
 * Direct notes from remote accounts, posted once per room whatever happens between the note's
 * message and its bookkeeping: the note's id is stored with its message's event in one store write,
 * so a failure after the message (the process dying before the note was recorded) cannot make the
 * queue's next run post it again, a failure before it leaves nothing, two copies of a note racing
 * post one message, and a note to two people reaches both. On a real SQLite file; the failures are
 * injected into the real repositories (the next call fails once), named as such below.
 */
import { afterEach, beforeEach, describe, it } from 'node:test'
import assert from 'node:assert/strict'
import type { InboundDirectNote, RemoteAccount } from '@parley/federation'
import type { MessageView, MyRoom } from '@parley/protocol'
import { startTestInstance, type TestInstance, type TestUser } from '../testing/test-instance.ts'
import { DirectConversations } from './direct-conversations.ts'

const carla: RemoteAccount = {
  id: 'https://social.example/users/carla',
  name: 'Carla',
  handle: '@carla@social.example',
  url: 'https://social.example/@carla',
  avatarUrl: null,
  inbox: 'https://social.example/users/carla/inbox',
  sharedInbox: 'https://social.example/inbox',
}

/** Makes the next call of `object[method]` fail as if the process died there; later calls go through. */
function failOnce<T extends object>(object: T, method: keyof T & string): void {
  const original = (object[method] as (...args: unknown[]) => unknown).bind(object)
  Object.assign(object, {
    [method]: () => {
      Object.assign(object, { [method]: original })
      return Promise.reject(new Error(`injected failure in ${method}`))
    },
  })
}

describe('direct notes are posted once per room (the note id is stored with its message)', () => {
  let t: TestInstance
  let alice: TestUser
  let bob: TestUser
  let direct: DirectConversations
  let n = 0

  const note = (recipient: TestUser, text: string, noteId = `https://social.example/users/carla/statuses/${++n}`) =>
    ({
      activityId: `${noteId}/activity`,
      noteId,
      sender: carla,
      recipientUserId: recipient.user.id,
      text,
      inReplyTo: null,
      published: null,
    }) satisfies InboundDirectNote

  /** The texts of the one-to-one room with Carla, as its local member reads them through the API. */
  async function texts(user: TestUser): Promise<string[]> {
    const rooms = (await t.call('GET', '/api/v1/rooms', { headers: user.auth })).json<{ rooms: MyRoom[] }>().rooms
    const room = rooms.find((r) => r.kind === 'one-to-one')
    if (!room) return []
    const page = await t.call('GET', `/api/v1/rooms/${room.id}/messages?limit=100`, { headers: user.auth })
    return page
      .json<{ messages: MessageView[] }>()
      .messages.filter((m) => m.kind === 'text')
      .map((m) => m.body)
  }

  beforeEach(async () => {
    t = await startTestInstance()
    alice = await t.user('alice')
    bob = await t.user('bob')
    const { rooms, chat, events } = t.chat
    direct = new DirectConversations({
      store: t.store,
      services: { rooms, chat, events, files: t.instance.files },
    })
  })
  afterEach(async () => {
    await t.close()
  })

  it('a failure after the message was stored: the run again posts nothing more, and the note is known', async () => {
    const first = note(alice, 'hello from Mastodon')
    failOnce(t.store.direct.notes, 'claim')
    await assert.rejects(direct.receive(first), /injected failure/)
    assert.deepEqual(await texts(alice), ['hello from Mastodon'], 'the message was stored with its note id')
    assert.deepEqual(await direct.receive(first), { ok: true })
    assert.deepEqual(await texts(alice), ['hello from Mastodon'], 'not posted twice')
    // The note is now known as that message: its author edits it by the note.
    assert.deepEqual(await direct.edit(carla.id, first.noteId, 'hello, edited'), { ok: true })
    assert.deepEqual(await texts(alice), ['hello, edited'])
  })

  it('a failure while the message was stored leaves nothing; the run again posts it once', async () => {
    const lost = note(alice, 'not lost')
    failOnce(t.store.messages, 'post')
    await assert.rejects(direct.receive(lost), /injected failure/)
    assert.deepEqual(await texts(alice), [])
    assert.deepEqual(await direct.receive(lost), { ok: true })
    assert.deepEqual(await direct.receive(lost), { ok: true })
    assert.deepEqual(await texts(alice), ['not lost'])
  })

  it('two copies of a note taken at once (two Creates of it) post one message', async () => {
    const twice = note(alice, 'only once')
    const copy = { ...twice, activityId: `${twice.noteId}/another-activity` }
    assert.deepEqual(await Promise.all([direct.receive(twice), direct.receive(copy)]), [{ ok: true }, { ok: true }])
    assert.deepEqual(await texts(alice), ['only once'])
  })

  it('a note to two people of this server reaches each in their own room with the sender', async () => {
    const both = note(alice, 'to you both')
    assert.deepEqual(await direct.receive(both), { ok: true })
    assert.deepEqual(await direct.receive({ ...both, recipientUserId: bob.user.id }), { ok: true })
    assert.deepEqual(await texts(alice), ['to you both'])
    assert.deepEqual(await texts(bob), ['to you both'])
  })

  it('a claim an earlier version left unsettled (it died while posting) no longer swallows the note', async () => {
    const stuck = note(alice, 'finally here')
    const opened = await t.chat.rooms.oneToOneRemote(alice.user.id, { actorId: carla.id, displayName: carla.name })
    assert.ok(opened.ok)
    const roomId = opened.value.room.id
    await t.store.direct.notes.claim({ noteId: stuck.noteId, roomId, seq: null, authorId: carla.id, createdAt: 1 })
    assert.deepEqual(await direct.receive(stuck), { ok: true })
    assert.deepEqual(await texts(alice), ['finally here'])
    const known = await t.store.direct.notes.byNote(stuck.noteId)
    assert.equal(known?.roomId, roomId)
    assert.notEqual(known?.seq, null, 'settled to its message')
  })
})
