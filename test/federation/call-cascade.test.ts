import { after, afterEach, before, describe, it } from 'node:test'
import assert from 'node:assert/strict'
import WebSocket from 'ws'
import { RealtimeClient } from '@parley/client'
import { CASCADE_CHANNEL_PATH, type ServerCallJoined, type ServerMessage } from '@parley/protocol'
import { CallChannelAuth } from '@parley/federation'
import { startInstance, eventually, printLogsOnFailure, type TestInstance } from '../harness/instance.ts'
import { apiAs, inviteAndJoin, type Api } from '../harness/rooms.ts'
import { startHostilePeer, type HostilePeer } from '../harness/hostile-peer.ts'
import { testRedisUrl } from '@parley/federation/testing'

// Calls of a room hosted on A with a member whose account lives on B (spec/cascade.md): B's
// sessions use the same call.* frames as for local calls, the room named by its actor id; B relays
// them over its signed call channel to A, which runs the call.

type Client = { rt: RealtimeClient; frames: ServerMessage[]; sessionId: string }

async function realtime(instance: TestInstance, userId: string): Promise<Client> {
  const token = (await instance.services.accounts.createToken(userId, 'realtime')).secret
  const rt = new RealtimeClient({ baseUrl: instance.origin, auth: { token }, reconnect: false })
  const frames: ServerMessage[] = []
  rt.on('call', (frame) => frames.push(frame))
  rt.on('error', (frame) => frames.push(frame))
  const welcome = await rt.connect()
  return { rt, frames, sessionId: welcome.sessionId }
}

const { url: redisUrl } = await testRedisUrl()
const CONTEXT = ['https://www.w3.org/ns/activitystreams', 'https://w3id.org/security/v1']
const media = { audio: true, video: true, screen: false }
const SDP =
  'v=0\r\no=- 1 2 IN IP4 127.0.0.1\r\ns=-\r\nt=0 0\r\nm=audio 9 UDP/TLS/RTP/SAVPF 111\r\nc=IN IP4 0.0.0.0\r\na=rtpmap:111 opus/48000/2\r\n'

/** Opens a call channel to `host` as `peer` does (an upgrade signed by its instance actor). */
async function signedChannel(host: TestInstance, peer: TestInstance): Promise<WebSocket> {
  const url = `${host.origin}${CASCADE_CHANNEL_PATH}`
  const headers = await peer.instance.federation.callChannels.sign(url)
  assert.ok(headers)
  const socket = new WebSocket(url.replace(/^https/, 'wss'), { headers })
  await new Promise<void>((resolve, reject) => {
    socket.once('open', () => resolve())
    socket.once('unexpected-response', (_req, res) => reject(new Error(`refused ${res.statusCode}`)))
    socket.once('error', reject)
  })
  return socket
}

/** The status of a refused upgrade (or 101 when it was accepted). */
async function upgradeStatus(url: string, headers: Record<string, string>): Promise<number> {
  return (await upgrade(url, headers)).status
}

/** How the host answered an upgrade: 101 (accepted), or the refusal's status and stable code. */
function upgrade(url: string, headers: Record<string, string>): Promise<{ status: number; code?: string }> {
  return new Promise((resolve, reject) => {
    const socket = new WebSocket(url.replace(/^https/, 'wss'), { headers })
    socket.once('open', () => {
      socket.close()
      resolve({ status: 101 })
    })
    socket.once('unexpected-response', (_req, res) => {
      let body = ''
      res.setEncoding('utf8')
      res.on('data', (chunk: string) => (body += chunk))
      res.once('end', () => {
        socket.terminate()
        const code = (JSON.parse(body) as { error?: { code?: string } }).error?.code
        resolve({ status: res.statusCode ?? 0, ...(code ? { code } : {}) })
      })
    })
    socket.once('error', reject)
  })
}

function nextFrame(socket: WebSocket): Promise<{ type: string; [k: string]: unknown }> {
  return new Promise((resolve) => socket.once('message', (data) => resolve(JSON.parse(String(data)))))
}

function closed(socket: WebSocket): Promise<number> {
  return new Promise((resolve) => socket.once('close', (code) => resolve(code)))
}

