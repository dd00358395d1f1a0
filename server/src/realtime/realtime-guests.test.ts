import { describe, it, beforeEach, afterEach } from 'node:test'
import assert from 'node:assert/strict'
import { ParleyClient, RealtimeClient, type ParleyApiError } from '@parley/client'
import type { ServerEvent } from '@parley/protocol'
import { startTestInstance, type TestInstance } from '../testing/test-instance.ts'

describe('Realtime gateway: guests, password and lobby', () => {
  let t: TestInstance
  let base: string
  const clients: RealtimeClient[] = []
  beforeEach(async () => {
    t = await startTestInstance()
    base = await t.listen()
  })
  afterEach(async () => {
    for (const c of clients.splice(0)) c.close()
    await t.close()
  })

  it('a guest opens the link with the password, waits in the lobby, is admitted live, chats, and is cut off when removed', async () => {
    const owner = await t.user('alice')
    const alice = new ParleyClient({ baseUrl: base, auth: { token: owner.token } })
    const room = await alice.createRoom({ kind: 'public', name: 'Open day', password: 'visitors-welcome', lobby: true })
    const aliceRt = new RealtimeClient({ baseUrl: base, auth: { token: owner.token }, reconnect: false })
    clients.push(aliceRt)
    await aliceRt.connect()

    const anonymous = new ParleyClient({ baseUrl: base })
    await assert.rejects(
      anonymous.joinAsGuest(room.id, { displayName: 'Vera', password: 'nope' }),
      (e: ParleyApiError) => e.code === 'room-password-wrong',
    )
    const lobbyEvent = aliceRt.next(
      'event',
      (e) => e.event.type === 'participant.joined' && e.event.participant.role === 'guest',
    )
    const session = await anonymous.joinAsGuest(room.id, { displayName: 'Vera', password: 'visitors-welcome' })
    assert.equal(session.room.me?.state, 'lobby')
    const joined = await lobbyEvent
    assert.equal(joined.event.type === 'participant.joined' && joined.event.participant.state, 'lobby')

    const vera = new RealtimeClient({ baseUrl: base, auth: { guestSecret: session.secret }, reconnect: false })
    clients.push(vera)
    const welcome = await vera.connect()
    assert.deepEqual(welcome.actor, { type: 'guest', id: session.guestId, name: 'Vera' })
    assert.deepEqual(welcome.rooms, {}, 'in the lobby: no room events yet')

    const added = vera.next('room.added')
    await alice.admit(room.id, session.guestId)
    assert.equal((await added).roomId, room.id)

    const veraEvents: ServerEvent[] = []
    vera.on('event', (e) => veraEvents.push(e))
    const guestRest = anonymous.as({ guestSecret: session.secret })
    const fromAlice = await alice.post(room.id, 'welcome Vera')
    const seenByAlice = aliceRt.next(
      'event',
      (e) => e.event.type === 'message.new' && e.event.message.actor.type === 'guest',
    )
    await guestRest.post(room.id, 'thanks!')
    const guestMessage = await seenByAlice
    assert.equal(guestMessage.event.type === 'message.new' && guestMessage.event.message.actor.name, 'Vera')
    for (let i = 0; i < 100 && !veraEvents.some((e) => e.seq === fromAlice.seq); i++)
      await new Promise((r) => setTimeout(r, 10))
    assert.equal(
      veraEvents.some((e) => e.seq === fromAlice.seq),
      true,
    )
    await assert.rejects(
      guestRest.addParticipant(room.id, owner.user.id),
      (e: ParleyApiError) => e.code === 'guest-not-allowed',
    )

    const bye = vera.next('bye')
    const closed = vera.next('close')
    await alice.removeParticipant(room.id, session.guestId)
    assert.equal((await bye).reason, 'session-ended')
    assert.equal((await closed).code, 4003)
    await assert.rejects(
      guestRest.history(room.id),
      (e: ParleyApiError) => e.code === 'session-ended' && e.status === 401,
    )
  })
})
