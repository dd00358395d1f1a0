/**
 * E2eeSession between several participants whose call.key and call.key-ack frames go through an
 * in-memory relay standing in for the server (which only forwards them), with the media side
 * recorded. Whether two parties hold the same key is checked the way media would: a frame
 * encrypted with the sender's key must decrypt with the receiver's.
 */
import { describe, it } from 'node:test'
import assert from 'node:assert/strict'
import type { CallE2eeKey, CallParticipantView } from '@parley/protocol'
import { E2eeSession } from './e2ee-session.ts'
import { frameCrypto, type FrameKey } from './frame-crypto.ts'
import { generateKeyPair, type E2eeKeyPair } from './key-exchange.ts'

const fc = frameCrypto()

type Member = {
  id: string
  pair: E2eeKeyPair
  session: E2eeSession
  sending: { kid: number; key: FrameKey }[]
  receiving: Map<string, Map<number, FrameKey>>
  errors: Error[]
  keysSent: number
  /** Acks this member does not send (a recipient that never answers). */
  silent: boolean
}

function relay(options: { switchTimeoutMs?: number } = {}) {
  const members = new Map<string, Member>()
  const inFlight = new Set<Promise<unknown>>()
  /** What the server would do to a call.key on its way (a hostile server tampers here). */
  let tamper: (from: string, to: string, key: CallE2eeKey) => CallE2eeKey = (_f, _t, key) => key
  const track = (promise: Promise<unknown>) => {
    inFlight.add(promise)
    void promise.finally(() => inFlight.delete(promise))
  }
  const view = (m: Member, publicKey = m.pair.publicKey): CallParticipantView => ({
    participantId: m.id,
    actor: { type: 'user', id: `u-${m.id}`, name: m.id },
    media: { audio: true, video: true, screen: false },
    handRaised: false,
    speaking: false,
    moderator: false,
    e2ee: { publicKey },
  })
  return {
    members,
    view,
    set tamper(f: typeof tamper) {
      tamper = f
    },
    /** `unheardBy`: members the server has not told of this join yet (tell them with `hear()`). */
    async join(
      id: string,
      opts: { silent?: boolean; viewOf?: (m: Member) => CallParticipantView; unheardBy?: string[] } = {},
    ) {
      const pair = await generateKeyPair()
      const member: Member = {
        id,
        pair,
        sending: [],
        receiving: new Map(),
        errors: [],
        keysSent: 0,
        silent: opts.silent ?? false,
        session: undefined as never,
      }
      member.session = new E2eeSession({
        callId: 'call-1',
        self: { participantId: id, actorId: `u-${id}` },
        keyPair: pair,
        ...(options.switchTimeoutMs ? { switchTimeoutMs: options.switchTimeoutMs } : {}),
        media: {
          setSendKey: (kid, key) => member.sending.push({ kid, key }),
          setReceiveKey: (from, kid, key) => {
            const keys = member.receiving.get(from) ?? new Map<number, FrameKey>()
            keys.set(kid, key)
            member.receiving.set(from, keys)
          },
          forget: (from) => member.receiving.delete(from),
        },
        sendKeys: (keys) => {
          member.keysSent += keys.length
          for (const { to, key } of keys) {
            const target = members.get(to)
            if (target) track(Promise.resolve().then(() => target.session.receiveKey(id, tamper(id, to, key))))
          }
        },
        sendAcks: (acks) => {
          if (member.silent) return
          for (const { to, kid } of acks) {
            const target = members.get(to)
            if (target) track(Promise.resolve().then(() => target.session.receiveAck(id, kid)))
          }
        },
        changed: () => {},
        error: (error) => member.errors.push(error),
      })
      const others = [...members.values()]
      members.set(id, member)
      // As the server does: the others hear of the join, the newcomer gets everyone in call.joined.
      for (const other of others)
        if (!opts.unheardBy?.includes(other.id)) other.session.participantJoined(opts.viewOf?.(member) ?? view(member))
      track(member.session.start([...others.map((o) => view(o)), view(member)]))
      return member
    },
    hear(who: Member, joined: Member) {
      who.session.participantJoined(view(joined))
    },
    leave(id: string) {
      members.delete(id)
      for (const other of members.values()) other.session.participantLeft(id)
    },
    async settle() {
      for (let round = 0; round < 50; round++) {
        await Promise.all([...inFlight, ...[...members.values()].map((m) => m.session.idle())])
        if (inFlight.size === 0) return
      }
      throw new Error('the relay does not settle')
    },
  }
}

