import { after, afterEach, before, describe, it } from 'node:test'
import assert from 'node:assert/strict'
import { generateKeyPairSync } from 'node:crypto'
import { startInstance, eventually, printLogsOnFailure, type TestInstance } from '../harness/instance.ts'
import { startFakeMastodon, type FakeMastodon } from '../harness/fake-mastodon.ts'

// Every request here is refused before anything is stored: the test checks the status and that the
// store (followers, inbound messages) and the Accepts sent are exactly as before.
describe('inbox bad input: refused with 4xx and no side effect', () => {
  let parley: TestInstance
  let mastodon: FakeMastodon
  let bob: { id: string }
  let inbox: string
  const vars = () => ({ PARLEY: parley.origin, PARLEY_HOST: parley.host })

  before(async () => {
    ;[parley, mastodon] = await Promise.all([startInstance(), startFakeMastodon()])
    bob = await parley.addUser('bob', 'Bob')
    inbox = `${parley.origin}/users/bob/inbox`
  })
  afterEach(printLogsOnFailure(() => [parley]))
  after(async () => {
    await Promise.all([parley?.close(), mastodon?.close()])
  })

  async function snapshot() {
    return {
      followers: await parley.store().followers.count(bob.id),
      messages: (await parley.store().inboundMessages.listForUser(bob.id)).length,
      accepts: mastodon.deliveries.filter((d) => d.json.type === 'Accept').length,
    }
  }

  async function refused(
    status: number,
    expected: number | RegExp,
    label: string,
    before: Awaited<ReturnType<typeof snapshot>>,
  ) {
    if (typeof expected === 'number') assert.equal(status, expected, label)
    else assert.match(String(status), expected, label)
    // Whatever was queued (a 202) has been processed, and what it sent delivered, before checking nothing happened.
    await parley.queueDrained()
    assert.deepEqual(await snapshot(), before, `${label}: store unchanged`)
  }

  it('an unsigned Follow → 401', async () => {
    const before = await snapshot()
    const { status } = await mastodon.deliver(inbox, mastodon.fixture('follow.json', vars()), { unsigned: true })
    await refused(status, 401, 'unsigned', before)
  })

  it('a broken signature → 401', async () => {
    const before = await snapshot()
    const { status } = await mastodon.deliver(inbox, mastodon.fixture('follow.json', vars()), { breakSignature: true })
    await refused(status, 401, 'broken signature', before)
  })

  it("a key that does not belong to the activity's actor → 401", async () => {
    const before = await snapshot()
    const { privateKey } = generateKeyPairSync('rsa', { modulusLength: 2048 })
    // Signed with a key of its own, claiming alice's key id: verification fails.
    const forged = await mastodon.deliver(inbox, mastodon.fixture('follow.json', vars()), { privateKey })
    await refused(forged.status, 401, 'foreign key under the actor key id', before)
    // Signed correctly by Parley user carol's key, but the activity says alice did it.
    const carol = await parley.addUser('carol')
    const keys = await parley.store().keys.list(carol.id)
    const rsa = keys.find((k) => k.algorithm === 'rsa')
    assert.ok(rsa)
    const { createPrivateKey } = await import('node:crypto')
    const carolKey = createPrivateKey({ key: rsa.privateJwk as never, format: 'jwk' })
    const mismatched = await mastodon.deliver(inbox, mastodon.fixture('follow.json', vars()), {
      privateKey: carolKey,
      keyId: `${parley.origin}/users/carol#main-key`,
    })
    await refused(mismatched.status, 401, 'key owned by another actor', before)
  })

  // Fedify's inbox asks the actor dispatcher only whether the recipient exists (actor-dispatcher.ts
  // answers it without building the Person): a user gone or never there still gets a 404.
  it('an activity for a deleted or an unknown user → 404; the actor document is still whole', async () => {
    const dora = await parley.addUser('dora')
    const doraInbox = `${parley.origin}/users/dora/inbox`
    const beforeLive = await parley.store().followers.count(dora.id)
    assert.equal(beforeLive, 0)
    const deleted = await parley.services.accounts.deleteUser('dora')
    assert.ok(deleted.ok)
    const toDeleted = await mastodon.deliver(doraInbox, mastodon.fixture('follow.json', vars()))
    assert.equal(toDeleted.status, 404, 'deleted user')
    const toNobody = await mastodon.deliver(
      `${parley.origin}/users/nobody-here/inbox`,
      mastodon.fixture('follow.json', vars()),
    )
    assert.equal(toNobody.status, 404, 'unknown user')
    await parley.queueDrained()
    assert.equal(await parley.store().followers.count(dora.id), 0)
    const person = await fetch(`${parley.origin}/users/bob`, { headers: { accept: 'application/activity+json' } })
    assert.equal(person.status, 200)
    const doc = (await person.json()) as { preferredUsername?: string; publicKey?: { publicKeyPem?: string } }
    assert.equal(doc.preferredUsername, 'bob')
    assert.match(doc.publicKey?.publicKeyPem ?? '', /BEGIN PUBLIC KEY/)
  })

  it('a Digest that does not match the body → 4xx', async () => {
    const before = await snapshot()
    const signedBody = mastodon.fixture('follow.json', vars())
    const other = JSON.parse(signedBody)
    other.object = `${parley.origin}/users/carol`
    const { status } = await mastodon.deliver(inbox, signedBody, { sendBody: JSON.stringify(other) })
    await refused(status, /^4\d\d$/, 'digest mismatch', before)
  })

  it('a Date far in the past or the future (past the one-hour window) → 401', async () => {
    for (const offset of [-3900_000, 3900_000]) {
      const before = await snapshot()
      const { status } = await mastodon.deliver(inbox, mastodon.fixture('follow.json', vars()), {
        date: new Date(Date.now() + offset),
      })
      await refused(status, 401, `date off by ${offset / 1000}s`, before)
    }
  })

  it('a replayed signed request → 401, the first one alone took effect', async () => {
    const start = await snapshot()
    const first = await mastodon.deliver(inbox, mastodon.fixture('follow.json', vars()))
    assert.equal(first.status, 202)
    await eventually(async () => (await snapshot()).accepts === start.accepts + 1, 15_000, 'the Accept')
    const afterFirst = await snapshot()
    assert.equal(afterFirst.followers, start.followers + 1)
    await refused(await first.replay(), 401, 'replay', afterFirst)
  })

  it('a Note claiming another origin or another author is not stored', async () => {
    const before = await snapshot()
    const spoofed = JSON.parse(mastodon.fixture('create-direct-note.json', vars()))
    spoofed.object.id = `https://elsewhere.example/notes/${Date.now()}`
    assert.equal((await mastodon.deliver(inbox, JSON.stringify(spoofed))).status, 202)
    const misattributed = JSON.parse(mastodon.fixture('create-direct-note.json', vars()))
    misattributed.object.attributedTo = `${parley.origin}/users/carol`
    assert.equal((await mastodon.deliver(inbox, JSON.stringify(misattributed))).status, 202)
    await refused(202, 202, 'foreign embedded note', before)
  })

  it('another method than POST on an inbox, even with a deep body → 405 with a code; other federation paths are read with GET only; a WebFinger query without a usable resource → 400 with a code', async () => {
    const before = await snapshot()
    const deep = mastodon
      .fixture('follow.json', vars())
      .replace(/\}\s*$/, `, "nested": ${'['.repeat(50000)}${']'.repeat(50000)} }`)
    for (const path of ['/inbox', '/users/bob/inbox', '/actor/inbox'])
      for (const method of ['PUT', 'PATCH', 'DELETE']) {
        const res = await fetch(`${parley.origin}${path}`, {
          method,
          headers: { 'content-type': 'application/activity+json' },
          body: deep,
        })
        const body = (await res.json()) as { error: { code: string } }
        assert.deepEqual(
          [res.status, body.error.code, res.headers.get('allow')],
          [405, 'method-not-allowed', 'POST'],
          `${method} ${path}`,
        )
      }
    const webfinger = await fetch(`${parley.origin}/.well-known/webfinger`, { method: 'POST', body: '{}' })
    assert.deepEqual(
      [
        webfinger.status,
        ((await webfinger.json()) as { error: { code: string } }).error.code,
        webfinger.headers.get('allow'),
      ],
      [405, 'method-not-allowed', 'GET, HEAD'],
    )
    for (const query of ['', '?resource=', '?resource=http://%5B::1']) {
      const res = await fetch(`${parley.origin}/.well-known/webfinger${query}`)
      const body = (await res.json()) as { error: { code: string } }
      assert.deepEqual([res.status, body.error.code], [400, 'validation-failed'], `WebFinger ${query}`)
    }
    await refused(405, 405, 'wrong methods', before)
  })

  it('malformed JSON or a deeply nested body → 400, an oversize body → 413', async () => {
    const before = await snapshot()
    const malformed = await mastodon.deliver(inbox, '{"type": "Follow",')
    await refused(malformed.status, 400, 'malformed JSON', before)
    const deep = mastodon
      .fixture('follow.json', vars())
      .replace(/\}\s*$/, `, "nested": ${'['.repeat(20000)}${']'.repeat(20000)} }`)
    await refused((await mastodon.deliver(inbox, deep)).status, 400, 'deeply nested', before)
    const huge = JSON.stringify({
      ...JSON.parse(mastodon.fixture('follow.json', vars())),
      padding: 'x'.repeat(parley.config.bodyLimit),
    })
    const oversize = await mastodon.deliver(inbox, huge)
    await refused(oversize.status, 413, 'oversize', before)
  })
})
