/** The direct-conversations part of the store contract: a room's remote account, and note ↔ message. */
import { describe, it, beforeEach, afterEach } from 'node:test'
import assert from 'node:assert/strict'
import type { RemoteAccount } from '@parley/federation'
import type { Store } from '../ports.ts'
import type { OpenStore } from './store-contract.ts'
import { room } from './fixtures.ts'

const account: RemoteAccount = {
  id: 'https://mastodon.example/users/alice',
  name: 'Alice',
  handle: '@alice@mastodon.example',
  url: 'https://mastodon.example/@alice',
  avatarUrl: null,
  inbox: 'https://mastodon.example/users/alice/inbox',
  sharedInbox: 'https://mastodon.example/inbox',
}

export function directContract(backend: string, open: OpenStore, skip?: string): void {
  describe(`Store contract: direct conversations (${backend})`, { skip }, () => {
    let store: Store
    let roomId: string
    let userId: string
    beforeEach(async () => {
      store = await open()
      userId = `u-${backend}`
      await store.users.create({
        id: userId,
        username: 'bob-direct',
        displayName: 'Bob',
        role: 'user',
        passwordHash: null,
        disabled: false,
        createdAt: 1,
        deletedAt: null,
        hidden: false,
        avatarEtag: null,
      })
      const r = room({ kind: 'one-to-one', pairKey: [userId, account.id].sort().join(' ') })
      await store.rooms.create(r)
      roomId = r.id
    })
    afterEach(async () => {
      await store.close()
    })

    it('DirectConversationRepository.put() adds the conversation, then refreshes the account but keeps who and when', async () => {
      assert.equal(await store.direct.conversations.byRoom(roomId), null)
      await store.direct.conversations.put({ roomId, userId, account, createdAt: 10, updatedAt: 10 })
      assert.deepEqual(await store.direct.conversations.byRoom(roomId), {
        roomId,
        userId,
        account,
        createdAt: 10,
        updatedAt: 10,
      })
      const renamed = { ...account, name: 'Alice A.', avatarUrl: 'https://mastodon.example/a.png', sharedInbox: null }
      await store.direct.conversations.put({ roomId, userId, account: renamed, createdAt: 99, updatedAt: 20 })
      assert.deepEqual(await store.direct.conversations.byRoom(roomId), {
        roomId,
        userId,
        account: renamed,
        createdAt: 10,
        updatedAt: 20,
      })
    })

    it("DirectConversationRepository.advance() moves a room's cursor forward only; cursors() lists every conversation", async () => {
      await store.direct.conversations.put({ roomId, userId, account, createdAt: 10, updatedAt: 10 })
      assert.deepEqual(await store.direct.conversations.cursors(), [{ roomId, seq: 0 }])
      await store.direct.conversations.advance(roomId, 7)
      await store.direct.conversations.advance(roomId, 5)
      assert.deepEqual(await store.direct.conversations.cursors(), [{ roomId, seq: 7 }])
      await store.direct.conversations.put({ roomId, userId, account, createdAt: 10, updatedAt: 20 })
      assert.deepEqual(
        await store.direct.conversations.cursors(),
        [{ roomId, seq: 7 }],
        'a refreshed account keeps the cursor',
      )
      assert.deepEqual(await store.direct.conversations.byRoom(roomId), {
        roomId,
        userId,
        account,
        createdAt: 10,
        updatedAt: 20,
      })
    })

    it('DirectNoteRepository.claim() takes a note once; settle() maps an unsettled claim to its message', async () => {
      const notes = store.direct.notes
      const note = {
        noteId: 'https://mastodon.example/users/alice/statuses/1',
        roomId,
        seq: null,
        authorId: account.id,
        createdAt: 5,
      }
      assert.equal(await notes.claim(note), true)
      assert.equal(await notes.claim({ ...note, createdAt: 6 }), false, 'a redelivery')
      assert.equal(await notes.byMessage(roomId, 3), null)
      await notes.settle(note.noteId, 3)
      assert.deepEqual(await notes.byNote(note.noteId), { ...note, seq: 3 })
      assert.deepEqual(await notes.byMessage(roomId, 3), { ...note, seq: 3 })
      const ours = {
        noteId: 'https://parley.example/users/bob/notes/x',
        roomId,
        seq: 4,
        authorId: userId,
        createdAt: 7,
      }
      assert.equal(await notes.claim(ours), true)
      assert.deepEqual(await notes.byMessage(roomId, 4), ours)
    })
  })
}
