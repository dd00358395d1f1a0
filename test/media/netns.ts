/**
 * The private network namespace media tests run in. Janus never gathers ICE candidates on loopback
 * interfaces and silently falls back to every interface when its ice_enforce_list matches nothing,
 * so the namespace holds `lo` (up) and a veth pair whose `parley0` end carries 127.0.0.2/32: Janus
 * is told to use exactly `parley0`, coturn listens and relays on 127.0.0.2, and nothing can leave
 * the machine because the namespace has no route out. (A dummy interface would do, but the dummy
 * kernel module is not available in every container; veth is.)
 */
import { networkInterfaces } from 'node:os'

export const MEDIA_INTERFACE = 'parley0'
export const MEDIA_ADDRESS = '127.0.0.2'

/** Shell commands that set the namespace up (run as root inside `unshare -n`). */
export const NETNS_SETUP = [
  'ip link set lo up',
  `ip link add ${MEDIA_INTERFACE} type veth peer name parley1`,
  `ip addr add ${MEDIA_ADDRESS}/32 dev ${MEDIA_INTERFACE}`,
  `ip link set ${MEDIA_INTERFACE} up`,
  'ip link set parley1 up',
].join(' && ')

/** True inside the namespace test/media/run.ts creates. */
export function inMediaNetns(): boolean {
  const addresses = networkInterfaces()[MEDIA_INTERFACE] ?? []
  const others = Object.keys(networkInterfaces()).filter((name) => !['lo', MEDIA_INTERFACE, 'parley1'].includes(name))
  return addresses.some((a) => a.address === MEDIA_ADDRESS) && others.length === 0
}

/** Fails the calling test with a clear message when run outside the namespace. */
export function requireMediaNetns(): void {
  if (!inMediaNetns()) {
    throw new Error(
      'Media tests must run inside the private network namespace: start them with "npm run test:media" ' +
        '(as root, or with CAP_SYS_ADMIN and CAP_NET_ADMIN), which creates it with unshare -n and runs them there.',
    )
  }
}
