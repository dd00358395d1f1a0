/**
 * The patches applied to Fedify (patches/, see patches/README.md) are in place: the tests that say
 * what unpatched Fedify does instead fail on it, so an upgrade that drops a patch (or a new version
 * that changed the code it touches) is noticed here, not as a slower benchmark; the others guard
 * what the patches must not change.
 */
import { test } from 'node:test'
import assert from 'node:assert/strict'
import { webcrypto } from 'node:crypto'
import jsonld from '@fedify/vocab-runtime/jsonld'
import type { DocumentLoader } from '@fedify/vocab-runtime'
import { createServer } from 'node:http'
import type { AddressInfo } from 'node:net'
import { createFederation, InProcessMessageQueue, MemoryKvStore, exportJwk, type KvKey } from '@fedify/fedify'
import { Create, CryptographicKey, Emoji, Note, Person, Update } from '@fedify/fedify/vocab'
import { Temporal } from '@js-temporal/polyfill'
import { mastodonDirectNote, preloadedContextLoader } from './test-support/mastodon-fixture.ts'
import { startStarSender } from './test-support/star-sender.ts'
import { bobsFederation } from './test-support/bobs-federation.ts'

const contextLoader = preloadedContextLoader
const mastodonCreate = (): unknown => mastodonDirectNote()

/** Counts the JSON-LD expansions `run` makes (the patched vocab calls the module's expand). */
async function countExpansions(run: () => Promise<unknown>): Promise<number> {
  const upstream = jsonld.expand.bind(jsonld)
  let count = 0
  jsonld.expand = ((...args: Parameters<typeof jsonld.expand>) => {
    count++
    return upstream(...args)
  }) as typeof jsonld.expand
  try {
    await run()
  } finally {
    jsonld.expand = upstream
  }
  return count
}

test('patched @fedify/vocab: a Mastodon Create is parsed with one JSON-LD expansion, not one per class level', async () => {
  const json = mastodonCreate()
  let create: Create | null = null
  const expansions = await countExpansions(async () => {
    create = await Create.fromJsonLd(json, { contextLoader, documentLoader: contextLoader })
  })
  // Unpatched 2.3.6 expands this document 14 times (Create, Activity, Object, then the Note, its
  // Collection, CollectionPage, Mention… each again at every class level).
  assert.equal(expansions, 1)
  const note = await create!.getObject({ contextLoader, documentLoader: contextLoader })
  assert.ok(note instanceof Note)
  assert.equal(note.id?.href, 'https://mastodon.example/users/alice/statuses/11342')
  assert.match(note.content?.toString() ?? '', /Hi Bob, can we talk about the meeting\?/)
  assert.equal(create!.actorId?.href, 'https://mastodon.example/users/alice')
})

test('patched @fedify/vocab: an input changed after it was parsed is expanded again (no stale result)', async () => {
  const json = mastodonCreate() as { object: { content: string } }
  await Create.fromJsonLd(json, { contextLoader, documentLoader: contextLoader })
  json.object.content = 'changed'
  let create: Create | null = null
  const expansions = await countExpansions(async () => {
    create = await Create.fromJsonLd(json, { contextLoader, documentLoader: contextLoader })
  })
  assert.equal(expansions, 1)
  const note = await create!.getObject({ contextLoader, documentLoader: contextLoader })
  assert.equal(note?.content?.toString(), 'changed')
})

test('patched @fedify/vocab: a document parsed twice keeps its nested types (classes that change what they were given get a copy)', async () => {
  // Emoji (like EmojiReact) deletes "@type" from the expanded values it is given: an expansion
  // result shared between parses without copying would leave the second parse's tag untyped.
  const json = {
    '@context': ['https://www.w3.org/ns/activitystreams', { toot: 'http://joinmastodon.org/ns#', Emoji: 'toot:Emoji' }],
    id: 'https://mastodon.example/notes/1',
    type: 'Note',
    content: 'hi :blob:',
    tag: [
      {
        id: 'https://mastodon.example/emojis/1',
        type: 'Emoji',
        name: ':blob:',
        icon: { type: 'Image', url: 'https://mastodon.example/blob.png' },
      },
    ],
  }
  for (let parse = 1; parse <= 2; parse++) {
    const note = await Note.fromJsonLd(json, { contextLoader, documentLoader: contextLoader })
    const tags = []
    for await (const tag of note.getTags({ contextLoader, documentLoader: contextLoader })) tags.push(tag)
    assert.equal(tags.length, 1)
    assert.ok(tags[0] instanceof Emoji, `parse ${parse}: ${tags[0]?.constructor.name}`)
  }
})

