/**
 * Calls through the real realtime gateway on a mesh engine (no media: the browsers' part is in
 * test/media). Drives real instances with the client SDK, as a browser would.
 */
import { describe, it, beforeEach, afterEach } from 'node:test'
import assert from 'node:assert/strict'
import { ParleyClient, ParleyRealtimeError, RealtimeClient } from '@parley/client'
import { generateKeyPair } from '@parley/client/e2ee'
import { refused } from '../testing/realtime-refusal.ts'
import type { ServerCallMessage, ServerCallJoined, ServerMessage } from '@parley/protocol'
import { startTestInstance, type TestInstance } from '../testing/test-instance.ts'

type Person = { rest: ParleyClient; rt: RealtimeClient; id: string; frames: ServerMessage[] }

const OFFER =
  'v=0\r\no=- 1 2 IN IP4 127.0.0.1\r\ns=-\r\nt=0 0\r\nm=audio 9 UDP/TLS/RTP/SAVPF 111\r\nc=IN IP4 0.0.0.0\r\na=rtpmap:111 opus/48000/2\r\n'
const AV = { audio: true, video: true, screen: false }

describe('Calls over the realtime gateway (mesh engine)', () => {
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
    rt.on('error', (f) => frames.push(f))
    return { rest: new ParleyClient({ baseUrl: base, auth: { token: u.token } }), rt, id: u.user.id, frames }
  }
  const join = async (p: Person, media = AV): Promise<ServerCallJoined> => {
    const reply = await p.rt.request({ type: 'call.join', roomId, media })
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
    t = await startTestInstance({
      env: {
        PARLEY_MESH_MAX_PARTICIPANTS: '3',
        PARLEY_TURN_URLS: 'turn:127.0.0.1:3478',
        PARLEY_TURN_SECRET: 'a-test-turn-secret-of-some-length',
      },
    })
    base = await t.listen()
    alice = await person('alice')
    bob = await person('bob')
    cas = await person('cas')
    roomId = (await alice.rest.createRoom({ kind: 'group', name: 'Standup' })).id
    await alice.rest.addParticipant(roomId, bob.id)
    await alice.rest.addParticipant(roomId, cas.id)
    await Promise.all([alice.rt.connect(), bob.rt.connect(), cas.rt.connect()])
  })
  afterEach(async () => {
    for (const c of clients.splice(0)) c.close()
    await t.close()
  })

  it('call.join starts the call, returns who is in it with TURN credentials, and everyone in the room sees the joins', async () => {
    const seenByCas = nextCall(cas, 'call.participant', (f) => f.participant.actor.id === alice.id)
    const first = await join(alice)
    assert.equal(first.engine, 'mesh')
    assert.equal(first.recording, false)
    assert.deepEqual(
      first.participants.map((p) => [p.actor.name, p.media, p.moderator]),
      [['Alice', AV, true]],
    )
    assert.equal(first.ice.iceServers[0]?.urls[0], 'turn:127.0.0.1:3478')
    assert.match(first.ice.iceServers[0]?.username ?? '', new RegExp(`^\\d+:${alice.id}$`))
    assert.equal((await seenByCas).change, 'joined')

    const second = await join(bob, { audio: true, video: false, screen: false })
    assert.equal(second.callId, first.callId, 'one call per room')
    assert.deepEqual(second.participants.map((p) => p.actor.name).sort(), ['Alice', 'Bob'])
    assert.equal(second.participants.find((p) => p.actor.id === bob.id)?.moderator, false)
  })

  it('call.signal is relayed only between participants of the same call', async () => {
    const a = await join(alice)
    const b = await join(bob)
    const relayed = nextCall(bob, 'call.signal')
    await alice.rt.request({ type: 'call.signal', roomId, to: b.participantId, signal: { type: 'offer', sdp: OFFER } })
    const got = await relayed
    assert.equal(got.from, a.participantId)
    assert.deepEqual(got.signal, { type: 'offer', sdp: OFFER })
    const candidate = nextCall(bob, 'call.signal', (f) => f.signal.type === 'candidate')
    await alice.rt.request({
      type: 'call.signal',
      roomId,
      to: b.participantId,
      signal: { type: 'candidate', candidate: null },
    })
    assert.deepEqual((await candidate).signal, { type: 'candidate', candidate: null })

    // cas is in the room but not in the call: cannot signal, and cannot be signalled.
    assert.equal(
      await refused(
        cas.rt.request({ type: 'call.signal', roomId, to: a.participantId, signal: { type: 'offer', sdp: OFFER } }),
      ),
      'not-in-call',
    )
    assert.equal(
      await refused(
        alice.rt.request({ type: 'call.signal', roomId, to: 'someone-else', signal: { type: 'offer', sdp: OFFER } }),
      ),
      'not-in-call',
    )
    // SDP that does not parse never reaches the other browser.
    assert.equal(
      await refused(
        alice.rt.request({ type: 'call.signal', roomId, to: b.participantId, signal: { type: 'offer', sdp: 'hello' } }),
      ),
      'invalid-sdp',
    )
    // An SFU message on a mesh call is refused with the reason.
    assert.equal(
      await refused(alice.rt.request({ type: 'call.publish', roomId, source: 'camera', sdp: OFFER })),
      'engine-mismatch',
    )
    assert.equal(cas.frames.filter((f) => f.type === 'call.signal').length, 0)
    assert.equal(bob.frames.filter((f) => f.type === 'call.signal').length, 2)
  })

  it('a join past the mesh cap is refused with call-full; the others are unaffected', async () => {
    const dan = await person('dan')
    await alice.rest.addParticipant(roomId, dan.id)
    await dan.rt.connect()
    await join(alice)
    await join(bob)
    await join(cas)
    const error = await dan.rt.request({ type: 'call.join', roomId, media: AV }).catch((e: unknown) => e)
    assert.ok(error instanceof ParleyRealtimeError)
    assert.equal(error.code, 'call-full')
    assert.deepEqual(error.details?.max, 3)
    assert.equal((await alice.rt.request({ type: 'call.update', roomId, handRaised: true })).type, 'call.ack')
    bob.rt.close()
    // Bob's session went away: his seat is free.
    await nextCall(alice, 'call.left', (f) => f.reason === 'disconnected')
    assert.equal((await join(dan)).participants.length, 3)
  })

  it('hand raise, mute and reactions are seen by the others; mesh browsers report speaking', async () => {
    await join(alice)
    const b = await join(bob)
    const hand = nextCall(alice, 'call.participant', (f) => f.change === 'updated' && f.participant.handRaised)
    await bob.rt.request({ type: 'call.update', roomId, handRaised: true })
    assert.equal((await hand).participant.participantId, b.participantId)
    const muted = nextCall(alice, 'call.participant', (f) => f.change === 'updated' && !f.participant.media.audio)
    await bob.rt.request({ type: 'call.update', roomId, media: { audio: false, video: true, screen: false } })
    assert.deepEqual((await muted).participant.media, { audio: false, video: true, screen: false })
    const speaking = nextCall(alice, 'call.participant', (f) => f.participant.speaking)
    await bob.rt.request({ type: 'call.update', roomId, media: AV, speaking: true })
    assert.equal((await speaking).participant.participantId, b.participantId)
    // Muting ends speaking in the same update (the SFU's voice detection may never report it).
    const silenced = nextCall(alice, 'call.participant', (f) => f.change === 'updated' && !f.participant.media.audio)
    await bob.rt.request({ type: 'call.update', roomId, media: { audio: false, video: true, screen: false } })
    assert.equal((await silenced).participant.speaking, false)
    const reaction = nextCall(cas, 'call.reaction')
    await bob.rt.request({ type: 'call.reaction', roomId, emoji: '👏' })
    assert.deepEqual([(await reaction).emoji, (await reaction).participantId], ['👏', b.participantId])
  })

  it('moderators mute others, remove someone from the call and end it; members cannot', async () => {
    const a = await join(alice)
    const b = await join(bob)
    await join(cas)
    assert.equal(
      await refused(bob.rt.request({ type: 'call.moderate', roomId, action: 'mute', participantId: a.participantId })),
      'role-too-low',
    )
    assert.equal(await refused(bob.rt.request({ type: 'call.end', roomId })), 'role-too-low')
    assert.equal(await refused(bob.rt.request({ type: 'call.recording', roomId, recording: true })), 'role-too-low')

    const muted = nextCall(
      bob,
      'call.participant',
      (f) => f.participant.participantId === b.participantId && !f.participant.media.audio,
    )
    await alice.rt.request({ type: 'call.moderate', roomId, action: 'mute', participantId: b.participantId })
    assert.equal((await muted).participant.media.video, true, 'only the microphone is muted')

    const removed = nextCall(cas, 'call.left', (f) => f.participantId === b.participantId)
    await alice.rt.request({ type: 'call.moderate', roomId, action: 'remove', participantId: b.participantId })
    assert.equal((await removed).reason, 'removed')
    assert.equal(await refused(bob.rt.request({ type: 'call.update', roomId, handRaised: true })), 'not-in-call')
    // Recording a mesh call is refused with the reason: no media passes through the server.
    const recording = await alice.rt
      .request({ type: 'call.recording', roomId, recording: true })
      .catch((e: unknown) => e)
    assert.ok(recording instanceof ParleyRealtimeError && recording.code === 'recording-unavailable', String(recording))
    assert.match(recording.message, /mesh/)

    const ended = nextCall(bob, 'call.ended')
    await alice.rt.request({ type: 'call.end', roomId })
    assert.equal((await ended).reason, 'ended-by-moderator')
    assert.equal(await refused(cas.rt.request({ type: 'call.leave', roomId })), 'no-call')
  })

  it('the lobby holds: someone waiting in the lobby gets no call and no call frames until admitted', async () => {
    const open = (await alice.rest.createRoom({ kind: 'public', name: 'Town hall', lobby: true })).id
    const dan = await person('dan')
    await dan.rest.join(open)
    await dan.rt.connect()
    assert.equal((await t.store.participants.get(open, dan.id))?.state, 'lobby')
    await alice.rt.request({ type: 'call.join', roomId: open, media: AV })
    assert.equal(await refused(dan.rt.request({ type: 'call.join', roomId: open, media: AV })), 'in-lobby')
    assert.equal(
      await refused(
        dan.rt.request({ type: 'call.signal', roomId: open, to: 'x', signal: { type: 'offer', sdp: OFFER } }),
      ),
      'in-lobby',
    )
    await alice.rt.request({ type: 'call.update', roomId: open, handRaised: true })
    await alice.rt.request({ type: 'call.reaction', roomId: open, emoji: '🎉' })
    // Alice's requests were answered after their frames went out (the bus delivers in order, at
    // once); a round trip on dan's own connection then brings anything that was sent to him.
    await dan.rt.ping()
    assert.deepEqual(
      dan.frames.filter((f) => f.type !== 'error'),
      [],
      'no call frame reaches the lobby',
    )

    const added = dan.rt.next('room.added', (f) => f.roomId === open)
    await alice.rest.admit(open, dan.id)
    await added
    const joined = await dan.rt.request({ type: 'call.join', roomId: open, media: AV })
    assert.equal(joined.type === 'call.joined' && joined.participants.length, 2)
  })

  it('recording is refused with e2ee-forbids in an end-to-end encrypted room, before anything else', async () => {
    const secret = await alice.rest.createRoom({ kind: 'group', name: 'Secret', e2ee: true })
    assert.equal(secret.e2ee, true)
    const { publicKey } = await generateKeyPair()
    await alice.rt.request({ type: 'call.join', roomId: secret.id, media: AV, e2ee: { publicKey } })
    const refusal = await alice.rt
      .request({ type: 'call.recording', roomId: secret.id, recording: true })
      .catch((e: unknown) => e)
    assert.ok(refusal instanceof ParleyRealtimeError)
    assert.equal(refusal.code, 'e2ee-forbids')
    assert.equal((await alice.rest.room(roomId)).e2ee, false)
  })

  it('someone removed from the room leaves its call', async () => {
    await join(alice)
    const b = await join(bob)
    const left = nextCall(alice, 'call.left', (f) => f.participantId === b.participantId)
    await alice.rest.removeParticipant(roomId, bob.id)
    assert.equal((await left).reason, 'removed')
    assert.equal(await refused(bob.rt.request({ type: 'call.join', roomId, media: AV })), 'room-not-found')
  })

  it('call messages from sessions not in the room, or for calls that do not exist, get clear errors', async () => {
    const eve = await person('eve')
    await eve.rt.connect()
    await join(alice)
    assert.equal(await refused(eve.rt.request({ type: 'call.join', roomId, media: AV })), 'room-not-found')
    assert.equal(await refused(eve.rt.request({ type: 'call.update', roomId, handRaised: true })), 'room-not-found')
    const other = (await alice.rest.createRoom({ kind: 'group', name: 'Quiet' })).id
    assert.equal(await refused(alice.rt.request({ type: 'call.leave', roomId: other })), 'no-call')
    // Guests have no `call` permission by default: they may join a running call, not start one.
    await alice.rest.updateParticipant(roomId, cas.id, { permissions: ['chat', 'audio'] })
    const noVideo = await cas.rt.request({ type: 'call.join', roomId, media: AV }).catch((e: unknown) => e)
    assert.ok(noVideo instanceof ParleyRealtimeError && noVideo.code === 'permission-denied')
    assert.equal(noVideo.details?.media, 'video')
    assert.equal((await join(cas, { audio: true, video: false, screen: false })).participants.length, 2)
    const starter = (await alice.rest.createRoom({ kind: 'group', name: 'Other' })).id
    await alice.rest.addParticipant(starter, cas.id)
    await alice.rest.updateParticipant(starter, cas.id, { permissions: ['chat', 'audio'] })
    assert.equal(
      await refused(
        cas.rt.request({ type: 'call.join', roomId: starter, media: { audio: true, video: false, screen: false } }),
      ),
      'permission-denied',
    )
    // Unknown shapes are refused by schema, and nothing happens to the call.
    const invalid = alice.rt.next('error', (e) => e.error.code === 'invalid-message')
    alice.rt.send({ type: 'call.join', roomId, media: { audio: 'yes' } } as never)
    assert.equal((await invalid).error.code, 'invalid-message')
  })
})
