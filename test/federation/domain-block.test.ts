import { after, afterEach, before, describe, it } from 'node:test'
import assert from 'node:assert/strict'
import { startInstance, eventually, printLogsOnFailure, type TestInstance } from '../harness/instance.ts'

describe('a domain block stops traffic both ways', () => {
  let a: TestInstance
  let b: TestInstance
  let alice: { id: string }
  let bob: { id: string }
  before(async () => {
    a = await startInstance()
    // B blocks A (by host:port: both test instances live on 127.0.0.1).
    b = await startInstance({ env: { PARLEY_FEDERATION_BLOCKED_DOMAINS: a.host } })
    alice = await a.addUser('alice')
    bob = await b.addUser('bob')
  })
  afterEach(printLogsOnFailure(() => [a, b]))
  after(async () => {
    await Promise.all([a?.close(), b?.close()])
  })

  it('inbound: a Follow from the blocked domain is refused (403) and B stores nothing', async () => {
    const sent = await a.services.federation.federation.follow('alice', `@bob@${b.host}`)
    assert.ok(sent.ok, 'A does not know it is blocked: the Follow is queued')
    // A delivered the Follow and B refused it: the delivery waits for a retry on A, and B has nothing queued.
    await eventually(async () => (await a.queuePending()).delayed > 0, 15_000, "A's retry of the refused Follow")
    await b.queueDrained()
    assert.equal(await b.store().followers.count(bob.id), 0)
    assert.equal((await a.store().following.get(alice.id, `${b.origin}/users/bob`))?.state, 'pending', 'never accepted')
    const direct = await fetch(`${b.origin}/users/bob/inbox`, {
      method: 'POST',
      headers: {
        'content-type': 'application/activity+json',
        signature: `keyId="${a.origin}/users/alice#main-key",algorithm="rsa-sha256",headers="date",signature="AA=="`,
      },
      body: '{}',
    })
    assert.equal(direct.status, 403)
  })

  it("outbound: B's users can neither look up nor follow accounts of the blocked domain", async () => {
    const blocked = { ok: false, error: { type: 'blocked-domain', domain: a.host } }
    assert.deepEqual(await b.services.federation.federation.lookup(`@alice@${a.host}`), blocked)
    assert.deepEqual(await b.services.federation.federation.follow('bob', `@alice@${a.host}`), blocked)
    assert.deepEqual(await b.services.federation.federation.follow('bob', `${a.origin}/users/alice`), blocked)
    assert.equal(await a.store().followers.count(alice.id), 0)
  })

  it('allow-list mode: an instance that allows only A federates with A and refuses B', async () => {
    const c = await startInstance({ env: { PARLEY_FEDERATION_ALLOWED_DOMAINS: a.host } })
    try {
      await c.addUser('cy')
      const found = await c.services.federation.federation.lookup(`@alice@${a.host}`)
      assert.ok(found.ok, JSON.stringify(found))
      assert.deepEqual(await c.services.federation.federation.lookup(`@bob@${b.host}`), {
        ok: false,
        error: { type: 'blocked-domain', domain: b.host },
      })
    } finally {
      await c.close()
    }
  })

  it('admin API: a domain blocked at run time is refused at once, and allowed again when lifted', async () => {
    const root = await a.services.accounts.createUser({ username: 'root', role: 'admin' })
    assert.ok(root.ok)
    const token = (await a.services.accounts.createToken(root.value.id, 't')).secret
    const admin = (path: string, init: RequestInit = {}) =>
      fetch(`${a.origin}${path}`, {
        ...init,
        headers: { authorization: `Bearer ${token}`, ...(init.body ? { 'content-type': 'application/json' } : {}) },
      })
    assert.ok((await a.services.federation.federation.lookup(`@bob@${b.host}`)).ok, 'A may reach B at first')

    assert.equal(
      (
        await admin('/api/v1/admin/federation/domain-blocks', {
          method: 'POST',
          body: JSON.stringify({ domain: b.host }),
        })
      ).status,
      201,
    )
    assert.equal(
      (
        await admin('/api/v1/admin/federation/domain-blocks', {
          method: 'POST',
          body: JSON.stringify({ domain: b.host }),
        })
      ).status,
      200,
      'idempotent',
    )
    assert.equal(
      (
        await admin('/api/v1/admin/federation/domain-blocks', {
          method: 'POST',
          body: JSON.stringify({ domain: 'not a domain' }),
        })
      ).status,
      400,
    )
    const list = (await (await admin('/api/v1/admin/federation/domain-blocks')).json()) as {
      configured: string[]
      blocks: { domain: string }[]
    }
    assert.deepEqual([list.configured, list.blocks.map((x) => x.domain)], [[], [b.host]])
    assert.deepEqual(await a.services.federation.federation.lookup(`@bob@${b.host}`), {
      ok: false,
      error: { type: 'blocked-domain', domain: b.host },
    })
    const signed = await fetch(`${a.origin}/users/alice/inbox`, {
      method: 'POST',
      headers: {
        'content-type': 'application/activity+json',
        signature: `keyId="${b.origin}/users/bob#main-key",algorithm="rsa-sha256",headers="date",signature="AA=="`,
      },
      body: '{}',
    })
    assert.equal(signed.status, 403)

    assert.equal(
      (await admin(`/api/v1/admin/federation/domain-blocks/${encodeURIComponent(b.host)}`, { method: 'DELETE' }))
        .status,
      204,
    )
    assert.equal(
      (await admin(`/api/v1/admin/federation/domain-blocks/${encodeURIComponent(b.host)}`, { method: 'DELETE' }))
        .status,
      404,
    )
    assert.ok((await a.services.federation.federation.lookup(`@bob@${b.host}`)).ok, 'reachable again')
    const userToken = (await a.services.accounts.createToken(alice.id, 't')).secret
    const forbidden = await fetch(`${a.origin}/api/v1/admin/federation/domain-blocks`, {
      headers: { authorization: `Bearer ${userToken}` },
    })
    assert.equal(forbidden.status, 403)
  })
})
