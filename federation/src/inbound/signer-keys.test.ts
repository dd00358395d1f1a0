import { describe, it } from 'node:test'
import assert from 'node:assert/strict'
import { generateKeyPairSync } from 'node:crypto'
import { preloadedContexts, type DocumentLoader, type RemoteDocument } from '@fedify/fedify'
import { SignerKeys } from './signer-keys.ts'

const CONTEXT = ['https://www.w3.org/ns/activitystreams', 'https://w3id.org/security/v1']
const ACTOR = 'https://remote.example/users/alice'
const KEY = `${ACTOR}#main-key`
const pem = generateKeyPairSync('rsa', { modulusLength: 2048 }).publicKey.export({ type: 'spki', format: 'pem' })

/** A stand-in for the cached document loader: documents by URL (fragment dropped), loads counted. */
function documents(table: Map<string, unknown>) {
  const loads: string[] = []
  const loader: DocumentLoader = async (url) => {
    const bare = url.split('#', 1)[0]!
    loads.push(bare)
    if (Object.hasOwn(preloadedContexts, url))
      return { contextUrl: null, document: preloadedContexts[url], documentUrl: url } satisfies RemoteDocument
    const document = table.get(bare)
    if (document === undefined) throw new Error(`404 ${url}`)
    return { contextUrl: null, document, documentUrl: bare } satisfies RemoteDocument
  }
  return { loader, loads }
}

const actor = (keys: unknown) => ({
  '@context': CONTEXT,
  id: ACTOR,
  type: 'Person',
  inbox: `${ACTOR}/inbox`,
  publicKey: keys,
})

describe('SignerKeys', () => {
  it('keeps accepted keys and never a refused one: a key refused once is looked up again', async () => {
    const table = new Map<string, unknown>([[ACTOR, actor([])]])
    const { loader, loads } = documents(table)
    const keys = new SignerKeys({ documentLoader: loader, contextLoader: loader })
    const refused = await keys.resolve(new URL(KEY), new URL(ACTOR))
    assert.equal(refused.ok, false)
    assert.equal(!refused.ok && refused.refusal.code, 'signature-actor-mismatch')
    // The actor now lists the key: the refusal was not remembered.
    table.set(ACTOR, actor({ id: KEY, owner: ACTOR, publicKeyPem: pem }))
    const accepted = await keys.resolve(new URL(KEY), new URL(ACTOR))
    assert.equal(accepted.ok, true)
    const before = loads.length
    assert.equal((await keys.resolve(new URL(KEY), new URL(ACTOR))).ok, true)
    assert.equal(loads.length, before, 'an accepted key is kept')
  })

  it('refuses a key on another origin than the actor, whatever its owner says', async () => {
    const { loader, loads } = documents(new Map())
    const keys = new SignerKeys({ documentLoader: loader, contextLoader: loader })
    const result = await keys.resolve(new URL('https://evil.example/keys/1'), new URL(ACTOR))
    assert.equal(!result.ok && result.refusal.code, 'signature-actor-mismatch')
    assert.deepEqual(loads, [], 'nothing fetched')
  })

  it('merges concurrent resolutions of one key', async () => {
    const { loader, loads } = documents(new Map([[ACTOR, actor({ id: KEY, owner: ACTOR, publicKeyPem: pem })]]))
    const keys = new SignerKeys({ documentLoader: loader, contextLoader: loader })
    const results = await Promise.all(Array.from({ length: 10 }, () => keys.resolve(new URL(KEY), new URL(ACTOR))))
    assert.ok(results.every((r) => r.ok))
    assert.equal(loads.filter((url) => url === ACTOR).length, 1)
  })
})
