import { describe, it, before, after, beforeEach, afterEach } from 'node:test'
import assert from 'node:assert/strict'
import { Value } from 'typebox/value'
import { ParleyApiError, ParleyClient, RealtimeClient } from '@parley/client'
import { PushPayload } from '@parley/protocol'
import { startTestInstance, type TestInstance } from '../testing/test-instance.ts'
import { PushReceiver } from '../testing/push-receiver.ts'

const LOOPBACK_OK = { PARLEY_PUSH_ALLOW_PRIVATE_ENDPOINTS: 'true' }

type Person = { rest: ParleyClient; id: string; token: string }

describe('Web Push to a push service on loopback that decrypts like a browser', () => {
  let t: TestInstance
  let base: string
  let receiver: PushReceiver
  let alice: Person
  let bob: Person
  let roomId: string
  const clients: RealtimeClient[] = []

  const person = async (name: string): Promise<Person> => {
    const u = await t.user(name)
    return { rest: new ParleyClient({ baseUrl: base, auth: { token: u.token } }), id: u.user.id, token: u.token }
  }
  const payloadOf = (i: number): PushPayload => {
    const parsed = JSON.parse(receiver.received[i]?.text ?? 'null') as unknown
    assert.ok(Value.Check(PushPayload, parsed), `payload ${i} is a PushPayload: ${receiver.received[i]?.text}`)
    return parsed
  }

  beforeEach(async () => {
    t = await startTestInstance({ env: LOOPBACK_OK })
    base = await t.listen()
    receiver = await new PushReceiver().listen()
    alice = await person('alice')
    bob = await person('bob')
    roomId = (await alice.rest.createRoom({ kind: 'group', name: 'Team' })).id
    await alice.rest.addParticipant(roomId, bob.id)
  })
  afterEach(async () => {
    for (const c of clients.splice(0)) c.close()
    await t.close()
    await receiver.close()
  })

  it('a mention and a reply reach the subscription encrypted (aes128gcm) and VAPID-signed by the instance key', async () => {
    const { publicKey } = await bob.rest.account.pushPublicKey()
    assert.equal(Buffer.from(publicKey, 'base64url').length, 65)
    const added = await bob.rest.account.addPushSubscription(receiver.subscription('bob'))
    assert.equal(added.current, true)
    assert.equal(added.endpoint, `${receiver.origin}/push/bob`)

    const mention = await alice.rest.post(roomId, 'Lunch, @bob?')
    await t.instance.push.idle()
    await receiver.waitFor(1)
    assert.deepEqual(receiver.problems, [])
    const push = receiver.received[0]
    assert.equal(push?.path, '/push/bob')
    assert.equal(push.vapidKey, publicKey, 'signed with the key the browser subscribed with')
    assert.equal(push.claims.aud, receiver.origin)
    assert.match(push.claims.sub, /^mailto:parley@/)
    assert.ok(push.claims.exp * 1000 > Date.now() && push.claims.exp * 1000 <= Date.now() + 24 * 3600_000)
    assert.equal(push.headers.urgency, 'normal')
    const payload = payloadOf(0)
    assert.equal(payload.kind, 'mention')
    assert.equal(payload.roomId, roomId)
    assert.equal(payload.seq, mention.seq)
    assert.equal(payload.tag, `${roomId}:${mention.seq}`)
    assert.equal(payload.title, 'Alice mentioned you in Team')
    assert.equal(payload.body, 'Lunch, @bob?')
    assert.equal(payload.url, `/r/${roomId}`)

    // A reply to Bob's message; Alice (no subscription) gets nothing, and no one is pushed for their own message.
    const own = await bob.rest.post(roomId, 'Sure')
    await alice.rest.post(roomId, 'x'.repeat(1000), own.seq)
    await t.instance.push.idle()
    await receiver.waitFor(2)
    const reply = payloadOf(1)
    assert.equal(reply.kind, 'reply')
    assert.ok(reply.body.length <= 201, 'the body is shortened')
    assert.equal(receiver.received.length, 2)
  })

  it('a call starting in the room rings the other members (urgency high, tag call:<room>)', async () => {
    await bob.rest.account.addPushSubscription(receiver.subscription('bob'))
    const rt = new RealtimeClient({ baseUrl: base, auth: { token: alice.token }, reconnect: false })
    clients.push(rt)
    await rt.connect()
    const joined = await rt.request({ type: 'call.join', roomId, media: { audio: true, video: false, screen: false } })
    assert.equal(joined.type, 'call.joined')
    await receiver.waitFor(1)
    assert.deepEqual(receiver.problems, [])
    const payload = payloadOf(0)
    assert.equal(payload.kind, 'call')
    assert.equal(payload.tag, `call:${roomId}`)
    assert.equal(payload.title, 'Alice started a call in Team')
    assert.equal(receiver.received[0]?.headers.urgency, 'high')
    assert.match(String(receiver.received[0]?.headers.topic), /^[A-Za-z0-9_-]{32}$/)
  })

  it('a subscription the push service calls gone (410) is removed; a revoked token takes its subscription along', async () => {
    await bob.rest.account.addPushSubscription(receiver.subscription('gone'))
    receiver.status = 410
    await alice.rest.post(roomId, '@bob one')
    await receiver.waitFor(1)
    await t.instance.push.idle()
    assert.deepEqual((await bob.rest.account.pushSubscriptions()).subscriptions, [])

    // A subscription made with a token that is then revoked is dropped before anything is sent.
    receiver.status = 201
    const token = await bob.rest.account.createToken({ name: 'phone' })
    const phone = new ParleyClient({ baseUrl: base, auth: { token: token.secret } })
    await phone.account.addPushSubscription(receiver.subscription('phone'))
    assert.equal((await bob.rest.account.pushSubscriptions()).subscriptions[0]?.current, false)
    await bob.rest.account.revokeToken(token.token.id)
    await alice.rest.post(roomId, '@bob two')
    await t.instance.push.idle()
    assert.equal(
      receiver.received.length + receiver.problems.length,
      1,
      'nothing sent to the revoked token’s subscription',
    )
    assert.deepEqual((await bob.rest.account.pushSubscriptions()).subscriptions, [])
  })

  it('subscribing the same endpoint again replaces it; DELETE removes it; another user cannot', async () => {
    const first = await bob.rest.account.addPushSubscription(receiver.subscription('bob'))
    const again = await bob.rest.account.addPushSubscription(receiver.subscription('bob'))
    assert.equal(again.id, first.id)
    assert.equal((await bob.rest.account.pushSubscriptions()).subscriptions.length, 1)
    const refused = await alice.rest.account.removePushSubscription(first.id).catch((e: unknown) => e)
    assert.ok(refused instanceof ParleyApiError && refused.code === 'not-found')
    await bob.rest.account.removePushSubscription(first.id)
    assert.deepEqual((await bob.rest.account.pushSubscriptions()).subscriptions, [])
  })

  it('refuses more subscriptions than the per-person limit (push-subscription-limit) and guests', async () => {
    await t.close()
    t = await startTestInstance({ env: { ...LOOPBACK_OK, PARLEY_PUSH_MAX_SUBSCRIPTIONS_PER_USER: '2' } })
    base = await t.listen()
    bob = await person('bob')
    await bob.rest.account.addPushSubscription(receiver.subscription('one'))
    await bob.rest.account.addPushSubscription(receiver.subscription('two'))
    const third = await bob.rest.account.addPushSubscription(receiver.subscription('three')).catch((e: unknown) => e)
    assert.ok(third instanceof ParleyApiError)
    assert.equal(third.code, 'push-subscription-limit')
    assert.equal(third.status, 409)
    assert.equal((await bob.rest.account.pushSubscriptions()).subscriptions.length, 2)
    // Re-subscribing a known endpoint is not one more.
    await bob.rest.account.addPushSubscription(receiver.subscription('two'))
    const room = await bob.rest.createRoom({ kind: 'public', name: 'Open' })
    const guest = await bob.rest.as(null).joinAsGuest(room.id, { displayName: 'Vera' })
    const asGuest = await new ParleyClient({ baseUrl: base, auth: { guestSecret: guest.secret } }).account
      .addPushSubscription(receiver.subscription('guest'))
      .catch((e: unknown) => e)
    assert.ok(asGuest instanceof ParleyApiError && asGuest.code === 'unauthenticated')
  })
})

