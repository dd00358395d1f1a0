/**
 * A direct message committed by the chat but not yet handed to the federation when the process
 * died still goes to Mastodon after a restart; one handed over twice (the crash came after the
 * queue took it) repeats its ids, so the receiver takes it once.
 */
import { after, afterEach, before, describe, it } from 'node:test'
import assert from 'node:assert/strict'
import { join } from 'node:path'
import { DatabaseSync } from 'node:sqlite'
import { SqliteStore, createChatStack, createLogger } from '@parley/server'
import { startInstance, eventually, printLogsOnFailure, type TestInstance } from '../harness/instance.ts'
import { startFakeMastodon, type FakeMastodon } from '../harness/fake-mastodon.ts'
import { apiAs, type Api, type Json } from '../harness/rooms.ts'

describe('direct messages to Mastodon survive a crash before they were handed over', () => {
  let parley: TestInstance
  let mastodon: FakeMastodon
  let bob: { id: string; api: Api }
  let roomId: string
  const creates = () =>
    mastodon.deliveries
      .filter((d) => d.json.type === 'Create')
      .map((d) => d.json as { id: string; object: { id: string; content: string } })

  before(async () => {
    ;[parley, mastodon] = await Promise.all([startInstance(), startFakeMastodon()])
    bob = await apiAs(parley, 'bob', 'Bob')
  })
  afterEach(printLogsOnFailure(() => [parley]))
  after(async () => {
    await Promise.all([parley?.close(), mastodon?.close()])
  })

  it('after a restart, the message stored while no outbox ran goes out; a replayed one keeps its note and activity ids', async () => {
    const vars = { PARLEY: parley.origin, PARLEY_HOST: parley.host }
    assert.equal(
      (await mastodon.deliver(`${parley.origin}/users/bob/inbox`, mastodon.fixture('create-direct-note.json', vars)))
        .status,
      202,
    )
    const room = await eventually(
      async () => ((await bob.api('/api/v1/rooms')).json.rooms as Json[]).find((r) => r.kind === 'one-to-one'),
      15_000,
      'the one-to-one room',
    )
    roomId = String(room.id)
    assert.equal(
      (await bob.api(`/api/v1/rooms/${roomId}/messages`, { method: 'POST', body: { body: 'first' } })).status,
      201,
    )
    const [first] = await eventually(
      async () => (creates().length === 1 ? creates() : null),
      15_000,
      'the first Create',
    )
    assert.match(first?.object.content ?? '', /first/)

    // The process "dies": stopped, then a message is committed by a chat stack with no outbox —
    // what a crash between the chat's commit and the hand-over leaves behind.
    const { port, dataDir, config } = parley
    await parley.close({ keepData: true })
    const store = new SqliteStore(join(dataDir, 'parley.sqlite'))
    const chat = createChatStack(config, store, createLogger('silent'))
    const posted = await chat.chat.post({ type: 'user', id: bob.id, name: 'Bob' }, roomId, {
      body: 'written just before the crash',
    })
    assert.ok(posted.ok)
    await chat.bus.close()
    await store.close()
    // ...and the first message's hand-over is forgotten too, as if the crash came after the queue took it.
    const db = new DatabaseSync(join(dataDir, 'parley.sqlite'))
    db.prepare('UPDATE direct_conversations SET sent_seq = 0 WHERE room_id = ?').run(roomId)
    db.close()

    parley = await startInstance({ port, dataDir })
    const after = await eventually(
      async () => (creates().some((c) => /written just before the crash/.test(c.object.content)) ? creates() : null),
      15_000,
      'the Create after the restart',
    )
    const again = after.filter((c) => /first/.test(c.object.content))
    assert.ok(again.length >= 1)
    assert.deepEqual([...new Set(again.map((c) => c.id))], [first?.id], "the replayed Create has the first one's id")
    assert.deepEqual([...new Set(again.map((c) => c.object.id))], [first?.object.id])
  })
})
