import { after, afterEach, describe, it } from 'node:test'
import assert from 'node:assert/strict'
import { rmSync } from 'node:fs'
import { startInstance, eventually, printLogsOnFailure, type TestInstance } from '../harness/instance.ts'
import { startChildInstance, type ChildInstance } from '../harness/child.ts'
import { apiAs, replicaView, type Api, type Json } from '../harness/rooms.ts'

const env = { PARLEY_FEDERATION_CIRCUIT_RECOVERY_SECONDS: '2', PARLEY_CHAT_POSTS_PER_SECOND: '100' }

function apiOf(instance: ChildInstance): Api {
  return async (path, init = {}) => {
    const res = await fetch(`${instance.origin}${path}`, {
      method: init.method ?? 'GET',
      headers: {
        authorization: `Bearer ${instance.token}`,
        ...(init.body !== undefined ? { 'content-type': 'application/json' } : {}),
      },
      ...(init.body !== undefined ? { body: JSON.stringify(init.body) } : {}),
    })
    const text = await res.text()
    return { status: res.status, json: (text ? JSON.parse(text) : {}) as Json }
  }
}

describe('Federated rooms when the host crashes (SIGKILL) in the middle of a fan-out', () => {
  let a: ChildInstance | undefined
  let b: TestInstance | undefined
  afterEach(printLogsOnFailure(() => [b]))
  after(async () => {
    await a?.kill()
    if (a) rmSync(a.dataDir, { recursive: true, force: true })
    await b?.close()
  })

  it(
    'after the restart every delivery completes, in order, and the member instance has no duplicates',
    { timeout: 150_000 },
    async () => {
      a = await startChildInstance({ env })
      b = await startInstance({ env })
      const member = b
      const { api: bob } = await apiAs(member, 'bob', 'Bob')
      let alice = apiOf(a)
      const roomId = (
        (await alice('/api/v1/rooms', { method: 'POST', body: { kind: 'group', name: 'Crashy' } })).json as {
          id: string
        }
      ).id
      const roomUri = `${a.origin}/rooms/${roomId}`
      const sent = await alice(`/api/v1/rooms/${roomId}/remote-invites`, {
        method: 'POST',
        body: { target: `@bob@${member.host}` },
      })
      assert.equal(sent.status, 202, JSON.stringify(sent.json))
      await eventually(
        async () => ((await bob('/api/v1/me/room-invitations')).json.invitations as Json[]).length === 1,
        15_000,
        'the invitation',
      )
      assert.equal(
        (
          await bob('/api/v1/me/room-invitations/answer', {
            method: 'POST',
            body: { inviteId: sent.json.inviteId, accept: true },
          })
        ).status,
        204,
      )
      await eventually(
        async () =>
          JSON.stringify((await alice(`/api/v1/rooms/${roomId}/participants`)).json).includes(
            `${member.origin}/users/bob`,
          ),
        15_000,
        'bob in the room',
      )

      for (let i = 1; i <= 50; i++)
        assert.equal(
          (await alice(`/api/v1/rooms/${roomId}/messages`, { method: 'POST', body: { body: `message ${i}` } })).status,
          201,
        )
      await a.kill()
      const atKill = (await replicaView(bob, roomUri)).length
      console.log(`# B had ${atKill} of 50 messages when A was killed`)

      a = await startChildInstance({ port: a.port, dataDir: a.dataDir, env })
      alice = apiOf(a)
      // Queue messages a killed worker had leased come back when their lease (30 s) runs out.
      await eventually(async () => (await replicaView(bob, roomUri)).length === 50, 120_000, 'all 50 on B')
      // A sentinel, not a pause: the room's relay hands events over in order, so once message 51
      // is on B, any late copy of the first 50 would be there too.
      assert.equal(
        (await alice(`/api/v1/rooms/${roomId}/messages`, { method: 'POST', body: { body: 'message 51' } })).status,
        201,
      )
      await eventually(
        async () => (await replicaView(bob, roomUri)).some((m) => (m as { body: string }).body === 'message 51'),
        30_000,
        'the sentinel on B',
      )
      const replica = (await replicaView(bob, roomUri)) as { seq: number; body: string }[]
      assert.deepEqual(
        replica.map((m) => m.body),
        Array.from({ length: 51 }, (_, i) => `message ${i + 1}`),
      )
      assert.equal(new Set(replica.map((m) => m.seq)).size, 51, 'no duplicates')
      const history = (await alice(`/api/v1/rooms/${roomId}/messages?limit=100`)).json.messages as {
        seq: number
        kind: string
      }[]
      assert.deepEqual(
        replica.map((m) => m.seq),
        history.filter((m) => m.kind === 'text').map((m) => m.seq),
        "the host's seqs",
      )
    },
  )
})
