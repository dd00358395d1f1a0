import { describe, it } from 'node:test'
import assert from 'node:assert/strict'
import { EmojiReact, Note, Tombstone } from '@fedify/fedify/vocab'
import { parseHistoryCursor, snapshotItems } from './room-history.ts'
import { withReplicaLock } from './room-replica-sync.ts'
import type { RoomReplicaRepository } from '../ports.ts'

const room = new URL('https://a.example/rooms/r1')
const snapshot = {
  seq: 7,
  authorId: 'https://a.example/users/alice',
  authorName: 'Alice',
  body: 'hi',
  replyTo: null,
  createdAt: 1000,
  editedAt: 2000,
  deletedAt: null,
}

describe('room history collection', () => {
  it('parseHistoryCursor() reads whole-history and since-event cursors, and nothing else', () => {
    assert.deepEqual(parseHistoryCursor('0'), { since: null, after: 0 })
    assert.deepEqual(parseHistoryCursor('61'), { since: null, after: 61 })
    assert.deepEqual(parseHistoryCursor('since-40'), { since: 40, after: 0 })
    assert.deepEqual(parseHistoryCursor('since-40-77'), { since: 40, after: 77 })
    for (const bad of ['', '-1', '01', 'since-', 'since-x', 'since-4-0', '1e3', '9999999999999999', 'since-1-2-3'])
      assert.equal(parseHistoryCursor(bad), null, bad)
  })

  it('snapshotItems() gives a Note then one EmojiReact per reaction; a deleted message is a Tombstone that keeps its author and edit time', () => {
    const items = snapshotItems(room, {
      ...snapshot,
      reactions: [{ emoji: '👍', actorId: 'https://b.example/users/bob', actorName: 'Bob' }],
    })
    assert.equal(items.length, 2)
    assert.ok(items[0] instanceof Note)
    assert.equal(items[0].id?.href, 'https://a.example/rooms/r1/messages/7')
    assert.equal(items[0].updated?.epochMilliseconds, 2000)
    assert.ok(items[1] instanceof EmojiReact)
    assert.equal(items[1].objectId?.href, 'https://a.example/rooms/r1/messages/7')
    assert.equal(items[1].content?.toString(), '👍')
    const gone = snapshotItems(room, { ...snapshot, body: '', deletedAt: 3000, reactions: [] })
    assert.equal(gone.length, 1)
    assert.ok(gone[0] instanceof Tombstone)
    assert.equal(gone[0].attributionId?.href, snapshot.authorId)
    assert.equal(gone[0].deleted?.epochMilliseconds, 3000)
    assert.equal(gone[0].updated?.epochMilliseconds, 2000)
  })

  it("withReplicaLock() runs one room's work in order, other rooms' alongside, and a failure does not block the next", async () => {
    const replicas = {} as RoomReplicaRepository
    const order: string[] = []
    const wait = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms))
    const first = withReplicaLock(replicas, 'r1', async () => {
      await wait(30)
      order.push('r1 first')
    })
    const failing = withReplicaLock(replicas, 'r1', async () => {
      order.push('r1 failing')
      throw new Error('boom')
    })
    const second = withReplicaLock(replicas, 'r1', async () => {
      order.push('r1 second')
      return 2
    })
    const other = withReplicaLock(replicas, 'r2', async () => {
      order.push('r2')
    })
    await assert.rejects(failing, /boom/)
    assert.equal(await second, 2)
    await Promise.all([first, other])
    assert.deepEqual(order, ['r2', 'r1 first', 'r1 failing', 'r1 second'])
  })
})
