/**
 * Calls when the people of a room are connected to different server nodes: two nodes on one SQLite
 * file and one Redis (as in realtime/multi-node.test.ts), realtime clients over real WebSockets, a
 * mesh engine (no media; the browsers' part is in test/media). One node runs the room's call, the
 * other forwards its sessions' call frames (call-forwarding.ts).
 */
import { describe, it, beforeEach, afterEach } from 'node:test'
import assert from 'node:assert/strict'
import { mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { randomUUID } from 'node:crypto'
import { Redis } from 'ioredis'
import { ParleyClient, RealtimeClient } from '@parley/client'
import { generateKeyPair } from '@parley/client/e2ee'
import { refused } from '../testing/realtime-refusal.ts'
import type { ServerCallJoined, ServerCallMessage, ServerMessage } from '@parley/protocol'
import { startTestInstance, type TestInstance } from '../testing/test-instance.ts'
import { spawnNode } from '../testing/node-process.ts'
import { RedisBus } from '../bus/redis-bus.ts'
import { testEnv } from '../testing/test-env.ts'

const redisUrl = testEnv('REDIS_URL') ?? 'redis://127.0.0.1:6379'
const OFFER =
  'v=0\r\no=- 1 2 IN IP4 127.0.0.1\r\ns=-\r\nt=0 0\r\nm=audio 9 UDP/TLS/RTP/SAVPF 111\r\nc=IN IP4 0.0.0.0\r\na=rtpmap:111 opus/48000/2\r\n'
const ANSWER = OFFER.replace('o=- 1 2', 'o=- 3 4')
const AV = { audio: true, video: true, screen: false }
/** Short leases, so a dead node is noticed quickly (the assertions wait for frames, never for time). */
const ENV = { PARLEY_CALL_LEASE_SECONDS: '2', PARLEY_MESH_MAX_PARTICIPANTS: '5' }

type Person = { rt: RealtimeClient; id: string; frames: ServerMessage[] }

describe('Calls across two server nodes (needs Redis)', () => {
  let dir: string
  let prefix: string
  let node1: TestInstance
  let node2: TestInstance
  let url1: string, url2: string
  let owner: ParleyClient
  let annToken: string
  let roomId: string
  const clients: RealtimeClient[] = []

  const person = async (name: string, baseUrl: string, role?: 'moderator' | 'member'): Promise<Person> => {
    const u = name === 'ann' ? { token: annToken, user: { id: (await owner.me()).id } } : await node1.user(name)
    if (name !== 'ann') await owner.addParticipant(roomId, u.user.id, role)
    const rt = new RealtimeClient({ baseUrl, auth: { token: u.token }, reconnect: false })
    clients.push(rt)
    const frames: ServerMessage[] = []
    rt.on('call', (f) => frames.push(f))
    rt.on('error', (f) => frames.push(f))
    await rt.connect()
    return { rt, id: u.user.id, frames }
  }
  const joinCall = async (p: Person, room = roomId): Promise<ServerCallJoined> => {
    const reply = await p.rt.request({ type: 'call.join', roomId: room, media: AV })
    assert.equal(reply.type, 'call.joined')
    return reply as ServerCallJoined
  }
  const nextCall = <T extends ServerCallMessage['type']>(
    p: Person,
    type: T,
    filter: (f: Extract<ServerCallMessage, { type: T }>) => boolean = () => true,
    timeoutMs = 5000,
  ) =>
    p.rt.next(
      'call',
      (f) => f.type === type && filter(f as Extract<ServerCallMessage, { type: T }>),
      timeoutMs,
    ) as Promise<Extract<ServerCallMessage, { type: T }>>

  beforeEach(async () => {
    dir = mkdtempSync(join(tmpdir(), 'parley-call-nodes-'))
    prefix = `parley-test-${randomUUID()}:`
    node1 = await startTestInstance({ dir, bus: new RedisBus({ url: redisUrl, prefix }), env: ENV })
    node2 = await startTestInstance({ dir, bus: new RedisBus({ url: redisUrl, prefix }), env: ENV })
    ;[url1, url2] = [await node1.listen(), await node2.listen()]
    const ann = await node1.user('ann')
    annToken = ann.token
    owner = new ParleyClient({ baseUrl: url1, auth: { token: ann.token } })
    roomId = (await owner.createRoom({ kind: 'group', name: 'Across nodes' })).id
  })
  afterEach(async () => {
    for (const c of clients.splice(0)) c.close()
    await node1.close()
    await node2.close()
    rmSync(dir, { recursive: true, force: true })
  })

  it('end-to-end encrypted call across nodes: the join refusal, public keys and key relay work for a session on the other node', async () => {
    const ann = await person('ann', url1)
    const ben = await person('ben', url2)
    const secret = (await owner.createRoom({ kind: 'group', name: 'Secret across nodes', e2ee: true })).id
    await owner.addParticipant(secret, ben.id)
    await ben.rt.next('room.added', (f) => f.roomId === secret)
    const keys = await Promise.all([generateKeyPair(), generateKeyPair()])
    const a = (await ann.rt.request({
      type: 'call.join',
      roomId: secret,
      media: AV,
      e2ee: { publicKey: keys[0].publicKey },
    })) as ServerCallJoined
    assert.equal(a.e2ee, true)
    // Node 2 forwards ben's join to node 1, which runs the call and refuses it without e2ee.
    assert.equal(await refused(ben.rt.request({ type: 'call.join', roomId: secret, media: AV })), 'e2ee-required')
    const b = (await ben.rt.request({
      type: 'call.join',
      roomId: secret,
      media: AV,
      e2ee: { publicKey: keys[1].publicKey },
    })) as ServerCallJoined
    assert.equal(b.e2ee, true)
    assert.equal(b.participants.find((p) => p.participantId === a.participantId)?.e2ee?.publicKey, keys[0].publicKey)
    const key = { kid: 0, iv: 'AAAAAAAAAAAAAAAA', ciphertext: 'c2VhbGVkLWZvci10aGUtcmVjaXBpZW50LW9ubHktLS0tLQ' }
    const toBen = nextCall(ben, 'call.key')
    await ann.rt.request({ type: 'call.key', roomId: secret, keys: [{ to: b.participantId, key }] })
    assert.deepEqual(await toBen, { type: 'call.key', roomId: secret, from: a.participantId, key })
    const toAnn = nextCall(ann, 'call.key-ack')
    await ben.rt.request({ type: 'call.key-ack', roomId: secret, acks: [{ to: a.participantId, kid: 0 }] })
    assert.deepEqual(await toAnn, { type: 'call.key-ack', roomId: secret, from: b.participantId, kid: 0 })
  })

  it('ann on node 1 and ben on node 2 share one call: joins, hand, mute, reactions, mesh signals, refusals, moderation and disconnects cross nodes', async () => {
    const ann = await person('ann', url1)
    const ben = await person('ben', url2)
    const a = await joinCall(ann)
    const benSeen = nextCall(ann, 'call.participant', (f) => f.change === 'joined' && f.participant.actor.id === ben.id)
    const benSeesHimself = nextCall(
      ben,
      'call.participant',
      (f) => f.change === 'joined' && f.participant.actor.id === ben.id,
    )
    const b = await joinCall(ben)
    assert.equal(b.callId, a.callId, 'one call for the room, whichever node the session is on')
    assert.deepEqual(b.participants.map((p) => p.actor.name).sort(), ['Ann', 'Ben'])
    assert.equal(b.engine, 'mesh')
    assert.equal((await benSeen).participant.participantId, b.participantId)
    // The room-wide frame reaches Ben's node through the room topic, as on one node.
    assert.equal((await benSeesHimself).participant.participantId, b.participantId)

    // Hand, mute and reactions from node 2 reach node 1 (replies to ben come back through the bus).
    const hand = nextCall(ann, 'call.participant', (f) => f.change === 'updated' && f.participant.handRaised)
    assert.equal((await ben.rt.request({ type: 'call.update', roomId, handRaised: true })).type, 'call.ack')
    assert.equal((await hand).participant.participantId, b.participantId)
    const muted = nextCall(ann, 'call.participant', (f) => f.change === 'updated' && !f.participant.media.audio)
    await ben.rt.request({ type: 'call.update', roomId, media: { audio: false, video: true, screen: false } })
    assert.deepEqual((await muted).participant.media, { audio: false, video: true, screen: false })
    const reaction = nextCall(ann, 'call.reaction')
    await ben.rt.request({ type: 'call.reaction', roomId, emoji: '👏' })
    assert.deepEqual([(await reaction).emoji, (await reaction).participantId], ['👏', b.participantId])

    // Mesh signalling through the relay on the owner node, both ways, in order.
    const offer = nextCall(ben, 'call.signal', (f) => f.signal.type === 'offer')
    await ann.rt.request({ type: 'call.signal', roomId, to: b.participantId, signal: { type: 'offer', sdp: OFFER } })
    assert.equal((await offer).from, a.participantId)
    const answer = nextCall(ann, 'call.signal', (f) => f.signal.type === 'answer')
    const candidate = nextCall(ann, 'call.signal', (f) => f.signal.type === 'candidate')
    ben.rt.send({ type: 'call.signal', roomId, to: a.participantId, signal: { type: 'answer', sdp: ANSWER } })
    ben.rt.send({ type: 'call.signal', roomId, to: a.participantId, signal: { type: 'candidate', candidate: null } })
    assert.deepEqual([(await answer).from, (await answer).signal], [b.participantId, { type: 'answer', sdp: ANSWER }])
    assert.equal((await candidate).from, b.participantId)
    const signals = ann.frames
      .filter((f) => f.type === 'call.signal')
      .map((f) => f.type === 'call.signal' && f.signal.type)
    assert.deepEqual(signals, ['answer', 'candidate'], "a session's frames arrive in the order sent")

    // Refusals made on the owner come back to the session on the other node with the same codes.
    assert.equal(
      await refused(ben.rt.request({ type: 'call.moderate', roomId, action: 'mute', participantId: a.participantId })),
      'role-too-low',
    )
    assert.equal(
      await refused(
        ben.rt.request({ type: 'call.signal', roomId, to: 'someone-else', signal: { type: 'offer', sdp: OFFER } }),
      ),
      'not-in-call',
    )
    assert.equal(
      await refused(
        ben.rt.request({ type: 'call.signal', roomId, to: a.participantId, signal: { type: 'offer', sdp: 'hello' } }),
      ),
      'invalid-sdp',
    )
    assert.equal(await refused(ben.rt.request({ type: 'call.recording', roomId, recording: true })), 'role-too-low')
    const invalid = ben.rt.next('error', (e) => e.error.code === 'invalid-message')
    ben.rt.send({ type: 'call.join', roomId, media: { audio: 'yes' } } as never)
    assert.equal((await invalid).error.code, 'invalid-message')

    // A moderator on node 2 removes a participant on node 1.
    const dan = await person('dan', url1)
    const mo = await person('mo', url2, 'moderator')
    const d = await joinCall(dan)
    const m = await joinCall(mo)
    assert.equal(m.callId, a.callId)
    assert.equal(m.participants.length, 4)
    const danOut = nextCall(ann, 'call.left', (f) => f.participantId === d.participantId)
    const danToldToo = nextCall(dan, 'call.left', (f) => f.participantId === d.participantId)
    await mo.rt.request({ type: 'call.moderate', roomId, action: 'remove', participantId: d.participantId })
    assert.equal((await danOut).reason, 'removed')
    assert.equal((await danToldToo).reason, 'removed')
    assert.equal(await refused(dan.rt.request({ type: 'call.update', roomId, handRaised: true })), 'not-in-call')
    // … and mutes Ann's neighbour on node 2 the other way round: moderation of a remote participant by a local one.
    const benMuted = nextCall(
      ben,
      'call.participant',
      (f) => f.participant.participantId === b.participantId && !f.participant.media.audio && !f.participant.handRaised,
    )
    await ben.rt.request({ type: 'call.update', roomId, media: AV, handRaised: false })
    await ann.rt.request({ type: 'call.moderate', roomId, action: 'mute', participantId: b.participantId })
    assert.equal((await benMuted).participant.media.video, true)

    // Ben's socket on node 2 closes: the owner on node 1 releases him.
    const benGone = nextCall(ann, 'call.left', (f) => f.participantId === b.participantId)
    ben.rt.close()
    assert.equal((await benGone).reason, 'disconnected')
    // Mo leaves the room on node 2 (removed by Ann): he leaves the call on node 1 as well.
    const moGone = nextCall(ann, 'call.left', (f) => f.participantId === m.participantId)
    await owner.removeParticipant(roomId, mo.id)
    assert.equal((await moGone).reason, 'removed')
    const left = (await ann.rt.request({ type: 'call.join', roomId, media: AV })) as ServerCallJoined
    assert.deepEqual(
      left.participants.map((p) => p.actor.name),
      ['Ann'],
    )
  })

  it('a join started on node 2 makes node 2 run the call; node 1 forwards, and the call ends for everyone when the last one leaves', async () => {
    const ann = await person('ann', url1)
    const ben = await person('ben', url2)
    const b = await joinCall(ben)
    const a = await joinCall(ann)
    assert.equal(a.callId, b.callId)
    const annOut = nextCall(ben, 'call.left', (f) => f.participantId === a.participantId)
    assert.equal((await ann.rt.request({ type: 'call.leave', id: 'l1', roomId })).type, 'call.ack')
    assert.equal((await annOut).reason, 'left')
    const ended = nextCall(ann, 'call.ended')
    await ben.rt.request({ type: 'call.leave', roomId })
    assert.equal((await ended).reason, 'empty')
    // The lease went with the call: Ann's next join starts a new call, on her node.
    const again = await joinCall(ann)
    assert.notEqual(again.callId, a.callId)
    const benJoins = await joinCall(ben)
    assert.equal(benJoins.callId, again.callId)
  })

  it('the owner node stops: its participants on the other node are told the call ended, and a new join starts a new call on the surviving node', async () => {
    const ann = await person('ann', url1)
    const ben = await person('ben', url2)
    const a = await joinCall(ann)
    await joinCall(ben)
    const ended = nextCall(ben, 'call.ended')
    await node1.close()
    assert.equal((await ended).reason, 'media-unavailable')
    const again = await joinCall(ben)
    assert.notEqual(again.callId, a.callId)
    assert.deepEqual(
      again.participants.map((p) => p.actor.name),
      ['Ben'],
    )
  })

  it('the owner node is killed (no clean stop): the participant on the other node gets call.ended within the lease time and can start again', async () => {
    const killed = await spawnNode({ dir, redisUrl, prefix, env: ENV })
    try {
      const ann = await person('ann', killed.url)
      const ben = await person('ben', url2)
      const a = await joinCall(ann)
      const b = await joinCall(ben)
      assert.equal(b.callId, a.callId)
      // The heartbeat lives 2/3 of the 2 s lease and is checked every third: told within the lease time.
      const ended = nextCall(ben, 'call.ended', () => true, 10_000)
      await killed.kill()
      assert.equal((await ended).reason, 'media-unavailable')
      // The dead node's lease may outlive it a little: a join takes it over rather than waiting.
      const again = await joinCall(ben)
      assert.notEqual(again.callId, a.callId)
      assert.deepEqual(
        again.participants.map((p) => p.actor.name),
        ['Ben'],
      )
    } finally {
      await killed.kill()
    }
  })
})

describe('Call leases in Redis (needs Redis)', () => {
  it('RedisCallLeases: one holder per room, renewal keeps it, release frees it, a dead holder is taken over', async () => {
    const { RedisCallLeases } = await import('./call-lease.ts')
    const prefix = `parley-test-${randomUUID()}:`
    const one = new RedisCallLeases({ url: redisUrl, prefix, nodeId: 'one', leaseMs: 60_000 })
    const two = new RedisCallLeases({ url: redisUrl, prefix, nodeId: 'two', leaseMs: 60_000 })
    const redis = new Redis(redisUrl)
    try {
      await one.open()
      await two.open()
      assert.equal(await one.claim('r1'), 'one')
      assert.equal(await two.claim('r1'), 'one', 'the second claim learns the holder')
      assert.equal(await one.claim('r1'), 'one', 'claiming again is idempotent')
      assert.equal(await two.holder('r1'), 'one')
      assert.deepEqual(await one.renew(), [])
      await two.release('r1')
      assert.equal(await two.holder('r1'), 'one', 'only the holder releases')
      assert.deepEqual([...(await two.alive(['one', 'two', 'three']))].sort(), ['one', 'two'])
      assert.equal(await two.takeOver('r1', 'three'), 'one', 'a live holder is not taken over')
      // The holder lost its lease (expired, or taken over): renewal says so.
      await redis.set(`${prefix}call-lease:r1`, 'two')
      assert.deepEqual(await one.renew(), ['r1'])
      await redis.set(`${prefix}call-lease:r1`, 'gone')
      assert.equal(await two.takeOver('r1', 'gone'), 'two')
      await one.close()
      assert.deepEqual([...(await two.alive(['one', 'two']))], ['two'], 'a clean stop removes the heartbeat')
      await two.close()
      assert.equal(await redis.get(`${prefix}call-lease:r1`), null, 'a clean stop releases the leases')
    } finally {
      await one.close()
      await two.close()
      redis.disconnect()
    }
  })
})
