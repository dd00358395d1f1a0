import { after, afterEach, before, describe, it } from 'node:test'
import assert from 'node:assert/strict'
import { join } from 'node:path'
import { DatabaseSync } from 'node:sqlite'
import { startInstance, eventually, printLogsOnFailure, type TestInstance } from '../harness/instance.ts'
import { apiAs, inviteAndJoin, type Api } from '../harness/rooms.ts'

/**
 * The host stores a forwarded action's id with the room event it made, in the same write. Its
 * quick memory of applied actions (the federation KV) is written after: a crash between the two
 * loses only the quick memory, and a replay is still recognised from the event log.
 */
describe('A forwarded action is remembered with the event it made: a replay after a lost memory is not applied twice', () => {
  let a: TestInstance
  let b: TestInstance
  let alice: Api
  let roomId: string
  let roomUri: string

  before(async () => {
    ;[a, b] = await Promise.all([startInstance(), startInstance()])
    alice = (await apiAs(a, 'alice', 'Alice')).api
    const bob = (await apiAs(b, 'bob', 'Bob')).api
    roomId = (
      (await alice('/api/v1/rooms', { method: 'POST', body: { kind: 'group', name: 'Replays' } })).json as {
        id: string
      }
    ).id
    roomUri = `${a.origin}/rooms/${roomId}`
    await inviteAndJoin(a, alice, roomId, b, bob, 'bob')
  })
  afterEach(printLogsOnFailure(() => [a, b]))
  after(async () => {
    await Promise.all([a?.close(), b?.close()])
  })

  /** Stand-in for a crash between applying an action and writing the KV memory: that memory is gone. */
  const forgetQuickMemory = () => {
    const db = new DatabaseSync(join(a.dataDir, 'federation.sqlite'))
    try {
      db.exec('PRAGMA busy_timeout = 5000')
      return Number(db.prepare("DELETE FROM fedify_kv WHERE key LIKE '%room-actions%'").run().changes)
    } finally {
      db.close()
    }
  }
  const bodies = async (body: string) =>
    (await a.services.store.messages.history({ roomId, after: 0, limit: 1000 })).filter((m) => m.body === body)

  it('a post, an edit and a reaction replayed after the memory was lost are refused as replays with the first seq; each applied once', async () => {
    const forward = b.instance.federation.roomMembers
    const posted = await forward.forward('bob', roomUri, { type: 'post', body: 'exactly once' }, 'replay-post-0001')
    assert.equal(posted.type, 'accepted')
    const seq = (posted as { seq: number }).seq
    const edited = await forward.forward('bob', roomUri, { type: 'edit', seq, body: 'edited once' }, 'replay-edit-0001')
    assert.equal(edited.type, 'accepted')
    const reacted = await forward.forward('bob', roomUri, { type: 'react', seq, emoji: '👍' }, 'replay-react-001')
    assert.equal(reacted.type, 'accepted')
    const eventsBefore = (await a.services.store.events.since(roomId, 0, 10_000)).length
    assert.ok(forgetQuickMemory() >= 3, 'the quick memory held the three actions')
    // A retry is a new request (the member's queue signs it again, with a later Date): one in the
    // same second would be an identical signed request, which the inbound gate refuses by itself.
    const second = Math.floor(Date.now() / 1000)
    await eventually(async () => Math.floor(Date.now() / 1000) > second, 5_000, 'the next second')

    const again = await forward.forward('bob', roomUri, { type: 'post', body: 'exactly once' }, 'replay-post-0001')
    assert.deepEqual(again, posted, 'the first answer again')
    const editAgain = await forward.forward(
      'bob',
      roomUri,
      { type: 'edit', seq, body: 'edited once' },
      'replay-edit-0001',
    )
    assert.equal(editAgain.type, 'accepted', JSON.stringify(editAgain))
    const reactAgain = await forward.forward('bob', roomUri, { type: 'react', seq, emoji: '👍' }, 'replay-react-001')
    assert.equal(reactAgain.type, 'accepted', JSON.stringify(reactAgain))

    assert.equal((await bodies('exactly once')).length + (await bodies('edited once')).length, 1, 'one message')
    assert.equal(
      (await a.services.store.events.since(roomId, 0, 10_000)).length,
      eventsBefore,
      'no event made by the replays',
    )
    const refusals = a.logs().filter((line) => line.includes('replayed forwarded room action refused'))
    assert.ok(refusals.length >= 3, `three replays refused (${refusals.length})`)
    assert.equal(
      await a.services.store.events.byAction(roomId, `${b.origin}/users/bob/room-activities/replay-post-0001`),
      seq,
    )
  })
})
