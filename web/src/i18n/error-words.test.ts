/**
 * Errors in words: every stable code of the registry that can reach the web client has a sentence
 * saying what happened and one saying what to do next, in every language of the UI. Without them
 * the screens fall back to the server's English message, even in the German UI.
 * The registry is read from spec/error-codes.json (generated from @parley/protocol's ErrorCodes;
 * `npm run spec:check` fails when they drift), so the web package needs no protocol import.
 */
import { describe, it } from 'node:test'
import assert from 'node:assert/strict'
import { readFileSync } from 'node:fs'
import { join } from 'node:path'
import { en } from './en.ts'
import { de } from './de.ts'

const registry = JSON.parse(
  readFileSync(join(import.meta.dirname, '..', '..', '..', 'spec', 'error-codes.json'), 'utf8'),
) as Record<string, { status: number; message: string }>

/**
 * Codes that can never reach the web client, and why. Anything else needs words.
 * - signature-*, activity-invalid: answers of the ActivityPub inbox to another server's signed
 *   request; the web client never signs requests or posts to an inbox.
 * - not-owner: answered on the server-to-server call channel (spec/cascade.md) to a peer instance.
 */
const SERVER_TO_SERVER = new Set([
  'signature-missing',
  'signature-malformed',
  'signature-digest-missing',
  'signature-digest-mismatch',
  'signature-expired',
  'signature-actor-mismatch',
  'signature-key-unavailable',
  'signature-key-invalid',
  'signature-algorithm-mismatch',
  'signature-invalid',
  'signature-replayed',
  'activity-invalid',
  'not-owner',
])

/** Codes the web client makes itself, for failures that are not the server's (camera, microphone, …). */
const CLIENT_ONLY = new Set(['unknown', 'device-denied', 'device-missing'])

const languages = { en: en.errors, de: de.errors } as Record<string, Record<string, { text: string; next: string }>>

describe('errors in words (web/src/i18n)', () => {
  it('has words, in English and German, for every registry code a web-client user can meet', () => {
    const missing: string[] = []
    for (const code of Object.keys(registry)) {
      if (SERVER_TO_SERVER.has(code)) continue
      for (const [language, words] of Object.entries(languages)) {
        const entry = words[code]
        if (!entry?.text.trim() || !entry.next.trim()) missing.push(`${language}: ${code}`)
      }
    }
    assert.deepEqual(missing, [], 'codes without words (what happened and what to do next)')
  })

  it('lists as server-to-server only codes that exist, and has no words for codes that do not', () => {
    for (const code of SERVER_TO_SERVER) assert.ok(Object.hasOwn(registry, code), `${code} is not in the registry`)
    for (const [language, words] of Object.entries(languages)) {
      const stray = Object.keys(words).filter((code) => !Object.hasOwn(registry, code) && !CLIENT_ONLY.has(code))
      assert.deepEqual(stray, [], `${language}: words for codes the registry does not have`)
    }
  })

  it('says something else in German than in English, and never promises what Parley lacks', () => {
    const untranslated = Object.keys(en.errors).filter(
      (code) => languages.de?.[code]?.text === languages.en?.[code]?.text,
    )
    assert.deepEqual(untranslated, [])
    // Parley has no SIP dial-in (e2ee-forbids once named it).
    for (const [language, words] of Object.entries(languages))
      for (const [code, { text, next }] of Object.entries(words))
        assert.doesNotMatch(`${text} ${next}`, /\bSIP\b/, `${language}: ${code}`)
    for (const [code, { message }] of Object.entries(registry)) assert.doesNotMatch(message, /\bSIP\b/, code)
  })
})
