import { after, afterEach, before, describe, it } from 'node:test'
import assert from 'node:assert/strict'
import { ParleyApiError, ParleyClient, RealtimeClient, type RealtimeEvents } from '@parley/client'
import { startInstance, eventually, printLogsOnFailure, type TestInstance } from '../harness/instance.ts'

// What an integrator writes: only @parley/client, over HTTPS, against two real instances.
describe('@parley/client federation API across two instances', () => {
  let a: TestInstance
  let b: TestInstance
  let alice: ParleyClient
  let bob: ParleyClient
  let bobLive: RealtimeClient
  const invitations: RealtimeEvents['invitation.received'][] = []
  const remoteEvents: RealtimeEvents['event'][] = []

  const clientFor = async (instance: TestInstance, username: string, displayName: string) => {
    const user = await instance.addUser(username, displayName)
    const { secret } = await instance.services.accounts.createToken(user.id, 'sdk')
    return { client: new ParleyClient({ baseUrl: instance.origin, auth: { token: secret } }), token: secret }
  }

  before(async () => {
    ;[a, b] = await Promise.all([startInstance(), startInstance()])
    alice = (await clientFor(a, 'alice', 'Alice A')).client
    const bobAccount = await clientFor(b, 'bob', 'Bob B')
    bob = bobAccount.client
    bobLive = new RealtimeClient({ baseUrl: b.origin, auth: { token: bobAccount.token }, reconnect: false })
    bobLive.on('invitation.received', (m) => invitations.push(m))
    bobLive.on('event', (m) => remoteEvents.push(m))
    await bobLive.connect()
  })
  afterEach(printLogsOnFailure(() => [a, b]))
  after(async () => {
    bobLive?.close()
    await Promise.all([a?.close(), b?.close()])
  })

  it('client.federation.lookup() shows the remote account; an unknown one is a ParleyApiError remote-not-found', async () => {
    const found = await alice.federation.lookup(`@bob@${b.host}`)
    assert.deepEqual([found.id, found.name, found.handle], [`${b.origin}/users/bob`, 'Bob B', `@bob@${b.host}`])
    await assert.rejects(
      alice.federation.lookup(`@nobody@${b.host}`),
      (error: unknown) => error instanceof ParleyApiError && error.code === 'remote-not-found' && error.status === 404,
    )
  })

  it("invite → realtime invitation → accept → both chat; the member sees the host's seq order over REST and realtime", async () => {
    const room = await alice.createRoom({ kind: 'group', name: 'SDK room' })
    const invite = await alice.federation.inviteRemote(room.id, `@bob@${b.host}`)
    assert.equal(invite.state, 'pending')
    const received = await eventually(
      async () => invitations.find((i) => i.invitation.roomName === 'SDK room'),
      15_000,
      'the realtime invitation',
    )
    assert.deepEqual(
      (await bob.federation.invitations()).invitations.map((i) => i.inviteId),
      [received.invitation.inviteId],
    )
    await bob.federation.answerInvitation(received.invitation.inviteId, true)
    await eventually(
      async () => (await alice.participants(room.id)).participants.some((p) => p.actorId === `${b.origin}/users/bob`),
      15_000,
      'bob in the room on A',
    )
    const roomUri = received.invitation.roomId
    const listed = (await bob.rooms()).rooms.filter((r) => r.host)
    assert.deepEqual(
      listed.map((r) => [r.name, r.host?.roomUri]),
      [['SDK room', roomUri]],
    )
    const mirrorId = listed[0]!.id

    await alice.post(room.id, 'hello from A')
    const sent = await bob.post(mirrorId, 'hello from B')
    assert.equal(sent.body, 'hello from B')
    const onA = await eventually(
      async () => {
        const page = await alice.history(room.id, {})
        const texts = page.messages.filter((m) => m.kind === 'text').map((m) => m.body)
        return texts.length === 2 ? texts : null
      },
      15_000,
      'both messages on A',
    )
    assert.deepEqual(onA, ['hello from A', 'hello from B'])
    const onB = await eventually(
      async () => {
        const { messages } = await bob.history(mirrorId)
        const texts = messages.filter((m) => m.kind === 'text')
        return texts.length === 2 ? texts : null
      },
      15_000,
      'both messages on B',
    )
    assert.deepEqual(
      onB.map((m) => m.body),
      ['hello from A', 'hello from B'],
    )
    assert.ok(onB[0]!.seq < onB[1]!.seq, "the host's order")
    await eventually(
      async () => remoteEvents.filter((e) => e.roomId === mirrorId && e.event.type === 'message.new').length === 2,
      15_000,
      "both pushed to bob's session",
    )

    await bob.leave(mirrorId)
    await eventually(
      async () => !(await alice.participants(room.id)).participants.some((p) => p.actorId === `${b.origin}/users/bob`),
      15_000,
      'bob gone on A',
    )
    assert.deepEqual(
      (await bob.rooms()).rooms.filter((r) => r.host),
      [],
    )
  })

  it('blocks and domain blocks through the client; a non-admin gets a ParleyApiError', async () => {
    const blocked = await bob.federation.block(`@alice@${a.host}`)
    assert.equal(blocked.actorId, `${a.origin}/users/alice`)
    assert.deepEqual(
      (await bob.federation.blocks()).blocks.map((x) => x.actorId),
      [`${a.origin}/users/alice`],
    )
    await bob.federation.unblock(`${a.origin}/users/alice`)
    assert.deepEqual((await bob.federation.blocks()).blocks, [])
    await assert.rejects(
      bob.federation.blockDomain('spam.example'),
      (error: unknown) => error instanceof ParleyApiError && error.status === 403,
    )
    const root = await b.services.accounts.createUser({ username: 'root', role: 'admin' })
    assert.ok(root.ok)
    const admin = bob.as({ token: (await b.services.accounts.createToken(root.value.id, 'sdk')).secret })
    await admin.federation.blockDomain('spam.example')
    assert.ok((await admin.federation.domainBlocks()).blocks.some((d) => d.domain === 'spam.example'))
    await admin.federation.unblockDomain('spam.example')
    assert.ok(!(await admin.federation.domainBlocks()).blocks.some((d) => d.domain === 'spam.example'))
  })
})
