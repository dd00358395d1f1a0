/**
 * Domain policy: blocked domains are refused both ways — their signed requests get 403 before Fedify
 * reads them, and local users can neither look up, follow nor be followed by their accounts.
 * An entry `example.com` covers that host and its subdomains on any port; `host:port` covers
 * exactly that origin (test networks put several instances on one address).
 */
export class DomainPolicy {
  readonly #hosts: Set<string>
  readonly #domains: string[]

  constructor(blocked: readonly string[]) {
    const entries = blocked.map((entry) => entry.trim().toLowerCase()).filter(Boolean)
    this.#hosts = new Set(entries.filter((entry) => entry.includes(':')))
    this.#domains = entries.filter((entry) => !entry.includes(':'))
  }

  /** Whether the URL (or host) belongs to a blocked domain. Unparseable input counts as blocked. */
  blocks(target: URL | string): boolean {
    let url: URL
    try {
      url = typeof target === 'string' ? new URL(target.includes('://') ? target : `https://${target}`) : target
    } catch {
      return true
    }
    if (this.#hosts.has(url.host.toLowerCase())) return true
    const hostname = url.hostname.toLowerCase()
    return this.#domains.some((domain) => hostname === domain || hostname.endsWith(`.${domain}`))
  }

  /** The signer's key id of a signed request (draft-cavage `keyId`, RFC 9421 `keyid`), if any. */
  static signerOf(request: Request): string | null {
    const cavage = /keyId="([^"]+)"/.exec(request.headers.get('signature') ?? '')
    if (cavage?.[1]) return cavage[1]
    const rfc9421 = /keyid="([^"]+)"/.exec(request.headers.get('signature-input') ?? '')
    return rfc9421?.[1] ?? null
  }
}
