/**
 * The Fedify patch's `readQueuedActivity` (patches/README.md): a queued activity the inbox did not
 * hand to this thread's listener — another thread or process enqueued it, or it is retried — is
 * read by the hook (Parley's strict compact reader) when it reads it, else parsed in full as before.
 * The first test fails on unpatched Fedify, which never calls the hook.
 */
import { test, type TestContext } from 'node:test'
import assert from 'node:assert/strict'
import { webcrypto } from 'node:crypto'
import { Create, CryptographicKey, type Activity } from '@fedify/fedify/vocab'
import type { DocumentLoader } from '@fedify/vocab-runtime'
import { readCompactActivity } from './inbound/compact-reader.ts'
import { mastodonDirectNote, preloadedContextLoader as contextLoader } from './test-support/mastodon-fixture.ts'
import { bobsFederation } from './test-support/bobs-federation.ts'

type Reader = (
  json: unknown,
  loaders: { documentLoader: DocumentLoader; contextLoader: DocumentLoader },
) => Activity | undefined

/** Bob's queued federation with `read` as its readQueuedActivity; a verified POST of `json` to its inbox, not handed to the listener. */
async function deliverQueued(t: TestContext, json: Record<string, unknown>, read: Reader) {
  const received: Create[] = []
  const { federation, handled } = bobsFederation({ received, options: { readQueuedActivity: read } })
  const abort = new AbortController()
  t.after(() => abort.abort())
  void federation.startQueue(undefined, { signal: abort.signal })
  const activity = await Create.fromJsonLd(json, { contextLoader, documentLoader: contextLoader })
  const { publicKey } = (await webcrypto.subtle.generateKey('Ed25519', true, [
    'sign',
    'verify',
  ])) as webcrypto.CryptoKeyPair
  const key = new CryptographicKey({
    id: new URL('https://mastodon.example/users/alice#main-key'),
    owner: new URL('https://mastodon.example/users/alice'),
    publicKey,
  })
  // Verified by the caller but with no loader to bind: the queue listener does not take this
  // activity object, as for a message another thread or process enqueued.
  const response = await federation.fetch(
    new Request('https://parley.example/inbox', {
      method: 'POST',
      headers: { 'content-type': 'application/activity+json' },
      body: JSON.stringify(json),
    }),
    { contextData: undefined, verifiedRequest: { activity, key } },
  )
  assert.equal(response.status, 202)
  await handled(1)
  return { activity, listened: received[0]! }
}

test('patched @fedify/fedify: the queue listener takes what readQueuedActivity reads instead of parsing the queued JSON', async (t) => {
  const read: Activity[] = []
  const { activity, listened } = await deliverQueued(t, mastodonDirectNote(), (json, loaders) => {
    const compact = readCompactActivity(json, loaders)
    if (compact) read.push(compact)
    return compact
  })
  // Unpatched, the hook is never called and the listener gets a Create of the full parse.
  assert.equal(read.length, 1, 'the compact reader read the queued activity')
  assert.equal(listened, read[0], 'the listener got what it read')
  assert.notEqual(listened, activity, 'not the object the inbox was handed')
  assert.equal(listened.id?.href, activity.id?.href)
})

test('patched @fedify/fedify: an activity readQueuedActivity leaves (undefined) is parsed in full as before', async (t) => {
  // An attachment is a shape the compact reader leaves to the full parse.
  const json = mastodonDirectNote()
  json.object = {
    ...json.object,
    attachment: [{ type: 'Document', mediaType: 'image/png', url: 'https://mastodon.example/media/1.png' }],
  }
  const { activity, listened } = await deliverQueued(t, json, readCompactActivity)
  assert.equal(listened.id?.href, activity.id?.href)
  const note = await listened.getObject()
  const attachments = []
  for await (const attachment of note?.getAttachments() ?? []) attachments.push(attachment)
  assert.equal(attachments.length, 1, 'the full parse read the attachment')
})
