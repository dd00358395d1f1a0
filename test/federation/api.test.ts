import { after, afterEach, before, describe, it } from 'node:test'
import assert from 'node:assert/strict'
import { createServer } from 'node:https'
import type { AddressInfo } from 'node:net'
import { startInstance, eventually, printLogsOnFailure, type TestInstance } from '../harness/instance.ts'
import { localCa, trustLocalCa } from '../harness/local-ca.ts'

describe('HTTP API: a signed-in user looks up, follows and unfollows a user of another instance', () => {
  let a: TestInstance
  let b: TestInstance
  let token: string
  let bobId: string
  const api = (path: string, init: RequestInit = {}) =>
    fetch(`${a.origin}${path}`, {
      ...init,
      headers: { authorization: `Bearer ${token}`, ...(init.body ? { 'content-type': 'application/json' } : {}) },
    })

  before(async () => {
    ;[a, b] = await Promise.all([startInstance(), startInstance()])
    const alice = await a.addUser('alice')
    token = (await a.services.accounts.createToken(alice.id, 'test')).secret
    bobId = (await b.addUser('bob', 'Bob Builder')).id
  })
  afterEach(printLogsOnFailure(() => [a, b]))
  after(async () => {
    await Promise.all([a?.close(), b?.close()])
  })

  it('GET /api/v1/federation/lookup shows the account; unknown ones are remote-not-found', async () => {
    const res = await api(`/api/v1/federation/lookup?handle=${encodeURIComponent(`@bob@${b.host}`)}`)
    assert.equal(res.status, 200)
    assert.deepEqual(await res.json(), {
      id: `${b.origin}/users/bob`,
      type: 'Person',
      handle: `@bob@${b.host}`,
      name: 'Bob Builder',
      avatarUrl: null,
      url: `${b.origin}/users/bob`,
    })
    const missing = await api(`/api/v1/federation/lookup?handle=${encodeURIComponent(`@ghost@${b.host}`)}`)
    assert.equal(missing.status, 404)
    assert.equal(((await missing.json()) as { error: { code: string } }).error.code, 'remote-not-found')
    const anonymous = await fetch(`${a.origin}/api/v1/federation/lookup?handle=x@y.z`)
    assert.equal(anonymous.status, 401)
  })

  it('GET /api/v1/federation/lookup of a handle whose WebFinger answer never ends is remote-not-found with reason fetch-too-large', async () => {
    const ca = localCa()
    trustLocalCa(ca)
    let written = 0
    const hostile = createServer({ key: ca.keyPem, cert: ca.certPem }, (_req, res) => {
      res.writeHead(200, { 'content-type': 'application/jrd+json' })
      res.write('{"links":[')
      const chunk = Buffer.from('{"rel":"alternate","href":"https://example.org/"},'.repeat(1000))
      const pump = () => {
        while (!res.destroyed) {
          written += chunk.byteLength
          if (!res.write(chunk)) return void res.once('drain', pump)
        }
      }
      pump()
    })
    await new Promise<void>((resolve) => hostile.listen(0, '127.0.0.1', resolve))
    try {
      const host = `127.0.0.1:${(hostile.address() as AddressInfo).port}`
      const res = await api(`/api/v1/federation/lookup?handle=${encodeURIComponent(`@endless@${host}`)}`)
      assert.equal(res.status, 404)
      const { error } = (await res.json()) as { error: { code: string; details?: { reason?: string } } }
      assert.equal(error.code, 'remote-not-found')
      assert.equal(error.details?.reason, 'fetch-too-large')
      assert.ok(written < 64 * 1024 * 1024, `the hostile server wrote ${written} bytes`)
    } finally {
      hostile.closeAllConnections()
      await new Promise((resolve) => hostile.close(resolve))
    }
  })

  it('POST /api/v1/me/follows answers 202 pending, the Accept follows; DELETE unfollows', async () => {
    const res = await api('/api/v1/me/follows', { method: 'POST', body: JSON.stringify({ target: `@bob@${b.host}` }) })
    assert.equal(res.status, 202)
    const view = (await res.json()) as { actorId: string; state: string }
    assert.deepEqual([view.actorId, view.state], [`${b.origin}/users/bob`, 'pending'])
    await eventually(async () => (await b.store().followers.count(bobId)) === 1, 15_000, 'the follow on B')
    const self = await api('/api/v1/me/follows', {
      method: 'POST',
      body: JSON.stringify({ target: `${a.origin}/users/alice` }),
    })
    assert.equal(self.status, 400)
    assert.equal(((await self.json()) as { error: { code: string } }).error.code, 'invalid-follow-target')
    const del = await api(`/api/v1/me/follows?actor=${encodeURIComponent(`${b.origin}/users/bob`)}`, {
      method: 'DELETE',
    })
    assert.equal(del.status, 204)
    await eventually(async () => (await b.store().followers.count(bobId)) === 0, 15_000, 'the Undo on B')
    const again = await api(`/api/v1/me/follows?actor=${encodeURIComponent(`${b.origin}/users/bob`)}`, {
      method: 'DELETE',
    })
    assert.equal(again.status, 404)
  })
})
