/**
 * Which HTTP signature spec each origin takes, remembered in the KvStore under Fedify's own key
 * (`['_fedify', 'httpMessageSignaturesSpec', origin]`, what Fedify's unexported KvSpecDeterminer
 * uses for deliveries), so signed fetches and deliveries share what they learn about a peer.
 */
import type { HttpMessageSignaturesSpec, HttpMessageSignaturesSpecDeterminer, KvKey, KvStore } from '@fedify/fedify'

export const SIGNATURE_SPEC_PREFIX: KvKey = ['_fedify', 'httpMessageSignaturesSpec']

export class KvSignatureSpecs implements HttpMessageSignaturesSpecDeterminer {
  readonly #kv: KvStore
  readonly #prefix: KvKey

  constructor(kv: KvStore, prefix: KvKey = SIGNATURE_SPEC_PREFIX) {
    this.#kv = kv
    this.#prefix = prefix
  }

  /** RFC 9421 unless the origin is known to take only draft-cavage. */
  async determineSpec(origin: string): Promise<HttpMessageSignaturesSpec> {
    const known = await this.#kv.get<HttpMessageSignaturesSpec>([...this.#prefix, origin])
    return known === 'draft-cavage-http-signatures-12' ? known : 'rfc9421'
  }

  async rememberSpec(origin: string, spec: HttpMessageSignaturesSpec): Promise<void> {
    await this.#kv.set([...this.#prefix, origin], spec)
  }
}
