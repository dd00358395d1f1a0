import { describe, it } from 'node:test'
import assert from 'node:assert/strict'
import { createHash, generateKeyPairSync, sign, type webcrypto } from 'node:crypto'
import { verifyRequestDetailed, type DocumentLoader } from '@fedify/fedify'
import { CryptographicKey } from '@fedify/fedify/vocab'
import { Temporal } from '@js-temporal/polyfill'
import { verifyCavageRsa } from './cavage-rsa.ts'

const KEY_ID = 'https://remote.example/users/alice#main-key'
const INBOX = 'https://parley.example/users/bob/inbox'
const NOW = Date.parse('2026-12-04T06:00:00Z')

function rsaPair() {
  const { privateKey, publicKey } = generateKeyPairSync('rsa', { modulusLength: 2048 })
  return {
    privateKey,
    publicKey: publicKey.toCryptoKey({ name: 'RSASSA-PKCS1-v1_5', hash: 'SHA-256' }, true, ['verify']),
  }
}
const alice = rsaPair()
const mallory = rsaPair()

type Signed = { url: string; method: string; headers: Headers; body: string }

/** A Mastodon-style signed POST; `change` alters what is signed or sent to make it hostile. */
function signed(
  change: {
    covered?: string
    signer?: typeof alice
    sentUrl?: string
    sentHeaders?: Record<string, string>
    signatureParams?: string
    signature?: string
  } = {},
): Signed {
  const body = JSON.stringify({ type: 'Create', actor: 'https://remote.example/users/alice' })
  const values: Record<string, string> = {
    host: 'parley.example',
    date: new Date(NOW).toUTCString(),
    digest: `SHA-256=${createHash('sha256').update(body).digest('base64')}`,
    'content-type': 'application/activity+json',
  }
  const covered = change.covered ?? '(request-target) host date digest'
  const message = covered
    .split(' ')
    .map((name) => `${name}: ${name === '(request-target)' ? 'post /users/bob/inbox' : values[name]}`)
    .join('\n')
  const signature =
    change.signature ?? sign('sha256', Buffer.from(message), (change.signer ?? alice).privateKey).toString('base64')
  const headers = new Headers({ ...values, ...change.sentHeaders })
  headers.set(
    'signature',
    `keyId="${KEY_ID}",algorithm="rsa-sha256",headers="${covered}"${change.signatureParams ?? ''},signature="${signature}"`,
  )
  return { url: change.sentUrl ?? INBOX, method: 'POST', headers, body }
}

const noFetch: DocumentLoader = (url) => Promise.reject(new Error(`not fetched: ${url}`))

/** What Fedify answers for the same request and key (as signature-verifier.ts asks it). */
async function fedify(request: Signed, publicKey: webcrypto.CryptoKey): Promise<boolean> {
  const key = new CryptographicKey({
    id: new URL(KEY_ID),
    owner: new URL('https://remote.example/users/alice'),
    publicKey,
  })
  const result = await verifyRequestDetailed(
    new Request(request.url, { method: request.method, headers: request.headers, body: request.body }),
    {
      keyCache: { get: (id) => Promise.resolve(id.href === KEY_ID ? key : undefined), set: () => Promise.resolve() },
      documentLoader: noFetch,
      contextLoader: noFetch,
      timeWindow: { seconds: 3600 },
      currentTime: Temporal.Instant.fromEpochMilliseconds(NOW),
    },
  )
  return result.verified
}

describe('verifyCavageRsa answers as Fedify does, or not at all', () => {
  const cases: [string, Signed, webcrypto.CryptoKey][] = [
    ['a well-signed request', signed(), alice.publicKey],
    ['signed by another key', signed({ signer: mallory }), alice.publicKey],
    ['verified with another key', signed(), mallory.publicKey],
    ['sent to another path', signed({ sentUrl: 'https://parley.example/users/carol/inbox' }), alice.publicKey],
    ['a query string (not covered by Fedify either)', signed({ sentUrl: `${INBOX}?x=1` }), alice.publicKey],
    ['sent to another host', signed({ sentHeaders: { host: 'other.example' } }), alice.publicKey],
    ['another Date sent', signed({ sentHeaders: { date: new Date(NOW - 1000).toUTCString() } }), alice.publicKey],
    ['a signature that is not base64', signed({ signature: 'not*base64' }), alice.publicKey],
    ['an empty signature', signed({ signature: '' }), alice.publicKey],
    ['covering no digest', signed({ covered: '(request-target) host date' }), alice.publicKey],
    ['covering no date', signed({ covered: '(request-target) host digest' }), alice.publicKey],
    ['covered names in capitals', signed({ covered: '(request-target) Host Date Digest' }), alice.publicKey],
    [
      'covering content-type too',
      signed({ covered: '(request-target) host date digest content-type' }),
      alice.publicKey,
    ],
    ['with a created parameter', signed({ signatureParams: ',created=1796364000' }), alice.publicKey],
    [
      'a Digest with SHA-512 too',
      signed({ sentHeaders: { digest: `SHA-256=${'A'.repeat(43)}=,SHA-512=${'A'.repeat(86)}==` } }),
      alice.publicKey,
    ],
  ]
  // Left to Fedify (null) on purpose; every other case is answered here, and must match Fedify.
  const leftToFedify = new Set([
    'a signature that is not base64',
    'covering no digest',
    'covering no date',
    'covered names in capitals',
    'with a created parameter',
    'a Digest with SHA-512 too',
  ])
  for (const [label, request, key] of cases)
    it(label, async () => {
      const quick = await verifyCavageRsa(request, new URL(KEY_ID), key)
      assert.equal(quick === null, leftToFedify.has(label), `${label}: answered here or left to Fedify`)
      if (quick !== null) assert.equal(quick, await fedify(request, key), `${label}: same answer as Fedify`)
      if (label === 'a well-signed request') assert.equal(quick, true)
    })

  it('leaves to Fedify what it would check otherwise: created/expires, several digests, other keys', () => {
    assert.equal(
      verifyCavageRsa(signed({ signatureParams: ',created=1796364000' }), new URL(KEY_ID), alice.publicKey),
      null,
    )
    assert.equal(
      verifyCavageRsa(signed({ signatureParams: ',expires=1796364000' }), new URL(KEY_ID), alice.publicKey),
      null,
    )
    const twoDigests = signed({ sentHeaders: { digest: 'SHA-256=x,SHA-512=y' } })
    assert.equal(verifyCavageRsa(twoDigests, new URL(KEY_ID), alice.publicKey), null)
    const ed = generateKeyPairSync('ed25519').publicKey.toCryptoKey('Ed25519', true, ['verify'])
    assert.equal(verifyCavageRsa(signed(), new URL(KEY_ID), ed), null)
    assert.equal(
      verifyCavageRsa(signed(), new URL('https://remote.example/users/alice#other-key'), alice.publicKey),
      null,
    )
  })
})
