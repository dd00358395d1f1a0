/**
 * Secrets handed to people (session cookies, API tokens, invite codes) are 256-bit random strings;
 * only their SHA-256 is stored, so a leaked database gives no working credential. A plain hash is
 * enough here because the secrets are high-entropy (unlike passwords).
 */
import { createHash, randomBytes } from 'node:crypto'

export function newSecret(prefix = ''): string {
  return prefix + randomBytes(32).toString('base64url')
}

export function hashSecret(secret: string): string {
  return createHash('sha256').update(secret).digest('hex')
}

/** API tokens carry a recognisable prefix so secret scanners and people can tell what leaked. */
export const API_TOKEN_PREFIX = 'parley_'
