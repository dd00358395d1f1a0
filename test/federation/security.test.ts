/**
 * Attacks on the inbox and on remote fetches, run against real instances over HTTPS with real
 * signatures (issue 15). Each refusal is checked by its status and stable error code, and the
 * store is checked after a later sentinel activity has been processed: nothing the attack sent
 * took effect.
 */
import { after, afterEach, before, describe, it } from 'node:test'
import assert from 'node:assert/strict'
import { startInstance, eventually, printLogsOnFailure, type TestInstance } from '../harness/instance.ts'
import { startHostilePeer, startHostileChild, type HostilePeer } from '../harness/hostile-peer.ts'
import { apiAs, inviteAndJoin, type Api } from '../harness/rooms.ts'

const AS = 'https://www.w3.org/ns/activitystreams'
const CONTEXT = [AS, 'https://w3id.org/security/v1']

// Both inbox paths: the gate's verified activity handed to Fedify (the default) and Fedify checking
// every request again (PARLEY_FEDERATION_INBOX_HAND_OVER=false); the attacks must fail on both.
for (const handOver of ['true', 'false'])
  describe(`inbound activities must be signed by a key their actor owns (inbox hand-over ${handOver})`, () => {
    let p: TestInstance // a real instance whose users and room the attacker impersonates
    let b: TestInstance // the victim
    let h: HostilePeer
    let alice: Api
    let bob: Api
    let bobId: string
    let roomUri: string
    let roomId: string
    let counter = 0
    const id = (what: string) => `${h.origin}/${what}/${++counter}`

    before(async () => {
      ;[p, b, h] = await Promise.all([
        startInstance(),
        startInstance({ env: { PARLEY_FEDERATION_INBOX_HAND_OVER: handOver } }),
        startHostilePeer(),
      ])
      alice = (await apiAs(p, 'alice', 'Alice')).api
      const joined = await apiAs(b, 'bob', 'Bob')
      bob = joined.api
      bobId = joined.id
      roomId = (
        (await alice('/api/v1/rooms', { method: 'POST', body: { kind: 'group', name: 'Project X' } })).json as {
          id: string
        }
      ).id
      roomUri = `${p.origin}/rooms/${roomId}`
      await inviteAndJoin(p, alice, roomId, b, bob, 'bob')
      // The attacker's own actor, whose key documents the tests vary.
      h.serveJson('/users/mallory', {
        '@context': CONTEXT,
        id: `${h.origin}/users/mallory`,
        type: 'Person',
        preferredUsername: 'mallory',
        inbox: `${h.origin}/users/mallory/inbox`,
        publicKey: [
          {
            id: `${h.origin}/users/mallory#main-key`,
            owner: `${h.origin}/users/mallory`,
            publicKeyPem: h.publicKeyPem,
          },
        ],
      })
    })
    afterEach(printLogsOnFailure(() => [p, b]))
    after(async () => {
      await Promise.all([p?.close(), b?.close(), h?.close()])
    })

    const bobInbox = () => `${b.origin}/users/bob/inbox`
    const messages = async () => (await b.store().inboundMessages.listForUser(bobId)).map((m) => m.content)
    const followers = () => b.store().followers.count(bobId)
    const followerIds = async () => (await b.store().followers.list(bobId, null, 1000)).items.map((f) => f.actorId)
    /** The name of P's room as Bob's instance shows it (an ordinary room there, hosted on P). */
    const roomName = async () =>
      ((await bob('/api/v1/rooms')).json.rooms as { name: string; host?: { roomUri: string } }[]).find(
        (r) => r.host?.roomUri === roomUri,
      )?.name

    /**
     * A real direct message from P's alice, waited for, and then B's queues drained: B's inbox
     * handles activities concurrently, so the sentinel alone would not prove that an attack sent
     * before it (one slowed down by a fetch, say) has been processed; the empty queue does.
     */
    async function sentinel(text: string): Promise<void> {
      const sent = await p.services.federation.federation.sendDirectMessage('alice', `@bob@${b.host}`, text)
      assert.ok(sent.ok, JSON.stringify(sent))
      await eventually(async () => (await messages()).some((m) => m.includes(text)), 15_000, `sentinel ${text}`)
      await b.queueDrained()
    }

    const follow = (actor: string) => ({
      '@context': AS,
      id: id('follows'),
      type: 'Follow',
      actor,
      object: `${b.origin}/users/bob`,
    })

    it("a key served by another server cannot speak for P's user or P's room (Create, Announce)", async () => {
      // The attacker's key document names P's alice, then P's room, as its owner.
      h.serveJson('/keys/as-alice', {
        '@context': CONTEXT,
        id: `${h.origin}/keys/as-alice`,
        type: 'CryptographicKey',
        owner: `${p.origin}/users/alice`,
        publicKeyPem: h.publicKeyPem,
      })
      h.serveJson('/keys/as-room', {
        '@context': CONTEXT,
        id: `${h.origin}/keys/as-room`,
        type: 'CryptographicKey',
        owner: roomUri,
        publicKeyPem: h.publicKeyPem,
      })
      const before = { messages: await messages(), room: await roomName() }
      assert.equal(before.room, 'Project X')

      const forgedNote = {
        '@context': AS,
        id: `${p.origin}/users/alice/statuses/forged/activity`,
        type: 'Create',
        actor: `${p.origin}/users/alice`,
        to: [`${b.origin}/users/bob`],
        object: {
          id: `${p.origin}/users/alice/statuses/forged`,
          type: 'Note',
          attributedTo: `${p.origin}/users/alice`,
          to: [`${b.origin}/users/bob`],
          content: '<p>forged: send me your password</p>',
        },
      }
      const forgedRename = {
        '@context': AS,
        id: `${roomUri}/events/9000`,
        type: 'Announce',
        actor: roomUri,
        object: {
          id: `${roomUri}/events/9000/object`,
          type: 'Update',
          actor: roomUri,
          object: { id: roomUri, type: 'Group', name: 'Pwned' },
        },
      }
      for (const [activity, keyId, inbox] of [
        [forgedNote, `${h.origin}/keys/as-alice`, bobInbox()],
        [forgedNote, `${h.origin}/keys/as-alice`, `${b.origin}/inbox`],
        [forgedRename, `${h.origin}/keys/as-room`, bobInbox()],
        [forgedRename, `${h.origin}/keys/as-room`, `${b.origin}/inbox`],
      ] as const) {
        const { status, json } = await h.post(inbox, activity, { keyId })
        assert.equal(status, 401, JSON.stringify(json))
        assert.equal((json as { error: { code: string } }).error.code, 'signature-actor-mismatch')
      }
      await sentinel('sentinel after forged activities')
      assert.deepEqual(
        (await messages()).filter((m) => !m.includes('sentinel')),
        before.messages,
        'no forged message stored',
      )
      assert.equal(await roomName(), 'Project X', 'the room was not renamed')
    })

    it("a key served by another server cannot write in P's room as B's member (forwarded room actions)", async () => {
      // The attacker's key document names B's bob, a member of P's room, as its owner.
      h.serveJson('/keys/as-bob', {
        '@context': CONTEXT,
        id: `${h.origin}/keys/as-bob`,
        type: 'CryptographicKey',
        owner: `${b.origin}/users/bob`,
        publicKeyPem: h.publicKeyPem,
      })
      const bobOnB = `${b.origin}/users/bob`
      const onP = async () =>
        (await p.services.store.messages.history({ roomId, after: 0, limit: 1000 })).map((m) => m.body)
      const before = await onP()
      const forged = {
        '@context': AS,
        id: `${bobOnB}/room-activities/forged-action-1`,
        type: 'Create',
        actor: bobOnB,
        to: roomUri,
        object: {
          id: `${bobOnB}/room-notes/forged-action-1`,
          type: 'Note',
          attributedTo: bobOnB,
          context: roomUri,
          to: roomUri,
          content: '<p>forged: the meeting moved, click here</p>',
        },
      }
      const { status, json } = await h.post(`${roomUri}/actions`, forged, { keyId: `${h.origin}/keys/as-bob` })
      assert.equal(status, 401, JSON.stringify(json))
      assert.equal((json as { error: { code: string } }).error.code, 'signature-actor-mismatch')
      // The actions endpoint answers once the action is decided: nothing to wait for.
      assert.deepEqual(await onP(), before, 'no forged message in the room')

      // Nor read who is in the room as Bob (the roster members' instances ask for).
      const asBob = `${bobOnB}#main-key`
      h.serveJson('/keys/as-bob-main', {
        '@context': CONTEXT,
        id: asBob,
        type: 'CryptographicKey',
        owner: bobOnB,
        publicKeyPem: h.publicKeyPem,
      })
      for (const keyId of [`${h.origin}/keys/as-bob`, asBob]) {
        const roster = await fetch(`${roomUri}/participants`, {
          headers: { accept: 'application/json', ...h.signUpgrade(`${roomUri}/participants`, { keyId }) },
        })
        assert.equal(roster.status, 401, keyId)
        const code = ((await roster.json()) as { error: { code: string } }).error.code
        assert.match(code, /^signature-/, keyId)
      }
    })

    it('key documents: no id, an id other than the keyId, a label against the key, a Digest without SHA-256', async () => {
      h.serveJson('/users/mallory2', {
        '@context': CONTEXT,
        id: `${h.origin}/users/mallory2`,
        type: 'Person',
        inbox: `${h.origin}/users/mallory2/inbox`,
        publicKey: [`${h.origin}/keys/no-id`, `${h.origin}/keys/wrong-id`],
      })
      h.serveJson('/keys/no-id', {
        '@context': CONTEXT,
        type: 'CryptographicKey',
        owner: `${h.origin}/users/mallory2`,
        publicKeyPem: h.publicKeyPem,
      })
      h.serveJson('/keys/wrong-id', {
        '@context': CONTEXT,
        id: `${h.origin}/keys/something-else`,
        type: 'CryptographicKey',
        owner: `${h.origin}/users/mallory2`,
        publicKeyPem: h.publicKeyPem,
      })
      const before = await followers()
      const mallory = `${h.origin}/users/mallory`
      const cases = [
        [`${h.origin}/users/mallory2`, { keyId: `${h.origin}/keys/no-id` }, 'signature-key-invalid'],
        [`${h.origin}/users/mallory2`, { keyId: `${h.origin}/keys/wrong-id` }, 'signature-key-invalid'],
        [mallory, { keyId: `${mallory}#main-key`, algorithm: 'hmac-sha256' }, 'signature-algorithm-mismatch'],
        [mallory, { keyId: `${mallory}#main-key`, digest: 'SHA-512=AAAA' }, 'signature-digest-missing'],
        [mallory, { keyId: `${mallory}#main-key`, digest: null }, 'signature-digest-missing'],
        [
          mallory,
          { keyId: `${mallory}#main-key`, headers: ['(request-target)', 'host', 'date'] },
          'signature-malformed',
        ],
        [mallory, { keyId: 'not a url' }, 'signature-malformed'],
        [mallory, { keyId: `${mallory}#other-key` }, 'signature-actor-mismatch'],
      ] as const
      for (const [actor, options, code] of cases) {
        const { status, json } = await h.post(bobInbox(), follow(actor), options)
        assert.equal(status, 401, `${code}: ${JSON.stringify(json)}`)
        assert.equal((json as { error: { code: string } }).error.code, code, JSON.stringify(options))
      }
      // The same Follow signed properly is taken: the refusals above were for what they changed.
      const accepted = await h.post(bobInbox(), follow(mallory), { keyId: `${mallory}#main-key` })
      assert.equal(accepted.status, 202, JSON.stringify(accepted.json))
      await eventually(async () => (await followers()) === before + 1, 15_000, 'the proper Follow')
      await sentinel('sentinel after key documents')
      assert.equal(await followers(), before + 1, 'only the properly signed Follow was taken')
    })

    it('ten requests at once signed with a new key fetch it once', async () => {
      const actor = `${h.origin}/users/fresh`
      h.serveJson('/users/fresh', {
        '@context': CONTEXT,
        id: actor,
        type: 'Person',
        inbox: `${actor}/inbox`,
        publicKey: { id: `${actor}#main-key`, owner: actor, publicKeyPem: h.publicKeyPem },
      })
      const answers = await Promise.all(
        Array.from({ length: 10 }, () => h.post(bobInbox(), follow(actor), { keyId: `${actor}#main-key` })),
      )
      assert.deepEqual(
        answers.map((a) => a.status),
        Array(10).fill(202),
      )
      // Unsigned fetches are the key lookups (the Accepts fetch the actor signed, as the recipient).
      assert.equal(h.hits('/users/fresh', { signed: false }), 1, 'the actor and its key were fetched once')
    })

    it('a Date up to an hour off either way is taken; past the hour, or replayed within it, refused', async () => {
      const actorAt = (name: string) => {
        const actor = `${h.origin}/users/${name}`
        h.serveJson(`/users/${name}`, {
          '@context': CONTEXT,
          id: actor,
          type: 'Person',
          inbox: `${actor}/inbox`,
          publicKey: { id: `${actor}#main-key`, owner: actor, publicKeyPem: h.publicKeyPem },
        })
        return actor
      }
      const minutes = (n: number) => new Date(Date.now() + n * 60_000)
      const send = (actor: string, offset: number, body?: string) =>
        h.post(bobInbox(), body ?? follow(actor), { keyId: `${actor}#main-key`, date: minutes(offset) })
      const [late, early, past, future, replayed] = ['late', 'early', 'past', 'future', 'replayed'].map(actorAt)
      assert.equal((await send(late!, -55)).status, 202, '55 min late')
      assert.equal((await send(early!, 55)).status, 202, '55 min early')
      for (const [actor, offset] of [
        [past!, -65],
        [future!, 65],
      ] as const) {
        const { status, json } = await send(actor, offset)
        assert.equal(status, 401)
        assert.equal((json as { error: { code: string } }).error.code, 'signature-expired', `${offset} min`)
      }
      // The same signed request again, 55 minutes after its Date: still known, refused.
      const body = JSON.stringify(follow(replayed!))
      const date = minutes(-55)
      assert.equal((await h.post(bobInbox(), body, { keyId: `${replayed}#main-key`, date })).status, 202)
      const replay = await h.post(bobInbox(), body, { keyId: `${replayed}#main-key`, date })
      assert.equal(replay.status, 401)
      assert.equal((replay.json as { error: { code: string } }).error.code, 'signature-replayed')
      await eventually(
        async () => (await followerIds()).includes(late!) && (await followerIds()).includes(early!),
        15_000,
        'the Follows within the hour',
      )
      await sentinel('sentinel after dates')
      const ids = await followerIds()
      assert.ok(!ids.includes(past!) && !ids.includes(future!), 'the Follows past the hour took no effect')
    })
  })

