import { describe, it, beforeEach, afterEach } from 'node:test'
import assert from 'node:assert/strict'
import {
  MAX_MESSAGE_LENGTH,
  type HistoryPage,
  type MessageView,
  type NotificationView,
  type PollView,
  type RoomView,
} from '@parley/protocol'
import { startTestInstance, type TestInstance, type TestUser } from '../../testing/test-instance.ts'

describe('Chat REST API', () => {
  let t: TestInstance
  let alice: TestUser
  let bob: TestUser
  let carol: TestUser
  let roomId: string
  beforeEach(async () => {
    t = await startTestInstance()
    alice = await t.user('alice')
    bob = await t.user('bob')
    carol = await t.user('carol')
    const room = await t.call('POST', '/api/v1/rooms', { headers: alice.auth, body: { kind: 'group', name: 'Team' } })
    roomId = room.json<RoomView>().id
    await t.call('POST', `/api/v1/rooms/${roomId}/participants`, { headers: alice.auth, body: { userId: bob.user.id } })
  })
  afterEach(async () => {
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
  const texts = (page: HistoryPage) => page.messages.filter((m) => m.kind === 'text').map((m) => m.body)
  const messageCount = async () => (await t.store.messages.history({ roomId, after: 0, limit: 10_000 })).length

  it("POST /messages stores markdown verbatim with the room's next seq and the author", async () => {
    const m = await post(bob, '**hi** <script>alert(1)</script>')
    assert.equal(m.body, '**hi** <script>alert(1)</script>')
    assert.equal(m.kind, 'text')
    assert.deepEqual(m.actor, { type: 'user', id: bob.user.id, name: 'Bob' })
    assert.equal(m.seq, (await t.store.rooms.byId(roomId))?.lastSeq)
    assert.equal(m.editedAt, null)
    const next = await post(alice, 'second')
    assert.ok(next.seq > m.seq)
  })

  it('POST /messages refuses too long, blank, unknown fields, bad replies and strangers, storing nothing', async () => {
    const before = await messageCount()
    const cases: [TestUser, unknown, string][] = [
      [bob, { body: 'x'.repeat(MAX_MESSAGE_LENGTH + 1) }, 'message-too-long'],
      [bob, { body: '   ' }, 'validation-failed'],
      [bob, { body: '' }, 'validation-failed'],
      [bob, { body: 'x', html: true }, 'validation-failed'],
      [bob, { body: 'x', replyTo: 9999 }, 'reply-target-invalid'],
      [bob, { body: 'hey @all' }, 'mention-all-forbidden'],
      [carol, { body: 'let me in' }, 'room-not-found'],
    ]
    for (const [who, body, code] of cases) {
      const res = await t.call('POST', `/api/v1/rooms/${roomId}/messages`, { headers: who.auth, body })
      assert.equal(res.json().error.code, code, JSON.stringify(body).slice(0, 60))
    }
    const malformed = await t.app.inject({
      method: 'POST',
      url: `/api/v1/rooms/${roomId}/messages`,
      headers: { ...bob.auth, 'content-type': 'application/json' },
      payload: '{"body":',
    })
    assert.equal(malformed.json().error.code, 'malformed-json')
    assert.equal(await messageCount(), before)
    assert.equal((await post(bob, 'x'.repeat(MAX_MESSAGE_LENGTH))).body.length, MAX_MESSAGE_LENGTH)
  })

  it('GET /messages pages backwards and forwards with hasOlder/hasNewer, and gives context around message N', async () => {
    const seqs: number[] = []
    for (let i = 1; i <= 9; i++) seqs.push((await post(bob, `m${i}`)).seq)
    const newest = (
      await t.call('GET', `/api/v1/rooms/${roomId}/messages?limit=3`, { headers: alice.auth })
    ).json<HistoryPage>()
    assert.deepEqual(texts(newest), ['m7', 'm8', 'm9'])
    assert.equal(newest.hasOlder, true)
    assert.equal(newest.hasNewer, false)
    const older = (
      await t.call('GET', `/api/v1/rooms/${roomId}/messages?limit=3&before=${newest.messages[0]?.seq}`, {
        headers: alice.auth,
      })
    ).json<HistoryPage>()
    assert.deepEqual(texts(older), ['m4', 'm5', 'm6'])
    assert.equal(older.hasNewer, true)
    const forward = (
      await t.call('GET', `/api/v1/rooms/${roomId}/messages?limit=2&after=${seqs[5]}`, { headers: alice.auth })
    ).json<HistoryPage>()
    assert.deepEqual(texts(forward), ['m7', 'm8'])
    assert.equal(forward.hasNewer, true)
    assert.equal(forward.hasOlder, true)
    const around = (
      await t.call('GET', `/api/v1/rooms/${roomId}/messages?limit=4&around=${seqs[4]}`, { headers: alice.auth })
    ).json<HistoryPage>()
    assert.deepEqual(texts(around), ['m4', 'm5', 'm6', 'm7'])
    assert.equal(around.hasOlder, true)
    assert.equal(around.hasNewer, true)
    const bad = await t.call('GET', `/api/v1/rooms/${roomId}/messages?before=5&after=2`, { headers: alice.auth })
    assert.equal(bad.json().error.code, 'cursor-invalid')
    assert.equal(
      (await t.call('GET', `/api/v1/rooms/${roomId}/messages?around=99999`, { headers: alice.auth })).json().error.code,
      'message-not-found',
    )
    assert.equal(
      (await t.call('GET', `/api/v1/rooms/${roomId}/messages?limit=0`, { headers: alice.auth })).json().error.code,
      'validation-failed',
    )
    assert.equal(
      (await t.call('GET', `/api/v1/rooms/${roomId}/messages?before=abc`, { headers: alice.auth })).json().error.code,
      'validation-failed',
    )
  })

  it('PATCH /messages/:seq edits my message (marked edited); others get not-author; replies keep their parent after DELETE', async () => {
    const parent = await post(bob, 'original')
    const reply = await post(alice, 'answer', parent.seq)
    assert.equal(reply.replyTo, parent.seq)
    const stolen = await t.call('PATCH', `/api/v1/rooms/${roomId}/messages/${parent.seq}`, {
      headers: alice.auth,
      body: { body: 'forged' },
    })
    assert.equal(stolen.json().error.code, 'not-author')
    assert.equal((await t.store.messages.get(roomId, parent.seq))?.body, 'original')
    const edited = (
      await t.call('PATCH', `/api/v1/rooms/${roomId}/messages/${parent.seq}`, {
        headers: bob.auth,
        body: { body: 'fixed' },
      })
    ).json<MessageView>()
    assert.equal(edited.body, 'fixed')
    assert.notEqual(edited.editedAt, null)
    assert.equal(
      (await t.call('DELETE', `/api/v1/rooms/${roomId}/messages/${reply.seq}`, { headers: bob.auth })).json().error
        .code,
      'not-author',
    )
    const deleted = (
      await t.call('DELETE', `/api/v1/rooms/${roomId}/messages/${parent.seq}`, { headers: alice.auth })
    ).json<MessageView>()
    assert.equal(deleted.body, '', 'moderators delete; the tombstone keeps no text')
    assert.notEqual(deleted.deletedAt, null)
    assert.equal(
      (await t.call('DELETE', `/api/v1/rooms/${roomId}/messages/${parent.seq}`, { headers: bob.auth })).json().error
        .code,
      'message-deleted',
    )
    assert.equal(
      (
        await t.call('PATCH', `/api/v1/rooms/${roomId}/messages/${parent.seq}`, {
          headers: bob.auth,
          body: { body: 'back' },
        })
      ).json().error.code,
      'message-deleted',
    )
    const page = (
      await t.call('GET', `/api/v1/rooms/${roomId}/messages?around=${reply.seq}&limit=3`, { headers: bob.auth })
    ).json<HistoryPage>()
    assert.equal(page.messages.find((m) => m.seq === reply.seq)?.replyTo, parent.seq)
    assert.equal(page.messages.find((m) => m.seq === parent.seq)?.deletedAt !== null, true)
    assert.equal(
      (
        await t.call('PATCH', `/api/v1/rooms/${roomId}/messages/424242`, { headers: bob.auth, body: { body: 'x' } })
      ).json().error.code,
      'message-not-found',
    )
  })

  it('PUT/DELETE /reactions/:emoji counts reactions, lists who reacted, and is idempotent', async () => {
    const m = await post(bob, 'react to me')
    const url = `/api/v1/rooms/${roomId}/messages/${m.seq}/reactions/${encodeURIComponent('👍')}`
    await t.call('PUT', url, { headers: alice.auth })
    await t.call('PUT', url, { headers: alice.auth })
    const both = (await t.call('PUT', url, { headers: bob.auth })).json<MessageView>()
    assert.deepEqual(both.reactions, [{ emoji: '👍', count: 2 }])
    const who = (
      await t.call('GET', `/api/v1/rooms/${roomId}/messages/${m.seq}/reactions`, { headers: bob.auth })
    ).json<{ reactions: { emoji: string; actor: { name: string } }[] }>()
    assert.deepEqual(
      who.reactions.map((r) => `${r.emoji} ${r.actor.name}`),
      ['👍 Alice', '👍 Bob'],
    )
    const after = (await t.call('DELETE', url, { headers: alice.auth })).json<MessageView>()
    assert.deepEqual(after.reactions, [{ emoji: '👍', count: 1 }])
    const spaced = await t.call('PUT', `/api/v1/rooms/${roomId}/messages/${m.seq}/reactions/a%20b`, {
      headers: alice.auth,
    })
    assert.equal(spaced.json().error.code, 'validation-failed')
    assert.equal((await t.call('PUT', url, { headers: carol.auth })).json().error.code, 'room-not-found')
  })

  it('@user and @all mentions create notifications for room members only; GET /notifications lists them', async () => {
    await t.call('POST', `/api/v1/rooms/${roomId}/participants`, {
      headers: alice.auth,
      body: { userId: carol.user.id },
    })
    await t.call('PATCH', `/api/v1/rooms/${roomId}/settings`, {
      headers: carol.auth,
      body: { notificationLevel: 'none' },
    })
    const m = await post(bob, 'ping @alice and @nobody and @carol')
    const list = (await t.call('GET', '/api/v1/notifications', { headers: alice.auth })).json<{
      notifications: NotificationView[]
    }>()
    assert.deepEqual(
      list.notifications.map((n) => [n.seq, n.actorName, n.read]),
      [[m.seq, 'Bob', false]],
    )
    assert.deepEqual(
      (await t.call('GET', '/api/v1/notifications', { headers: carol.auth })).json().notifications,
      [],
      'level none: no notification',
    )
    await post(alice, '@all standup')
    const bobs = (await t.call('GET', '/api/v1/notifications', { headers: bob.auth })).json<{
      notifications: NotificationView[]
    }>()
    assert.equal(bobs.notifications.length, 1)
    const read = await t.call('POST', '/api/v1/notifications/read', {
      headers: bob.auth,
      body: { ids: [bobs.notifications[0]?.id] },
    })
    assert.equal(read.statusCode, 204)
    assert.equal(
      (await t.call('GET', '/api/v1/notifications', { headers: bob.auth })).json().notifications[0].read,
      true,
    )
  })

  it('POST /read moves read markers forward only and reports the last message everyone has read', async () => {
    const m1 = await post(bob, 'one')
    const m2 = await post(bob, 'two')
    const a = (
      await t.call('POST', `/api/v1/rooms/${roomId}/read`, { headers: alice.auth, body: { seq: m2.seq } })
    ).json()
    assert.deepEqual(a, { lastReadSeq: m2.seq, everyoneReadSeq: 0 })
    const b = (
      await t.call('POST', `/api/v1/rooms/${roomId}/read`, { headers: bob.auth, body: { seq: m1.seq } })
    ).json()
    assert.deepEqual(b, { lastReadSeq: m1.seq, everyoneReadSeq: m1.seq })
    const back = (
      await t.call('POST', `/api/v1/rooms/${roomId}/read`, { headers: alice.auth, body: { seq: 1 } })
    ).json()
    assert.equal(back.lastReadSeq, m2.seq, 'never goes back')
    const future = await t.call('POST', `/api/v1/rooms/${roomId}/read`, { headers: alice.auth, body: { seq: 10_000 } })
    assert.equal(future.json().error.code, 'validation-failed')
    assert.equal((await t.store.participants.get(roomId, alice.user.id))?.lastReadSeq, m2.seq)
  })

  it('polls: single and multiple choice, public or anonymous results, closable by author or moderator only', async () => {
    const created = await t.call('POST', `/api/v1/rooms/${roomId}/polls`, {
      headers: bob.auth,
      body: { question: 'Lunch?', options: ['pizza', 'salad', 'soup'] },
    })
    assert.equal(created.statusCode, 201)
    const { poll, message } = created.json<{ poll: PollView; message: MessageView }>()
    assert.equal(message.kind, 'poll')
    assert.equal(message.body, poll.id)
    const url = `/api/v1/rooms/${roomId}/polls/${poll.id}`
    assert.equal(
      (await t.call('POST', `${url}/votes`, { headers: alice.auth, body: { options: [0, 1] } })).json().error.code,
      'vote-invalid',
    )
    assert.equal(
      (await t.call('POST', `${url}/votes`, { headers: alice.auth, body: { options: [7] } })).json().error.code,
      'vote-invalid',
    )
    await t.call('POST', `${url}/votes`, { headers: alice.auth, body: { options: [0] } })
    const voted = (await t.call('POST', `${url}/votes`, { headers: bob.auth, body: { options: [0] } })).json<PollView>()
    assert.deepEqual(voted.votes, [2, 0, 0])
    assert.deepEqual(voted.voters, [
      { name: 'Alice', options: [0] },
      { name: 'Bob', options: [0] },
    ])
    const changed = (
      await t.call('POST', `${url}/votes`, { headers: alice.auth, body: { options: [2] } })
    ).json<PollView>()
    assert.deepEqual(changed.votes, [1, 0, 1])
    await t.call('POST', `/api/v1/rooms/${roomId}/participants`, {
      headers: alice.auth,
      body: { userId: carol.user.id },
    })
    assert.equal((await t.call('POST', `${url}/close`, { headers: carol.auth })).json().error.code, 'not-author')
    const closed = (await t.call('POST', `${url}/close`, { headers: alice.auth })).json<PollView>()
    assert.equal(closed.closed, true)
    assert.equal(
      (await t.call('POST', `${url}/votes`, { headers: carol.auth, body: { options: [1] } })).json().error.code,
      'poll-closed',
    )
    assert.deepEqual((await t.call('GET', url, { headers: carol.auth })).json<PollView>().votes, [1, 0, 1])

    const anon = (
      await t.call('POST', `/api/v1/rooms/${roomId}/polls`, {
        headers: bob.auth,
        body: { question: 'Days?', options: ['mon', 'tue'], multiple: true, anonymous: true },
      })
    ).json<{ poll: PollView }>().poll
    const multi = (
      await t.call('POST', `/api/v1/rooms/${roomId}/polls/${anon.id}/votes`, {
        headers: alice.auth,
        body: { options: [0, 1] },
      })
    ).json<PollView>()
    assert.deepEqual(multi.votes, [1, 1])
    assert.equal(multi.voters, null)
    assert.equal(
      (await t.call('GET', `/api/v1/rooms/${roomId}/polls/nope`, { headers: alice.auth })).json().error.code,
      'poll-not-found',
    )
    assert.equal(
      (
        await t.call('POST', `/api/v1/rooms/${roomId}/polls`, {
          headers: bob.auth,
          body: { question: 'Q', options: ['a'] },
        })
      ).json().error.code,
      'validation-failed',
    )
  })

  it('GET /rooms/search finds words in my rooms only', async () => {
    await post(bob, 'The quarterly report is ready')
    const other = (
      await t.call('POST', '/api/v1/rooms', { headers: carol.auth, body: { kind: 'group', name: 'Private' } })
    ).json<RoomView>()
    await t.call('POST', `/api/v1/rooms/${other.id}/messages`, { headers: carol.auth, body: { body: 'secret report' } })
    const found = (await t.call('GET', '/api/v1/rooms/search?q=report', { headers: alice.auth })).json<{
      messages: MessageView[]
    }>()
    assert.deepEqual(
      found.messages.map((m) => m.body),
      ['The quarterly report is ready'],
    )
    const carolFinds = (await t.call('GET', '/api/v1/rooms/search?q=report', { headers: carol.auth })).json<{
      messages: MessageView[]
    }>()
    assert.deepEqual(
      carolFinds.messages.map((m) => m.body),
      ['secret report'],
    )
    assert.equal(
      (await t.call('GET', '/api/v1/rooms/search?q=', { headers: alice.auth })).json().error.code,
      'validation-failed',
    )
  })

  it('POST /messages and /polls are rate-limited per person (rate-limited, Retry-After) and store nothing more', async () => {
    await t.close()
    t = await startTestInstance({ env: { PARLEY_CHAT_POSTS_PER_SECOND: '1' } })
    const owner = await t.user('owner')
    const id = (
      await t.call('POST', '/api/v1/rooms', { headers: owner.auth, body: { kind: 'group', name: 'Busy' } })
    ).json<RoomView>().id
    for (let i = 0; i < 3; i++)
      assert.equal(
        (await t.call('POST', `/api/v1/rooms/${id}/messages`, { headers: owner.auth, body: { body: `m${i}` } }))
          .statusCode,
        201,
      )
    const before = await t.store.messages.history({ roomId: id, after: 0, limit: 100 })
    const limited = await t.call('POST', `/api/v1/rooms/${id}/messages`, {
      headers: owner.auth,
      body: { body: 'one too many' },
    })
    assert.equal(limited.statusCode, 429)
    assert.equal(limited.json().error.code, 'rate-limited')
    assert.equal(limited.headers['retry-after'], '1')
    const poll = await t.call('POST', `/api/v1/rooms/${id}/polls`, {
      headers: owner.auth,
      body: { question: 'Q?', options: ['a', 'b'] },
    })
    assert.equal(poll.json().error.code, 'rate-limited')
    assert.deepEqual(await t.store.messages.history({ roomId: id, after: 0, limit: 100 }), before)
  })

  it("read-only rooms refuse members' posts and reactions (room-read-only) but not moderators'", async () => {
    const m = await post(bob, 'before')
    await t.call('PATCH', `/api/v1/rooms/${roomId}`, { headers: alice.auth, body: { readOnly: true } })
    const before = await messageCount()
    assert.equal(
      (await t.call('POST', `/api/v1/rooms/${roomId}/messages`, { headers: bob.auth, body: { body: 'no' } })).json()
        .error.code,
      'room-read-only',
    )
    assert.equal(
      (await t.call('PUT', `/api/v1/rooms/${roomId}/messages/${m.seq}/reactions/x`, { headers: bob.auth })).json().error
        .code,
      'room-read-only',
    )
    assert.equal(await messageCount(), before)
    assert.equal((await t.store.messages.reactions(roomId, [m.seq])).length, 0)
    await post(alice, 'announcement')
  })

  it('message expiry: messages get expiresAt and the sweep removes them once expired', async () => {
    let now = Date.now()
    const clock = () => now
    await t.close()
    t = await startTestInstance()
    const { createChatStack } = await import('../../rooms/chat-stack.ts')
    const stack = createChatStack(t.config, t.store, (await import('../../logger.ts')).createLogger('silent'), {
      now: clock,
    })
    const owner = await t.user('owner')
    const caller = { type: 'user' as const, id: owner.user.id, name: 'Owner' }
    const room = await stack.rooms.create(caller, { kind: 'group', name: 'Ephemeral', messageExpirySeconds: 60 })
    assert.equal(room.ok, true)
    const id = room.ok ? room.value.room.id : ''
    const posted = await stack.chat.post(caller, id, { body: 'gone soon' })
    assert.equal(posted.ok && posted.value.expiresAt, new Date(now + 60_000).toISOString())
    now += 59_000
    assert.equal((await stack.chat.sweep(3600_000)).messages, 0)
    const visible = await stack.chat.history(caller, id, {})
    assert.deepEqual(visible.ok && visible.value.messages.filter((m) => m.kind === 'text').map((m) => m.body), [
      'gone soon',
    ])
    now += 1_000
    const hidden = await stack.chat.history(caller, id, {})
    assert.deepEqual(
      hidden.ok && hidden.value.messages.filter((m) => m.kind === 'text'),
      [],
      'expired: hidden before the sweep',
    )
    assert.equal((await stack.chat.sweep(3600_000)).messages, 1)
    assert.equal(await t.store.messages.get(id, posted.ok ? posted.value.seq : 0), null)
    const page = await stack.chat.history(caller, id, {})
    assert.deepEqual(page.ok && page.value.messages.filter((m) => m.kind === 'text'), [])
    await stack.bus.close()
  })
})
