/**
 * Someone waiting in a lobby receives nothing of the room, yet their page waits for it: they are
 * told at once (room.removed with its reason) when they are turned away, banned, the room is
 * deleted or they leave it. Guests also lose their session; a guest inside the room is told why too.
 */
import { describe, it, beforeEach, afterEach } from 'node:test'
import assert from 'node:assert/strict'
import { ParleyClient, RealtimeClient } from '@parley/client'
import type { ServerRoomRemoved } from '@parley/protocol'
import { startTestInstance, type TestInstance } from '../testing/test-instance.ts'

describe('Realtime gateway: leaving a lobby, and why a room is gone', () => {
  let t: TestInstance
  let base: string
  let alice: ParleyClient
  const clients: RealtimeClient[] = []
  beforeEach(async () => {
    t = await startTestInstance()
    base = await t.listen()
    alice = new ParleyClient({ baseUrl: base, auth: { token: (await t.user('alice')).token } })
  })
  afterEach(async () => {
    for (const c of clients.splice(0)) c.close()
    await t.close()
  })

  /** A realtime client that keeps every room.removed it gets, from its welcome on. */
  const connect = async (auth: { token: string } | { guestSecret: string }) => {
    const rt = new RealtimeClient({ baseUrl: base, auth, reconnect: false })
    clients.push(rt)
    const removed: ServerRoomRemoved[] = []
    rt.on('room.removed', (frame) => removed.push(frame))
    await rt.connect()
    return { rt, removed }
  }

  /** A signed-in user, connected, who then joins the room's lobby. */
  const waiting = async (name: string, roomId: string) => {
    const user = await t.user(name)
    const api = new ParleyClient({ baseUrl: base, auth: { token: user.token } })
    const session = await connect({ token: user.token })
    const me = await api.join(roomId)
    assert.equal(me.me?.state, 'lobby')
    return { ...session, id: user.user.id, api }
  }

  it('a signed-in person in the lobby hears room.removed when removed, banned, when they leave, and when the room is deleted', async () => {
    const room = await alice.createRoom({ kind: 'public', name: 'Gate', lobby: true })
    const dave = await waiting('dave', room.id)
    const erin = await waiting('erin', room.id)
    const finn = await waiting('finn', room.id)
    const gus = await waiting('gus', room.id)

    const daveTold = dave.rt.next('room.removed')
    await alice.removeParticipant(room.id, dave.id)
    assert.deepEqual(await daveTold, { type: 'room.removed', roomId: room.id, reason: 'removed' })

    const erinTold = erin.rt.next('room.removed')
    await alice.ban(room.id, erin.id)
    assert.deepEqual(await erinTold, { type: 'room.removed', roomId: room.id, reason: 'banned' })

    // The server allows leaving from the lobby; the person's other pages hear of it.
    const finnTold = finn.rt.next('room.removed')
    await finn.api.leave(room.id)
    assert.deepEqual(await finnTold, { type: 'room.removed', roomId: room.id, reason: 'left' })

    const gusTold = gus.rt.next('room.removed')
    await alice.deleteRoom(room.id)
    assert.deepEqual(await gusTold, { type: 'room.removed', roomId: room.id, reason: 'deleted' })

    // Joining the lobby itself told nobody that the room was gone: each notice is the first one.
    for (const [who, reason] of [
      [dave, 'removed'],
      [erin, 'banned'],
      [finn, 'left'],
      [gus, 'deleted'],
    ] as const)
      assert.deepEqual(who.removed[0], { type: 'room.removed', roomId: room.id, reason })
  })

  it('a guest in the lobby hears why before the session ends: removed, or the room deleted', async () => {
    const room = await alice.createRoom({ kind: 'public', name: 'Gate', lobby: true })
    const anonymous = new ParleyClient({ baseUrl: base })
    const vera = await anonymous.joinAsGuest(room.id, { displayName: 'Vera' })
    const walt = await anonymous.joinAsGuest(room.id, { displayName: 'Walt' })
    const veraRt = await connect({ guestSecret: vera.secret })
    const waltRt = await connect({ guestSecret: walt.secret })

    const veraClosed = veraRt.rt.next('close')
    await alice.removeParticipant(room.id, vera.guestId)
    assert.equal((await veraClosed).code, 4003)
    assert.deepEqual(veraRt.removed, [{ type: 'room.removed', roomId: room.id, reason: 'removed' }])

    const waltClosed = waltRt.rt.next('close')
    await alice.deleteRoom(room.id)
    assert.equal((await waltClosed).code, 4003)
    assert.deepEqual(waltRt.removed, [{ type: 'room.removed', roomId: room.id, reason: 'deleted' }])
  })

  it('a guest inside the room hears that they were banned before the session ends', async () => {
    const room = await alice.createRoom({ kind: 'public', name: 'Open' })
    const anonymous = new ParleyClient({ baseUrl: base })
    const xena = await anonymous.joinAsGuest(room.id, { displayName: 'Xena' })
    const xenaRt = await connect({ guestSecret: xena.secret })
    const closed = xenaRt.rt.next('close')
    await alice.ban(room.id, xena.guestId)
    assert.equal((await closed).code, 4003)
    assert.deepEqual(xenaRt.removed, [{ type: 'room.removed', roomId: room.id, reason: 'banned' }])
  })
})
