import { after, afterEach, before, describe, it } from 'node:test'
import assert from 'node:assert/strict'
import { RealtimeClient } from '@parley/client'
import type { ServerCallJoined, ServerMessage } from '@parley/protocol'
import { startInstance, eventually, printLogsOnFailure, type TestInstance } from '../harness/instance.ts'
import { startChildInstance, type ChildInstance } from '../harness/child.ts'
import { apiAs, inviteAndJoin, type Api } from '../harness/rooms.ts'

// The member's instance B (a child process) is killed in the middle of a call hosted on A: A's call
// shows only its local participants within 10 s and goes on; B comes back and its user rejoins.

const media = { audio: true, video: false, screen: false }

async function connect(origin: string, token: string): Promise<{ rt: RealtimeClient; frames: ServerMessage[] }> {
  const rt = new RealtimeClient({ baseUrl: origin, auth: { token }, reconnect: false })
  const frames: ServerMessage[] = []
  rt.on('call', (frame) => frames.push(frame))
  await rt.connect()
  return { rt, frames }
}

function memberApi(child: ChildInstance): Api {
  return async (path, init = {}) => {
    const res = await fetch(`${child.origin}${path}`, {
      method: init.method ?? 'GET',
      headers: {
        authorization: `Bearer ${child.token}`,
        ...(init.body !== undefined ? { 'content-type': 'application/json' } : {}),
      },
      ...(init.body !== undefined ? { body: JSON.stringify(init.body) } : {}),
    })
    const text = await res.text()
    return { status: res.status, json: text ? JSON.parse(text) : {} }
  }
}

describe('Federated calls when the member instance goes away', () => {
  let a: TestInstance
  let b: ChildInstance
  let host: { id: string; api: Api }
  let roomId: string
  let roomUri: string
  let hostRt: { rt: RealtimeClient; frames: ServerMessage[] }
  let memberRt: { rt: RealtimeClient; frames: ServerMessage[] } | undefined

  before(async () => {
    ;[a, b] = await Promise.all([startInstance(), startChildInstance()])
    host = await apiAs(a, 'hana', 'Hana')
    roomId = String(
      (await host.api('/api/v1/rooms', { method: 'POST', body: { kind: 'group', name: 'Weekly' } })).json.id,
    )
    roomUri = `${a.origin}/rooms/${roomId}`
    // inviteAndJoin needs the member instance's origin and host only.
    await inviteAndJoin(a, host.api, roomId, b as unknown as TestInstance, memberApi(b), 'alice')
    hostRt = await connect(a.origin, (await a.services.accounts.createToken(host.id, 'rt')).secret)
  })
  afterEach(printLogsOnFailure(() => [a]))
  after(async () => {
    memberRt?.rt.close()
    hostRt?.rt.close()
    await b?.kill()
    await a?.close()
  })

  it('B killed mid-call: within 10 s A shows only its own participants and the call goes on; B restarts and its user rejoins', async () => {
    const started = (await hostRt.rt.request({ type: 'call.join', roomId, media })) as ServerCallJoined
    memberRt = await connect(b.origin, b.token)
    const joined = (await memberRt.rt.request({ type: 'call.join', roomId: roomUri, media })) as ServerCallJoined
    assert.equal(joined.callId, started.callId)
    await eventually(
      async () =>
        hostRt.frames.some(
          (f) =>
            f.type === 'call.participant' &&
            f.change === 'joined' &&
            f.participant.participantId === joined.participantId,
        ),
      10_000,
      'the member in the call on A',
    )

    // No goodbye from B: its process dies with the member's session and the call channel.
    const killedAt = Date.now()
    await b.kill()
    memberRt.rt.close()
    memberRt = undefined
    const left = await eventually(
      async () => hostRt.frames.find((f) => f.type === 'call.left' && f.participantId === joined.participantId),
      10_000,
      "the member's departure on A",
    )
    assert.equal(left.type === 'call.left' && left.reason, 'disconnected')
    assert.ok(Date.now() - killedAt < 10_000)
    // The call goes on for the local participant: same call, and it still answers.
    const still = (await hostRt.rt.request({ type: 'call.join', roomId, media })) as ServerCallJoined
    assert.equal(still.callId, started.callId)
    assert.deepEqual(
      still.participants.map((p) => p.actor.id),
      [host.id],
    )
    await hostRt.rt.request({ type: 'call.reaction', roomId, emoji: '👋' })

    // B comes back on the same address with its data; its user rejoins the same call.
    b = await startChildInstance({ port: b.port, dataDir: b.dataDir })
    memberRt = await connect(b.origin, b.token)
    const rejoined = (await memberRt.rt.request({ type: 'call.join', roomId: roomUri, media })) as ServerCallJoined
    assert.equal(rejoined.callId, started.callId)
    assert.deepEqual(rejoined.participants.map((p) => p.actor.id).sort(), [host.id, `${b.origin}/users/alice`].sort())
  })
})
