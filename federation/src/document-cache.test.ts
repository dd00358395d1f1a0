import { describe, it } from 'node:test'
import assert from 'node:assert/strict'
import { MemoryKvStore, type RemoteDocument } from '@fedify/fedify'
import { cachedDocumentLoader } from './document-cache.ts'

function countingLoader() {
  const loads: string[] = []
  const loader = async (url: string): Promise<RemoteDocument> => {
    loads.push(url)
    return {
      contextUrl: null,
      documentUrl: url,
      document: { '@context': { name: `https://schema.example/${loads.length}` } },
    }
  }
  return { loads, loader }
}

describe('cachedDocumentLoader()', () => {
  it('cachedDocumentLoader() answers preloaded contexts from memory, never the loader or the KvStore', async () => {
    const { loads, loader } = countingLoader()
    const kv = new MemoryKvStore()
    const load = cachedDocumentLoader({ loader, kv, prefix: ['_t'], kind: 'context' })
    const as = await load('https://www.w3.org/ns/activitystreams')
    const security = await load('https://w3id.org/security/v1')
    assert.equal(as.documentUrl, 'https://www.w3.org/ns/activitystreams')
    assert.ok(typeof security.document === 'object' && security.document !== null && '@context' in security.document)
    assert.deepEqual(loads, [])
    assert.equal(await kv.get(['_t', 'https://w3id.org/security/v1']), undefined)
  })

  it('cachedDocumentLoader() keeps other contexts in memory and in the KvStore until the TTL passes', async () => {
    const { loads, loader } = countingLoader()
    const kv = new MemoryKvStore()
    let now = 1_000
    const load = cachedDocumentLoader({ loader, kv, prefix: ['_t'], kind: 'context', ttlMs: 60_000, now: () => now })
    const first = await load('https://remote.example/context.json')
    await kv.delete(['_t', 'context', 'https://remote.example/context.json'])
    const second = await load('https://remote.example/context.json')
    assert.equal(second, first, 'served from memory, even with the KvStore entry gone')
    assert.deepEqual(loads, ['https://remote.example/context.json'])
    now += 60_001
    await load('https://remote.example/context.json')
    assert.equal(loads.length, 2)
  })

  it('cachedDocumentLoader() keeps documents only in the KvStore (shared by nodes, refreshed for all)', async () => {
    const { loads, loader } = countingLoader()
    const kv = new MemoryKvStore()
    const load = cachedDocumentLoader({ loader, kv, prefix: ['_t'], kind: 'object' })
    await load('https://remote.example/users/alice')
    await load('https://remote.example/users/alice')
    assert.deepEqual(loads, ['https://remote.example/users/alice'])
    assert.equal(
      (await kv.get<RemoteDocument>(['_t', 'https://remote.example/users/alice']))?.documentUrl,
      'https://remote.example/users/alice',
    )
    await kv.delete(['_t', 'https://remote.example/users/alice'])
    await load('https://remote.example/users/alice')
    assert.equal(loads.length, 2)
  })

  it('cachedDocumentLoader() does not take Object.prototype names for preloaded contexts', async () => {
    const { loads, loader } = countingLoader()
    const load = cachedDocumentLoader({ loader, kv: new MemoryKvStore(), prefix: ['_t'], kind: 'context' })
    await load('constructor')
    assert.deepEqual(loads, ['constructor'])
  })
})