test('patched @fedify/vocab: the same public key PEM is imported once (the CryptoKey is reused)', async () => {
  const { publicKey } = await webcrypto.subtle.generateKey(
    { name: 'RSASSA-PKCS1-v1_5', modulusLength: 2048, publicExponent: new Uint8Array([1, 0, 1]), hash: 'SHA-256' },
    true,
    ['sign', 'verify'],
  )
  const spki = Buffer.from(await webcrypto.subtle.exportKey('spki', publicKey)).toString('base64')
  const pem = `-----BEGIN PUBLIC KEY-----\n${spki.match(/.{1,64}/g)!.join('\n')}\n-----END PUBLIC KEY-----\n`
  const document = {
    '@context': 'https://w3id.org/security/v1',
    id: 'https://mastodon.example/users/alice#main-key',
    owner: 'https://mastodon.example/users/alice',
    publicKeyPem: pem,
  }
  const options = { contextLoader, documentLoader: contextLoader }
  const first = await CryptographicKey.fromJsonLd(structuredClone(document), options)
  const second = await CryptographicKey.fromJsonLd(structuredClone(document), options)
  assert.equal(first.publicKey?.algorithm.name, 'RSASSA-PKCS1-v1_5')
  // Unpatched, each parse imports the PEM again and yields a new CryptoKey.
  assert.equal(first.publicKey, second.publicKey)
})

async function aliceKey(owner: string): Promise<CryptographicKey> {
  const { publicKey } = (await webcrypto.subtle.generateKey('Ed25519', true, [
    'sign',
    'verify',
  ])) as webcrypto.CryptoKeyPair
  return new CryptographicKey({
    id: new URL('https://mastodon.example/users/alice#main-key'),
    owner: new URL(owner),
    publicKey,
  })
}

const unsignedPost = (json: unknown) =>
  new Request('https://parley.example/inbox', {
    method: 'POST',
    headers: { 'content-type': 'application/activity+json' },
    body: JSON.stringify(json),
  })

test('patched @fedify/fedify: an inbox takes a request verified by the caller without checking or parsing it again', async () => {
  const received: Create[] = []
  const federation = bobsFederation({ received, queued: false }).federation
  const json = mastodonCreate()
  const activity = await Create.fromJsonLd(json, { contextLoader, documentLoader: contextLoader })
  const key = await aliceKey('https://mastodon.example/users/alice')
  // Unsigned on purpose: unpatched Fedify ignores `verifiedRequest`, checks the (missing) signature and answers 401.
  const response = await federation.fetch(unsignedPost(json), {
    contextData: undefined,
    verifiedRequest: { activity, key },
  })
  assert.equal(response.status, 202)
  assert.equal(received.length, 1)
  assert.equal(received[0], activity, 'the listener gets the parsed activity itself')
})

test('patched @fedify/fedify: a handed-over key its actor does not own is still refused', async () => {
  const received: Create[] = []
  const federation = bobsFederation({ received, queued: false }).federation
  const json = mastodonCreate()
  const activity = await Create.fromJsonLd(json, { contextLoader, documentLoader: contextLoader })
  const key = await aliceKey('https://mastodon.example/users/mallory')
  const response = await federation.fetch(unsignedPost(json), {
    contextData: undefined,
    verifiedRequest: { activity, key },
  })
  assert.equal(response.status, 401)
  assert.equal(received.length, 0)
})

test('patched @fedify/fedify: without a handed-over verification, an unsigned request is refused as before', async () => {
  const received: Create[] = []
  const response = await bobsFederation({ received, queued: false }).federation.fetch(unsignedPost(mastodonCreate()), {
    contextData: undefined,
  })
  assert.equal(response.status, 401)
  assert.equal(received.length, 0)
})