describe('Push subscriptions with hostile endpoints and keys (production policy)', () => {
  let t: TestInstance
  let bob: ParleyClient
  let receiver: PushReceiver
  before(async () => {
    t = await startTestInstance()
    const base = await t.listen()
    bob = new ParleyClient({ baseUrl: base, auth: { token: (await t.user('bob')).token } })
    receiver = await new PushReceiver().listen()
  })
  after(async () => {
    await t.close()
    await receiver.close()
  })

  it('refuses endpoints that are not https on a public address (push-endpoint-invalid) and changes nothing', async () => {
    const keys = receiver.subscription().keys
    for (const endpoint of [
      receiver.subscription().endpoint, // http on loopback
      'https://127.0.0.1/push',
      'https://10.1.2.3/push',
      'https://169.254.169.254/latest',
      'https://[::1]/push',
      'https://[::ffff:127.0.0.1]/push',
      'https://localhost/push',
      'https://push.localhost/push',
      'https://intranet/push',
      'http://push.example.org/push',
      'ftp://push.example.org/push',
      'https://user:pw@push.example.org/push',
      'not a url',
    ]) {
      const refused = await bob.account.addPushSubscription({ endpoint, keys }).catch((e: unknown) => e)
      assert.ok(refused instanceof ParleyApiError, endpoint)
      assert.equal(refused.code, 'push-endpoint-invalid', endpoint)
      assert.equal(refused.status, 400)
    }
    assert.deepEqual((await bob.account.pushSubscriptions()).subscriptions, [])
  })

  it('refuses keys that are not a P-256 point and a 16-byte secret (push-keys-invalid, or validation-failed for the shape)', async () => {
    const { p256dh, auth } = receiver.subscription().keys
    const offCurve = Buffer.from(p256dh, 'base64url')
    offCurve[64] = (offCurve[64] as number) ^ 1
    const cases: [{ p256dh: string; auth: string }, string][] = [
      [{ p256dh: offCurve.toString('base64url'), auth }, 'push-keys-invalid'],
      [{ p256dh: Buffer.alloc(65, 4).toString('base64url'), auth }, 'push-keys-invalid'],
      [
        { p256dh: Buffer.concat([Buffer.from([3]), offCurve.subarray(1)]).toString('base64url'), auth },
        'push-keys-invalid',
      ],
      [{ p256dh, auth: Buffer.alloc(15).toString('base64url') }, 'push-keys-invalid'],
      [{ p256dh, auth: 'not base64!' }, 'validation-failed'],
      [{ p256dh: 'short', auth }, 'validation-failed'],
    ]
    for (const [keys, code] of cases) {
      const refused = await bob.account
        .addPushSubscription({ endpoint: 'https://push.example.org/abc', keys })
        .catch((e: unknown) => e)
      assert.ok(refused instanceof ParleyApiError, JSON.stringify(keys))
      assert.equal(refused.code, code, JSON.stringify(keys))
    }
    assert.deepEqual((await bob.account.pushSubscriptions()).subscriptions, [])
  })
})