/** Whether `to` decrypts what `from` sends now. */
async function decrypts(from: Member, to: Member): Promise<boolean> {
  const current = from.sending.at(-1)
  assert.ok(current, `${from.id} sends`)
  const frame = crypto.getRandomValues(new Uint8Array(120))
  const sealed = (await fc.encryptFrame(frame, 3, current.key, current.kid, 1)) as Uint8Array
  let opened = await fc.decryptFrame(sealed, 3, (kid) => to.receiving.get(from.id)?.get(kid))
  if (!opened.ok && opened.reason === 'unknown-key') {
    // As the encryption worker does: ask the session for the key of that KID, then try again.
    await to.session.needKey(from.id, opened.kid as number)
    opened = await fc.decryptFrame(sealed, 3, (kid) => to.receiving.get(from.id)?.get(kid))
  }
  return opened.ok && Buffer.from(opened.data).equals(Buffer.from(frame))
}

/** Whether raw key material (as a participant who left kept it) decrypts what `from` sends now, ratcheting ahead too. */
async function decryptsWith(from: Member, keys: { kid: number; key: Uint8Array }[]): Promise<boolean> {
  const current = from.sending.at(-1) as { kid: number; key: FrameKey }
  const frame = crypto.getRandomValues(new Uint8Array(64))
  const sealed = (await fc.encryptFrame(frame, 1, current.key, current.kid, 7)) as Uint8Array
  for (const { key } of keys) {
    let base = key
    for (let step = 0; step < 20; step++) {
      // Any KID: the attacker tries the kid of the frame with every key it can reach.
      const attempt = await fc.deriveFrameKey(base, current.kid)
      if ((await fc.decryptFrame(sealed, 1, () => attempt)).ok) return true
      base = await fc.ratchet(base)
    }
  }
  return false
}

