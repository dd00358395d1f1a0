import { after, afterEach, before, describe, it } from 'node:test'
import assert from 'node:assert/strict'
import { RealtimeClient } from '@parley/client'
import type { ServerCallJoined, ServerMessage } from '@parley/protocol'
import { startInstance, eventually, printLogsOnFailure, type TestInstance } from '../harness/instance.ts'
import { apiAs, inviteAndJoin, type Api } from '../harness/rooms.ts'

// A room hosted on A as B's web client knows it: by the local id of B's mirror room (one room
// model). Its call is A's call, whichever name B's sessions use, and B knows about it as soon as it
// runs: welcome's `calls`, and call news on the mirror room's stream, before anyone on B sends a
// call frame.

type Client = { rt: RealtimeClient; frames: ServerMessage[]; calls: string[] }

async function realtime(instance: TestInstance, userId: string): Promise<Client> {
  const token = (await instance.services.accounts.createToken(userId, 'realtime')).secret
  const rt = new RealtimeClient({ baseUrl: instance.origin, auth: { token }, reconnect: false })
  const frames: ServerMessage[] = []
  rt.on('call', (frame) => frames.push(frame))
  rt.on('error', (frame) => frames.push(frame))
  const welcome = await rt.connect()
  return { rt, frames, calls: welcome.calls }
}

const media = { audio: true, video: false, screen: false }

describe('Federated calls by the mirror room’s local id', () => {
  let a: TestInstance
  let b: TestInstance
  let alice: { id: string; api: Api }
  let bob: { id: string; api: Api }
  let roomId: string
  let roomUri: string
  let mirrorId: string
  const clients: Client[] = []

  before(async () => {
    ;[a, b] = await Promise.all([startInstance(), startInstance()])
    alice = await apiAs(a, 'alice', 'Alice')
    bob = await apiAs(b, 'bob', 'Bob')
    roomId = String(
      (await alice.api('/api/v1/rooms', { method: 'POST', body: { kind: 'group', name: 'Mirror' } })).json.id,
    )
    roomUri = `${a.origin}/rooms/${roomId}`
    await inviteAndJoin(a, alice.api, roomId, b, bob.api, 'bob')
    mirrorId = await eventually(
      async () => (await b.services.store.remoteRooms.roomOf(roomUri)) ?? undefined,
      15_000,
      "B's mirror room",
    )
  })
  afterEach(printLogsOnFailure(() => [a, b]))
  after(async () => {
    for (const c of clients) c.rt.close()
    await Promise.all([a?.close(), b?.close()])
  })

  it("B follows the room's call before anyone on B sends a call frame: news on the mirror's stream, welcome's calls", async () => {
    // Bob's first session is connected (welcome has asked A about the room) before the call starts.
    const early = await realtime(b, bob.id)
    clients.push(early)
    assert.deepEqual(early.calls, [], 'no call runs yet')
    const aliceRt = await realtime(a, alice.id)
    clients.push(aliceRt)
    const started = (await aliceRt.rt.request({ type: 'call.join', roomId, media })) as ServerCallJoined
    await eventually(
      async () =>
        early.frames.some(
          (f) =>
            f.type === 'call.participant' &&
            f.roomId === mirrorId &&
            f.participant.participantId === started.participantId,
        ),
      10_000,
      "alice's join on the mirror room's stream at B",
    )
    // A session opened now is told in its welcome that the room has a call.
    const later = await realtime(b, bob.id)
    clients.push(later)
    assert.deepEqual(later.calls, [mirrorId])
  })

  it("Bob joins with the mirror's local id: he is in A's call (not a new one on B), frames come back by that id", async () => {
    const aliceRt = clients[1]!
    const started = (await aliceRt.rt.request({ type: 'call.join', roomId, media })) as ServerCallJoined
    const bobRt = clients[2]!
    const joined = (await bobRt.rt.request({ type: 'call.join', roomId: mirrorId, media })) as ServerCallJoined
    assert.equal(joined.roomId, mirrorId, 'named as the session named it')
    assert.equal(joined.callId, started.callId, "A's call")
    assert.deepEqual(joined.participants.map((p) => p.actor.id).sort(), [alice.id, `${b.origin}/users/bob`].sort())
    await bobRt.rt.request({ type: 'call.update', roomId: mirrorId, handRaised: true })
    await eventually(
      async () =>
        aliceRt.frames.some(
          (f) =>
            f.type === 'call.participant' &&
            f.participant.participantId === joined.participantId &&
            f.participant.handRaised,
        ),
      10_000,
      "alice sees bob's hand",
    )
    // Leaving by the local id leaves A's call.
    await bobRt.rt.request({ type: 'call.leave', roomId: mirrorId })
    await eventually(
      async () => aliceRt.frames.some((f) => f.type === 'call.left' && f.participantId === joined.participantId),
      10_000,
      'bob leaves the call on A',
    )
  })
})