test('patched @fedify/fedify: deliveries of one sender import its private key once, not once per inbox', async (t) => {
  let posts = 0
  const sink = createServer((req, res) => {
    req.resume()
    req.on('end', () => {
      posts++
      res.writeHead(202).end()
    })
  })
  await new Promise<void>((resolve) => sink.listen(0, '127.0.0.1', resolve))
  t.after(() => sink.close())
  const sinkOrigin = `http://127.0.0.1:${(sink.address() as AddressInfo).port}`
  const { pair, ctx } = await startStarSender(t)
  // A fresh JWK per run, so no earlier test's import is in the cache.
  const privateJwk = await exportJwk(pair.privateKey)

  // Counts the private JWK imports the deliveries make.
  const subtle = globalThis.crypto.subtle
  const upstream = subtle.importKey.bind(subtle)
  let imports = 0
  subtle.importKey = ((...args: Parameters<typeof upstream>) => {
    const [format, keyData] = args
    if ((format as string) === 'jwk' && (keyData as webcrypto.JsonWebKey).d === privateJwk.d) imports++
    return upstream(...args)
  }) as typeof subtle.importKey
  t.after(() => {
    subtle.importKey = upstream
  })

  const inboxes = Array.from({ length: 5 }, (_, i) => ({
    id: new URL(`${sinkOrigin}/users/f${i}`),
    inboxId: new URL(`${sinkOrigin}/users/f${i}/inbox`),
  }))
  await ctx.sendActivity(
    [{ keyId: new URL('https://parley.example/users/star#main-key'), privateKey: pair.privateKey }],
    inboxes,
    new Update({ id: new URL('https://parley.example/users/star#update-1'), actor: ctx.getActorUri('star') }),
    { fanout: 'skip' },
  )
  const deadline = Date.now() + 20_000
  while (posts < 5 && Date.now() < deadline) await new Promise((resolve) => setTimeout(resolve, 20))
  assert.equal(posts, 5)
  // Unpatched, each of the 5 deliveries imports the key from its queue message again.
  assert.equal(imports, 1)
})

test('patched @fedify/fedify: deliveries to one origin read and write its signature spec in the KvStore once, not per delivery', async (t) => {
  const sink = createServer((req, res) => {
    req.resume()
    req.on('end', () => res.writeHead(202).end())
  })
  await new Promise<void>((resolve) => sink.listen(0, '127.0.0.1', resolve))
  t.after(() => sink.close())
  const sinkOrigin = `http://127.0.0.1:${(sink.address() as AddressInfo).port}`
  const kv = new MemoryKvStore()
  const specAccess = { get: 0, set: 0 }
  const isSpec = (key: KvKey) => key[1] === 'httpMessageSignaturesSpec'
  const get = kv.get.bind(kv)
  const set = kv.set.bind(kv)
  kv.get = ((key: KvKey) => (isSpec(key) && specAccess.get++, get(key))) as typeof kv.get
  kv.set = (key, value, options) => (isSpec(key) && specAccess.set++, set(key, value, options))
  const { ctx } = await startStarSender(t, { kv })
  let delivered = 0
  const recipients = Array.from({ length: 6 }, (_, i) => ({
    id: new URL(`${sinkOrigin}/users/f${i}`),
    inboxId: new URL(`${sinkOrigin}/users/f${i}/inbox`),
  }))
  sink.on('request', () => delivered++)
  await ctx.sendActivity(
    { identifier: 'star' },
    recipients,
    new Update({ id: new URL('https://parley.example/users/star#update-3'), actor: ctx.getActorUri('star') }),
  )
  const deadline = Date.now() + 20_000
  while ((delivered < 6 || specAccess.set < 1) && Date.now() < deadline) await new Promise((r) => setTimeout(r, 20))
  assert.equal(delivered, 6)
  // Unpatched: one read and one write per delivery (6 and 6). Concurrent first deliveries may
  // each read before the first answer, so reads are at most the queue's concurrency.
  assert.equal(specAccess.set, 1)
  assert.ok(specAccess.get < 6, `${specAccess.get} reads`)
})