describe('E2eeSession', () => {
  it('start(): three participants each decrypt the two others, and all show the same verification code', async () => {
    const call = relay()
    const [a, b, c] = [await call.join('a'), await call.join('b'), await call.join('c')]
    await call.settle()
    for (const [from, to] of [
      [a, b],
      [a, c],
      [b, a],
      [b, c],
      [c, a],
      [c, b],
    ] as const)
      assert.ok(await decrypts(from, to), `${to.id} decrypts ${from.id}`)
    const codes = [a, b, c].map((m) => m.session.state().verificationCode)
    assert.match(codes[0] as string, /^\d{5} \d{5} \d{5} \d{5} \d{5}$/)
    assert.deepEqual(new Set(codes).size, 1)
    for (const m of [a, b, c]) {
      assert.deepEqual(m.errors, [])
      assert.ok(m.session.state().participants.every((p) => p.keyReceived))
    }
  })

  it('participantJoined(): the others ratchet forward; the newcomer decrypts what is sent now but holds no earlier key', async () => {
    const call = relay()
    const [a, b] = [await call.join('a'), await call.join('b')]
    await call.settle()
    const before = a.session.keyMaterial().sending
    const d = await call.join('d')
    await call.settle()
    assert.equal(a.session.state().kid, before.kid + 1, 'a ratcheted once')
    assert.ok(await decrypts(a, b), 'b derived the next key itself')
    assert.ok(await decrypts(a, d), 'd got the new key')
    assert.ok(await decrypts(d, a))
    const held = d.session.keyMaterial().received.filter((k) => k.participantId === 'a')
    assert.deepEqual(
      held.map((k) => k.kid),
      [before.kid + 1, before.kid + 2],
      'the key a sent it, and the next ratchet step ready',
    )
    // d cannot go back: nothing it holds derives a's earlier key.
    const earlier = await fc.deriveFrameKey(before.key, before.kid)
    const old = (await fc.encryptFrame(new Uint8Array(40), 1, earlier, before.kid, 3)) as Uint8Array
    for (const { key } of held) {
      const attempt = await fc.deriveFrameKey(key, before.kid)
      assert.equal((await fc.decryptFrame(old, 1, () => attempt)).ok, false)
    }
  })

  it('a receiver that hears of a join after the sender ratcheted still holds the ratcheted key (no frame waits for a derivation)', async () => {
    const call = relay()
    const [a, b] = [await call.join('a'), await call.join('b')]
    await call.settle()
    // a hears of d and ratchets at once; b has not heard of the join yet when a's new frames reach it.
    const d = await call.join('d', { unheardBy: ['b'] })
    await call.settle()
    const now = a.sending.at(-1)
    assert.ok(now)
    assert.equal(now.kid, 2, 'a sends under its ratcheted key')
    const frame = crypto.getRandomValues(new Uint8Array(80))
    const sealed = (await fc.encryptFrame(frame, 3, now.key, now.kid, 5)) as Uint8Array
    // Straight from what b holds, as the worker decrypts: no need-key round, no frame lost.
    const opened = await fc.decryptFrame(sealed, 3, (kid) => b.receiving.get('a')?.get(kid))
    assert.ok(opened.ok, 'b holds the ratcheted key before it hears of the join')
    call.hear(b, d)
    await call.settle()
    assert.ok(await decrypts(a, b))
    assert.ok(await decrypts(a, d))
  })

  it('participantLeft(): everyone still there switches to a new random key once all acknowledged it; what the one who left held opens nothing sent afterwards', async () => {
    // A minute of timeout: the switch below can only come from the acknowledgements.
    const call = relay({ switchTimeoutMs: 60_000 })
    const [a, b, c] = [await call.join('a'), await call.join('b'), await call.join('c')]
    await call.settle()
    const lastKeys = c.session.keyMaterial().received
    assert.ok(await decryptsWith(a, lastKeys), 'c could decrypt a before leaving')
    call.leave('c')
    await call.settle()
    assert.equal(a.session.state().kid, 256, 'a new generation')
    assert.equal(b.session.state().kid, 256)
    assert.ok(await decrypts(a, b))
    assert.ok(await decrypts(b, a))
    assert.equal(await decryptsWith(a, lastKeys), false, "c's last keys, ratcheted or not, open nothing a sends")
    assert.equal(await decryptsWith(b, lastKeys), false)
    assert.deepEqual(
      a.session.state().participants.map((p) => p.participantId),
      ['b'],
    )
    assert.equal(a.receiving.has('c'), false, "c's keys are dropped")
  })

  it('a recipient that never acknowledges delays the switch only until the timeout', async () => {
    const call = relay({ switchTimeoutMs: 150 })
    const a = await call.join('a')
    await call.join('b', { silent: true })
    await call.join('c')
    await call.settle()
    call.leave('c')
    const started = Date.now()
    await call.settle()
    assert.equal(a.session.state().kid, 256)
    assert.ok(Date.now() - started >= 140, 'waited for the timeout')
  })

  it('receiveKey(): a key that arrives before its sender’s join is kept until the join; a key sealed for someone else or changed on the way is refused', async () => {
    const call = relay()
    const a = await call.join('a')
    const b = await call.join('b')
    await call.settle()
    // Keys from someone a has not heard of yet: kept, then used when the join arrives.
    const stranger = await generateKeyPair()
    const early = new E2eeSession({
      callId: 'call-1',
      self: { participantId: 'e', actorId: 'u-e' },
      keyPair: stranger,
      media: { setSendKey: () => {}, setReceiveKey: () => {}, forget: () => {} },
      sendKeys: (keys) => {
        for (const { to, key } of keys) if (to === 'a') void a.session.receiveKey('e', key)
      },
      sendAcks: () => {},
      changed: () => {},
      error: (error) => assert.fail(error),
    })
    await early.start([call.view(a), { ...call.view(b), participantId: 'e', e2ee: { publicKey: stranger.publicKey } }])
    await early.idle()
    assert.equal(a.receiving.has('e'), false)
    a.session.participantJoined({
      ...call.view(b),
      participantId: 'e',
      actor: { type: 'user', id: 'u-e', name: 'e' },
      e2ee: { publicKey: stranger.publicKey },
    })
    await call.settle()
    assert.deepEqual([...(a.receiving.get('e')?.keys() ?? [])], [0, 1], 'e’s key and its next ratchet step')

    // The server changes a key on its way: refused, nothing installed.
    call.tamper = (_from, _to, key) => ({ ...key, kid: key.kid + 1 })
    const c = await call.join('c')
    await call.settle()
    assert.equal(c.receiving.size, 0)
    assert.ok(c.errors.some((e) => /could not be decrypted/.test(e.message)))
  })

  it('a server that substitutes a public key cannot keep the verification codes equal', async () => {
    const call = relay()
    const a = await call.join('a')
    const mallory = await generateKeyPair()
    // a is told b's key is mallory's.
    const b = await call.join('b', { viewOf: (m) => call.view(m, mallory.publicKey) })
    await call.settle()
    assert.notEqual(a.session.state().verificationCode, b.session.state().verificationCode)
  })
})
