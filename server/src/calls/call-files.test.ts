/**
 * Sharing a file with a call: the file is uploaded into the room (it lands in the chat), then the
 * participant announces it to the call with `call.share-file`; every session of the room hears
 * `call.file-shared`, which the call view shows.
 */
import { describe, it, beforeEach, afterEach } from 'node:test'
import assert from 'node:assert/strict'
import { ParleyClient, RealtimeClient } from '@parley/client'
import type { MessageView, ServerCallMessage } from '@parley/protocol'
import { refused } from '../testing/realtime-refusal.ts'
import { startTestInstance, type TestInstance } from '../testing/test-instance.ts'
import { png } from '../testing/files.ts'

type Person = { rest: ParleyClient; rt: RealtimeClient; id: string }
const AV = { audio: true, video: false, screen: false }

describe('Sharing files with a call', () => {
  let t: TestInstance
  let roomId: string
  let alice: Person, bob: Person, cas: Person
  const clients: RealtimeClient[] = []

  beforeEach(async () => {
    t = await startTestInstance()
    const base = await t.listen()
    const person = async (name: string): Promise<Person> => {
      const u = await t.user(name)
      const rt = new RealtimeClient({ baseUrl: base, auth: { token: u.token }, reconnect: false })
      clients.push(rt)
      return { rest: new ParleyClient({ baseUrl: base, auth: { token: u.token } }), rt, id: u.user.id }
    }
    alice = await person('alice')
    bob = await person('bob')
    cas = await person('cas')
    roomId = (await alice.rest.createRoom({ kind: 'group', name: 'Review' })).id
    await alice.rest.addParticipant(roomId, bob.id)
    await alice.rest.addParticipant(roomId, cas.id)
    await Promise.all([alice.rt.connect(), bob.rt.connect(), cas.rt.connect()])
    for (const p of [alice, bob])
      assert.equal((await p.rt.request({ type: 'call.join', roomId, media: AV })).type, 'call.joined')
  })
  afterEach(async () => {
    for (const c of clients.splice(0)) c.close()
    await t.close()
  })

  const fileShared = (p: Person) =>
    p.rt.next('call', (f) => f.type === 'call.file-shared') as Promise<
      Extract<ServerCallMessage, { type: 'call.file-shared' }>
    >

  it('call.share-file announces a file message to the call and the room; it is in the chat too', async () => {
    const inChat = bob.rt.next('event', (e) => e.event.type === 'message.new')
    const message = await alice.rest.files.upload(roomId, new Blob([await png()]), { name: 'slide.png' })
    assert.equal(((await inChat).event as { message: MessageView }).message.file?.id, message.file?.id)
    const [toBob, toCas] = [fileShared(bob), fileShared(cas)]
    const ack = await alice.rt.request({ type: 'call.share-file', roomId, seq: message.seq })
    assert.equal(ack.type, 'call.ack')
    for (const frame of await Promise.all([toBob, toCas])) {
      assert.equal(frame.roomId, roomId)
      assert.equal(frame.seq, message.seq)
      assert.deepEqual(frame.file, message.file)
    }
  })

  it('only call participants share, only their own file messages, and only file messages', async () => {
    const mine = await alice.rest.files.upload(roomId, new Blob([await png()]), { name: 'a.png' })
    const text = await alice.rest.post(roomId, 'no file here')
    assert.equal(await refused(cas.rt.request({ type: 'call.share-file', roomId, seq: mine.seq })), 'not-in-call')
    assert.equal(await refused(bob.rt.request({ type: 'call.share-file', roomId, seq: mine.seq })), 'not-author')
    assert.equal(
      await refused(alice.rt.request({ type: 'call.share-file', roomId, seq: text.seq })),
      'message-not-found',
    )
    assert.equal(await refused(alice.rt.request({ type: 'call.share-file', roomId, seq: 9999 })), 'message-not-found')
    await alice.rest.deleteMessage(roomId, mine.seq)
    assert.equal(
      await refused(alice.rt.request({ type: 'call.share-file', roomId, seq: mine.seq })),
      'message-not-found',
    )
  })
})