test('patched @fedify/fedify: a delivery to a host whose circuit is closed does not read the Temporal clock for the circuit breaker', async (t) => {
  const sink = createServer((req, res) => {
    req.resume()
    req.on('end', () => res.writeHead(202).end())
  })
  await new Promise<void>((resolve) => sink.listen(0, '127.0.0.1', resolve))
  t.after(() => sink.close())
  const sinkOrigin = `http://127.0.0.1:${(sink.address() as AddressInfo).port}`
  // A queue makes Fedify check its per-host circuit breaker around every delivery.
  const { ctx } = await startStarSender(t)
  let delivered = 0
  sink.on('request', () => delivered++)
  const now = Temporal.Now
  const instant = now.instant.bind(now)
  let clockReads = 0
  now.instant = () => (clockReads++, instant())
  t.after(() => {
    now.instant = instant
  })
  const recipients = Array.from({ length: 8 }, (_, i) => ({
    id: new URL(`${sinkOrigin}/users/f${i}`),
    inboxId: new URL(`${sinkOrigin}/users/f${i}/inbox`),
  }))
  await ctx.sendActivity(
    { identifier: 'star' },
    recipients,
    new Update({ id: new URL('https://parley.example/users/star#update-4'), actor: ctx.getActorUri('star') }),
    { fanout: 'skip' },
  )
  const deadline = Date.now() + 20_000
  while (delivered < 8 && Date.now() < deadline) await new Promise((resolve) => setTimeout(resolve, 20))
  assert.equal(delivered, 8)
  // The signature's timestamp and the queue read the clock about twice per delivery (17 for 8
  // when this was written); unpatched, the circuit breaker's checks before and after each send
  // read it again (38 for 8).
  assert.ok(clockReads < 8 * 3, `${clockReads} clock reads for 8 deliveries`)
})

test("patched @fedify/fedify: a fan-out's per-inbox queue messages reference one stored payload naming the signer, not copies of the activity and keys", async (t) => {
  const pair = await webcrypto.subtle.generateKey(
    { name: 'RSASSA-PKCS1-v1_5', modulusLength: 2048, publicExponent: new Uint8Array([1, 0, 1]), hash: 'SHA-256' },
    true,
    ['sign', 'verify'],
  )
  const kv = new MemoryKvStore()
  const enqueued: Record<string, unknown>[] = []
  const recording = () => {
    const queue = new InProcessMessageQueue()
    const enqueue = queue.enqueue.bind(queue)
    queue.enqueue = (message, options) => (enqueued.push(message as Record<string, unknown>), enqueue(message, options))
    const enqueueMany = queue.enqueueMany.bind(queue)
    queue.enqueueMany = (messages, options) => (
      enqueued.push(...(messages as Record<string, unknown>[])),
      enqueueMany(messages, options)
    )
    return queue
  }
  // Only the fan-out queue is started: the per-inbox messages stay in the outbox queue, unsent.
  const federation = createFederation<void>({
    kv,
    queue: { inbox: new InProcessMessageQueue(), outbox: recording(), fanout: recording() },
    manuallyStartQueue: true,
  })
  federation
    .setActorDispatcher('/users/{identifier}', async (ctx, identifier) =>
      identifier === 'star' ? new Person({ id: ctx.getActorUri(identifier), preferredUsername: identifier }) : null,
    )
    .setKeyPairsDispatcher(() => [pair])
  const ctx = federation.createContext(new URL('https://parley.example'), undefined)
  const recipients = Array.from({ length: 10 }, (_, i) => ({
    id: new URL(`https://remote.example/users/f${i}`),
    inboxId: new URL(`https://remote.example/users/f${i}/inbox`),
  }))
  await ctx.sendActivity(
    { identifier: 'star' },
    recipients,
    new Update({ id: new URL('https://parley.example/users/star#update-2'), actor: ctx.getActorUri('star') }),
  )
  const fanout = enqueued.find((m) => m.type === 'fanout')
  assert.equal(fanout?.signer, 'star')
  assert.equal(fanout?.keys, undefined)
  const abort = new AbortController()
  t.after(() => abort.abort())
  void federation.startQueue(undefined, { signal: abort.signal, queue: 'fanout' })
  const deadline = Date.now() + 10_000
  while (enqueued.filter((m) => m.type === 'outbox').length < 10 && Date.now() < deadline)
    await new Promise((resolve) => setTimeout(resolve, 10))
  const outbox = enqueued.filter((m) => m.type === 'outbox')
  assert.equal(outbox.length, 10)
  // Unpatched, each message carries the activity's JSON and the private keys as JWKs.
  for (const message of outbox) {
    assert.equal(message.activity, undefined)
    assert.equal(message.keys, undefined)
    assert.equal(message.payload, outbox[0]?.payload)
  }
  const stored = (await kv.get(['_fedify', 'outboxPayload', String(outbox[0]?.payload)])) as Record<string, unknown>
  assert.equal(stored.signer, 'star')
  assert.equal((stored.activity as { id?: string }).id, 'https://parley.example/users/star#update-2')
})

