import { after, afterEach, before, describe, it } from 'node:test'
import assert from 'node:assert/strict'
import { randomUUID } from 'node:crypto'
import { RealtimeClient } from '@parley/client'
import type { ServerCallJoined, ServerMessage, ServerTyping } from '@parley/protocol'
import { rmSync } from 'node:fs'
import { RedisBus } from '@parley/server'
import { startInstance, eventually, printLogsOnFailure, type TestInstance } from '../harness/instance.ts'
import { startChildInstance, type ChildInstance } from '../harness/child.ts'
import { apiAs, inviteAndJoin, type Api } from '../harness/rooms.ts'

// The member instance B runs as two server nodes on one Redis (and one data folder). Bob's session
// is on B's node 1, Carol's on node 2; both are in the call of a room hosted on A. Within B, the
// node holding the room's call lease alone speaks for B (spec/cascade.md): A sees one call channel
// from B, only that node holds a channel to A, and the other node's sessions, typing and welcome
// go through it. When that node stops, or crashes (a child process killed), the other one takes
// over and its people can join again.
// Needs Redis at 127.0.0.1:6379.

// The Redis the test run starts (.ci/run), as the server's own multi-node tests use.
const redisUrl = 'redis://127.0.0.1:6379'
const media = { audio: true, video: false, screen: false }

type Client = { rt: RealtimeClient; frames: ServerMessage[]; typing: ServerTyping[]; calls: string[] }

async function realtime(origin: string, instance: TestInstance, userId: string): Promise<Client> {
  const token = (await instance.services.accounts.createToken(userId, 'realtime')).secret
  const rt = new RealtimeClient({ baseUrl: origin, auth: { token }, reconnect: false })
  const frames: ServerMessage[] = []
  const typing: ServerTyping[] = []
  rt.on('call', (frame) => frames.push(frame))
  rt.on('typing', (frame) => typing.push(frame))
  const welcome = await rt.connect()
  return { rt, frames, typing, calls: welcome.calls ?? [] }
}

