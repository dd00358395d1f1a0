import { describe, it, before, after } from 'node:test'
import assert from 'node:assert/strict'
import { mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import type { FastifyInstance } from 'fastify'
import { loadConfig } from '../config/load.ts'
import { createLogger } from '../logger.ts'
import type { Services } from '../services.ts'
import { createInstance, type Instance } from '../instance.ts'

const ORIGIN = 'https://talk.example'
const AP = 'application/activity+json'

describe('federation adapter (Fedify in front of Fastify)', () => {
  let dir: string
  let services: Services
  let app: FastifyInstance
  let instance: Instance
  before(async () => {
    dir = mkdtempSync(join(tmpdir(), 'parley-fed-adapter-'))
    const loaded = loadConfig({
      env: { PARLEY_DATA_DIR: dir, PARLEY_PUBLIC_ORIGIN: ORIGIN, PARLEY_REGISTRATION: 'open' },
    })
    assert.ok(loaded.ok)
    const logger = createLogger('silent')
    instance = await createInstance(loaded.config, { logger })
    ;({ app, services } = instance)
    const alice = await services.accounts.createUser({ username: 'alice', displayName: 'Alice <A>' })
    assert.ok(alice.ok)
  })
  after(async () => {
    await instance.close()
    rmSync(dir, { recursive: true, force: true })
  })

  it('AccountService.createUser() makes the RSA and Ed25519 key pairs ahead of first use', async () => {
    const user = await services.store.users.byUsername('alice')
    const keys = await services.store.federation.keys.list(user?.id ?? '')
    assert.deepEqual(
      keys.map((k) => k.algorithm),
      ['rsa', 'ed25519'],
    )
  })

  it('GET /.well-known/webfinger resolves acct:alice@host to the actor', async () => {
    const res = await app.inject({ url: '/.well-known/webfinger?resource=acct:alice@talk.example' })
    assert.equal(res.statusCode, 200)
    assert.match(String(res.headers['content-type']), /application\/jrd\+json/)
    const jrd = res.json()
    assert.equal(jrd.subject, 'acct:alice@talk.example')
    const self = jrd.links.find((l: { rel: string }) => l.rel === 'self')
    assert.deepEqual(self, { rel: 'self', href: `${ORIGIN}/users/alice`, type: AP })
    const upper = await app.inject({ url: '/.well-known/webfinger?resource=acct:Alice@talk.example' })
    assert.equal(upper.statusCode, 200, 'handles are case-insensitive')
    assert.equal(upper.json().links.find((l: { rel: string }) => l.rel === 'self').href, `${ORIGIN}/users/alice`)
    const missing = await app.inject({ url: '/.well-known/webfinger?resource=acct:nobody@talk.example' })
    assert.equal(missing.statusCode, 404)
  })

  it('GET /users/alice as activity+json is a Person with inbox, collections, shared inbox and both keys', async () => {
    const res = await app.inject({ url: '/users/alice', headers: { accept: AP } })
    assert.equal(res.statusCode, 200)
    const person = res.json()
    assert.equal(person.type, 'Person')
    assert.equal(person.id, `${ORIGIN}/users/alice`)
    assert.equal(person.preferredUsername, 'alice')
    assert.equal(person.name, 'Alice <A>')
    assert.equal(person.inbox, `${ORIGIN}/users/alice/inbox`)
    assert.equal(person.outbox, `${ORIGIN}/users/alice/outbox`)
    assert.equal(person.followers, `${ORIGIN}/users/alice/followers`)
    assert.equal(person.following, `${ORIGIN}/users/alice/following`)
    assert.equal(person.endpoints.sharedInbox, `${ORIGIN}/inbox`)
    assert.equal(person.publicKey.owner, person.id)
    const { createPublicKey } = await import('node:crypto')
    assert.equal(
      createPublicKey(person.publicKey.publicKeyPem).asymmetricKeyDetails?.modulusLength,
      2048,
      'RSA-2048, as Mastodon uses',
    )
    assert.match(person.publicKey.publicKeyPem, /^-----BEGIN PUBLIC KEY-----/)
    const methods = [person.assertionMethod].flat()
    assert.equal(methods.length, 2)
    assert.ok(
      methods.some((m: { publicKeyMultibase: string }) => m.publicKeyMultibase.startsWith('z6Mk')),
      'an Ed25519 multikey',
    )
  })

  it('GET /users/alice from a browser gets the HTML page; unknown actors get 404 either way, an unsigned POST to their inbox 401', async () => {
    const html = await app.inject({ url: '/users/alice', headers: { accept: 'text/html,application/xhtml+xml' } })
    assert.equal(html.statusCode, 200, html.body)
    assert.match(String(html.headers['content-type']), /text\/html/)
    assert.match(html.body, /<h1>Alice &lt;A&gt;<\/h1>/)
    assert.match(html.body, /@alice@talk\.example/)
    for (const accept of [AP, 'text/html']) {
      const res = await app.inject({ url: '/users/nobody', headers: { accept } })
      assert.equal(res.statusCode, 404, accept)
    }
    const inbox = await app.inject({
      method: 'POST',
      url: '/users/nobody/inbox',
      headers: { 'content-type': AP },
      payload: '{"type":"Follow"}',
    })
    // Unsigned: refused before anything is looked up (which users exist is not told either).
    assert.equal(inbox.statusCode, 401)
    assert.equal(inbox.json().error.code, 'signature-missing')
  })

  it('followers, following and outbox are countable collections, empty at first', async () => {
    for (const name of ['followers', 'following', 'outbox']) {
      const res = await app.inject({ url: `/users/alice/${name}`, headers: { accept: AP } })
      assert.equal(res.statusCode, 200, name)
      assert.equal(res.json().totalItems, 0, name)
    }
  })

  it('GET /actor is the instance actor: an Application with its own keys, an inbox and the shared inbox', async () => {
    const res = await app.inject({ url: '/actor', headers: { accept: AP } })
    assert.equal(res.statusCode, 200)
    const actor = res.json()
    assert.equal(actor.type, 'Application')
    assert.equal(actor.id, `${ORIGIN}/actor`)
    assert.equal(actor.inbox, `${ORIGIN}/actor/inbox`)
    assert.equal(actor.endpoints.sharedInbox, `${ORIGIN}/inbox`)
    assert.equal(actor.publicKey.owner, actor.id)
    assert.equal(actor.publicKey.id, `${ORIGIN}/actor#main-key`)
    assert.equal(actor.assertionMethod.length, 2, 'RSA and Ed25519')
    const [stored] = await services.store.federation.instanceKeys.list('instance')
    assert.equal(stored?.algorithm, 'rsa', 'kept in the instance keys table')
    // Not a user: no WebFinger handle, no following collection.
    const finger = await app.inject({ url: '/.well-known/webfinger?resource=acct:actor@talk.example' })
    assert.equal(finger.statusCode, 404)
    const following = await app.inject({ url: '/actor/following', headers: { accept: AP } })
    assert.equal(following.statusCode, 404)
  })

  it('paths that only look like actors (/users/a/b, /rooms/x) are declined to the web app', async () => {
    for (const url of ['/users/alice/extra', '/users/alice/extra/inbox', '/rooms/no-such-room'])
      assert.equal((await app.inject({ url, headers: { accept: AP } })).statusCode, 404, url)
    const unsigned = await app.inject({
      method: 'POST',
      url: '/actor/inbox',
      headers: { 'content-type': AP },
      payload: JSON.stringify({ type: 'Follow' }),
    })
    assert.equal(unsigned.statusCode, 401, "the instance actor's inbox is gated like any other")
  })

  it('NodeInfo 2.1 and host-meta are served', async () => {
    const wellKnown = await app.inject({ url: '/.well-known/nodeinfo' })
    assert.equal(wellKnown.json().links[0].href, `${ORIGIN}/nodeinfo/2.1`)
    const info = (await app.inject({ url: '/nodeinfo/2.1' })).json()
    assert.equal(info.version, '2.1')
    assert.equal(info.software.name, 'parley')
    assert.deepEqual(info.protocols, ['activitypub'])
    assert.equal(info.usage.users.total, 1)
    assert.equal(info.openRegistrations, true)
    const xrd = await app.inject({ url: '/.well-known/host-meta' })
    assert.match(xrd.body, /template="https:\/\/talk\.example\/\.well-known\/webfinger\?resource=\{uri\}"/)
    const jrd = await app.inject({ url: '/.well-known/host-meta', headers: { accept: 'application/jrd+json' } })
    assert.equal(jrd.json().links[0].rel, 'lrdd')
  })

  it('an unsigned POST to an inbox is refused with 401 and changes nothing', async () => {
    const follow = {
      '@context': 'https://www.w3.org/ns/activitystreams',
      id: 'https://evil.example/f/1',
      type: 'Follow',
      actor: 'https://evil.example/users/e',
      object: `${ORIGIN}/users/alice`,
    }
    const res = await app.inject({
      method: 'POST',
      url: '/users/alice/inbox',
      headers: { 'content-type': AP },
      payload: JSON.stringify(follow),
    })
    assert.equal(res.statusCode, 401)
    const alice = await services.store.users.byUsername('alice')
    assert.equal(await services.store.federation.followers.count(alice?.id ?? ''), 0)
  })

  it('the API behind the adapter still works, including bodies on claimed-looking paths it declines', async () => {
    assert.equal((await app.inject({ url: '/healthz' })).statusCode, 200)
    const bad = await app.inject({
      method: 'POST',
      url: '/users/alice/elsewhere',
      headers: { 'content-type': 'application/json' },
      payload: '{}',
    })
    assert.equal(bad.statusCode, 404, bad.body)
    assert.equal(bad.json().error.code, 'route-not-found')
  })
})
