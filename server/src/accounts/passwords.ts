/**
 * Password hashing with scrypt (memory-hard, built into Node, no native add-on to build). The
 * parameters travel inside the hash string so they can be raised later without breaking old hashes.
 */
import { randomBytes, scrypt as scryptCallback, timingSafeEqual, type ScryptOptions } from 'node:crypto'

const scrypt = (password: string, salt: Buffer, keylen: number, options: ScryptOptions) =>
  new Promise<Buffer>((resolve, reject) =>
    scryptCallback(password, salt, keylen, options, (error, key) => (error ? reject(error) : resolve(key))),
  )

/** N=2^15, r=8, p=1: OWASP's scrypt baseline, ≈ 32 MiB and tens of milliseconds per hash here. */
const defaults = { N: 32768, r: 8, p: 1, keylen: 32 }

export async function hashPassword(password: string): Promise<string> {
  const salt = randomBytes(16)
  const key = await scrypt(password.normalize('NFC'), salt, defaults.keylen, { ...defaults, maxmem: 64 * 1024 * 1024 })
  return ['scrypt', defaults.N, defaults.r, defaults.p, salt.toString('base64url'), key.toString('base64url')].join('$')
}

export async function verifyPassword(password: string, stored: string): Promise<boolean> {
  const [scheme, n, r, p, salt, expected] = stored.split('$')
  if (scheme !== 'scrypt' || !n || !r || !p || !salt || !expected) return false
  const expectedKey = Buffer.from(expected, 'base64url')
  const key = await scrypt(password.normalize('NFC'), Buffer.from(salt, 'base64url'), expectedKey.length, {
    N: Number(n),
    r: Number(r),
    p: Number(p),
    maxmem: 256 * 1024 * 1024,
  })
  return timingSafeEqual(key, expectedKey)
}

/**
 * A hash of a random password, verified against when the username is unknown, so that a login for a
 * missing user costs the same time as one with a wrong password.
 */
let decoy: Promise<string> | undefined
export function decoyHash(): Promise<string> {
  decoy ??= hashPassword(randomBytes(16).toString('hex'))
  return decoy
}