describe('Federated calls: a member on B joins the call of a room hosted on A', () => {
  let a: TestInstance
  let b: TestInstance
  let alice: { id: string; api: Api }
  let bob: { id: string; api: Api }
  let roomId: string
  let roomUri: string
  let otherRoomId: string
  let aliceRt: Client
  let bobRt: Client
  let h: HostilePeer

  before(async () => {
    ;[a, b, h] = await Promise.all([startInstance(), startInstance(), startHostilePeer()])
    alice = await apiAs(a, 'alice', 'Alice')
    bob = await apiAs(b, 'bob', 'Bob Builder')
    await apiAs(b, 'mallory', 'Mallory')
    roomId = String(
      (await alice.api('/api/v1/rooms', { method: 'POST', body: { kind: 'group', name: 'Standup' } })).json.id,
    )
    otherRoomId = String(
      (await alice.api('/api/v1/rooms', { method: 'POST', body: { kind: 'group', name: 'Private' } })).json.id,
    )
    roomUri = `${a.origin}/rooms/${roomId}`
    await inviteAndJoin(a, alice.api, roomId, b, bob.api, 'bob')
    aliceRt = await realtime(a, alice.id)
    bobRt = await realtime(b, bob.id)
  })
  afterEach(printLogsOnFailure(() => [a, b]))
  after(async () => {
    aliceRt?.rt.close()
    bobRt?.rt.close()
    await Promise.all([a?.close(), b?.close(), h?.close()])
  })

  it('the call channel refuses upgrades without a signature, with a forged one, or signed for another URL', async () => {
    const url = `${a.origin}${CASCADE_CHANNEL_PATH}`
    assert.equal(await upgradeStatus(url, {}), 401)
    const signed = await b.instance.federation.callChannels.sign(url)
    assert.ok(signed)
    const forged = {
      ...signed,
      signature: signed.signature!.replace(/:([A-Za-z0-9+/])/, (_m, c) => `:${c === 'A' ? 'B' : 'A'}`),
    }
    assert.equal(await upgradeStatus(url, forged), 401)
    const elsewhere = await b.instance.federation.callChannels.sign(`${a.origin}/api/v1/other`)
    assert.equal(await upgradeStatus(url, elsewhere!), 401)
    // The same signed upgrade twice: the second is a replay.
    assert.equal(await upgradeStatus(url, signed), 101)
    assert.equal(await upgradeStatus(url, signed), 401)
  })

  it("the call channel checks a signature as strictly as the inbox: label, digest, key id, the key's owner and its listing", async () => {
    const instanceActor = `${h.origin}/actor`
    const key = (id: string | null, owner: string) => ({
      '@context': CONTEXT,
      ...(id === null ? {} : { id }),
      type: 'CryptographicKey',
      owner,
      publicKeyPem: h.publicKeyPem,
    })
    // A hostile server's instance actor, listing its real key and key documents that must not be taken.
    h.serveJson('/actor', {
      '@context': CONTEXT,
      id: instanceActor,
      type: 'Application',
      inbox: `${instanceActor}/inbox`,
      publicKey: [
        { id: `${instanceActor}#main-key`, owner: instanceActor, publicKeyPem: h.publicKeyPem },
        `${h.origin}/keys/no-id`,
        `${h.origin}/keys/wrong-id`,
        `${h.origin}/keys/owned-by-b`,
        `${h.origin}/keys/owned-by-a-user`,
      ],
    })
    h.serveJson('/keys/no-id', key(null, instanceActor))
    h.serveJson('/keys/wrong-id', key(`${h.origin}/keys/something-else`, instanceActor))
    // The key names another server's instance actor (B's) as its owner: it speaks for neither.
    h.serveJson('/keys/owned-by-b', key(`${h.origin}/keys/owned-by-b`, `${b.origin}/actor`))
    h.serveJson('/keys/owned-by-a-user', key(`${h.origin}/keys/owned-by-a-user`, `${h.origin}/users/mallory`))
    // A well-formed key of the instance actor that the actor does not list.
    h.serveJson('/keys/unlisted', key(`${h.origin}/keys/unlisted`, instanceActor))
    const url = `${a.origin}${CASCADE_CHANNEL_PATH}`
    const mainKey = `${instanceActor}#main-key`
    const cases = [
      [{ keyId: mainKey, algorithm: 'hmac-sha256' }, 'signature-algorithm-mismatch'],
      [{ keyId: mainKey, contentDigest: 'sha-512=:AAAA:' }, 'signature-digest-missing'],
      [
        { keyId: mainKey, contentDigest: `sha-256=:${Buffer.alloc(32, 1).toString('base64')}:` },
        'signature-digest-mismatch',
      ],
      [{ keyId: mainKey, components: ['@method', '@path', 'date'] }, 'signature-malformed'],
      [{ keyId: mainKey, at: new Date(Date.now() - 65 * 60_000) }, 'signature-expired'],
      [{ keyId: `${h.origin}/keys/no-id` }, 'signature-key-invalid'],
      [{ keyId: `${h.origin}/keys/wrong-id` }, 'signature-key-invalid'],
      [{ keyId: `${h.origin}/keys/owned-by-b` }, 'signature-key-invalid'],
      [{ keyId: `${h.origin}/keys/owned-by-a-user` }, 'signature-key-invalid'],
      [{ keyId: `${h.origin}/keys/unlisted` }, 'signature-actor-mismatch'],
    ] as const
    for (const [options, code] of cases) {
      const answer = await upgrade(url, h.signUpgrade(url, options))
      assert.deepEqual(answer, { status: 401, code }, JSON.stringify(options))
    }
    // The same upgrade signed properly opens a channel: the refusals above were for what they varied.
    assert.equal((await upgrade(url, h.signUpgrade(url, { keyId: mainKey }))).status, 101)
  })

  it("the call channel is opened by the peer's instance actor only: an upgrade signed with a user's key is refused", async () => {
    const url = `${a.origin}${CASCADE_CHANNEL_PATH}`
    // B's own signer names its instance actor's key.
    const signed = await b.instance.federation.callChannels.sign(url)
    assert.match(signed!['signature-input']!, new RegExp(`keyid="${b.origin}/actor#`))
    // Bob's (valid, published) RSA key signing the same upgrade: a user does not speak for the instance.
    const [rsa] = await b.instance.store.federation.keys.list(bob.id)
    assert.equal(rsa?.algorithm, 'rsa')
    const privateKey = await crypto.subtle.importKey(
      'jwk',
      rsa!.privateJwk,
      { name: 'RSASSA-PKCS1-v1_5', hash: 'SHA-256' },
      // Fedify's signRequest() refuses keys it cannot export.
      true,
      ['sign'],
    )
    const asBob = new CallChannelAuth({
      signingKey: async () => ({ keyId: new URL(`${b.origin}/users/bob#main-key`), privateKey }),
      now: Date.now,
    } as unknown as ConstructorParameters<typeof CallChannelAuth>[0])
    const byUser = await asBob.sign(url)
    assert.ok(byUser)
    assert.equal(await upgradeStatus(url, byUser), 401)
  })

  it('Bob joins from B with call.join on the room actor id; both sides see each other, hands, reactions and mesh signals cross', async () => {
    const started = (await aliceRt.rt.request({ type: 'call.join', roomId, media })) as ServerCallJoined
    assert.equal(started.engine, 'mesh')
    const joined = (await bobRt.rt.request({ type: 'call.join', roomId: roomUri, media })) as ServerCallJoined
    assert.equal(joined.type, 'call.joined')
    assert.equal(joined.roomId, roomUri, 'B names the room as its session does')
    assert.equal(joined.callId, started.callId, "the host's call")
    assert.deepEqual(joined.participants.map((p) => p.actor.id).sort(), [alice.id, `${b.origin}/users/bob`].sort())
    const bobId = joined.participantId
    assert.notEqual(bobId, bobRt.sessionId, "participant ids are the host's, not B's session ids")
    // Alice's session sees Bob join; Bob's sees himself through B's subscription.
    await eventually(
      async () =>
        aliceRt.frames.some(
          (f) => f.type === 'call.participant' && f.change === 'joined' && f.participant.participantId === bobId,
        ),
      10_000,
      'alice sees bob join',
    )
    await eventually(
      async () =>
        bobRt.frames.some(
          (f) => f.type === 'call.participant' && f.roomId === roomUri && f.participant.participantId === bobId,
        ),
      10_000,
      "bob's session sees the call news",
    )
    await bobRt.rt.request({ type: 'call.update', roomId: roomUri, handRaised: true })
    await eventually(
      async () =>
        aliceRt.frames.some(
          (f) => f.type === 'call.participant' && f.participant.participantId === bobId && f.participant.handRaised,
        ),
      10_000,
      "alice sees bob's hand",
    )
    await aliceRt.rt.request({ type: 'call.reaction', roomId, emoji: '🎉' })
    await eventually(
      async () => bobRt.frames.some((f) => f.type === 'call.reaction' && f.roomId === roomUri && f.emoji === '🎉'),
      10_000,
      'bob sees the reaction',
    )
    // Mesh: an offer from Bob reaches Alice from his participant id, her answer reaches him.
    await bobRt.rt.request({
      type: 'call.signal',
      roomId: roomUri,
      to: started.participantId,
      signal: { type: 'offer', sdp: SDP },
    })
    await eventually(
      async () => aliceRt.frames.some((f) => f.type === 'call.signal' && f.from === bobId),
      10_000,
      "bob's offer at alice",
    )
    await aliceRt.rt.request({ type: 'call.signal', roomId, to: bobId, signal: { type: 'answer', sdp: SDP } })
    await eventually(
      async () =>
        bobRt.frames.some((f) => f.type === 'call.signal' && f.roomId === roomUri && f.from === started.participantId),
      10_000,
      "alice's answer at bob",
    )
  })

  it("A's moderator mutes Bob (B's session hears it) and removes him: his frames go nowhere any more", async () => {
    const bobId = [...(await participantsOnA())].find(([, actor]) => actor === `${b.origin}/users/bob`)?.[0]
    assert.ok(bobId)
    await aliceRt.rt.request({ type: 'call.moderate', roomId, action: 'mute', participantId: bobId })
    await eventually(
      async () =>
        bobRt.frames.some(
          (f) =>
            f.type === 'call.participant' &&
            f.roomId === roomUri &&
            f.participant.participantId === bobId &&
            !f.participant.media.audio,
        ),
      10_000,
      'bob sees himself muted',
    )
    await aliceRt.rt.request({ type: 'call.moderate', roomId, action: 'remove', participantId: bobId })
    await eventually(
      async () => bobRt.frames.some((f) => f.type === 'call.left' && f.roomId === roomUri && f.participantId === bobId),
      10_000,
      'bob sees himself removed',
    )
    await assert.rejects(
      bobRt.rt.request({ type: 'call.update', roomId: roomUri, handRaised: false }),
      (error: Error) => /not-in-call|no-call/.test(`${(error as { code?: string }).code} ${error.message}`),
    )
    assert.deepEqual([...(await participantsOnA()).values()], [alice.id], 'only alice is left in the call on A')
  })

  async function participantsOnA(): Promise<Map<string, string>> {
    const joined = (await aliceRt.rt.request({ type: 'call.join', roomId, media })) as ServerCallJoined
    return new Map(joined.participants.map((p) => [p.participantId, p.actor.id]))
  }

  it('a signed channel may not speak for accounts of another instance, nor subscribe to rooms without its members', async () => {
    const before = [...(await participantsOnA()).values()].sort()
    const socket = await signedChannel(a, b)
    // A room on A where B has no member.
    socket.send(JSON.stringify({ type: 'cascade.subscribe', room: `${a.origin}/rooms/${otherRoomId}` }))
    const refused = await nextFrame(socket)
    assert.equal(refused.type, 'cascade.error')
    assert.equal((refused.error as { code: string }).code, 'not-a-participant')
    // A room A does not host.
    socket.send(JSON.stringify({ type: 'cascade.subscribe', room: `${b.origin}/rooms/${otherRoomId}` }))
    const notHosted = await nextFrame(socket)
    assert.equal((notHosted.error as { code: string }).code, 'room-not-found')
    // Mallory's instance speaking for alice (an account on A): the channel is closed, nothing joins.
    const closing = closed(socket)
    socket.send(
      JSON.stringify({
        type: 'cascade.call',
        room: roomUri,
        session: 'mallory-1',
        actor: { id: `${a.origin}/users/alice`, name: 'Alice?' },
        message: { type: 'call.join', roomId: roomUri, media },
      }),
    )
    assert.equal(await closing, 4403)
    // A signed channel sending junk is closed too.
    const junk = await signedChannel(a, b)
    const junkClosed = closed(junk)
    junk.send('{"type":"cascade.call"')
    assert.equal(await junkClosed, 4400)
    assert.deepEqual([...(await participantsOnA()).values()].sort(), before, 'the call on A is unchanged')
  })
  it('bridge subscriptions are refused for rooms without the peer’s members, mesh calls and unknown subscriptions; nothing changes', async () => {
    const before = [...(await participantsOnA()).values()].sort()
    const socket = await signedChannel(a, b)
    const ask = async (frame: Record<string, unknown>) => {
      const reply = nextFrame(socket)
      socket.send(JSON.stringify(frame))
      return reply
    }
    const other = await ask({
      type: 'cascade.bridge-subscribe',
      room: `${a.origin}/rooms/${otherRoomId}`,
      bridge: 'b1',
      feed: '1',
    })
    assert.equal((other.error as { code: string }).code, 'not-a-participant')
    // The room's call runs on mesh (alice is in it): there is no SFU feed to bridge.
    const mesh = await ask({ type: 'cascade.bridge-subscribe', room: roomUri, bridge: 'b2', feed: '1' })
    assert.equal(mesh.type, 'cascade.error')
    assert.equal((mesh.error as { code: string }).code, 'engine-mismatch')
    assert.equal((mesh.error as { details: { bridge: string } }).details.bridge, 'b2')
    const unknown = await ask({ type: 'cascade.bridge-answer', room: roomUri, bridge: 'b3', sdp: 'v=0' })
    assert.equal((unknown.error as { code: string }).code, 'media-not-found')
    assert.equal(socket.readyState, WebSocket.OPEN, 'refusals keep the channel open')
    socket.close()
    assert.deepEqual([...(await participantsOnA()).values()].sort(), before, 'the call on A is unchanged')
  })

  it('a member of B removed from the room on A leaves its call there too', async () => {
    const joined = (await bobRt.rt.request({ type: 'call.join', roomId: roomUri, media })) as ServerCallJoined
    const bobActor = `${b.origin}/users/bob`
    const removed = await alice.api(`/api/v1/rooms/${roomId}/participants/${encodeURIComponent(bobActor)}`, {
      method: 'DELETE',
    })
    assert.ok(removed.status < 300, JSON.stringify(removed.json))
    await eventually(
      async () => aliceRt.frames.some((f) => f.type === 'call.left' && f.participantId === joined.participantId),
      10_000,
      "bob's departure from the call on A",
    )
    assert.deepEqual([...(await participantsOnA()).values()], [alice.id])
  })
})

