import { test } from 'node:test'
import assert from 'node:assert/strict'
import { preloadedContexts, type DocumentLoader, type RemoteDocument } from '@fedify/fedify'
import { Person } from '@fedify/fedify/vocab'
import { ParsedActors } from './parsed-actors.ts'

const contextLoader: DocumentLoader = (url) => {
  if (!Object.hasOwn(preloadedContexts, url)) return Promise.reject(new Error(`no fetch in this test: ${url}`))
  return Promise.resolve({ contextUrl: null, document: preloadedContexts[url], documentUrl: url })
}

const ALICE = 'https://mastodon.example/users/alice'

const person = (name: string, id = ALICE) => ({
  '@context': 'https://www.w3.org/ns/activitystreams',
  id,
  type: 'Person',
  name,
  preferredUsername: 'alice',
  inbox: `${id}/inbox`,
})

/** A stand-in for the KvStore-backed cache: every load returns a fresh copy of what it holds now. */
function cache(documents: Map<string, RemoteDocument>) {
  const loads: string[] = []
  const loader: DocumentLoader = (url) => {
    loads.push(url)
    const held = documents.get(url)
    return held
      ? Promise.resolve({ ...held, document: structuredClone(held.document) })
      : Promise.reject(new Error(`not cached: ${url}`))
  }
  return { loader, loads }
}

test('ParsedActors.get() reuses the parsed actor while the cached document is unchanged, and parses a changed one', async () => {
  const documents = new Map<string, RemoteDocument>([
    [ALICE, { contextUrl: null, documentUrl: ALICE, document: person('Alice') }],
  ])
  const { loader, loads } = cache(documents)
  const actors = new ParsedActors({ documentLoader: loader, contextLoader })
  const first = await actors.get(new URL(ALICE))
  const second = await actors.get(new URL(ALICE))
  assert.ok(first instanceof Person)
  assert.equal(first.name?.toString(), 'Alice')
  assert.equal(second, first, 'the same parsed object')
  assert.equal(loads.length, 2, 'the cache is read every time')

  // The profile changed (an Update refreshed the cache, or it expired and was fetched again).
  documents.set(ALICE, { contextUrl: null, documentUrl: ALICE, document: person('Alice Liddell') })
  const third = await actors.get(new URL(ALICE))
  assert.notEqual(third, first)
  assert.equal(third?.name?.toString(), 'Alice Liddell')
})

test('ParsedActors.get() refuses a document from another origin, with another id, or not an actor', async () => {
  const documents = new Map<string, RemoteDocument>([
    [ALICE, { contextUrl: null, documentUrl: 'https://evil.example/alice', document: person('Alice') }],
    [`${ALICE}2`, { contextUrl: null, documentUrl: `${ALICE}2`, document: person('Alice') }],
    [
      `${ALICE}3`,
      {
        contextUrl: null,
        documentUrl: `${ALICE}3`,
        document: { '@context': 'https://www.w3.org/ns/activitystreams', id: `${ALICE}3`, type: 'Note' },
      },
    ],
  ])
  const actors = new ParsedActors({ documentLoader: cache(documents).loader, contextLoader })
  assert.equal(await actors.get(new URL(ALICE)), null)
  assert.equal(await actors.get(new URL(`${ALICE}2`)), null)
  assert.equal(await actors.get(new URL(`${ALICE}3`)), null)
  assert.equal(await actors.get(new URL(`${ALICE}4`)), null, 'not loadable')
})