const unsignedPostTo = (path: string, json: unknown) =>
  new Request(`https://parley.example${path}`, {
    method: 'POST',
    headers: { 'content-type': 'application/activity+json' },
    body: JSON.stringify(json),
  })

test('patched @fedify/fedify: the queue listener takes the handed-over activity instead of parsing it again, with its own document loader bound', async (t) => {
  const received: Create[] = []
  const loads: string[] = []
  const { federation, handled } = bobsFederation({ received, loads })
  const abort = new AbortController()
  t.after(() => abort.abort())
  void federation.startQueue(undefined, { signal: abort.signal })
  // The object as a URL, so that the listener's getObject() fetches it through the bound loader.
  const json = { ...(mastodonCreate() as Record<string, unknown>), object: 'https://mastodon.example/notes/7' }
  // As Parley's gate does: parsed with a loader that fetches nothing until one is bound.
  let bound: DocumentLoader = () => Promise.reject(new Error('nothing is fetched before the listener binds its loader'))
  const activity = await Create.fromJsonLd(json, {
    contextLoader,
    documentLoader: (url, options) => bound(url, options),
  })
  const key = await aliceKey('https://mastodon.example/users/alice')
  const response = await federation.fetch(unsignedPostTo('/inbox', json), {
    contextData: undefined,
    verifiedRequest: {
      activity,
      key,
      bindDocumentLoader: (loader) => {
        bound = loader
      },
    },
  })
  assert.equal(response.status, 202)
  await handled(1)
  // Unpatched, the listener gets a new Create parsed from the queued JSON.
  assert.equal(received[0], activity, 'the listener gets the parsed activity itself')
  await received[0]!.getObject({ suppressError: true })
  assert.ok(loads.includes('https://mastodon.example/notes/7'), 'its fetches go through the listener context loader')
})

test('patched @fedify/fedify: without a loader to bind, the queue listener parses the queued activity as before', async (t) => {
  const received: Create[] = []
  const { federation, handled } = bobsFederation({ received })
  const abort = new AbortController()
  t.after(() => abort.abort())
  void federation.startQueue(undefined, { signal: abort.signal })
  const json = mastodonCreate()
  const activity = await Create.fromJsonLd(json, { contextLoader, documentLoader: contextLoader })
  const key = await aliceKey('https://mastodon.example/users/alice')
  const response = await federation.fetch(unsignedPostTo('/inbox', json), {
    contextData: undefined,
    verifiedRequest: { activity, key },
  })
  assert.equal(response.status, 202)
  await handled(1)
  assert.notEqual(received[0], activity)
  assert.equal(received[0]!.id?.href, activity.id?.href)
})

test("patched @fedify/fedify: a personal inbox's activity handled without fetching never reads the recipient's key pairs", async (t) => {
  const received: Create[] = []
  const keyPairLookups: string[] = []
  const { federation, handled } = bobsFederation({ received, keyPairLookups })
  const abort = new AbortController()
  t.after(() => abort.abort())
  void federation.startQueue(undefined, { signal: abort.signal })
  const json = mastodonCreate()
  const activity = await Create.fromJsonLd(json, { contextLoader, documentLoader: contextLoader })
  const key = await aliceKey('https://mastodon.example/users/alice')
  const response = await federation.fetch(unsignedPostTo('/users/bob/inbox', json), {
    contextData: undefined,
    verifiedRequest: { activity, key, bindDocumentLoader: () => {} },
  })
  assert.equal(response.status, 202)
  await handled(1)
  // Unpatched, the inbox request and the queued handling each read them (to make a signing loader).
  assert.deepEqual(keyPairLookups, [])
})
