/**
 * Tests only: an HTTPS server on 127.0.0.1:0 with a throwaway self-signed certificate (for
 * 127.0.0.1 and the test names below), trusted by this test process. Fetches refused on a strict
 * policy must be https, so testing them needs one. Keys come from node:crypto (fast); node-forge
 * only writes the certificate.
 */
import { generateKeyPairSync } from 'node:crypto'
import { createServer, type Server } from 'node:https'
import type { IncomingMessage, ServerResponse } from 'node:http'
import type { AddressInfo } from 'node:net'
import tls from 'node:tls'
import forge from 'node-forge'

/** Names the certificate covers besides 127.0.0.1 (tests map them to 127.0.0.1 with a lookup). */
export const TEST_NAMES = ['localhost', 'origin.test', 'rebind.test', 'private.test'] as const

let trusted: { key: string; cert: string } | null = null

function certificate(): { key: string; cert: string } {
  if (trusted) return trusted
  const { privateKey, publicKey } = generateKeyPairSync('rsa', {
    modulusLength: 2048,
    privateKeyEncoding: { type: 'pkcs8', format: 'pem' },
    publicKeyEncoding: { type: 'spki', format: 'pem' },
  })
  const cert = forge.pki.createCertificate()
  cert.publicKey = forge.pki.publicKeyFromPem(publicKey)
  cert.serialNumber = '01'
  cert.validity.notBefore = new Date(Date.now() - 60_000)
  cert.validity.notAfter = new Date(Date.now() + 3600_000)
  const name = [{ name: 'commonName', value: '127.0.0.1' }]
  cert.setSubject(name)
  cert.setIssuer(name)
  cert.setExtensions([
    { name: 'basicConstraints', cA: true },
    {
      name: 'subjectAltName',
      altNames: [{ type: 7, ip: '127.0.0.1' }, ...TEST_NAMES.map((value) => ({ type: 2, value }))],
    },
  ])
  cert.sign(forge.pki.privateKeyFromPem(privateKey), forge.md.sha256.create())
  trusted = { key: privateKey, cert: forge.pki.certificateToPem(cert) }
  tls.setDefaultCACertificates([...tls.getCACertificates('default'), trusted.cert])
  return trusted
}

export type LoopbackHttps = { server: Server; port: number; close(): Promise<void> }

export async function startLoopbackHttps(
  handler: (req: IncomingMessage, res: ServerResponse) => void,
): Promise<LoopbackHttps> {
  const server = createServer(certificate(), handler)
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve))
  return {
    server,
    port: (server.address() as AddressInfo).port,
    close: async () => {
      server.closeAllConnections()
      await new Promise((resolve) => server.close(resolve))
    },
  }
}
