/**
 * Actor key pairs: RSA-2048 (RSASSA-PKCS1-v1_5, what Mastodon verifies draft-cavage signatures with)
 * and Ed25519 (FEP-521a Object Integrity Proofs). RSA generation takes about a third of a second, so
 * pairs are made ahead of first use — when an account is created and by a sweep at start — and the
 * key-pair dispatcher only falls back to generating when it finds none.
 */
import { webcrypto } from 'node:crypto'
import { exportJwk, generateCryptoKeyPair, importJwk } from '@fedify/fedify'
import type { ActorKeyRecord, ActorKeyRepository, KeyAlgorithm } from './ports.ts'

const ALGORITHMS: readonly KeyAlgorithm[] = ['rsa', 'ed25519']

export class ActorKeys {
  readonly #keys: ActorKeyRepository
  readonly #now: () => number
  /** Generation in flight per user, so concurrent first uses make one pair. */
  readonly #pending = new Map<string, Promise<ActorKeyRecord[]>>()
  /** Imported keys per user: importing an RSA JWK costs more than the rest of an actor request. */
  readonly #imported = new Map<string, Promise<webcrypto.CryptoKeyPair[]>>()

  constructor(keys: ActorKeyRepository, now: () => number = Date.now) {
    this.#keys = keys
    this.#now = now
  }

  /** The user's stored pairs, generating and storing whichever is missing. RSA comes first. */
  async ensure(userId: string): Promise<ActorKeyRecord[]> {
    const running = this.#pending.get(userId)
    if (running) return running
    const work = this.#ensure(userId).finally(() => this.#pending.delete(userId))
    this.#pending.set(userId, work)
    return work
  }

  /** Makes pairs for every given user lacking one; returns how many users got new keys. */
  async prepare(userIds: readonly string[]): Promise<number> {
    const lacking = new Set([
      ...(await this.#keys.missing(userIds, 'rsa')),
      ...(await this.#keys.missing(userIds, 'ed25519')),
    ])
    for (const userId of lacking) await this.ensure(userId)
    return lacking.size
  }

  /** The pairs as CryptoKeyPairs for Fedify, RSA first. */
  async cryptoKeyPairs(userId: string): Promise<webcrypto.CryptoKeyPair[]> {
    const cached = this.#imported.get(userId)
    if (cached) return cached
    const imported = this.#import(userId)
    this.#imported.set(userId, imported)
    imported.catch(() => this.#imported.delete(userId))
    return imported
  }

  async #import(userId: string): Promise<webcrypto.CryptoKeyPair[]> {
    const records = await this.ensure(userId)
    return Promise.all(
      records.map(async (record) => ({
        publicKey: await importJwk(record.publicJwk, 'public'),
        privateKey: await importJwk(record.privateJwk, 'private'),
      })),
    )
  }

  async #ensure(userId: string): Promise<ActorKeyRecord[]> {
    const stored = await this.#keys.list(userId)
    const result: ActorKeyRecord[] = []
    for (const algorithm of ALGORITHMS) {
      const existing = stored.find((record) => record.algorithm === algorithm)
      if (existing) {
        result.push(existing)
        continue
      }
      const pair = algorithm === 'rsa' ? await generateRsa2048() : await generateCryptoKeyPair('Ed25519')
      result.push(
        await this.#keys.addIfMissing({
          userId,
          algorithm,
          publicJwk: await exportJwk(pair.publicKey),
          privateJwk: await exportJwk(pair.privateKey),
          createdAt: this.#now(),
        }),
      )
    }
    return result
  }
}

/**
 * Fedify's `generateCryptoKeyPair('RSASSA-PKCS1-v1_5')` makes 4096-bit keys (about 2 s each here);
 * RSA-2048 is what Mastodon itself uses and verifies, so we make those directly.
 */
async function generateRsa2048(): Promise<webcrypto.CryptoKeyPair> {
  return webcrypto.subtle.generateKey(
    { name: 'RSASSA-PKCS1-v1_5', modulusLength: 2048, publicExponent: new Uint8Array([1, 0, 1]), hash: 'SHA-256' },
    true,
    ['sign', 'verify'],
  )
}
