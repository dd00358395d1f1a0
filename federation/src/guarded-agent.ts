/**
 * The undici dispatcher of every federation fetch we make (document loads, WebFinger, deliveries). Checking a
 * URL before fetching is not enough: the fetch resolves the name again, and a hostile DNS server can
 * answer a public address to the check and 127.0.0.1 to the connect (DNS rebinding). So the check
 * is made where the connection is made:
 * - names are resolved through `publicOnlyLookup`, so no socket is opened to a non-public address;
 * - IP literals (which `net.connect` does not look up) are checked before connecting;
 * - and the socket's actual remote address is checked once connected, before the request is sent.
 * On a test network (`allowPrivateAddress`) none of this applies.
 * The `undici` package is pinned to the version Node 24 bundles, so its Agent fits the global fetch.
 * It is loaded by the first agent made (≈ 110 modules, 0.1 s and 20 MB at every start otherwise):
 * the fetchers make theirs at their first fetch, so a server that has fetched nothing has not paid.
 */
import { createRequire } from 'node:module'
import { isIP, type LookupFunction } from 'node:net'
import type * as Undici from 'undici'
import type { Agent } from 'undici'
import { bareHost, isPublicAddress as isPublic, publicOnlyLookup, systemLookup } from './address-policy.ts'
import { PrivateAddressError } from './fetch-errors.ts'

export type GuardedAgentOptions = {
  allowPrivateAddress: boolean
  /** DNS lookup (tests inject one); Node's `dns.lookup` by default. */
  lookup?: LookupFunction
  /** The address policy (tests may call loopback public); `isPublicAddress` by default. */
  isPublicAddress?: (address: string) => boolean
}

export function guardedAgent({
  allowPrivateAddress,
  lookup = systemLookup,
  isPublicAddress = isPublic,
}: GuardedAgentOptions): Agent {
  // Synchronous on purpose (undici is CommonJS): callers make their agent where they first need it.
  const { Agent, buildConnector } = createRequire(import.meta.url)('undici') as typeof Undici
  if (allowPrivateAddress) return new Agent({ connect: { lookup } })
  const connect = buildConnector({ lookup: publicOnlyLookup(lookup, isPublicAddress) })
  return new Agent({
    connect: (options, callback) => {
      const host = bareHost(options.hostname)
      if (isIP(host) !== 0 && !isPublicAddress(host)) return callback(new PrivateAddressError(host, host), null)
      connect(options, (...result) => {
        const [error, socket] = result
        if (error) return callback(error, null)
        const remote = socket.remoteAddress
        if (remote === undefined || !isPublicAddress(remote)) {
          socket.destroy()
          return callback(new PrivateAddressError(host, remote ?? 'unknown'), null)
        }
        callback(null, socket)
      })
    },
  })
}
