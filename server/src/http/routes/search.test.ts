import { describe, it, beforeEach, afterEach } from 'node:test'
import assert from 'node:assert/strict'
import type { MessageView } from '@parley/protocol'
import { startTestInstance, type TestInstance, type TestUser } from '../../testing/test-instance.ts'

describe('GET /api/v1/rooms/search', () => {
  let t: TestInstance
  let alice: TestUser
  let bob: TestUser
  let plans: string
  let random: string
  beforeEach(async () => {
    t = await startTestInstance()
    alice = await t.user('alice')
    bob = await t.user('bob')
    const room = async (name: string) =>
      (await t.call('POST', '/api/v1/rooms', { headers: alice.auth, body: { kind: 'group', name } })).json()
        .id as string
    plans = await room('Plans')
    random = await room('Random')
  })
  afterEach(() => t.close())

  const post = async (roomId: string, body: string) =>
    (
      await t.call('POST', `/api/v1/rooms/${roomId}/messages`, { headers: alice.auth, body: { body } })
    ).json<MessageView>()
  const search = async (q: string, extra: Record<string, string> = {}, who = alice) => {
    const reply = await t.call('GET', `/api/v1/rooms/search?${new URLSearchParams({ q, ...extra })}`, {
      headers: who.auth,
    })
    return reply
  }
  const bodies = async (q: string, extra: Record<string, string> = {}) =>
    (await search(q, extra)).json<{ messages: MessageView[] }>().messages.map((m) => m.body)

  it('finds words by prefix and "quoted phrases" in order, newest first', async () => {
    await post(plans, 'The quarterly report is ready')
    await post(plans, 'Report the quarterly numbers by Friday')
    await post(random, 'reporters at the door')
    assert.deepEqual(await bodies('rep'), [
      'reporters at the door',
      'Report the quarterly numbers by Friday',
      'The quarterly report is ready',
    ])
    assert.deepEqual(await bodies('"quarterly report"'), ['The quarterly report is ready'])
    assert.deepEqual(await bodies('quart "numbers by"'), ['Report the quarterly numbers by Friday'])
    assert.deepEqual(await bodies('report OR nothing'), [], 'OR is a word here, not an operator')
    // A control character typed or pasted in separates words (a NUL ended FTS5's string: a 500).
    assert.deepEqual(await bodies('quarterly\u0000report'), [
      'Report the quarterly numbers by Friday',
      'The quarterly report is ready',
    ])
    assert.deepEqual(await bodies('\u0000'), [])
  })

  it('keeps to one room with roomId, and refuses a room the caller is not in', async () => {
    await post(plans, 'budget for plans')
    await post(random, 'budget for lunch')
    assert.deepEqual(await bodies('budget', { roomId: plans }), ['budget for plans'])
    const stranger = await search('budget', { roomId: plans }, bob)
    assert.equal(stranger.statusCode, 404)
    assert.equal(stranger.json().error.code, 'room-not-found')
    const bad = await search('budget', { roomId: 'x'.repeat(300) })
    assert.equal(bad.statusCode, 400)
    assert.equal(bad.json().error.code, 'validation-failed')
  })

  it('returns each message with its real reactions and never a deleted message', async () => {
    const liked = await post(plans, 'launch on monday')
    const gone = await post(plans, 'launch on sunday')
    for (const emoji of ['🚀', '👍'])
      await t.call('PUT', `/api/v1/rooms/${plans}/messages/${liked.seq}/reactions/${encodeURIComponent(emoji)}`, {
        headers: alice.auth,
      })
    await t.call('DELETE', `/api/v1/rooms/${plans}/messages/${gone.seq}`, { headers: alice.auth })
    const found = (await search('launch')).json<{ messages: MessageView[] }>().messages
    assert.deepEqual(
      found.map((m) => [m.body, m.reactions]),
      [
        [
          'launch on monday',
          [
            { emoji: '🚀', count: 1 },
            { emoji: '👍', count: 1 },
          ],
        ],
      ],
    )
  })
})
