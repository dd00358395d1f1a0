/**
 * The last step of a draft-cavage rsa-sha256 signature check (what Mastodon sends), done here
 * directly instead of by Fedify's `verifyRequestDetailed`: that one clones the request, reads
 * its body again, digests it again with WebCrypto, reparses the header and dates with the Temporal
 * polyfill and verifies through WebCrypto's thread pool — about a tenth of the CPU of an inbound
 * activity (issue 16), for checks signature-verifier.ts has already made.
 *
 * It only answers what Fedify would: the signing string is built exactly as Fedify builds it (from
 * the header as Fedify parses it) and checked with the same RSASSA-PKCS1-v1_5/SHA-256 key. Anything
 * Fedify would treat differently or with checks of its own — `created`/`expires` parameters, a
 * Digest naming more than SHA-256, a header Fedify's parser would read differently, a key of
 * another kind, no body — returns null, and the caller asks Fedify.
 */
import { KeyObject, verify, type webcrypto } from 'node:crypto'

type CryptoKey = webcrypto.CryptoKey

/** Fedify's reading of a draft-cavage `Signature` header (http-*.js, verifyRequestDraft). */
function fedifyParams(header: string): Record<string, string> {
  return Object.fromEntries(
    header
      .split(',')
      .map((pair) => /^\s*([A-Za-z]+)=(?:"([^"]*)"|(\d+))\s*$/.exec(pair))
      .filter((match) => match !== null)
      .map((match) => [match[1]!, match[2] ?? match[3]!]),
  )
}

const BASE64 = /^(?:[A-Za-z0-9+/]{4})*(?:[A-Za-z0-9+/]{2}==|[A-Za-z0-9+/]{3}=)?$/
const keyObjects = new WeakMap<CryptoKey, KeyObject>()

export type CavageRequest = { method: string; url: string; headers: Headers }

/**
 * Whether the draft-cavage signature of `request` verifies with `publicKey` (resolves, never rejects), for a request whose
 * signature, digest, coverage and date signature-verifier.ts has checked; null when this cannot
 * answer exactly as Fedify would (the caller then asks Fedify).
 */
export function verifyCavageRsa(request: CavageRequest, keyId: URL, publicKey: CryptoKey): Promise<boolean> | null {
  const algorithm = publicKey.algorithm as webcrypto.RsaHashedKeyAlgorithm
  if (algorithm.name !== 'RSASSA-PKCS1-v1_5' || algorithm.hash?.name !== 'SHA-256') return null
  const header = request.headers.get('signature')
  const digest = request.headers.get('digest')
  if (header === null || digest === null || request.headers.get('date') === null) return null
  if (digest.includes(',') || !/^\s*sha-256=/i.test(digest)) return null
  const params = fedifyParams(header)
  const { headers, signature } = params
  if (params.keyId !== keyId.href || headers === undefined || signature === undefined) return null
  if ('created' in params || 'expires' in params || !BASE64.test(signature)) return null
  const names = headers.split(/\s+/g)
  if (!names.includes('(request-target)') || !names.includes('date') || !names.includes('digest')) return null
  const url = new URL(request.url)
  const message = names
    .map(
      (name) =>
        `${name}: ` +
        (name === '(request-target)'
          ? `${request.method.toLowerCase()} ${url.pathname}`
          : name === '(created)' || name === '(expires)'
            ? ''
            : name === 'host'
              ? (request.headers.get('host') ?? url.host)
              : String(request.headers.get(name))),
    )
    .join('\n')
  let key = keyObjects.get(publicKey)
  if (key === undefined) keyObjects.set(publicKey, (key = KeyObject.from(publicKey)))
  // With a callback the RSA verify runs on libuv's thread pool, as WebCrypto's did: the event loop
  // goes on with other requests meanwhile.
  return new Promise((resolve) =>
    verify('sha256', Buffer.from(message), key, Buffer.from(signature, 'base64'), (error, valid) =>
      resolve(error === null && valid),
    ),
  )
}
