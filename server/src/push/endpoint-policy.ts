/**
 * What a push subscription may point at. Its endpoint is a URL a stranger chose, which the server
 * will POST to: like every remote URL it must be https on a public address (the connect-time check
 * in push-sender.ts catches names that resolve to private addresses). Only a test or development
 * instance (`pushAllowPrivateEndpoints`) accepts loopback and private addresses, and plain http.
 */
import { ECDH } from 'node:crypto'
import { isIP } from 'node:net'
import { isPublicAddress } from '@parley/federation'
import { fail, ok, type Result } from '../rooms/result.ts'

export type EndpointPolicy = { allowPrivate: boolean }

export function checkEndpoint(endpoint: string, policy: EndpointPolicy): Result<URL, 'push-endpoint-invalid'> {
  let url: URL
  try {
    url = new URL(endpoint)
  } catch {
    return fail('push-endpoint-invalid', { reason: 'not a URL' })
  }
  const refuse = (reason: string) => fail('push-endpoint-invalid', { reason })
  if (url.username !== '' || url.password !== '') return refuse('credentials in the URL')
  if (url.hash !== '') return refuse('a fragment')
  if (url.protocol !== 'https:' && !(policy.allowPrivate && url.protocol === 'http:'))
    return refuse(`${url.protocol.slice(0, 20)} is not https`)
  if (policy.allowPrivate) return ok(url)
  const host = url.hostname.replace(/^\[|\]$/g, '')
  if (isIP(host) !== 0 && !isPublicAddress(host)) return refuse('a private or loopback address')
  if (host === 'localhost' || host.endsWith('.localhost') || !host.includes('.')) return refuse('not a public name')
  return ok(url)
}

/** p256dh must be a point on P-256 (65 bytes, uncompressed), auth exactly 16 bytes. */
export function checkKeys(keys: { p256dh: string; auth: string }): Result<true, 'push-keys-invalid'> {
  const p256dh = Buffer.from(keys.p256dh, 'base64url')
  const auth = Buffer.from(keys.auth, 'base64url')
  if (auth.length !== 16) return fail('push-keys-invalid', { field: 'keys.auth', bytes: auth.length })
  if (p256dh.length !== 65 || p256dh[0] !== 0x04)
    return fail('push-keys-invalid', { field: 'keys.p256dh', bytes: p256dh.length })
  try {
    // OpenSSL refuses a point that is not on the curve.
    ECDH.convertKey(p256dh, 'prime256v1', undefined, undefined, 'compressed')
  } catch {
    return fail('push-keys-invalid', { field: 'keys.p256dh', reason: 'not a point on P-256' })
  }
  return ok(true)
}
