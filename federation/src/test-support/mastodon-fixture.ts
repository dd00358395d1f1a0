/**
 * Tests only: Mastodon's direct message (the interop fixture test/fixtures/mastodon/create-direct-note.json)
 * filled in for offline parsing, and a loader that answers Fedify's preloaded JSON-LD contexts and
 * fetches nothing else.
 */
import { readFileSync } from 'node:fs'
import { preloadedContexts, type DocumentLoader } from '@fedify/vocab-runtime'

/** Fedify's preloaded contexts; anything else is refused (these tests fetch nothing). */
export const preloadedContextLoader: DocumentLoader = (url) => {
  if (!Object.hasOwn(preloadedContexts, url)) return Promise.reject(new Error(`no fetch in this test: ${url}`))
  return Promise.resolve({ contextUrl: null, document: preloadedContexts[url], documentUrl: url })
}

/** The fixture's JSON, from a Mastodon at mastodon.example to bob at parley.example. */
// eslint-disable-next-line @typescript-eslint/no-explicit-any -- a JSON document tests edit freely
export function mastodonDirectNote(now = '2026-12-03T12:00:00Z'): Record<string, any> {
  const text = readFileSync(new URL('../../../test/fixtures/mastodon/create-direct-note.json', import.meta.url), 'utf8')
  const vars: Record<string, string> = {
    MASTODON: 'https://mastodon.example',
    MASTODON_HOST: 'mastodon.example',
    PARLEY: 'https://parley.example',
    PARLEY_HOST: 'parley.example',
    ID: '42',
    NOW: now,
  }
  return JSON.parse(text.replace(/\{\{(\w+)\}\}/g, (_, name: string) => vars[name] ?? ''))
}
