/**
 * Domain policy: refused domains get nothing both ways — their signed requests get 403 before Fedify
 * reads them, and local users can neither look up, follow nor be followed by their accounts.
 * A domain is refused when it is on the block list, or when an allow list is set and it is not on
 * it (allow-list mode, for closed federations). An entry `example.com` covers that host and its
 * subdomains on any port; `host:port` covers exactly that origin (test networks put several
 * instances on one address).
 */
class DomainList {
  readonly #hosts: Set<string>
  readonly #domains: string[]
  readonly size: number

  constructor(entries: readonly string[]) {
    const clean = entries.map((entry) => entry.trim().toLowerCase()).filter(Boolean)
    this.#hosts = new Set(clean.filter((entry) => entry.includes(':')))
    this.#domains = clean.filter((entry) => !entry.includes(':'))
    this.size = clean.length
  }

  has(url: URL): boolean {
    if (this.#hosts.has(url.host.toLowerCase())) return true
    const hostname = url.hostname.toLowerCase()
    return this.#domains.some((domain) => hostname === domain || hostname.endsWith(`.${domain}`))
  }
}

export class DomainPolicy {
  readonly #blocked: DomainList
  readonly #allowed: DomainList
  /** Blocks admins added at run time (stored), on top of the configured ones. */
  #runtime = new DomainList([])

  constructor(blocked: readonly string[], allowed: readonly string[] = []) {
    this.#blocked = new DomainList(blocked)
    this.#allowed = new DomainList(allowed)
  }

  /** Replaces the run-time block list (from the store). */
  setRuntimeBlocks(domains: readonly string[]): void {
    this.#runtime = new DomainList(domains)
  }

  /** Whether the URL (or host) is refused. Unparseable input counts as refused. */
  blocks(target: URL | string): boolean {
    let url: URL
    try {
      url = typeof target === 'string' ? new URL(target.includes('://') ? target : `https://${target}`) : target
    } catch {
      return true
    }
    if (this.#blocked.has(url) || this.#runtime.has(url)) return true
    return this.#allowed.size > 0 && !this.#allowed.has(url)
  }

  /** The signer's key id of a signed request (draft-cavage `keyId`, RFC 9421 `keyid`), if any. */
  static signerOf(request: Request): string | null {
    const cavage = /keyId="([^"]+)"/.exec(request.headers.get('signature') ?? '')
    if (cavage?.[1]) return cavage[1]
    const rfc9421 = /keyid="([^"]+)"/.exec(request.headers.get('signature-input') ?? '')
    return rfc9421?.[1] ?? null
  }
}
