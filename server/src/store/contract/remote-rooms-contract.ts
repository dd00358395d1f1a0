/** The remote-rooms part of the store contract: which local room mirrors which remote room, and writes waiting for their host. */
import { describe, it, beforeEach, afterEach } from 'node:test'
import assert from 'node:assert/strict'
import type { QueuedRoomWriteRecord, Store } from '../ports.ts'
import type { OpenStore } from './store-contract.ts'
import { room } from './fixtures.ts'

const ROOM_URI = 'https://a.example/rooms/6f1c'

export function remoteRoomsContract(backend: string, open: OpenStore, skip?: string): void {
  describe(`Store contract: rooms hosted elsewhere (${backend})`, { skip }, () => {
    let store: Store
    let roomId: string
    beforeEach(async () => {
      store = await open()
      const r = room()
      await store.rooms.create(r)
      roomId = r.id
    })
    afterEach(async () => {
      await store.close()
    })

    it('links a local room to one remote room, both ways, once; advanceSeq only moves forward', async () => {
      assert.equal(await store.remoteRooms.link(roomId, ROOM_URI), true)
      assert.equal(await store.remoteRooms.link(roomId, 'https://a.example/rooms/other'), false, 'one link per room')
      assert.equal(await store.remoteRooms.roomOf(ROOM_URI), roomId)
      assert.equal(await store.remoteRooms.hostOf(roomId), ROOM_URI)
      assert.deepEqual(await store.remoteRooms.list(), [{ roomId, roomUri: ROOM_URI }])
      await store.remoteRooms.advanceSeq(roomId, 12)
      await store.remoteRooms.advanceSeq(roomId, 7)
      assert.equal((await store.rooms.byId(roomId))?.lastSeq, 12)
      await store.remoteRooms.unlink(roomId)
      assert.equal(await store.remoteRooms.roomOf(ROOM_URI), null)
      assert.equal(await store.remoteRooms.hostOf(roomId), null)
    })

    it('keeps waiting writes in order, once per action id; counts attempts; dequeues', async () => {
      const write = (actionId: string, createdAt: number): QueuedRoomWriteRecord => ({
        actionId,
        roomId,
        userId: 'u1',
        action: { type: 'post', body: actionId },
        createdAt,
        attempts: 0,
      })
      await store.remoteRooms.enqueue(write('first', 10))
      await store.remoteRooms.enqueue(write('second', 10))
      await store.remoteRooms.enqueue(write('first', 10))
      assert.deepEqual(
        (await store.remoteRooms.queued(roomId)).map((w) => w.actionId),
        ['first', 'second'],
      )
      await store.remoteRooms.attempted('first')
      assert.equal((await store.remoteRooms.queued())[0]?.attempts, 1)
      assert.deepEqual((await store.remoteRooms.queued())[0]?.action, { type: 'post', body: 'first' })
      await store.remoteRooms.dequeue('first')
      assert.deepEqual(
        (await store.remoteRooms.queued()).map((w) => w.actionId),
        ['second'],
      )
      assert.deepEqual(await store.remoteRooms.queued('another-room'), [])
    })
  })
}
