/**
 * How media keys travel between the participants of an end-to-end encrypted call, through a server
 * that must not read them (spec/realtime.md, "End-to-end encrypted calls"):
 *
 * - Every join makes a fresh ECDH P-256 key pair (WebCrypto; the private key never leaves it, it is
 *   not even extractable). The public key goes out in `call.join` and reaches the others in the
 *   participant list.
 * - Two participants A and B agree on a wrapping key: ECDH(A, B) → HKDF-SHA-256 (salt: the call id,
 *   info: both participant ids, sorted) → AES-256-GCM. Each media key is sent encrypted with it
 *   under a random 96-bit nonce, the AAD binding call, sender, recipient and key id, so the server
 *   can neither read a key nor pass it off as another sender's, another recipient's or another
 *   call's.
 * - The server hands out the public keys, so it could put its own in the middle: the verification
 *   code is a digest of everyone's (participant, person, public key) — each client using its own
 *   real key, not the server's echo of it — that the people in the call compare out of band (read
 *   aloud, or in another channel). Equal codes mean everyone encrypts for the same keys.
 */
import type { WebCryptoBytes, WebCryptoKey } from './frame-crypto.ts'

export type E2eeKeyPair = {
  /** The raw public key, base64url (what `call.join` carries). */
  publicKey: string
  privateKey: WebCryptoKey
}

export type SealedKey = { iv: string; ciphertext: string }

const PROTOCOL = 'parley-e2ee-1'

export function base64url(bytes: Uint8Array): string {
  let binary = ''
  for (const byte of bytes) binary += String.fromCharCode(byte)
  return btoa(binary).replace(/\+/g, '-').replace(/\//g, '_').replace(/=+$/, '')
}

export function fromBase64url(text: string): Uint8Array {
  if (!/^[A-Za-z0-9_-]*$/.test(text)) throw new TypeError('not base64url')
  const binary = atob(text.replace(/-/g, '+').replace(/_/g, '/') + '='.repeat((4 - (text.length % 4)) % 4))
  return Uint8Array.from(binary, (c) => c.charCodeAt(0))
}

export async function generateKeyPair(): Promise<E2eeKeyPair> {
  const pair = (await crypto.subtle.generateKey({ name: 'ECDH', namedCurve: 'P-256' }, false, ['deriveBits'])) as {
    publicKey: WebCryptoKey
    privateKey: WebCryptoKey
  }
  const raw = new Uint8Array(await crypto.subtle.exportKey('raw', pair.publicKey))
  return { publicKey: base64url(raw), privateKey: pair.privateKey }
}

/** The AES-256-GCM key two participants of one call share (the same both ways). */
export async function wrappingKey(
  own: E2eeKeyPair,
  theirPublicKey: string,
  context: { callId: string; a: string; b: string },
): Promise<WebCryptoKey> {
  const theirs = await crypto.subtle.importKey(
    'raw',
    fromBase64url(theirPublicKey) as WebCryptoBytes,
    { name: 'ECDH', namedCurve: 'P-256' },
    false,
    [],
  )
  const shared = await crypto.subtle.deriveBits({ name: 'ECDH', public: theirs }, own.privateKey, 256)
  const material = await crypto.subtle.importKey('raw', shared, 'HKDF', false, ['deriveKey'])
  const text = new TextEncoder()
  const ids = [context.a, context.b].sort()
  return crypto.subtle.deriveKey(
    {
      name: 'HKDF',
      hash: 'SHA-256',
      salt: text.encode(context.callId) as WebCryptoBytes,
      info: text.encode(`${PROTOCOL} key wrap\n${ids.join('\n')}`) as WebCryptoBytes,
    },
    material,
    { name: 'AES-GCM', length: 256 },
    false,
    ['encrypt', 'decrypt'],
  )
}

type KeyContext = { callId: string; from: string; to: string; kid: number }
const aad = (c: KeyContext) =>
  new TextEncoder().encode(`${PROTOCOL} media key\n${c.callId}\n${c.from}\n${c.to}\n${c.kid}`)

export async function sealKey(wrapping: WebCryptoKey, mediaKey: Uint8Array, context: KeyContext): Promise<SealedKey> {
  const iv = crypto.getRandomValues(new Uint8Array(12))
  const sealed = await crypto.subtle.encrypt(
    { name: 'AES-GCM', iv: iv as WebCryptoBytes, additionalData: aad(context) as WebCryptoBytes },
    wrapping,
    mediaKey as WebCryptoBytes,
  )
  return { iv: base64url(iv), ciphertext: base64url(new Uint8Array(sealed)) }
}

/** The media key, or null when it was not sealed for exactly this context (or was changed). */
export async function openKey(
  wrapping: WebCryptoKey,
  sealed: SealedKey,
  context: KeyContext,
): Promise<Uint8Array | null> {
  try {
    const opened = await crypto.subtle.decrypt(
      {
        name: 'AES-GCM',
        iv: fromBase64url(sealed.iv) as WebCryptoBytes,
        additionalData: aad(context) as WebCryptoBytes,
      },
      wrapping,
      fromBase64url(sealed.ciphertext) as WebCryptoBytes,
    )
    return new Uint8Array(opened)
  } catch {
    return null
  }
}

/**
 * Five groups of five digits (≈ 83 bits) from SHA-256 over everyone's participant id, person and
 * public key, in a canonical order. A server that substituted keys would have to find two key sets
 * with the same code while a join is under way (≈ 2^41 key generations): not feasible in that time.
 */
export async function verificationCode(
  participants: readonly { participantId: string; actorId: string; publicKey: string }[],
): Promise<string> {
  const lines = participants
    .map((p) => `${p.participantId}\n${p.actorId}\n${p.publicKey}`)
    .sort()
    .join('\n\n')
  const digest = new Uint8Array(
    await crypto.subtle.digest('SHA-256', new TextEncoder().encode(`${PROTOCOL} verification\n${lines}`)),
  )
  const groups: string[] = []
  for (let i = 0; i < 5; i++) {
    let value = 0
    for (let j = 0; j < 5; j++) value = value * 256 + (digest[i * 5 + j] as number)
    groups.push(String(value % 100_000).padStart(5, '0'))
  }
  return groups.join(' ')
}