describe('Federated calls with two nodes of the member instance (needs Redis)', () => {
  const prefix = `parley-test-${randomUUID()}:`
  let a: TestInstance
  let b1: TestInstance
  let b2: TestInstance
  let alice: { id: string; api: Api }
  let bob: { id: string; api: Api }
  let carol: { id: string; api: Api }
  let roomId: string
  let roomUri: string
  let mirrorId: string
  const clients: Client[] = []
  const nodeEnv = { PARLEY_CALL_LEASE_SECONDS: '3' }

  before(async () => {
    a = await startInstance()
    b1 = await startInstance({ bus: new RedisBus({ url: redisUrl, prefix }), env: nodeEnv })
    b2 = await startInstance({
      publicOrigin: b1.config.publicOrigin,
      dataDir: b1.dataDir,
      bus: new RedisBus({ url: redisUrl, prefix }),
      env: nodeEnv,
    })
    alice = await apiAs(a, 'alice', 'Alice')
    bob = await apiAs(b1, 'bob', 'Bob')
    carol = await apiAs(b1, 'carol', 'Carol')
    roomId = String(
      (await alice.api('/api/v1/rooms', { method: 'POST', body: { kind: 'group', name: 'Two nodes' } })).json.id,
    )
    roomUri = `${a.origin}/rooms/${roomId}`
    await inviteAndJoin(a, alice.api, roomId, b1, bob.api, 'bob')
    await inviteAndJoin(a, alice.api, roomId, b1, carol.api, 'carol')
    mirrorId = (await eventually(async () => b1.services.store.remoteRooms.roomOf(roomUri), 10_000, 'the mirror')) ?? ''
  })
  afterEach(printLogsOnFailure(() => [a, b1, b2]))
  after(async () => {
    for (const c of clients) c.rt.close()
    await a?.close()
    await b2?.close({ keepData: true })
    await b1?.close({ keepData: true })
    if (b1) rmSync(b1.dataDir, { recursive: true, force: true })
  })

  const channelsToA = () =>
    [b1, b2].map((node) => node.instance.app.cascadeChannels().toHosts.filter((h) => h === a.origin).length)

  it('Bob on node 1 and Carol on node 2 join A’s call; A sees one channel from B, held by one of B’s nodes; typing and welcome on the other node go through it', async () => {
    const aliceRt = await realtime(a.origin, a, alice.id)
    clients.push(aliceRt)
    const started = (await aliceRt.rt.request({ type: 'call.join', roomId, media })) as ServerCallJoined
    const bobRt = await realtime(b1.origin, b1, bob.id)
    const carolRt = await realtime(b2.origin, b2, carol.id)
    clients.push(bobRt, carolRt)
    // Bob names the room by its actor id, Carol by its mirror's id (as the web client does).
    const bobJoined = (await bobRt.rt.request({ type: 'call.join', roomId: roomUri, media })) as ServerCallJoined
    const carolJoined = (await carolRt.rt.request({ type: 'call.join', roomId: mirrorId, media })) as ServerCallJoined
    assert.equal(bobJoined.callId, started.callId)
    assert.equal(carolJoined.callId, started.callId, 'carol is in A’s call')
    assert.equal(carolJoined.roomId, mirrorId, 'the reply names the room as carol did')
    assert.deepEqual(
      carolJoined.participants.map((p) => p.actor.id).sort(),
      [alice.id, `${b1.config.publicOrigin}/users/bob`, `${b1.config.publicOrigin}/users/carol`].sort(),
    )
    assert.deepEqual(a.instance.app.cascadeChannels().fromPeers, [b1.config.publicOrigin], 'one channel from B on A')
    assert.deepEqual(channelsToA().sort(), [0, 1], 'one of B’s nodes holds the channel to A')

    // Carol's hand and Alice's reaction cross through the node that speaks for B.
    await carolRt.rt.request({ type: 'call.update', roomId: mirrorId, handRaised: true })
    await eventually(
      async () =>
        aliceRt.frames.some(
          (f) =>
            f.type === 'call.participant' &&
            f.participant.participantId === carolJoined.participantId &&
            f.participant.handRaised,
        ),
      10_000,
      'alice sees carol’s hand',
    )
    await aliceRt.rt.request({ type: 'call.reaction', roomId, emoji: '🎉' })
    await eventually(
      async () => carolRt.frames.some((f) => f.type === 'call.reaction' && f.emoji === '🎉'),
      10_000,
      'carol sees the reaction',
    )
    // Typing on either node reaches A.
    carolRt.rt.typing(mirrorId, true)
    bobRt.rt.typing(mirrorId, true)
    await eventually(
      async () => {
        const who = new Set(aliceRt.typing.filter((f) => f.typing).map((f) => f.actor.id))
        return who.has(`${b1.config.publicOrigin}/users/carol`) && who.has(`${b1.config.publicOrigin}/users/bob`)
      },
      10_000,
      'alice sees bob and carol typing',
    )
    // A new session on either node is told the call runs.
    for (const node of [b1, b2]) {
      const fresh = await realtime(node.origin, node, carol.id)
      clients.push(fresh)
      assert.ok(fresh.calls.includes(mirrorId), `welcome on ${node === b1 ? 'node 1' : 'node 2'} lists the call`)
    }
    // Still one channel, and the call news reached Carol's session once under each of the room's
    // names (its mirror's stream and her own): one node relays it, not every node.
    assert.deepEqual(a.instance.app.cascadeChannels().fromPeers, [b1.config.publicOrigin])
    const reactions = carolRt.frames.filter((f) => f.type === 'call.reaction' && f.emoji === '🎉')
    assert.deepEqual(
      reactions.map((f) => ('roomId' in f ? f.roomId : '')).sort(),
      [mirrorId, roomUri].sort(),
      `the reaction reached carol once per name: ${JSON.stringify(reactions)}`,
    )
  })

  it('the node that speaks for B stops: its people’s calls end, the other node takes over, and they join again through it', async () => {
    const speaking = channelsToA()[0] === 1 ? b1 : b2
    const other = speaking === b1 ? b2 : b1
    const staying = speaking === b1 ? carol : bob
    const aliceRt = clients[0]
    assert.ok(aliceRt)
    const stayingRt = await realtime(other.origin, other, staying.id)
    clients.push(stayingRt)
    const rejoined = (await stayingRt.rt.request({ type: 'call.join', roomId: mirrorId, media })) as ServerCallJoined
    await speaking.close({ keepData: true })
    // The host lets B's participants go with the channel; the other node then speaks for B.
    await eventually(
      async () => (stayingRt.frames.some((f) => f.type === 'call.ended' && f.roomId === mirrorId) ? true : undefined),
      10_000,
      'the staying session hears the call ended with the node that spoke for B',
    )
    const again = (await stayingRt.rt.request({ type: 'call.join', roomId: mirrorId, media })) as ServerCallJoined
    assert.notEqual(again.participantId, rejoined.participantId)
    assert.deepEqual(other.instance.app.cascadeChannels().toHosts, [a.origin], 'the surviving node speaks for B')
    await eventually(
      async () =>
        aliceRt.frames.some(
          (f) =>
            f.type === 'call.participant' &&
            f.change === 'joined' &&
            f.participant.participantId === again.participantId,
        ),
      10_000,
      'alice sees the participant back',
    )
  })
})

