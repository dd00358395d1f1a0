/**
 * End-to-end encrypted calls, the server's part, through the real realtime gateway (mesh engine, no
 * media; the browsers' part — encryption itself — is in test/media/call-e2ee-*.test.ts): who may
 * join, public keys handed out, keys relayed only to their addressee, and the refusals.
 */
import { describe, it, beforeEach, afterEach } from 'node:test'
import assert from 'node:assert/strict'
import { ParleyClient, RealtimeClient } from '@parley/client'
import { generateKeyPair } from '@parley/client/e2ee'
import type { CallE2eeKey, ServerCallJoined, ServerCallMessage, ServerMessage } from '@parley/protocol'
import { refused } from '../testing/realtime-refusal.ts'
import { startTestInstance, type TestInstance } from '../testing/test-instance.ts'

type Person = { rest: ParleyClient; rt: RealtimeClient; id: string; frames: ServerMessage[] }
const AV = { audio: true, video: true, screen: false }
const KEY: CallE2eeKey = {
  kid: 0,
  iv: 'AAAAAAAAAAAAAAAA',
  ciphertext: 'c2VhbGVkLWZvci10aGUtcmVjaXBpZW50LW9ubHktLS0tLQ',
}

describe('End-to-end encrypted calls over the realtime gateway', () => {
  let t: TestInstance
  let base: string
  let roomId: string
  let alice: Person, bob: Person, cas: Person
  const clients: RealtimeClient[] = []

  const person = async (name: string): Promise<Person> => {
    const u = await t.user(name)
    const rt = new RealtimeClient({ baseUrl: base, auth: { token: u.token }, reconnect: false })
    clients.push(rt)
    const frames: ServerMessage[] = []
    rt.on('call', (f) => frames.push(f))
    return { rest: new ParleyClient({ baseUrl: base, auth: { token: u.token } }), rt, id: u.user.id, frames }
  }
  const join = async (p: Person, room = roomId): Promise<ServerCallJoined> => {
    const { publicKey } = await generateKeyPair()
    const reply = await p.rt.request({ type: 'call.join', roomId: room, media: AV, e2ee: { publicKey } })
    assert.equal(reply.type, 'call.joined')
    return reply as ServerCallJoined
  }
  const nextCall = <T extends ServerCallMessage['type']>(
    p: Person,
    type: T,
    filter: (f: Extract<ServerCallMessage, { type: T }>) => boolean = () => true,
  ) =>
    p.rt.next('call', (f) => f.type === type && filter(f as Extract<ServerCallMessage, { type: T }>)) as Promise<
      Extract<ServerCallMessage, { type: T }>
    >

  beforeEach(async () => {
    t = await startTestInstance({ env: { PARLEY_MESH_MAX_PARTICIPANTS: '4' } })
    base = await t.listen()
    alice = await person('alice')
    bob = await person('bob')
    cas = await person('cas')
    const room = await alice.rest.createRoom({ kind: 'group', name: 'Secret', e2ee: true })
    assert.equal(room.e2ee, true)
    roomId = room.id
    await alice.rest.addParticipant(roomId, bob.id)
    await alice.rest.addParticipant(roomId, cas.id)
    await Promise.all([alice.rt.connect(), bob.rt.connect(), cas.rt.connect()])
  })
  afterEach(async () => {
    for (const c of clients.splice(0)) c.close()
    await t.close()
  })

  it('call.join without e2ee in an end-to-end encrypted room is refused with e2ee-required: no call starts, nobody hears of it', async () => {
    assert.equal(await refused(alice.rt.request({ type: 'call.join', roomId, media: AV })), 'e2ee-required')
    // bob then starts the call: alone in it, and he never heard of alice's attempt.
    const joined = await join(bob)
    assert.deepEqual(
      joined.participants.map((p) => p.actor.id),
      [bob.id],
    )
    assert.equal(
      bob.frames.some((f) => f.type === 'call.participant' && f.participant.actor.id === alice.id),
      false,
    )
    // In a running call too.
    assert.equal(await refused(cas.rt.request({ type: 'call.join', roomId, media: AV })), 'e2ee-required')
    assert.equal((await join(alice)).participants.length, 2)
  })

  it('call.joined says the call is end-to-end encrypted and carries everyone’s public key; so does call.participant', async () => {
    const a = await join(alice)
    assert.equal(a.e2ee, true)
    const seen = nextCall(alice, 'call.participant', (f) => f.participant.actor.id === bob.id)
    const { publicKey } = await generateKeyPair()
    const b = (await bob.rt.request({ type: 'call.join', roomId, media: AV, e2ee: { publicKey } })) as ServerCallJoined
    assert.equal(b.e2ee, true)
    assert.deepEqual((await seen).participant.e2ee, { publicKey })
    assert.equal(b.participants.find((p) => p.actor.id === bob.id)?.e2ee?.publicKey, publicKey)
    assert.match(b.participants.find((p) => p.actor.id === alice.id)?.e2ee?.publicKey ?? '', /^[A-Za-z0-9_-]{87}$/)

    // A call that is not end-to-end encrypted says so, and hands out no keys even when a client offers one.
    const plain = (await alice.rest.createRoom({ kind: 'group', name: 'Plain' })).id
    const p = await join(alice, plain)
    assert.equal(p.e2ee, false)
    assert.equal(p.participants[0]?.e2ee, undefined)
  })

  it('call.key and call.key-ack reach only their addressee, from the sender; someone in the room but not in the call gets nothing', async () => {
    const a = await join(alice)
    const b = await join(bob)
    const got = nextCall(bob, 'call.key')
    await alice.rt.request({ type: 'call.key', roomId, keys: [{ to: b.participantId, key: KEY }] })
    assert.deepEqual(await got, { type: 'call.key', roomId, from: a.participantId, key: KEY })
    const ack = nextCall(alice, 'call.key-ack')
    await bob.rt.request({ type: 'call.key-ack', roomId, acks: [{ to: a.participantId, kid: 0 }] })
    assert.deepEqual(await ack, { type: 'call.key-ack', roomId, from: b.participantId, kid: 0 })
    // A key for someone who already left is dropped, not an error (they left while it travelled).
    await alice.rt.request({ type: 'call.key', roomId, keys: [{ to: 'gone-already', key: KEY }] })
    // Sentinel: a reaction reaches everyone in the room after anything relayed before it.
    const sentinel = nextCall(cas, 'call.reaction')
    await alice.rt.request({ type: 'call.reaction', roomId, emoji: '👍' })
    await sentinel
    assert.deepEqual(
      cas.frames.filter((f) => f.type === 'call.key' || f.type === 'call.key-ack'),
      [],
    )
    assert.equal(alice.frames.filter((f) => f.type === 'call.key').length, 0, 'not echoed to the sender')
  })

  it('bad key messages are refused and relay nothing: outside the call, to oneself, malformed, or in a call that is not end-to-end encrypted', async () => {
    const a = await join(alice)
    const b = await join(bob)
    assert.equal(
      await refused(cas.rt.request({ type: 'call.key', roomId, keys: [{ to: a.participantId, key: KEY }] })),
      'not-in-call',
    )
    assert.equal(
      await refused(alice.rt.request({ type: 'call.key', roomId, keys: [{ to: a.participantId, key: KEY }] })),
      'invalid-message',
    )
    const invalid = alice.rt.next('error', (e) => e.error.code === 'invalid-message')
    alice.rt.send({ type: 'call.key', roomId, keys: [{ to: b.participantId, key: { ...KEY, iv: 'short' } }] } as never)
    assert.equal((await invalid).error.code, 'invalid-message')
    const plain = (await alice.rest.createRoom({ kind: 'group', name: 'Plain' })).id
    await alice.rest.addParticipant(plain, bob.id)
    const pa = await join(alice, plain)
    const pb = await join(bob, plain)
    assert.equal(
      await refused(alice.rt.request({ type: 'call.key', roomId: plain, keys: [{ to: pb.participantId, key: KEY }] })),
      'call-not-e2ee',
    )
    assert.equal(
      await refused(bob.rt.request({ type: 'call.key-ack', roomId: plain, acks: [{ to: pa.participantId, kid: 0 }] })),
      'call-not-e2ee',
    )
    const sentinel = nextCall(bob, 'call.reaction', (f) => f.roomId === roomId)
    await alice.rt.request({ type: 'call.reaction', roomId, emoji: '👍' })
    await sentinel
    assert.deepEqual(
      bob.frames.filter((f) => f.type === 'call.key'),
      [],
      'none of the refused keys was relayed',
    )
  })

  it('recording stays refused in an end-to-end encrypted call (e2ee-forbids)', async () => {
    await join(alice)
    assert.equal(await refused(alice.rt.request({ type: 'call.recording', roomId, recording: true })), 'e2ee-forbids')
  })
})
