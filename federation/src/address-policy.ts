/**
 * Which IP addresses federation may connect to: public unicast only. The prefixes are Fedify's
 * (`validatePublicUrl` in @fedify/vocab-runtime), so the pre-check and the connect-time check of
 * guarded-agent.ts agree with what Fedify itself would refuse, plus the IPv6 documentation,
 * benchmarking, discard and other special-purpose ranges of IANA's registry that Fedify lets through.
 */
import { lookup as dnsLookup } from 'node:dns'
import { BlockList, isIP, type LookupFunction } from 'node:net'
import { PrivateAddressError } from './fetch-errors.ts'

// Two lists: one BlockList matches IPv4 addresses against IPv6 rules too (as IPv4-mapped), so
// ::/16 would swallow every IPv4 address.
const nonPublicV4 = new BlockList()
const nonPublicV6 = new BlockList()
for (const [address, prefix] of [
  ['0.0.0.0', 8], // "this" network
  ['10.0.0.0', 8], // RFC 1918
  ['100.64.0.0', 10], // carrier-grade NAT
  ['127.0.0.0', 8], // loopback
  ['169.254.0.0', 16], // link-local (cloud metadata services live here)
  ['172.16.0.0', 12], // RFC 1918
  ['192.0.0.0', 24], // IETF protocol assignments
  ['192.0.2.0', 24], // documentation
  ['192.88.99.0', 24], // 6to4 relay anycast
  ['192.168.0.0', 16], // RFC 1918
  ['198.18.0.0', 15], // benchmarking
  ['198.51.100.0', 24], // documentation
  ['203.0.113.0', 24], // documentation
  ['224.0.0.0', 4], // multicast
  ['240.0.0.0', 4], // reserved, broadcast
] as const)
  nonPublicV4.addSubnet(address, prefix, 'ipv4')
for (const [address, prefix] of [
  ['::', 16], // unspecified, loopback, IPv4-mapped and -compatible
  ['100::', 64], // discard-only
  ['2001::', 32], // Teredo
  ['2001:2::', 48], // benchmarking
  ['2001:10::', 28], // ORCHID (deprecated)
  ['2001:20::', 28], // ORCHIDv2
  ['2001:db8::', 32], // documentation
  ['3fff::', 20], // documentation (RFC 9637)
  ['5f00::', 16], // SRv6 segment identifiers
  ['2002::', 16], // 6to4
  ['64:ff9b:1::', 48], // local-use NAT64
  ['fc00::', 7], // unique local
  ['fe80::', 10], // link-local
  ['ff00::', 8], // multicast
] as const)
  nonPublicV6.addSubnet(address, prefix, 'ipv6')

/** The well-known NAT64 prefix carries an IPv4 address in its last 32 bits: that one decides. */
function nat64Embedded(address: string): string | null {
  const canonical = new URL(`http://[${address}]/`).hostname.slice(1, -1)
  const match = /^64:ff9b::(?:([0-9a-f]{1,4}):)?([0-9a-f]{1,4})$/.exec(canonical)
  if (!match) return null
  const value = (parseInt(match[1] ?? '0', 16) << 16) | parseInt(match[2] ?? '0', 16)
  return [value >>> 24, (value >>> 16) & 255, (value >>> 8) & 255, value & 255].join('.')
}

/** Whether federation may connect to this IP literal (IPv6 without brackets). */
export function isPublicAddress(address: string): boolean {
  const family = isIP(address)
  if (family === 4) return !nonPublicV4.check(address, 'ipv4')
  if (family === 6) {
    // A dual-stack socket may report an IPv4 peer this way; the IPv4 address decides.
    const mapped = /^::ffff:(\d+\.\d+\.\d+\.\d+)$/i.exec(address)
    if (mapped?.[1] !== undefined) return isPublicAddress(mapped[1])
    if (nonPublicV6.check(address, 'ipv6')) return false
    const embedded = nat64Embedded(address)
    return embedded === null || isPublicAddress(embedded)
  }
  return false
}

/** The host of a URL as `isIP()` wants it (IPv6 without brackets). */
export function bareHost(hostname: string): string {
  return hostname.startsWith('[') && hostname.endsWith(']') ? hostname.slice(1, -1) : hostname
}

export const systemLookup = dnsLookup as LookupFunction

/** Every address `lookup` gives for `hostname`. */
export function resolveAll(lookup: LookupFunction, hostname: string): Promise<string[]> {
  return new Promise((resolve, reject) => {
    lookup(hostname, { all: true }, (error, address) => {
      if (error) reject(error)
      else resolve(Array.isArray(address) ? address.map((entry) => entry.address) : [address])
    })
  })
}

/**
 * `lookup` that fails with `PrivateAddressError` when any address of the name is not public:
 * refusing the whole name (not filtering) keeps a half-private name from being used at all.
 */
export function publicOnlyLookup(
  lookup: LookupFunction,
  isPublic: (address: string) => boolean = isPublicAddress,
): LookupFunction {
  return (hostname, options, callback) => {
    lookup(hostname, options, (error, address, family) => {
      if (error) return callback(error, address, family)
      const addresses = Array.isArray(address) ? address.map((entry) => entry.address) : [address]
      const refused = addresses.find((candidate) => !isPublic(candidate))
      if (refused !== undefined) return callback(new PrivateAddressError(hostname, refused), address, family)
      callback(null, address, family)
    })
  }
}
