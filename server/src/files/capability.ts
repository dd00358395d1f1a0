/**
 * Capability URLs: how another instance (or Mastodon) fetches a file shared with its people
 * without any session on ours (DESIGN.md §2.10). Each names one file and one variant (the file or
 * its thumbnail), carries its expiry, and is signed (HMAC-SHA256) with a secret of this instance
 * that every node shares through the store. Whoever holds the URL may fetch that one file until it
 * expires: nothing else, and nothing after. A signature for another file, variant or expiry does
 * not verify; a valid one past its expiry is refused as expired (never the other way round, so an
 * altered URL is not told apart from a forged one).
 */
import { createHmac, timingSafeEqual } from 'node:crypto'

export const FILE_VARIANTS = ['original', 'thumbnail'] as const
export type FileVariant = (typeof FILE_VARIANTS)[number]

export type CapabilityCheck = { ok: true } | { ok: false; error: 'capability-invalid' | 'capability-expired' }

export class CapabilitySigner {
  readonly #origin: string
  readonly #secret: () => Promise<string>
  readonly #now: () => number

  /** `secret` is asked once per use (the file service caches it after the first read from the store). */
  constructor(deps: { origin: string; secret: () => Promise<string>; now: () => number }) {
    this.#origin = new URL(deps.origin).origin
    this.#secret = deps.secret
    this.#now = deps.now
  }

  /** The path every capability URL of this instance starts with (routed to the file links route). */
  static readonly PATH = '/files'

  async url(fileId: string, variant: FileVariant, ttlMs: number): Promise<string> {
    const expires = Math.ceil((this.#now() + ttlMs) / 1000)
    const signature = this.#sign(await this.#secret(), fileId, variant, expires)
    const url = new URL(`${CapabilitySigner.PATH}/${encodeURIComponent(fileId)}/${variant}`, this.#origin)
    url.searchParams.set('expires', String(expires))
    url.searchParams.set('signature', signature)
    return url.href
  }

  async check(fileId: string, variant: string, expires: string, signature: string): Promise<CapabilityCheck> {
    if (!(FILE_VARIANTS as readonly string[]).includes(variant) || !/^[0-9]{1,12}$/.test(expires))
      return { ok: false, error: 'capability-invalid' }
    const expected = Buffer.from(this.#sign(await this.#secret(), fileId, variant as FileVariant, Number(expires)))
    const given = Buffer.from(signature)
    if (given.length !== expected.length || !timingSafeEqual(given, expected))
      return { ok: false, error: 'capability-invalid' }
    if (Number(expires) * 1000 <= this.#now()) return { ok: false, error: 'capability-expired' }
    return { ok: true }
  }

  #sign(secret: string, fileId: string, variant: FileVariant, expires: number): string {
    return createHmac('sha256', secret)
      .update(`parley-file-link-v1\n${fileId}\n${variant}\n${expires}`)
      .digest('base64url')
  }
}