// Each signature opens one channel, also when its copies arrive together: the claim is one atomic
// step of the federation store. On Redis (what several nodes of one instance share) reading and
// then writing are two round trips that copies arriving together interleave.
for (const store of ['sqlite', 'redis'] as const)
  describe(`The call channel takes a signed upgrade once, however many copies arrive at once (${store} store${store === 'redis' ? ', needs Redis' : ''})`, () => {
    let host: TestInstance
    let h: HostilePeer
    let url: string
    let keyId: string

    before(async () => {
      const env: Record<string, string> =
        store === 'redis' ? { PARLEY_FEDERATION_QUEUE: 'redis', PARLEY_REDIS_URL: redisUrl } : {}
      ;[host, h] = await Promise.all([startInstance({ env }), startHostilePeer()])
      url = `${host.origin}${CASCADE_CHANNEL_PATH}`
      const actor = `${h.origin}/actor`
      keyId = `${actor}#main-key`
      h.serveJson('/actor', {
        '@context': CONTEXT,
        id: actor,
        type: 'Application',
        inbox: `${actor}/inbox`,
        publicKey: { id: keyId, owner: actor, publicKeyPem: h.publicKeyPem },
      })
      // The key is fetched and cached once, so the copies below meet at the claim, not at the fetch.
      assert.equal((await upgrade(url, h.signUpgrade(url, { keyId }))).status, 101)
    })
    afterEach(printLogsOnFailure(() => [host]))
    after(async () => {
      await Promise.all([host?.close(), h?.close()])
    })

    it('five copies of one signed upgrade sent at once over HTTPS: one channel, four signature-replayed', async () => {
      const signed = h.signUpgrade(url, { keyId })
      const answers = await Promise.all(Array.from({ length: 5 }, () => upgrade(url, signed)))
      assert.deepEqual(answers.map((answer) => answer.status + (answer.code ? ` ${answer.code}` : '')).sort(), [
        '101',
        ...Array(4).fill('401 signature-replayed'),
      ])
    })

    it('five copies handed to the verifier in one tick: exactly one is taken', async () => {
      // Over TLS the copies may reach the check one after another; together they race for the claim itself.
      const signed = h.signUpgrade(url, { keyId })
      const verdicts = await Promise.all(
        Array.from({ length: 5 }, () =>
          host.instance.federation.callChannels.verify(new Request(url, { method: 'GET', headers: signed })),
        ),
      )
      assert.equal(verdicts.filter((verdict) => verdict.ok).length, 1, JSON.stringify(verdicts))
    })
  })
