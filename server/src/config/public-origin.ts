/**
 * The public origin and the address Parley listens on. Unset, the public origin follows the
 * listening address, so `PARLEY_PORT=9000` alone gives a working instance at http://localhost:9000
 * (instead of a page whose realtime connection is refused for coming from the "wrong" origin).
 */

const LOOPBACK = new Set(['127.0.0.1', '::1', 'localhost'])
const WILDCARD = new Set(['0.0.0.0', '::', ''])

/** The http origin of a listening address: loopback and wildcard addresses are reached as localhost. */
export function listeningOrigin(host: string, port: number): string {
  const name = LOOPBACK.has(host) || WILDCARD.has(host) ? 'localhost' : host.includes(':') ? `[${host}]` : host
  // Port 0 picks a free port at start: not known here.
  return port === 0 || port === 80 ? `http://${name}` : `http://${name}:${port}`
}

/**
 * Why the public origin cannot be the listening address, or null when it is (loopback names and
 * wildcard addresses count as the same machine). Behind a reverse proxy they differ on purpose.
 */
export function originMismatch(publicOrigin: string, host: string, port: number): string | null {
  const url = new URL(publicOrigin)
  const originPort = Number(url.port || (url.protocol === 'https:' ? 443 : 80))
  const originHost = url.hostname.replace(/^\[|\]$/g, '')
  const sameHost = originHost === host || WILDCARD.has(host) || (LOOPBACK.has(host) && LOOPBACK.has(originHost))
  if (url.protocol === 'https:')
    return `it is https and Parley itself serves plain http on ${listeningOrigin(host, port)}`
  if (port !== 0 && originPort !== port) return `its port ${originPort} is not the listening port ${port}`
  if (!sameHost) return `its host ${originHost} is not the listening address ${host}`
  return null
}
