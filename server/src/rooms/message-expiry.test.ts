import { describe, it, beforeEach, afterEach } from 'node:test'
import { join } from 'node:path'
import { DatabaseSync } from 'node:sqlite'
import assert from 'node:assert/strict'
import { RealtimeClient } from '@parley/client'
import type { MessageView, NotificationView } from '@parley/protocol'
import { startTestInstance, type TestInstance, type TestUser } from '../testing/test-instance.ts'
import { ManualClock } from '../testing/manual-clock.ts'

describe('Message expiry that holds', () => {
  let t: TestInstance
  let clock: ManualClock
  let alice: TestUser
  let bob: TestUser
  let roomId: string
  let rt: RealtimeClient
  beforeEach(async () => {
    clock = new ManualClock()
    t = await startTestInstance({ clock })
    alice = await t.user('alice')
    bob = await t.user('bob')
    roomId = (
      await t.call('POST', '/api/v1/rooms', {
        headers: alice.auth,
        body: { kind: 'group', name: 'Ephemeral', messageExpirySeconds: 60 },
      })
    ).json().id
    await t.call('POST', `/api/v1/rooms/${roomId}/participants`, { headers: alice.auth, body: { userId: bob.user.id } })
  })
  afterEach(async () => {
    rt?.close()
    await t.close()
  })

  const post = async (who: TestUser, body: string, replyTo?: number) => {
    const res = await t.call('POST', `/api/v1/rooms/${roomId}/messages`, {
      headers: who.auth,
      body: { body, ...(replyTo ? { replyTo } : {}) },
    })
    assert.equal(res.statusCode, 201, res.body)
    return res.json<MessageView>()
  }
  const history = async () =>
    (await t.call('GET', `/api/v1/rooms/${roomId}/messages`, { headers: alice.auth }))
      .json<{ messages: MessageView[] }>()
      .messages.filter((m) => m.kind === 'text')
  const search = async (q: string) =>
    (await t.call('GET', `/api/v1/rooms/search?q=${encodeURIComponent(q)}`, { headers: alice.auth })).json<{
      messages: MessageView[]
    }>().messages
  const notifications = async () =>
    (await t.call('GET', '/api/v1/notifications', { headers: alice.auth })).json<{
      notifications: NotificationView[]
    }>().notifications

  it('an expired message is gone from every read path at its expiresAt, announced by a realtime event, before any sweep', async () => {
    const secret = await post(bob, '@alice the launch codes are banana')
    await t.call('PUT', `/api/v1/rooms/${roomId}/messages/${secret.seq}/reactions/🍌`, { headers: alice.auth })
    clock.advance(10_000)
    const reply = await post(alice, 'noted, shredding now', secret.seq)

    // Before: everywhere.
    assert.deepEqual(
      (await history()).map((m) => m.seq),
      [secret.seq, reply.seq],
    )
    assert.deepEqual(
      (await search('banana')).map((m) => m.seq),
      [secret.seq],
    )
    assert.deepEqual(
      (await notifications()).map((n) => n.seq),
      [secret.seq],
    )
    const reactions = await t.call('GET', `/api/v1/rooms/${roomId}/messages/${secret.seq}/reactions`, {
      headers: alice.auth,
    })
    assert.equal(reactions.statusCode, 200)

    rt = new RealtimeClient({ baseUrl: await t.listen(), auth: { token: alice.token } })
    await rt.connect()
    const expired = rt.next('event', (e) => e.roomId === roomId && e.event.type === 'message.expired', 10_000)
    clock.advance(50_000)
    const event = await expired
    assert.deepEqual(event.event, { type: 'message.expired', messageSeq: secret.seq })

    // After: nowhere, all at once; the later reply (not expired yet) keeps its place.
    assert.deepEqual(
      (await history()).map((m) => m.seq),
      [reply.seq],
    )
    assert.deepEqual(await search('banana'), [])
    assert.deepEqual(await notifications(), [])
    const gone = await t.call('GET', `/api/v1/rooms/${roomId}/messages/${secret.seq}/reactions`, {
      headers: alice.auth,
    })
    assert.equal(gone.json().error.code, 'message-not-found')
    const react = await t.call('PUT', `/api/v1/rooms/${roomId}/messages/${secret.seq}/reactions/👍`, {
      headers: bob.auth,
    })
    assert.equal(react.json().error.code, 'message-not-found')
    const replyToGone = await t.call('POST', `/api/v1/rooms/${roomId}/messages`, {
      headers: bob.auth,
      body: { body: 'what codes?', replyTo: secret.seq },
    })
    assert.equal(replyToGone.json().error.code, 'reply-target-invalid')
    // The store holds nothing of it: row, reactions, notifications, full-text entry.
    assert.equal(await t.store.messages.get(roomId, secret.seq), null)
    assert.deepEqual(await t.store.messages.reactions(roomId, [secret.seq]), [])
    const db = new DatabaseSync(join(t.dir, 'parley.sqlite'), { readOnly: true })
    const rows = db.prepare("SELECT COUNT(*) AS n FROM messages_fts WHERE messages_fts MATCH 'banana'").get()
    db.close()
    assert.equal(rows?.n, 0)

    // The reply expires at its own time, announced the same way.
    const second = rt.next('event', (e) => e.roomId === roomId && e.event.type === 'message.expired', 10_000)
    clock.advance(10_000)
    assert.deepEqual((await second).event, { type: 'message.expired', messageSeq: reply.seq })
    assert.deepEqual(await history(), [])
  })

  it('a message expired but not yet removed is already hidden from readers', async () => {
    const m = await post(bob, '@alice short-lived pineapple')
    assert.equal((await notifications()).length, 1)
    // Stop the timer: only the read paths stand between the reader and the message now.
    t.chat.expiry.close()
    clock.advance(60_000)
    assert.ok(await t.store.messages.get(roomId, m.seq), 'still stored: nothing removed it')
    assert.deepEqual(await history(), [])
    assert.deepEqual(await search('pineapple'), [])
    assert.deepEqual(await notifications(), [])
    const reactions = await t.call('GET', `/api/v1/rooms/${roomId}/messages/${m.seq}/reactions`, {
      headers: alice.auth,
    })
    assert.equal(reactions.json().error.code, 'message-not-found')
  })
})
