/**
 * A throwaway certificate authority made with node-forge, and a certificate for 127.0.0.1 signed by
 * it, so test instances serve real HTTPS (Fedify's WebFinger client looks `acct:` handles up over
 * https only). `trustLocalCa()` adds the CA to this process's default trust store, which Node's
 * fetch (Fedify's transport) uses; nothing is written to disk.
 */
import tls from 'node:tls'
import forge from 'node-forge'

export type LocalCa = { caPem: string; keyPem: string; certPem: string }

let made: LocalCa | null = null

/** One CA and one 127.0.0.1/localhost server certificate per test process (RSA generation is slow). */
export function localCa(): LocalCa {
  if (made) return made
  const { pki, md } = forge
  const caKeys = pki.rsa.generateKeyPair(2048)
  const ca = pki.createCertificate()
  ca.publicKey = caKeys.publicKey
  ca.serialNumber = '01'
  ca.validity.notBefore = new Date(Date.now() - 60_000)
  ca.validity.notAfter = new Date(Date.now() + 24 * 3600_000)
  const caName = [{ name: 'commonName', value: 'Parley test CA' }]
  ca.setSubject(caName)
  ca.setIssuer(caName)
  ca.setExtensions([
    { name: 'basicConstraints', cA: true, critical: true },
    { name: 'keyUsage', keyCertSign: true, cRLSign: true, critical: true },
  ])
  ca.sign(caKeys.privateKey, md.sha256.create())

  const keys = pki.rsa.generateKeyPair(2048)
  const cert = pki.createCertificate()
  cert.publicKey = keys.publicKey
  cert.serialNumber = '02'
  cert.validity.notBefore = ca.validity.notBefore
  cert.validity.notAfter = ca.validity.notAfter
  cert.setSubject([{ name: 'commonName', value: '127.0.0.1' }])
  cert.setIssuer(caName)
  cert.setExtensions([
    { name: 'basicConstraints', cA: false },
    { name: 'keyUsage', digitalSignature: true, keyEncipherment: true, critical: true },
    { name: 'extKeyUsage', serverAuth: true },
    {
      name: 'subjectAltName',
      altNames: [
        { type: 7, ip: '127.0.0.1' },
        { type: 2, value: 'localhost' },
      ],
    },
  ])
  cert.sign(caKeys.privateKey, md.sha256.create())
  made = {
    caPem: pki.certificateToPem(ca),
    keyPem: pki.privateKeyToPem(keys.privateKey),
    certPem: pki.certificateToPem(cert),
  }
  return made
}

/** Uses a CA made by another process (a test's child instance must be trusted by its parent). */
export function useLocalCa(ca: LocalCa): void {
  made = ca
}

let trusted = false

export function trustLocalCa(ca: LocalCa): void {
  if (trusted) return
  trusted = true
  tls.setDefaultCACertificates([...tls.getCACertificates('default'), ca.caPem])
}