describe('Federated calls: the node that speaks for B crashes (needs Redis)', () => {
  const prefix = `parley-test-${randomUUID()}:`
  const env = { PARLEY_CALL_LEASE_SECONDS: '3' }
  let a: TestInstance
  let crashing: ChildInstance
  let survivor: TestInstance
  const clients: Client[] = []

  before(async () => {
    a = await startInstance()
    // B's first node, in a process of its own (to be killed); it alone runs while the room is
    // mirrored on B, so it takes the room's lease and speaks for B.
    crashing = await startChildInstance({ env, bus: { url: redisUrl, prefix } })
  })
  afterEach(printLogsOnFailure(() => [a, survivor]))
  after(async () => {
    for (const c of clients) c.rt.close()
    await crashing?.kill()
    await a?.close()
    await survivor?.close({ keepData: true })
    if (crashing) rmSync(crashing.dataDir, { recursive: true, force: true })
  })

  it('B’s other node hears the call ended, takes the room over, and its session joins A’s call again through it', async () => {
    const ann = await apiAs(a, 'ann', 'Ann')
    const roomId = String(
      (await ann.api('/api/v1/rooms', { method: 'POST', body: { kind: 'group', name: 'Crash' } })).json.id,
    )
    const roomUri = `${a.origin}/rooms/${roomId}`
    const onChild: Api = async (path, init = {}) => {
      const res = await fetch(`${crashing.origin}${path}`, {
        method: init.method ?? 'GET',
        headers: {
          authorization: `Bearer ${crashing.token}`,
          ...(init.body !== undefined ? { 'content-type': 'application/json' } : {}),
        },
        ...(init.body !== undefined ? { body: JSON.stringify(init.body) } : {}),
      })
      const text = await res.text()
      return { status: res.status, json: text ? JSON.parse(text) : {} }
    }
    await inviteAndJoin(a, ann.api, roomId, crashing, onChild, 'alice')
    survivor = await startInstance({
      publicOrigin: crashing.origin,
      dataDir: crashing.dataDir,
      bus: new RedisBus({ url: redisUrl, prefix }),
      env,
    })
    const aliceOnB = await survivor.services.store.users.byUsername('alice')
    assert.ok(aliceOnB)
    const annRt = await realtime(a.origin, a, ann.id)
    const aliceRt = await realtime(survivor.origin, survivor, aliceOnB.id)
    clients.push(annRt, aliceRt)
    await annRt.rt.request({ type: 'call.join', roomId, media })
    const first = (await aliceRt.rt.request({ type: 'call.join', roomId: roomUri, media })) as ServerCallJoined
    assert.equal(first.roomId, roomUri)
    assert.deepEqual(survivor.instance.app.cascadeChannels().toHosts, [], 'the other node speaks for B')
    assert.deepEqual(a.instance.app.cascadeChannels().fromPeers, [crashing.origin])

    await crashing.kill()
    await eventually(
      async () => aliceRt.frames.some((f) => f.type === 'call.ended' && f.roomId === roomUri),
      10_000,
      'alice’s session hears the call ended with the node that spoke for B',
    )
    await eventually(
      async () =>
        annRt.frames.some(
          (f) => f.type === 'call.left' && 'participantId' in f && f.participantId === first.participantId,
        ),
      10_000,
      'A lets B’s participant go with the dead channel',
    )
    const again = (await aliceRt.rt.request({ type: 'call.join', roomId: roomUri, media })) as ServerCallJoined
    assert.notEqual(again.participantId, first.participantId)
    assert.deepEqual(survivor.instance.app.cascadeChannels().toHosts, [a.origin], 'the survivor speaks for B now')
    assert.deepEqual(a.instance.app.cascadeChannels().fromPeers, [crashing.origin], 'still one channel from B')
    // The survivor follows the room's call news too.
    await annRt.rt.request({ type: 'call.reaction', roomId, emoji: '👋' })
    await eventually(
      async () => aliceRt.frames.some((f) => f.type === 'call.reaction' && f.emoji === '👋'),
      10_000,
      'alice sees ann’s reaction through the survivor',
    )
  })
})