describe('remote fetches: content types, hostile pages, responsiveness', () => {
  let b: TestInstance
  let h: HostilePeer
  let bob: Api
  before(async () => {
    ;[b, h] = await Promise.all([startInstance(), startHostilePeer()])
    bob = (await apiAs(b, 'bob', 'Bob')).api
  })
  afterEach(printLogsOnFailure(() => [b]))
  after(async () => {
    await Promise.all([b?.close(), h?.close()])
  })

  const lookup = (target: string) => bob(`/api/v1/federation/lookup?handle=${encodeURIComponent(target)}`)

  it('only ActivityPub content types are taken as actors', async () => {
    const actor = (path: string) => ({
      '@context': AS,
      id: `${h.origin}${path}`,
      type: 'Person',
      inbox: `${h.origin}/i`,
    })
    for (const [path, type] of [
      ['/typed/plain', 'text/plain'],
      ['/typed/json', 'application/json'],
      ['/typed/octet', 'application/octet-stream'],
      ['/typed/ld', 'application/ld+json'],
      ['/typed/none', null],
    ] as const) {
      h.serve(path, { type, body: JSON.stringify(actor(path)) })
      const { status, json } = await lookup(`${h.origin}${path}`)
      assert.equal(status, 404, `${type}: ${JSON.stringify(json)}`)
      assert.equal((json.error as { details?: { reason?: string } }).details?.reason, 'fetch-content-type-refused')
    }
    h.serve('/typed/ap', {
      type: 'application/ld+json; profile="https://www.w3.org/ns/activitystreams"',
      body: JSON.stringify(actor('/typed/ap')),
    })
    const found = await lookup(`${h.origin}/typed/ap`)
    assert.equal(found.status, 200, JSON.stringify(found.json))
    assert.equal(found.json.id, `${h.origin}/typed/ap`)
  })

  it('stays responsive while loading hostile pages (healthz < 500 ms), and each load ends within 2 s', async () => {
    const hostile = await startHostileChild({
      '/spaces': { type: 'text/html', body: `<a ${' '.repeat(4000)}` },
      '/spaces-long': { type: 'text/html', body: `<a ${' '.repeat(200_000)}` },
      '/self': {
        type: 'text/html',
        headers: { link: '</self>; rel="alternate"; type="application/activity+json"' },
        body: '<html></html>',
      },
      '/loop-a': {
        type: 'text/html',
        body: '<link rel="alternate" type="application/activity+json" href="/loop-b">',
      },
      '/loop-b': {
        type: 'text/html',
        body: '<link rel="alternate" type="application/activity+json" href="/loop-a">',
      },
    })
    let stop = false
    try {
      let worst = 0
      const probe = (async () => {
        while (!stop) {
          const started = performance.now()
          const res = await fetch(`${b.origin}/healthz`)
          assert.equal(res.status, 200)
          await res.arrayBuffer()
          worst = Math.max(worst, performance.now() - started)
          await new Promise((resolve) => setTimeout(resolve, 20))
        }
      })()
      for (const path of ['/spaces', '/spaces-long', '/self', '/loop-a']) {
        const started = performance.now()
        const { status } = await lookup(`${hostile.origin}${path}`)
        const elapsed = performance.now() - started
        assert.equal(status, 404, path)
        assert.ok(elapsed < 2000, `${path}: the load took ${elapsed} ms`)
        // The same page as a signing key: refused before anything else is done.
        const keyStarted = performance.now()
        const { status: keyStatus, json } = await h.post(
          `${b.origin}/users/bob/inbox`,
          {
            '@context': AS,
            id: `${hostile.origin}/f${path}`,
            type: 'Follow',
            actor: `${hostile.origin}${path}`,
            object: `${b.origin}/users/bob`,
          },
          { keyId: `${hostile.origin}${path}` },
        )
        assert.equal(keyStatus, 401, JSON.stringify(json))
        assert.ok(performance.now() - keyStarted < 2000, `${path} as a key`)
      }
      stop = true
      await probe
      assert.ok(worst < 500, `the slowest /healthz took ${worst} ms`)
    } finally {
      stop = true
      await hostile.close()
    }
  })

  it('a chunked body over the limit gets 413 (not a reset connection), as does a keyId that is no URL 401', async () => {
    const chunk = new Uint8Array(64 * 1024).fill(0x20)
    let sent = 0
    const body = new ReadableStream<Uint8Array>({
      pull(controller) {
        if (sent >= 2 * 1024 * 1024) return controller.close()
        sent += chunk.byteLength
        controller.enqueue(chunk)
      },
    })
    const res = await fetch(`${b.origin}/users/bob/inbox`, {
      method: 'POST',
      headers: { 'content-type': 'application/activity+json' },
      body,
      duplex: 'half',
    } as RequestInit)
    assert.equal(res.status, 413)
    assert.equal(((await res.json()) as { error: { code: string } }).error.code, 'body-too-large')
    // A signature whose keyId is no URL: a malformed signature, not a blocked domain.
    const odd = await fetch(`${b.origin}/users/bob`, {
      headers: { accept: 'application/activity+json', signature: 'keyId="no url",headers="date",signature="AA=="' },
    })
    assert.equal(odd.status, 401)
    assert.equal(((await odd.json()) as { error: { code: string } }).error.code, 'signature-malformed')
  })
})
